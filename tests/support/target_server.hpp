// The implementation under test, as one test sees it: either a server
// started for that test alone, or a long-running one named by URL.
//
// Environment:
//   USER_API_URL     base URL of a running server; when set, nothing is started.
//   USER_API_SERVER  path of the program to start with `--port 0` (set by
//                    CMake for each registered implementation).
#pragma once

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
};

class TargetServer {
 public:
  // Reaches USER_API_URL, or starts USER_API_SERVER in a fresh temporary
  // directory, reads its listening line and polls GET /health until 200.
  // Returns nullptr and a full explanation in `error` when that fails,
  // within a bounded time: a server that never starts does not hang a test.
  static std::unique_ptr<TargetServer> Start(const StartOptions& options, std::string& error);
  ~TargetServer();

  // scheme://host:port, with no trailing slash.
  const std::string& base_url() const { return base_url_; }

  // True when the server was started by this test (not reached by URL).
  bool spawned() const { return process_ != nullptr; }

  // The last lines the server wrote to stderr, or a note that they are not
  // available for a server reached by URL.
  std::string OutputTail() const;

  // Stops a started server. Returns "" when all was well, otherwise what went
  // wrong during the test: the server exited by itself, or a sanitizer
  // reported an error on stderr.
  std::string Finish();

 private:
  TargetServer() = default;

  std::string base_url_;
  std::unique_ptr<ServerProcess> process_;
  std::string workdir_;
};

// The program that USER_API_SERVER names, or "" when it is not set.
std::string ServerProgramFromEnvironment();

}  // namespace acceptance
