#include "options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <regex>

#ifndef USER_API_DEFAULT_DOCS_DIR
#define USER_API_DEFAULT_DOCS_DIR ""
#endif

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

constexpr std::size_t kMaxApiKeyLength = 256;

// 1 to kMaxApiKeyLength characters of token68 syntax (RFC 9110), as a
// Bearer token is.
std::string CheckApiKey(const std::string& key) {
  static const std::regex kToken68(R"([A-Za-z0-9\-._~+/]+=*)");
  if (key.size() > kMaxApiKeyLength || !std::regex_match(key, kToken68)) {
    return "must be 1 to " + std::to_string(kMaxApiKeyLength) +
           " characters of A-Z a-z 0-9 - . _ ~ + / then optional =";
  }
  return "";
}

}  // namespace

ParsedOptions ParseOptions(const std::vector<std::string>& args) {
  Options options;
  options.docs_dir = USER_API_DEFAULT_DOCS_DIR;
  CLI::App app("The User API: users over HTTP.", "user_api");
  // The contract: when a flag is repeated, the last one counts.
  app.option_defaults()->always_capture_default()->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--host", options.host, "address to listen on")
      ->envname("USER_API_HOST")
      ->check(kNotEmpty);
  app.add_option("--port", options.port, "port to listen on, 0 for a free one")
      ->envname("USER_API_PORT")
      ->transform(kDecimalDigits)
      ->check(CLI::Range(0, 65535));
  app.add_option("--db", options.db,
                 "SQLite file or postgresql:// URL to keep users in (default: in memory)")
      ->envname("USER_API_DB");
  app.add_option("--api-key", options.api_key, "require Authorization: Bearer KEY on /users")
      ->envname("USER_API_KEY")
      ->check(CheckApiKey, "TOKEN");
  app.add_option("--rate-limit", options.rate_limit, "requests per second per client on /users")
      ->envname("USER_API_RATE_LIMIT")
      ->transform(kDecimalDigits)
      ->check(CLI::Range(1, 1000000));
  app.add_option("--docs-dir", options.docs_dir, "where the swagger-ui-dist files are")
      ->envname("USER_API_DOCS_DIR");

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
