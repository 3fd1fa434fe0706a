# The language settings, core dependencies and warnings that every program
# of the kit is built with, the starter's included. Shared by the kit's
# top-level CMakeLists.txt and a candidate's workspace (scripts/new-candidate).
# Dependencies come from Debian packages only (scripts/setup).
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

find_package(PkgConfig REQUIRED)
# The Debian package is a compiled library whose CPPHTTPLIB_* defines change
# the class layout, so the defines must come from its pkg-config file.
pkg_check_modules(httplib REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(Threads REQUIRED)

# Warnings for every target; linked, never set globally.
add_library(kit_warnings INTERFACE)
target_compile_options(kit_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
