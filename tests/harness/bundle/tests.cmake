# The acceptance suites, registered against your server (starter/): each
# test is named starter/<label>/Suite.Test and labelled by what it checks,
# so `ctest --preset dev -L crud` runs stage 1, `-L errors` stage 2, and
# `-L extras` (or `-L auth`, `-L pagination`, ...) the extras.
include(harness/cmake/public_suites.cmake)
register_graded_suites(PREFIX starter SERVER starter_server)

# After each ctest run in this build, whatever its flags, ctest runs
# scripts/record-run, which records the run on the workspace's timeline (a
# hidden git ref the interviewer's grade reads; it prints nothing and
# leaves your branch, index and files alone).
file(WRITE "${CMAKE_BINARY_DIR}/CTestCustom.cmake"
  "set(CTEST_CUSTOM_POST_TEST [[\"${PROJECT_SOURCE_DIR}/scripts/record-run\" ctest \"${CMAKE_BINARY_DIR}\"]])\n")
