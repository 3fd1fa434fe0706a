# kit_add_stage(<name> SOURCES <file>... [LIBRARIES <target>...])
#
# Declares one stage of the reference solution, from the stage's folder:
# the OBJECT library <name>_lib of SOURCES (besides src/main.cpp), which
# the unit tests, the fuzz targets and the benchmarks link; and the server
# <name>_server, built as `user_api`, from src/main.cpp. Every stage links
# the core (cpp-httplib, nlohmann/json, threads) and CLI11; LIBRARIES adds
# what the stage needs besides. So a stage's CMakeLists.txt is its source
# list, and the diff between two stages' is what the later one adds.
function(kit_add_stage name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBRARIES")
  if(arg_UNPARSED_ARGUMENTS OR NOT arg_SOURCES)
    message(FATAL_ERROR "kit_add_stage(${name}): expected SOURCES <file>... [LIBRARIES <target>...]")
  endif()
  add_library(${name}_lib OBJECT ${arg_SOURCES})
  target_include_directories(${name}_lib PUBLIC src)
  target_link_libraries(${name}_lib
    PUBLIC PkgConfig::httplib nlohmann_json::nlohmann_json CLI11::CLI11 Threads::Threads
           ${arg_LIBRARIES}
    PRIVATE kit_warnings)
  # What /health reports as the server's version.
  target_compile_definitions(${name}_lib PRIVATE USER_API_VERSION="${PROJECT_VERSION}")
  # The JSON and HTTP headers dominate compile times; parse them once.
  target_precompile_headers(${name}_lib PRIVATE <httplib.h> <nlohmann/json.hpp>)

  add_executable(${name}_server src/main.cpp)
  target_link_libraries(${name}_server PRIVATE ${name}_lib kit_warnings)
  set_target_properties(${name}_server PROPERTIES OUTPUT_NAME user_api)
endfunction()
