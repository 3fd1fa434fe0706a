#include "options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>

namespace user_api {
namespace {

// A number in decimal digits, read as decimal: left to itself, CLI11 takes
// 0x50 and +80, and reads 010 as octal.
const CLI::Validator kDecimalDigits(
    [](std::string& text) -> std::string {
      if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
        return "must be a number in decimal digits, got '" + text + "'";
      }
      text.erase(0, std::min(text.find_first_not_of('0'), text.size() - 1));
      return "";
    },
    "DIGITS");

const CLI::Validator kNotEmpty(
    [](std::string& text) -> std::string { return text.empty() ? "must not be empty" : ""; },
    "TEXT");

}  // namespace

ParsedOptions ParseOptions(const std::vector<std::string>& args) {
  Options options;
  CLI::App app("The User API: users over HTTP.", "user_api");
  // The contract: when a flag is repeated, the last one counts.
  app.option_defaults()->always_capture_default()->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--host", options.host, "address to listen on")->check(kNotEmpty);
  app.add_option("--port", options.port, "port to listen on, 0 for a free one")
      ->transform(kDecimalDigits)
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
