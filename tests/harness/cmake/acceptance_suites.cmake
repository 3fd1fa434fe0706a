# Helpers that build an acceptance suite and register it against an
# implementation, with ctest labels by stage.

# add_kit_client(TARGET PATH)
#   When KIT_CLIENTS_FROM names a build folder, makes TARGET stand for the
#   program PATH in it (relative to it) and returns true in TARGET_IMPORTED
#   in the caller's scope; otherwise does nothing and returns false.
macro(add_kit_client target path)
  if(KIT_CLIENTS_FROM)
    if(NOT EXISTS "${KIT_CLIENTS_FROM}/${path}")
      message(FATAL_ERROR "KIT_CLIENTS_FROM: ${KIT_CLIENTS_FROM}/${path} does not exist; build it first")
    endif()
    add_executable(${target} IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES IMPORTED_LOCATION "${KIT_CLIENTS_FROM}/${path}")
    set(TARGET_IMPORTED TRUE)
  else()
    set(TARGET_IMPORTED FALSE)
  endif()
endmacro()

# add_acceptance_suite(NAME source...)
#   Builds the GoogleTest program NAME_suite from the sources, or takes it
#   from KIT_CLIENTS_FROM.
function(add_acceptance_suite name)
  add_kit_client(${name}_suite tests/${name}_suite)
  if(TARGET_IMPORTED)
    return()
  endif()
  add_executable(${name}_suite ${ARGN})
  target_link_libraries(${name}_suite PRIVATE acceptance_main kit_warnings)
  target_precompile_headers(${name}_suite REUSE_FROM acceptance_support)
endfunction()

# register_acceptance_suite(NAME [SERVER target | PROGRAM path] PREFIX prefix
#                           [LABEL label] [FILTER gtest-filter] [RUN_SERIAL])
#   Adds one ctest test per test of NAME_suite (or of those FILTER selects),
#   named PREFIX/Suite.Test and labelled LABEL (default NAME), that starts
#   the SERVER target's program, or PROGRAM (a server built elsewhere), or
#   with neither, the target named in ctest's environment. gtest_discover_tests cannot give a test two
#   labels, so a label that must answer to two names holds both
#   ("extras-auth" answers ctest -L extras and ctest -L auth, since -L is a
#   regular expression), and the implementation is told by the name
#   (ctest -L crud -R '^stage1/').
function(register_acceptance_suite name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "RUN_SERIAL" "SERVER;PROGRAM;PREFIX;LABEL;FILTER" "")
  if(arg_SERVER)
    set(arg_PROGRAM $<TARGET_FILE:${arg_SERVER}>)
  endif()
  # Without a server, the tests use the target in ctest's environment.
  set(environment "")
  if(arg_PROGRAM)
    set(environment ENVIRONMENT "USER_API_SERVER=${arg_PROGRAM}")
  endif()
  # Tests that read counters of the whole server must not share it with
  # tests running at the same time (USER_API_URL with ctest -j).
  set(serial "")
  if(arg_RUN_SERIAL)
    set(serial RUN_SERIAL TRUE)
  endif()
  if(NOT arg_LABEL)
    set(arg_LABEL ${name})
  endif()
  if(NOT arg_FILTER)
    set(arg_FILTER "*")
  endif()
  # A suite built elsewhere has no build step to list its tests after.
  set(discovery_mode POST_BUILD)
  if(KIT_CLIENTS_FROM)
    set(discovery_mode PRE_TEST)
  endif()
  gtest_discover_tests(${name}_suite
    DISCOVERY_MODE ${discovery_mode}
    TEST_PREFIX "${arg_PREFIX}/"
    TEST_FILTER "${arg_FILTER}"
    DISCOVERY_TIMEOUT 30
    PROPERTIES
      LABELS ${arg_LABEL}
      ${environment}
      ${serial}
      TIMEOUT 120)
endfunction()
