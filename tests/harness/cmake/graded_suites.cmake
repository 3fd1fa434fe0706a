# The acceptance suites registered against one implementation, as a grader
# runs them: scripts/grade in the kit, and a candidate's own workspace.

# The extras, one label per feature (label:fixture[:serial]), so that each
# can be graded alone: ctest -L extras for all of them, ctest -L auth for
# one. "serial" marks features whose tests count things across the whole
# server (requests, users), which other tests running at the same moment
# against one shared server would move.
set(EXTRAS_FEATURES
  pagination:Pagination search:Search methods:Methods health:Health:serial logging:Logging
  metrics:Metrics:serial auth:Auth ratelimit:RateLimit conditional:Conditional
  persistence:Persistence docs:Docs shutdown:Shutdown environment:Environment
  model:Model)

# The public suites, each with the stage it grades (suite:stage), in the
# order of the stages: what scripts/check runs and draws a progress bar
# for per stage (tests/tools/grading/weights.json gives the same stages
# per label, for the grade).
set(GRADED_SUITE_STAGES contract:1 crud:1 errors:2 extras:3)

# register_extras_suite(PREFIX prefix [SERVER target | PROGRAM path] [NAMED_BY_LABEL])
#   Registers extras_suite once per feature, labelled extras-<feature>.
#   NAMED_BY_LABEL names the tests PREFIX/extras-<feature>/Suite.Test.
function(register_extras_suite)
  cmake_parse_arguments(PARSE_ARGV 0 arg "NAMED_BY_LABEL" "PREFIX;SERVER;PROGRAM" "")
  foreach(feature ${EXTRAS_FEATURES})
    string(REPLACE ":" ";" feature ${feature})
    list(GET feature 0 label)
    list(GET feature 1 fixture)
    set(serial "")
    if("serial" IN_LIST feature)
      set(serial RUN_SERIAL)
    endif()
    set(prefix ${arg_PREFIX})
    if(arg_NAMED_BY_LABEL)
      set(prefix ${arg_PREFIX}/extras-${label})
    endif()
    set(target_args "")
    if(arg_SERVER)
      set(target_args SERVER ${arg_SERVER})
    elseif(arg_PROGRAM)
      set(target_args PROGRAM ${arg_PROGRAM})
    endif()
    register_acceptance_suite(extras ${target_args} PREFIX ${prefix}
      LABEL extras-${label} FILTER "*${fixture}Test.*" ${serial})
  endforeach()
endfunction()

# register_graded_suites(PREFIX prefix [SERVER target] [SUITES name...])
#   Registers every suite in SUITES (default: those of GRADED_SUITE_STAGES)
#   with the tests named PREFIX/<label>/Suite.Test and labelled by suite
#   (extras by feature), which is what tests/tools/grading/scorecard.py reads.
#   Without SERVER, the tests take their target from ctest's environment,
#   USER_API_SERVER or USER_API_URL, as scripts/grade sets it.
function(register_graded_suites)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "PREFIX;SERVER" "SUITES")
  if(NOT arg_SUITES)
    foreach(suite_stage ${GRADED_SUITE_STAGES})
      string(REGEX REPLACE ":.*" "" suite ${suite_stage})
      list(APPEND arg_SUITES ${suite})
    endforeach()
  endif()
  set(target_args "")
  if(arg_SERVER)
    set(target_args SERVER ${arg_SERVER})
  endif()
  foreach(suite ${arg_SUITES})
    if(suite STREQUAL "extras")
      register_extras_suite(PREFIX ${arg_PREFIX} ${target_args} NAMED_BY_LABEL)
    else()
      register_acceptance_suite(${suite} ${target_args} PREFIX ${arg_PREFIX}/${suite})
    endif()
  endforeach()
endfunction()
