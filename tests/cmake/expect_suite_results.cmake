# Runs an acceptance suite against a server that implements none of it and
# checks that the suite notices: every test fails, none passes or is
# skipped, the run ends in time, and neither the suite nor the server
# crashes.
#
#   cmake -D SUITE=... -D SERVER=... -D MIN_TESTS=n -D REPORT=out.json -P expect_all_fail.cmake
foreach(var SUITE SERVER MIN_TESTS REPORT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "expect_all_fail.cmake needs -D ${var}=...")
  endif()
endforeach()

file(REMOVE "${REPORT}")
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env --unset=USER_API_URL "USER_API_SERVER=${SERVER}"
          "${SUITE}" "--gtest_output=json:${REPORT}"
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output
  TIMEOUT 540)

if(NOT result EQUAL 1)
  message(FATAL_ERROR
    "the suite should exit 1 (tests failed), but it ended with '${result}' "
    "(a crash or a time-out):\n${output}")
endif()
if(NOT EXISTS "${REPORT}")
  message(FATAL_ERROR "the suite wrote no report to ${REPORT}:\n${output}")
endif()

file(READ "${REPORT}" report)
string(JSON total GET "${report}" tests)
if(total LESS MIN_TESTS)
  message(FATAL_ERROR "the suite has ${total} tests; at least ${MIN_TESTS} were expected")
endif()

set(not_failed "")
set(crashed "")
string(JSON suite_count LENGTH "${report}" testsuites)
math(EXPR last_suite "${suite_count} - 1")
foreach(i RANGE ${last_suite})
  string(JSON suite_name GET "${report}" testsuites ${i} name)
  string(JSON test_count LENGTH "${report}" testsuites ${i} testsuite)
  math(EXPR last_test "${test_count} - 1")
  foreach(j RANGE ${last_test})
    string(JSON test_name GET "${report}" testsuites ${i} testsuite ${j} name)
    string(JSON test_result GET "${report}" testsuites ${i} testsuite ${j} result)
    string(JSON failures ERROR_VARIABLE no_failures GET "${report}" testsuites ${i} testsuite ${j} failures)
    if(no_failures OR NOT test_result STREQUAL "COMPLETED")
      list(APPEND not_failed "${suite_name}.${test_name} (${test_result})")
    elseif(failures MATCHES "during the test|sanitizer reported")
      list(APPEND crashed "${suite_name}.${test_name}")
    endif()
  endforeach()
endforeach()

if(not_failed)
  list(JOIN not_failed "\n  " listed)
  message(FATAL_ERROR "these tests did not fail against ${SERVER}, so they cannot tell a "
                      "server that does nothing from one that works:\n  ${listed}")
endif()
if(crashed)
  list(JOIN crashed "\n  " listed)
  message(FATAL_ERROR "the server crashed or a sanitizer fired during:\n  ${listed}")
endif()
message(STATUS "all ${total} tests of the suite failed against ${SERVER}, as they should")
