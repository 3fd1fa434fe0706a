// Command-line options of the server: the program contract (guide/
// api-spec.md, "The program") that every stage and the starter keep.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace user_api {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0 asks the kernel for a free port.
};

// The outcome of parsing argv: options to run with, or a reason to stop
// (usage text for --help, an error message otherwise) and the exit code.
struct ParsedOptions {
  std::optional<Options> options;
  std::string message;
  int exit_code = 0;
};

// Parses --host and --port (also --port=P), and --help, with CLI11.
// Never throws; an unknown flag or a bad value yields exit code 2, --help
// exit code 0.
ParsedOptions ParseOptions(const std::vector<std::string>& args);

}  // namespace user_api
