// The server's log: one JSON object per line on stderr, each with "time",
// "level" and "msg". Lines never hold emails, bodies, raw paths, queries,
// header values other than the request id, or the API key: callers pass
// only such fields.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace user_api {

enum class LogLevel { kInfo, kWarn, kError };

// Writes one line: {"time","level","msg", ...fields}. Safe to call from
// several threads at once; lines never interleave.
void Log(LogLevel level, std::string_view msg,
         const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());

// The request line, {"msg":"request", ...}, as Log would write it, but
// formatted directly: it is written for every request, and building a JSON
// document for it cost a tenth of a create.
void LogRequest(std::string_view request_id, std::string_view method, std::string_view route,
                int status, double duration_ms, std::string_view remote_addr);

}  // namespace user_api
