#include "options.hpp"

#include <charconv>

namespace user_api {
namespace {

constexpr const char* kUsage =
    "usage: user_api [--host HOST] [--port PORT]\n"
    "  --host HOST  address to listen on (default 127.0.0.1)\n"
    "  --port PORT  port to listen on, 0 for a free one (default 8000)\n"
    "  --help       show this help\n";

ParsedOptions UsageError(const std::string& message) {
  return {std::nullopt, "user_api: " + message + "\n" + kUsage, 2};
}

std::optional<int> ParsePort(const std::string& text) {
  int port = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, port);
  if (ec != std::errc() || ptr != end || port < 0 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

}  // namespace

ParsedOptions ParseOptions(const std::vector<std::string>& args) {
  Options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "--help" || flag == "-h") {
      return {std::nullopt, kUsage, 0};
    }
    if (flag != "--host" && flag != "--port") {
      return UsageError("unknown argument '" + args[i] + "'");
    }
    if (!value) {
      if (i + 1 == args.size()) return UsageError(flag + " needs a value");
      value = args[++i];
    }
    if (flag == "--host") {
      if (value->empty()) return UsageError("--host needs a value");
      options.host = *value;
    } else {
      std::optional<int> port = ParsePort(*value);
      if (!port) return UsageError("--port must be 0-65535, got '" + *value + "'");
      options.port = *port;
    }
  }
  return {options, "", 0};
}

}  // namespace user_api
