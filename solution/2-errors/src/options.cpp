#include "options.hpp"

#include <CLI/CLI.hpp>

namespace user_api {

ParsedOptions ParseOptions(const std::vector<std::string>& args) {
  Options options;
  CLI::App app("The User API: users over HTTP.", "user_api");
  app.option_defaults()->always_capture_default();
  app.add_option("--host", options.host, "address to listen on");
  app.add_option("--port", options.port, "port to listen on, 0 for a free one")
      ->check(CLI::Range(0, 65535));

  // CLI11 wants argv in reverse order when given a vector.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, app.help(), 0};
  } catch (const CLI::ParseError& error) {
    return {std::nullopt, "user_api: " + std::string(error.what()) + "\n" + app.help(), 2};
  }
  return {options, "", 0};
}

}  // namespace user_api
