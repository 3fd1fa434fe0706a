#include "program_run.hpp"

#include <chrono>
#include <memory>

#include "target_server.hpp"
#include "text.hpp"

namespace acceptance {

namespace {

// How long a program that closed its stdout without a line gets to exit.
constexpr std::chrono::milliseconds kExitAfterOutputEnds(500);

// Runs the program until it exits, or for `linger` after its first line.
ServerProcess::Outcome RunProgram(const std::vector<std::string>& args,
                                  const std::string& workdir,
                                  const std::map<std::string, std::string>& env,
                                  std::chrono::milliseconds linger) {
  std::string error;
  std::unique_ptr<ServerProcess> process =
      ServerProcess::Spawn(ServerProgramFromEnvironment(), args, workdir, env, error);
  if (!process) return {"could not be started: " + error, "", ""};
  const bool wrote_a_line = process->WaitForFirstLine(std::chrono::seconds(10)).has_value();
  std::string exit =
      process->WaitForExit(wrote_a_line ? linger : kExitAfterOutputEnds).value_or("");
  process->Stop();
  return {exit, process->Stdout(), process->Stderr()};
}

}  // namespace

ServerProcess::Outcome RunProgramToExit(const std::vector<std::string>& args,
                                        const std::string& workdir,
                                        const std::map<std::string, std::string>& env) {
  return RunProgram(args, workdir, env, std::chrono::milliseconds(500));
}

ServerProcess::Outcome RunProgramUntilStarted(const std::vector<std::string>& args,
                                              const std::string& workdir,
                                              const std::map<std::string, std::string>& env) {
  return RunProgram(args, workdir, env, std::chrono::milliseconds(0));
}

std::string DescribeRun(const std::vector<std::string>& args,
                        const ServerProcess::Outcome& outcome) {
  std::string command = "PROGRAM";
  for (const std::string& arg : args) command += " '" + arg + "'";
  return "\n  command: " + command + "\n  exit: " +
         (outcome.exit.empty() ? "none: it kept running and was stopped" : outcome.exit) +
         "\n  stdout: " + LastLines(outcome.out, 10) + "\n  stderr: " + LastLines(outcome.err, 10);
}

}  // namespace acceptance
