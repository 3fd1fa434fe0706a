#include "observability/log.hpp"

#include <cstdio>
#include <mutex>

#include "domain/time_format.hpp"

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

}  // namespace

void Log(LogLevel level, std::string_view msg, const nlohmann::ordered_json& fields) {
  nlohmann::ordered_json line = {{"time", FormatTimestamp(std::chrono::system_clock::now())},
                                 {"level", LevelName(level)},
                                 {"msg", msg}};
  for (const auto& [key, value] : fields.items()) line[key] = value;
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace user_api
