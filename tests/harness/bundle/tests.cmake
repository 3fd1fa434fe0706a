# The acceptance suites, registered against your server (starter/): each
# test is named starter/<label>/Suite.Test and labelled by what it checks,
# so `ctest --preset dev -L crud` runs stage 1, `-L errors` stage 2, and
# `-L extras` (or `-L auth`, `-L pagination`, ...) the extras.
include(harness/cmake/public_suites.cmake)
register_graded_suites(PREFIX starter SERVER starter_server)
