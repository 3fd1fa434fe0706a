#include "observability/log.hpp"

#include <charconv>
#include <cstdio>
#include <mutex>

#include "domain/time.hpp"

namespace user_api {
namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      break;
  }
  return "error";
}

void Write(const std::string& line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

// Appends `text` as a JSON string. Its callers pass ASCII tokens; any other
// byte becomes '?', so the line stays valid UTF-8 whatever arrives.
void AppendString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      out += '?';
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

void LogRequest(std::string_view request_id, std::string_view method, std::string_view route,
                int status, double duration_ms, std::string_view remote_addr) {
  std::string line = "{\"time\":\"" + FormatTimestamp(std::chrono::system_clock::now()) +
                     "\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":";
  AppendString(line, request_id);
  line += ",\"method\":";
  AppendString(line, method);
  line += ",\"route\":";
  AppendString(line, route);
  line += ",\"status\":" + std::to_string(status) + ",\"duration_ms\":";
  char number[32];
  const auto [end, ec] = std::to_chars(number, number + sizeof number, duration_ms);
  line.append(number, ec == std::errc() ? end : number);
  line += ",\"remote_addr\":";
  AppendString(line, remote_addr);
  line += "}\n";
  Write(line);
}

void Log(LogLevel level, std::string_view msg, const nlohmann::ordered_json& fields) {
  nlohmann::ordered_json line = {{"time", FormatTimestamp(std::chrono::system_clock::now())},
                                 {"level", LevelName(level)},
                                 {"msg", msg}};
  for (const auto& [key, value] : fields.items()) line[key] = value;
  Write(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace user_api
