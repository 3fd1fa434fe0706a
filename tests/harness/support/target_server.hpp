// The implementation under test, as one test sees it: either a server
// started for that test alone, or a long-running one named by URL.
//
// Environment:
//   USER_API_URL     base URL of a running server; when set, nothing is started.
//   USER_API_SERVER  path of the program to start with `--port 0` (set by
//                    CMake for each registered implementation).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server_process.hpp"

namespace acceptance {

struct StartOptions {
  std::vector<std::string> extra_args;             // After `--port 0`.
  std::map<std::string, std::string> environment;  // Added to the server's.

  bool empty() const { return extra_args.empty() && environment.empty(); }
};

// The options as shell words, for messages: "USER_API_KEY=k --db users.db".
std::string DescribeOptions(const StartOptions& options);

// Not thread-safe: start, restart, signal and finish from the test's own
// thread. base_url() and OutputTail() may be called from other threads while
// no restart is under way.
class TargetServer {
 public:
  // Reaches USER_API_URL, or starts USER_API_SERVER in a fresh temporary
  // directory, reads its listening line and polls GET /health until 200
  // (an answer that is not 2xx fails the start at once).
  // Returns nullptr and a full explanation in `error` when that fails,
  // within a bounded time: a server that never starts does not hang a test.
  // With USER_API_URL the options are not applied (nothing is started);
  // AcceptanceTest skips tests that need them.
  static std::unique_ptr<TargetServer> Start(const StartOptions& options, std::string& error);
  ~TargetServer();

  // scheme://host:port, with no trailing slash. Changes at each Restart.
  const std::string& base_url() const { return base_url_; }

  // True when the server was started by this test (not reached by URL).
  bool spawned() const { return !workdir_.empty(); }

  // The data directory: the started server's working directory, kept for
  // the whole test, across restarts. "" for a server reached by URL.
  const std::string& workdir() const { return workdir_; }

  // The command line of the current run, for messages.
  const std::string& command() const { return command_; }

  // The last lines the server wrote to stderr, or a note that they are not
  // available for a server reached by URL.
  std::string OutputTail() const;

  // Everything the current run wrote to stderr so far (the last MiB), or ""
  // for a server reached by URL.
  std::string Stderr() const;

  // Everything every run of this test wrote to stderr, earlier runs first.
  std::string StderrOfAllRuns() const;

  // Stops the server if it still runs (SIGTERM, then SIGKILL after a grace
  // period; a server already stopped by Signal is simply reaped) and starts
  // the program again in the same data directory, with the same options or
  // with `options`. Reads the new listening line, so base_url() then names
  // the new port, and polls GET /health as Start does. Returns "" or a full
  // explanation of what failed, within a bounded time. Refused for a server
  // reached by URL. A server that had exited by itself before the restart
  // is reported by Finish.
  std::string Restart();
  std::string Restart(const StartOptions& options);

  // Sends `signal` to the server process (SIGTERM, SIGINT, SIGKILL...).
  // From then on its exit is expected, and Finish does not report it.
  // Returns false when there is no running started server.
  bool Signal(int signal);

  // Waits up to `timeout` for the started server to exit and for its output
  // to be fully read. Returns the exit description ("exited with code 0",
  // "was killed by signal 9 (SIGKILL)"), or nullopt if it still runs or the
  // server was reached by URL.
  std::optional<std::string> WaitForExit(std::chrono::milliseconds timeout);

  // Stops a started server. Returns "" when all was well, otherwise what went
  // wrong during the test: the server exited by itself (not after Signal),
  // or a sanitizer reported an error on stderr in any run.
  std::string Finish();

 private:
  TargetServer() = default;

  // Spawns the program in workdir_ with `options` and waits until it is
  // healthy. Returns "" or what went wrong.
  std::string Launch(const StartOptions& options);

  std::string base_url_;
  std::unique_ptr<ServerProcess> process_;
  std::string workdir_;
  std::string program_;
  std::string command_;
  StartOptions options_;         // Those of the current run.
  bool exit_expected_ = false;   // Set by Signal, for the current run.
  std::string earlier_stderr_;   // What earlier runs wrote.
  std::string problems_;         // Found at restarts; reported by Finish.
};

// The program that USER_API_SERVER names, or "" when it is not set.
std::string ServerProgramFromEnvironment();

// The base URL that USER_API_URL names, or "" when it is not set: then every
// test shares one long-running server and none is started.
std::string SharedServerUrlFromEnvironment();

}  // namespace acceptance
