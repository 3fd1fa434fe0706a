// Command-line options of the stage-3 server: the program contract's flags
// plus the extras', each with an environment variable as its fallback.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace user_api {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8000;        // 0 asks the kernel for a free port.
  std::string db;         // SQLite file or postgresql:// URL; "" or ":memory:" keeps
                          // users in memory.
  std::string api_key;    // "" means no authentication.
  int rate_limit = 0;     // Requests per second per client; 0 means no limit.
  std::string docs_dir;   // Where swagger-ui-dist's files are.
};

// The outcome of parsing argv: options to run with, or a reason to stop
// (usage text for --help, an error message otherwise) and the exit code.
struct ParsedOptions {
  std::optional<Options> options;
  std::string message;
  int exit_code = 0;
};

// Parses the flags of guide/api-spec.md ("The program"), reading
// USER_API_HOST, USER_API_PORT, USER_API_DB, USER_API_KEY,
// USER_API_RATE_LIMIT and USER_API_DOCS_DIR for flags not given (an empty
// variable counts as absent). Never throws; a bad flag or variable yields
// exit code 2, --help exit code 0.
ParsedOptions ParseOptions(const std::vector<std::string>& args);

}  // namespace user_api
