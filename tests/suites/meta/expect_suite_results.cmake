# Runs an acceptance suite against a server and checks that the suite tells
# it apart: exactly the tests named in PASSING pass (none, by default), every
# other test fails, the run ends in time, and neither the suite nor the
# server crashes.
#
#   cmake -D SUITE=... -D SERVER=... -D MIN_TESTS=n -D REPORT=out.json
#         [-D "PASSING=Suite.Test;..."] -P expect_suite_results.cmake
foreach(var SUITE SERVER MIN_TESTS REPORT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "expect_suite_results.cmake needs -D ${var}=...")
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

if(result EQUAL 0)
  message(FATAL_ERROR "every test of the suite passed against ${SERVER}, so the suite cannot "
                      "tell it from a server that does the job")
elseif(NOT result EQUAL 1)
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

set(passed "")
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
      list(APPEND passed "${suite_name}.${test_name}")
    elseif(failures MATCHES "the server was killed by signal [0-9]+ [(][A-Z0-9?]+[)] during the test|sanitizer reported")
      list(APPEND crashed "${suite_name}.${test_name}")
    endif()
  endforeach()
endforeach()

if(crashed)
  list(JOIN crashed "\n  " listed)
  message(FATAL_ERROR "the server crashed or a sanitizer fired during:\n  ${listed}")
endif()
set(unexpected ${passed})
set(missing ${PASSING})
if(PASSING)
  list(REMOVE_ITEM unexpected ${PASSING})
endif()
if(passed)
  list(REMOVE_ITEM missing ${passed})
endif()
if(unexpected)
  list(JOIN unexpected "\n  " listed)
  message(FATAL_ERROR "these tests did not fail against ${SERVER}, so they cannot tell it from "
                      "a server that does the job:\n  ${listed}")
endif()
if(missing)
  list(JOIN missing "\n  " listed)
  message(FATAL_ERROR "these tests were expected to pass against ${SERVER} but failed; if that "
                      "is right, take them out of PASSING:\n  ${listed}")
endif()
list(LENGTH passed passed_count)
message(STATUS "${total} tests against ${SERVER}: the ${passed_count} expected passed, the rest failed")
