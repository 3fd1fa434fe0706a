// The program under test (USER_API_SERVER) run by hand until it exits, for
// the tests of flags and settings that must stop it at startup.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "server_process.hpp"

namespace acceptance {

// Runs the program with `args` in `workdir` until it exits. Bounded: a
// program that starts serving instead (prints its listening line) is
// stopped half a second later, and one that does neither after 10 s;
// Outcome::exit is then "".
ServerProcess::Outcome RunProgramToExit(const std::vector<std::string>& args,
                                        const std::string& workdir,
                                        const std::map<std::string, std::string>& env = {});

// The same run, stopped as soon as the program has written its first line
// (its listening line, when it started) or has exited: for tests that need
// only that line, and so do not wait the half second for an exit.
ServerProcess::Outcome RunProgramUntilStarted(const std::vector<std::string>& args,
                                              const std::string& workdir,
                                              const std::map<std::string, std::string>& env = {});

// The command line, the exit and the last lines of the program's output,
// for a failure message.
std::string DescribeRun(const std::vector<std::string>& args,
                        const ServerProcess::Outcome& outcome);

}  // namespace acceptance
