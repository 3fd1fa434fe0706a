# The harness and the public acceptance suites: what the kit and a
# candidate's workspace (scripts/new-candidate) both build. Included from
# the folder that holds support/ and acceptance/.
include(GoogleTest)
include(${CMAKE_CURRENT_LIST_DIR}/acceptance_suites.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/graded_suites.cmake)

# Built here unless KIT_CLIENTS_FROM names a build that has the clients.
if(NOT KIT_CLIENTS_FROM)
  add_library(acceptance_support STATIC
    support/acceptance_test.cpp
    support/api_client.cpp
    support/concurrent_requests.cpp
    support/exchange.cpp
    support/expectations.cpp
    support/server_process.cpp
    support/target_server.cpp
  )
  target_include_directories(acceptance_support PUBLIC support)
  target_link_libraries(acceptance_support
    PUBLIC GTest::gtest PkgConfig::httplib nlohmann_json::nlohmann_json Threads::Threads
    PRIVATE kit_warnings)
  # The gtest, JSON and HTTP headers dominate compile times; the suites reuse
  # this precompiled header (see add_acceptance_suite).
  target_precompile_headers(acceptance_support PRIVATE
    <gtest/gtest.h> <httplib.h> <nlohmann/json.hpp>)
endif()

add_acceptance_suite(contract acceptance/contract_test.cpp)
add_acceptance_suite(crud acceptance/crud_test.cpp)
add_acceptance_suite(errors acceptance/errors_test.cpp)
add_acceptance_suite(extras acceptance/extras_test.cpp)
