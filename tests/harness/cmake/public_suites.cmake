# The harness and the public acceptance suites: what the kit and a
# candidate's workspace (scripts/new-candidate) both build. Included from
# tests/CMakeLists.txt, so that the suites are built in build/<preset>/tests
# in both; the sources are found from this file's place in tests/harness/.
include(GoogleTest)
include(${CMAKE_CURRENT_LIST_DIR}/acceptance_suites.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/graded_suites.cmake)

cmake_path(SET KIT_SUPPORT_DIR NORMALIZE ${CMAKE_CURRENT_LIST_DIR}/../support)
cmake_path(SET KIT_ACCEPTANCE_DIR NORMALIZE ${CMAKE_CURRENT_LIST_DIR}/../../suites/acceptance)

# Built here unless KIT_CLIENTS_FROM names a build that has the clients.
if(NOT KIT_CLIENTS_FROM)
  add_library(acceptance_support STATIC
    ${KIT_SUPPORT_DIR}/acceptance_test.cpp
    ${KIT_SUPPORT_DIR}/api_client.cpp
    ${KIT_SUPPORT_DIR}/concurrent_requests.cpp
    ${KIT_SUPPORT_DIR}/exchange.cpp
    ${KIT_SUPPORT_DIR}/expectations.cpp
    ${KIT_SUPPORT_DIR}/failure_reason.cpp
    ${KIT_SUPPORT_DIR}/field_changes.cpp
    ${KIT_SUPPORT_DIR}/program_run.cpp
    ${KIT_SUPPORT_DIR}/reproduce_command.cpp
    ${KIT_SUPPORT_DIR}/server_process.cpp
    ${KIT_SUPPORT_DIR}/spec_rules.cpp
    ${KIT_SUPPORT_DIR}/target_server.cpp
    ${KIT_SUPPORT_DIR}/text.cpp
  )
  target_include_directories(acceptance_support PUBLIC ${KIT_SUPPORT_DIR})
  target_link_libraries(acceptance_support
    PUBLIC GTest::gtest PkgConfig::httplib nlohmann_json::nlohmann_json Threads::Threads
    PRIVATE kit_warnings)
  # The gtest, JSON and HTTP headers dominate compile times; the suites reuse
  # this precompiled header (see add_acceptance_suite).
  target_precompile_headers(acceptance_support PRIVATE
    <gtest/gtest.h> <httplib.h> <nlohmann/json.hpp>)
  # GoogleTest's main, its brief output (USER_API_OUTPUT=brief), plus
  # USER_API_LIST_RULES (see spec_rules.hpp).
  add_library(acceptance_main STATIC ${KIT_SUPPORT_DIR}/acceptance_main.cpp
    ${KIT_SUPPORT_DIR}/brief_printer.cpp)
  target_link_libraries(acceptance_main PUBLIC acceptance_support PRIVATE kit_warnings)
endif()

add_acceptance_suite(contract ${KIT_ACCEPTANCE_DIR}/contract_test.cpp)
add_acceptance_suite(crud ${KIT_ACCEPTANCE_DIR}/crud_test.cpp ${KIT_ACCEPTANCE_DIR}/crud_model_test.cpp)
add_acceptance_suite(errors ${KIT_ACCEPTANCE_DIR}/errors_test.cpp
  ${KIT_ACCEPTANCE_DIR}/errors_model_test.cpp)
# The extras, one file per feature, in one program (see graded_suites.cmake
# for the label each feature's fixture gets).
set(extras_dir ${KIT_ACCEPTANCE_DIR}/extras)
add_acceptance_suite(extras
  ${extras_dir}/list_query.cpp
  ${extras_dir}/pagination_test.cpp
  ${extras_dir}/search_test.cpp
  ${extras_dir}/methods_test.cpp
  ${extras_dir}/health_test.cpp
  ${extras_dir}/logging_test.cpp
  ${extras_dir}/metrics_test.cpp
  ${extras_dir}/auth_test.cpp
  ${extras_dir}/rate_limit_test.cpp
  ${extras_dir}/conditional_test.cpp
  ${extras_dir}/persistence_test.cpp
  ${extras_dir}/docs_test.cpp
  ${extras_dir}/shutdown_test.cpp
  ${extras_dir}/environment_test.cpp
  ${extras_dir}/model_test.cpp)

# The model of the spec that crud, errors and extras each check at the
# rules of their stage (model/model_check.hpp).
if(NOT KIT_CLIENTS_FROM)
  set(model_dir ${KIT_ACCEPTANCE_DIR}/model)
  add_library(acceptance_model STATIC
    ${model_dir}/model_check.cpp
    ${model_dir}/model_operations.cpp
    ${model_dir}/model_runner.cpp
    ${model_dir}/user_model.cpp)
  target_include_directories(acceptance_model PUBLIC ${model_dir})
  target_link_libraries(acceptance_model PUBLIC acceptance_support PRIVATE kit_warnings)
  target_precompile_headers(acceptance_model REUSE_FROM acceptance_support)
  foreach(suite crud errors extras)
    target_link_libraries(${suite}_suite PRIVATE acceptance_model)
  endforeach()
endif()

# scripts/check: the suites it runs with their stages, and the program
# that reads their results (check/check_report.cpp).
if(NOT KIT_CLIENTS_FROM)
  list(JOIN GRADED_SUITE_STAGES "\n" check_suites)
  string(REPLACE ":" " " check_suites "${check_suites}\n")
  file(GENERATE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/check_suites.txt CONTENT "${check_suites}")
  add_executable(check_report ${CMAKE_CURRENT_LIST_DIR}/../check/check_report.cpp)
  target_link_libraries(check_report PRIVATE acceptance_support kit_warnings)
  target_precompile_headers(check_report REUSE_FROM acceptance_support)
endif()
