// Fuzz target: the whole request path of stage 3, in process and without
// sockets: the bytes of one connection through httplib's own request
// processing to stage 3's pre-routing checks, route handlers and
// post-routing handler, on a fresh in-memory store for each input (see
// in_process_app.hpp for how, and why that way).
//
// Input: one settings byte, then the bytes of the connection. Bit 0 of the
// settings byte requires the API key "fuzz-key", bit 1 turns on a rate limit
// of 2 requests a second. At most 32 requests are served, each read from
// where the one before stopped: what a client that waits for each answer
// before sending on would see.
//
// Beyond crashes and sanitizer reports, it checks every response:
//   - a status the API or httplib can answer, never 500 (an exception the
//     code did not expect); 503 only from /docs, whose files are missing;
//   - Content-Length matches the body; one sane X-Request-ID;
//   - a status of 400 and above has an application/problem+json body that
//     parses, with its status; a 405 has Allow, a 401 WWW-Authenticate, a
//     429 Retry-After;
//   - a 2xx on /users has a valid JSON body: a list of valid users, or the
//     user (with the id of the path, and an ETag of the body, and Location
//     on a create); a 204 and a 304 have no body;
//   - the server logged exactly one request line for it, with the same
//     status and request id, every log line is JSON, and no log line holds
//     an '@' (an email) or the API key.
// And after the last request, every metrics label is a method httplib
// serves or "unknown", and a route template.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_checks.hpp"
#include "http/conditional.hpp"
#include "in_process_app.hpp"

namespace {

using nlohmann::json;

constexpr std::size_t kMaxRequestsPerInput = 32;
constexpr const char* kApiKey = "fuzz-key";
constexpr int kRateLimit = 2;

// A response as the client reads it off the connection.
struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::size_t Count(std::string_view name) const {
    return static_cast<std::size_t>(std::count_if(
        headers.begin(), headers.end(), [&](const auto& header) { return Same(header.first, name); }));
  }
  std::string Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (Same(key, name)) return value;
    }
    return "";
  }

 private:
  // Header names compare without regard to ASCII case.
  static bool Same(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
  }
};

// Reads one response, after any interim 1xx ones (Expect: 100-continue).
RawResponse ParseResponse(const std::string& text) {
  std::size_t at = 0;
  for (;;) {
    RawResponse response;
    // HTTP/1.1 NNN Reason
    const auto line_end = text.find("\r\n", at);
    const std::string line = text.substr(at, line_end - at);
    FUZZ_CHECK(line_end != std::string::npos && line.size() > 13 && line.starts_with("HTTP/1.1 ") &&
                   std::isdigit(static_cast<unsigned char>(line[9])) &&
                   std::isdigit(static_cast<unsigned char>(line[10])) &&
                   std::isdigit(static_cast<unsigned char>(line[11])) && line[12] == ' ',
               "a response without a status line: " + fuzz::Printable(text));
    response.status = std::stoi(line.substr(9, 3));
    at = line_end + 2;
    for (;;) {
      const auto end = text.find("\r\n", at);
      FUZZ_CHECK(end != std::string::npos, "headers without an end: " + fuzz::Printable(text));
      if (end == at) break;
      const std::string header = text.substr(at, end - at);
      const auto colon = header.find(": ");
      FUZZ_CHECK(colon != std::string::npos && colon > 0,
                 "a malformed header line: " + fuzz::Printable(header));
      response.headers.emplace_back(header.substr(0, colon), header.substr(colon + 2));
      at = end + 2;
    }
    at += 2;
    if (response.status >= 100 && response.status < 200) continue;
    response.body = text.substr(at);
    return response;
  }
}

bool IsAllowedStatus(int status) {
  static constexpr int kStatuses[] = {200, 201, 204, 206, 304, 400, 401, 404, 405, 409,
                                      411, 412, 413, 414, 415, 416, 422, 429, 503};
  return std::find(std::begin(kStatuses), std::end(kStatuses), status) != std::end(kStatuses);
}

json ParseBody(const RawResponse& response) {
  json doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!doc.is_discarded(), std::to_string(response.status) + " with a body that is not JSON: " +
                                      fuzz::Printable(response.body));
  return doc;
}

// The id segment of /users/{id}, with one trailing slash allowed.
std::optional<std::string> UserIdOf(std::string_view path) {
  constexpr std::string_view kPrefix = "/users/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  if (path.ends_with('/')) path.remove_suffix(1);
  if (path.empty() || path.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(path);
}

// 1 to 128 characters of [A-Za-z0-9._-].
bool IsSaneRequestId(const std::string& id) {
  return !id.empty() && id.size() <= 128 &&
         id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
             std::string::npos;
}

void CheckUsersSuccess(const fuzz::Exchange& seen, const RawResponse& response) {
  const std::string& method = seen.method;
  const int status = response.status;
  if (status == 204 || status == 304) {
    FUZZ_CHECK(response.body.empty(), std::to_string(status) + " with a body");
    return;
  }
  if (method == "HEAD" || status == 206) return;  // No body, or a slice of one.
  FUZZ_CHECK(response.Header("Content-Type") == "application/json",
             "a " + std::to_string(status) + " on /users as " + response.Header("Content-Type"));
  const json body = ParseBody(response);
  const std::optional<std::string> id = UserIdOf(seen.path);
  if (!id) {  // The collection.
    if (method == "GET") {
      FUZZ_CHECK(status == 200 && body.is_array(), "GET /users answered " + body.dump());
      for (const json& user : body) fuzz::CheckUserJson(user);
      const std::string total = response.Header("X-Total-Count");
      FUZZ_CHECK(!total.empty() && total.find_first_not_of("0123456789") == std::string::npos &&
                     std::stoull(total) >= body.size(),
                 "X-Total-Count " + total + " with " + std::to_string(body.size()) + " users");
    } else {
      FUZZ_CHECK(method == "POST" && status == 201, method + " /users answered " +
                                                         std::to_string(status));
      fuzz::CheckUserJson(body);
      FUZZ_CHECK(response.Header("Location") == "/users/" + body["id"].dump(),
                 "Location " + response.Header("Location") + " for " + body.dump());
    }
  } else {
    FUZZ_CHECK(status == 200 && method != "POST",
               method + " " + seen.path + " answered " + std::to_string(status));
    fuzz::CheckUserJson(body);
    FUZZ_CHECK(std::to_string(body["id"].get<std::int64_t>()) ==
                   std::to_string(std::stoll(*id)),
               seen.path + " answered the user " + body.dump());
    FUZZ_CHECK(response.Header("ETag") == user_api::EntityTagOf(response.body),
               "ETag " + response.Header("ETag") + " for " + response.body);
  }
}

// Checks the log lines of one response; returns the method logged for it.
std::string CheckLog(const RawResponse& response, const std::vector<std::string>& lines) {
  int request_lines = 0;
  std::string method;
  for (const std::string& line : lines) {
    FUZZ_CHECK(line.find('@') == std::string::npos && line.find(kApiKey) == std::string::npos,
               "a log line with an email or the key: " + fuzz::Printable(line));
    const json entry = json::parse(line, nullptr, /*allow_exceptions=*/false);
    FUZZ_CHECK(entry.is_object() && entry.contains("time") && entry.contains("level") &&
                   entry.contains("msg"),
               "a log line that is not one: " + fuzz::Printable(line));
    if (entry["msg"] != "request") continue;
    ++request_lines;
    FUZZ_CHECK(entry["status"] == response.status &&
                   entry["request_id"] == response.Header("X-Request-ID"),
               "logged " + line + " for a " + std::to_string(response.status) + " with id " +
                   response.Header("X-Request-ID"));
    method = entry.value("method", "");
  }
  FUZZ_CHECK(request_lines == 1,
             std::to_string(request_lines) + " request log lines for one response");
  return method;
}

void CheckResponse(const fuzz::Exchange& seen) {
  const RawResponse response = ParseResponse(seen.response);
  const int status = response.status;
  const std::string what = std::to_string(status) + " for " +
                           (seen.parsed ? seen.method + " " + fuzz::Printable(seen.path)
                                        : std::string("a request httplib refused"));
  std::string log;
  for (const std::string& line : seen.log_lines) log += "\n  " + line;
  FUZZ_CHECK(status != 500, "a 500: " + what + ", the log:" + log);
  FUZZ_CHECK(IsAllowedStatus(status), "an unexpected status: " + what);
  FUZZ_CHECK(status != 503 || seen.path.starts_with("/docs"), "a 503: " + what);
  FUZZ_CHECK(response.Count("X-Request-ID") == 1 &&
                 IsSaneRequestId(response.Header("X-Request-ID")),
             "no sane X-Request-ID: " + what);
  // httplib writes no body for HEAD, also when it refuses a request line
  // after reading its method: the method the server logged tells.
  const bool head = CheckLog(response, seen.log_lines) == "HEAD";
  if (head) FUZZ_CHECK(response.body.empty(), "a body on HEAD: " + what);
  if (response.Count("Content-Length") > 0 && !head) {
    FUZZ_CHECK(response.Header("Content-Length") == std::to_string(response.body.size()),
               "Content-Length " + response.Header("Content-Length") + " for a body of " +
                   std::to_string(response.body.size()) + ": " + what);
  }

  // httplib 0.11 applies a Range header to any response, errors included,
  // and without turning 200 into 206. The server drops the ranges before
  // routing (CONV-18), but a Range that httplib itself refuses gets a 416
  // whose body it may slice (a gap the walkthrough records): such a body
  // is not checked.
  if (response.Count("Content-Range") > 0 ||
      response.Header("Content-Type").starts_with("multipart/byteranges")) {
    return;
  }
  if (status >= 400) {
    FUZZ_CHECK(response.Header("Content-Type") == "application/problem+json",
               "Content-Type " + response.Header("Content-Type") + ": " + what);
    if (!head) fuzz::CheckProblemJson(ParseBody(response), status);
    if (status == 405) FUZZ_CHECK(response.Count("Allow") == 1, "no Allow: " + what);
    if (status == 401) {
      FUZZ_CHECK(response.Count("WWW-Authenticate") == 1, "no WWW-Authenticate: " + what);
    }
    if (status == 429) FUZZ_CHECK(response.Count("Retry-After") == 1, "no Retry-After: " + what);
    return;
  }
  FUZZ_CHECK(seen.parsed, "a success for a request httplib refused: " + what);
  if (seen.path == "/users" || seen.path == "/users/" || seen.path.starts_with("/users/")) {
    CheckUsersSuccess(seen, response);
  } else if ((seen.path.starts_with("/health") || seen.path.starts_with("/ready")) && !head &&
             status == 200) {
    FUZZ_CHECK(ParseBody(response).is_object(), "a health answer that is no object: " + what);
  }
}

// Every label of every series: a method httplib serves or "unknown", and a
// route template.
void CheckMetrics(const std::string& metrics) {
  static constexpr std::string_view kMethods[] = {
      "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI",
      "unknown"};
  static constexpr std::string_view kRoutes[] = {
      "/users", "/users/{id}", "/health", "/ready", "/metrics", "/openapi.json", "/docs",
      "unmatched"};
  for (std::size_t at = metrics.find("method=\""); at != std::string::npos;
       at = metrics.find("method=\"", at + 1)) {
    const std::size_t start = at + 8;
    const std::size_t end = metrics.find('"', start);
    const std::string_view method(metrics.data() + start, end - start);
    FUZZ_CHECK(std::find(std::begin(kMethods), std::end(kMethods), method) != std::end(kMethods),
               "a metrics method label " + fuzz::Printable(method));
    const std::string route_label = ",route=\"";
    FUZZ_CHECK(metrics.compare(end + 1, route_label.size(), route_label) == 0,
               "a metrics series without its route");
    const std::size_t route_start = end + 1 + route_label.size();
    const std::string_view route(metrics.data() + route_start,
                                 metrics.find('"', route_start) - route_start);
    FUZZ_CHECK(std::find(std::begin(kRoutes), std::end(kRoutes), route) != std::end(kRoutes),
               "a metrics route label " + fuzz::Printable(route));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const fuzz::InProcessSettings settings{data[0] & 1 ? kApiKey : "", data[0] & 2 ? kRateLimit : 0};
  static fuzz::InProcessApp app(settings);
  app.Reset(settings);
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (const fuzz::Exchange& exchange : app.ServeConnection(bytes, kMaxRequestsPerInput)) {
    FUZZ_CHECK(!exchange.response.empty(), "a request logged without an answer");
    CheckResponse(exchange);
  }
  CheckMetrics(app.RenderMetrics());
  return 0;
}
