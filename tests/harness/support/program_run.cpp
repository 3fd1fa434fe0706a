#include "program_run.hpp"

#include <chrono>
#include <memory>

#include "target_server.hpp"
#include "text.hpp"

namespace acceptance {

ServerProcess::Outcome RunProgramToExit(const std::vector<std::string>& args,
                                        const std::string& workdir,
                                        const std::map<std::string, std::string>& env) {
  std::string error;
  std::unique_ptr<ServerProcess> process =
      ServerProcess::Spawn(ServerProgramFromEnvironment(), args, workdir, env, error);
  if (!process) return {"could not be started: " + error, "", ""};
  process->WaitForFirstLine(std::chrono::seconds(10));
  std::string exit = process->WaitForExit(std::chrono::milliseconds(500)).value_or("");
  process->Stop();
  return {exit, process->Stdout(), process->Stderr()};
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
