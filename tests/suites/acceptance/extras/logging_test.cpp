// Stage 3 acceptance suite, logging (ctest label `extras-logging`): one
// JSON object per stderr line, one request line per request, no email in
// the log, and X-Request-ID echoed or generated, as guide/api-spec.md
// specifies them. The tests that read stderr skip against a shared server.
#include <chrono>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The lines of a JSON log: the parsed objects, and the lines that are not
// JSON objects.
struct Log {
  std::vector<json> lines;
  std::vector<std::string> bad;

  // The "request" lines with this request id.
  std::vector<json> RequestLines(const std::string& request_id) const {
    std::vector<json> found;
    for (const json& line : lines) {
      if (line.value("msg", "") == "request" && line.value("request_id", "") == request_id) {
        found.push_back(line);
      }
    }
    return found;
  }
};

Log ParseLog(const std::string& text) {
  Log log;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) {
      log.lines.push_back(std::move(parsed));
    } else {
      log.bad.push_back(line);
    }
  }
  return log;
}

// What a request id may look like, sent or generated.
const std::regex kSaneRequestId("[A-Za-z0-9._-]{1,128}");

// An X-Request-ID to send, or none.
struct RequestIdCase {
  const char* name;
  std::optional<std::string> sent;
  const char* rules;
};

void PrintTo(const RequestIdCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << "]";
}

class LoggingTest : public AcceptanceTest, public testing::WithParamInterface<RequestIdCase> {
 protected:
  // Reads the server's log until `done` holds for it and every line of the
  // test's requests is there, extra ones included. A line may be written
  // just after its response, so the log is complete once it holds the line
  // of a marker request sent after them: this waits for that line, then
  // 100 ms more for `done`, or 1 s in all when the marker's line never
  // comes (a server that writes no request lines). Returns the last log read.
  template <typename Done>
  Log WaitForLog(Done done) {
    using Clock = std::chrono::steady_clock;
    const std::string marker = UniqueTag("log-marker");
    api().Send("GET", "/health", {{"X-Request-ID", marker}});
    const Clock::time_point sent = Clock::now();
    std::optional<Clock::time_point> marker_logged;
    while (true) {
      const Log log = ParseLog(server().StderrOfAllRuns());
      const Clock::time_point now = Clock::now();
      if (!marker_logged && !log.RequestLines(marker).empty()) marker_logged = now;
      if (marker_logged && done(log)) return log;
      if (marker_logged ? now - *marker_logged >= milliseconds(100) : now - sent >= seconds(1)) {
        return log;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  }

  std::string StderrShown() { return "\n  server stderr:\n" + LastLines(server().StderrOfAllRuns(), 30); }
};

SPEC_TEST_F(LoggingTest, EveryStderrLineIsJsonWithTimeLevelAndMsg, "LOG-1 LOG-2 LOG-10") {
  REQUIRE_OWN_SERVER("reads the server's stderr");
  const std::string id = UniqueTag("every-line");
  ASSERT_HTTP(HasStatus(api().Send("GET", "/users", {{"X-Request-ID", id}}), 200));
  ASSERT_HTTP(HasStatus(api().Get("/no-such-route"), 404));
  ASSERT_HTTP(HasStatus(api().Post("/users", {{"name", ""}}), 422));
  const Log log = WaitForLog([&](const Log& l) { return !l.RequestLines(id).empty(); });
  ASSERT_PLAIN(!log.lines.empty()) << "the server should log JSON lines to stderr; it wrote none"
                                   << StderrShown();
  EXPECT_PLAIN(log.bad.empty()) << "every stderr line must be one JSON object; this one is not: "
                                << (log.bad.empty() ? "" : log.bad.front()) << StderrShown();
  const std::set<std::string> levels = {"info", "warn", "error"};
  for (const json& line : log.lines) {
    EXPECT_PLAIN(IsTimestamp(line.value("time", json())) &&
                 levels.count(line.value("level", "")) == 1 &&
                 line.value("msg", json()).is_string())
        << "each log line needs time (RFC 3339 UTC with milliseconds), level (info, warn or "
           "error) and msg (a string); this one has not: "
        << line.dump();
  }
}

SPEC_TEST_F(LoggingTest, EachRequestHasExactlyOneRequestLine,
            "LOG-3 LOG-4 LOG-5 LOG-6 LOG-7 LOG-8 REQID-5") {
  REQUIRE_OWN_SERVER("reads the server's stderr");
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string user = UserPath(created.Json());
  struct Request {
    std::string method;
    std::string path;
    std::string body;
    const char* route;
    httplib::Headers headers = {};
  };
  const std::vector<Request> requests = {
      {"POST", "/users", json{{"name", "Logged"}, {"email", UniqueEmail("logged")}}.dump(),
       "/users"},
      {"GET", "/users?limit=1", "", "/users"},
      {"GET", "/users/", "", "/users"},
      {"GET", user, "", "/users/{id}"},
      {"PUT", user, R"({"age":31})", "/users/{id}"},
      {"PATCH", user + "/", R"({"age":32})", "/users/{id}"},
      {"PUT", user, R"({"age":"x"})", "/users/{id}"},
      {"GET", kMissingUserPath, "", "/users/{id}"},
      {"DELETE", "/users", "", "/users"},
      {"GET", "/health", "", "/health"},
      {"GET", "/ready", "", "/ready"},
      {"GET", "/metrics", "", "/metrics"},
      {"GET", "/no-such-route", "", "unmatched"},
      {"GET", user, "", "/users/{id}", {{"If-None-Match", created.Header("ETag")}}},  // 304
      {"POST", "/users", R"({"name":)", "/users"},                                       // 400
      {"POST", "/users", "{}", "/users", {{"Content-Type", "text/plain"}}},               // 415
      {"GET", "/openapi.json", "", "/openapi.json"},
      {"GET", "/health/", "", "/health"},
      {"DELETE", user, "", "/users/{id}"},
  };
  const std::string prefix = UniqueTag("log");
  std::vector<Exchange> answers;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    httplib::Headers headers = r.headers;
    headers.emplace("X-Request-ID", prefix + "." + std::to_string(i));
    if (!r.body.empty() && !headers.count("Content-Type")) {
      headers.emplace("Content-Type", "application/json");
    }
    answers.push_back(api().Send(r.method, r.path, headers, r.body));
    ASSERT_HTTP(Holds(answers.back(), answers.back().ok(), "an answer"));
  }
  const Log log = WaitForLog([&](const Log& l) {
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (l.RequestLines(prefix + "." + std::to_string(i)).empty()) return false;
    }
    return true;
  });
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const std::string id = prefix + "." + std::to_string(i);
    const Exchange& answer = answers[i];
    const std::vector<json> lines = log.RequestLines(id);
    EXPECT_HTTP(Holds(answer, lines.size() == 1,
                      "exactly one log line with \"msg\":\"request\" and \"request_id\":\"" + id +
                          "\" on stderr, found " + std::to_string(lines.size())));
    if (lines.size() != 1) continue;
    const json& line = lines.front();
    const json expected = {{"method", requests[i].method},
                           {"route", requests[i].route},
                           {"status", answer.status},
                           {"remote_addr", "127.0.0.1"}};
    for (const auto& [member, value] : expected.items()) {
      EXPECT_HTTP(Holds(answer, line.value(member, json()) == value,
                        "the request's log line has \"" + member + "\":" + value.dump() +
                            "; the line is " + line.dump()));
    }
    EXPECT_HTTP(Holds(answer, line.value("duration_ms", json()).is_number() &&
                                  line["duration_ms"].get<double>() >= 0,
                      "the request's log line has a number duration_ms >= 0; the line is " +
                          line.dump()));
  }
}

SPEC_TEST_F(LoggingTest, GeneratedRequestIdIsTheLogLinesRequestId, "REQID-4 REQID-5") {
  REQUIRE_OWN_SERVER("reads the server's stderr");
  const Exchange answer = api().Get("/users?limit=1");
  ASSERT_HTTP(HasStatus(answer, 200));
  const std::string id = answer.Header("X-Request-ID");
  ASSERT_HTTP(Holds(answer, std::regex_match(id, kSaneRequestId), "a generated X-Request-ID"));
  const Log log = WaitForLog([&](const Log& l) { return !l.RequestLines(id).empty(); });
  EXPECT_HTTP(Holds(answer, log.RequestLines(id).size() == 1,
                    "exactly one request log line with request_id " + id));
}

SPEC_TEST_F(LoggingTest, LogsHoldNoEmailAddress, "LOG-9") {
  REQUIRE_OWN_SERVER("reads the server's stderr");
  // Every request below carries an email somewhere: body, query or both.
  const std::string tag = UniqueTag("secret");
  const std::string email = tag + "@example.test";
  const Exchange created = api().Post("/users", {{"name", "Private"}, {"email", email}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::vector<Exchange> answers = {
      created,
      api().Post("/users", {{"name", "Dup"}, {"email", Upper(email)}}),               // 409
      api().Post("/users", {{"name", "Bad"}, {"email", tag + "@localhost"}}),         // 422
      api().Get("/users?email=" + tag + "%40example.test"),                           // 200
      api().Get("/users?q=" + tag + "@example&limit=0"),                              // 422
      api().Put(UserPath(created.Json()), {{"email", tag + "-new@example.test"}}),    // 200
      api().Patch(UserPath(created.Json()), {{"email", tag + "@example..test"}}),     // 422
      api().Send("POST", "/users", {{"Content-Type", "text/plain"}}, email),          // 415
      api().Post("/users?email=" + email, {{"name", "Q"}, {"email", tag + "@b.test"}}),  // 201
  };
  for (const Exchange& answer : answers) ASSERT_HTTP(Holds(answer, answer.ok(), "an answer"));
  const std::string last_id = answers.back().Header("X-Request-ID");
  const Log log = WaitForLog([&](const Log& l) { return !l.RequestLines(last_id).empty(); });
  ASSERT_HTTP(Holds(answers.back(), !last_id.empty(), "an X-Request-ID header on every answer"));
  ASSERT_PLAIN(!log.RequestLines(last_id).empty())
      << "the log must have a request line for each request, so that it can be checked for "
         "emails; it has none for the last one, with request id '"
      << last_id << "'" << StderrShown();
  const std::string output = server().StderrOfAllRuns();
  static const std::regex kEmail(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)");
  std::smatch found;
  EXPECT_PLAIN(!std::regex_search(output, found, kEmail))
      << "the log must not hold email addresses; stderr holds '" << found.str() << "'"
      << StderrShown();
  EXPECT_PLAIN(output.find(tag) == std::string::npos)
      << "stderr holds '" << tag
      << "', the local part of the emails sent: the log must not hold emails, bodies or "
         "query strings"
      << StderrShown();
}

// A sane id comes back unchanged; any other gets a new, sane one.
SPEC_TEST_P(LoggingTest, RequestIdIsEchoedWhenSaneAndGeneratedOtherwise, "REQID-1") {
  const std::optional<std::string>& sent = GetParam().sent;
  httplib::Headers headers;
  if (sent) headers.emplace("X-Request-ID", *sent);
  const Exchange answer = api().Send("GET", "/health", headers);
  ASSERT_HTTP(HasStatus(answer, 200));
  if (sent && std::regex_match(*sent, kSaneRequestId)) {
    EXPECT_HTTP(HasHeader(answer, "X-Request-ID", *sent));
    return;
  }
  const std::string id = answer.Header("X-Request-ID");
  EXPECT_HTTP(Holds(answer, std::regex_match(id, kSaneRequestId) && id != sent.value_or(""),
                    "a new X-Request-ID of 1 to 128 characters from [A-Za-z0-9._-] (the "
                    "reference sends 32 hex digits), since the one sent is absent or not sane"));
  // Generated ids are unique per request: the same request again gets another.
  const Exchange again = api().Send("GET", "/health", headers);
  EXPECT_HTTP(Holds(again, again.Header("X-Request-ID") != id,
                    "another generated X-Request-ID than the first request's " + id));
}

INSTANTIATE_TEST_SUITE_P(
    Ids, LoggingTest,
    testing::Values(RequestIdCase{"Simple", "abc123", "REQID-2"},
                    RequestIdCase{"AllAllowedCharacters", "AZaz09._-request", "REQID-2"},
                    RequestIdCase{"UppercaseOnly", "ABCXYZ", "REQID-2"},
                    RequestIdCase{"LowercaseOnly", "abcxyz", "REQID-2"},
                    RequestIdCase{"DigitsOnly", "0123456789", "REQID-2"},
                    RequestIdCase{"DotOnly", ".", "REQID-2"},
                    RequestIdCase{"UnderscoreOnly", "_", "REQID-2"},
                    RequestIdCase{"HyphenOnly", "-", "REQID-2"},
                    RequestIdCase{"OneCharacter", "x", "REQID-2"},
                    RequestIdCase{"Of127Characters", std::string(127, 'r'), "REQID-2"},
                    RequestIdCase{"Of128Characters", std::string(128, 'r'), "REQID-2"},
                    RequestIdCase{"Absent", std::nullopt, "REQID-3 REQID-4"},
                    RequestIdCase{"Empty", "", "REQID-3 REQID-4"},
                    RequestIdCase{"Of129Characters", std::string(129, 'r'), "REQID-3 REQID-4"},
                    RequestIdCase{"WithSpace", "abc def", "REQID-3 REQID-4"},
                    RequestIdCase{"WithSlash", "abc/def", "REQID-3 REQID-4"},
                    RequestIdCase{"WithPlus", "abc+def", "REQID-3 REQID-4"},
                    RequestIdCase{"WithColon", "abc:def", "REQID-3 REQID-4"},
                    RequestIdCase{"WithQuote", "abc\"def", "REQID-3 REQID-4"},
                    RequestIdCase{"NonAscii", "abc\xc3\xa9", "REQID-3 REQID-4"}),
    [](const testing::TestParamInfo<RequestIdCase>& param_info) { return param_info.param.name; });

// Every status echoes a sane id: successes, 304 and errors.
SPEC_TEST_F(LoggingTest, EveryResponseCarriesTheRequestId, "REQID-1 REQID-2") {
  const std::string id = UniqueTag("every-id");
  const httplib::Headers with_id{{"X-Request-ID", id}};
  const httplib::Headers json_with_id{{"X-Request-ID", id}, {"Content-Type", "application/json"}};
  const Exchange created = api().Send(
      "POST", "/users", json_with_id,
      json{{"name", "Echoed"}, {"email", UniqueEmail("echoed")}}.dump());  // 201
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string user = UserPath(created.Json());
  const std::vector<Exchange> answers = {
      created,
      api().Send("GET", user, with_id),                                    // 200
      api().Send("GET", user, {{"X-Request-ID", id},
                               {"If-None-Match", created.Header("ETag")}}),  // 304
      api().Send("GET", "/no-such-route", with_id),                        // 404
      api().Send("GET", kMissingUserPath, with_id),                        // 404
      api().Send("DELETE", "/users", with_id),                             // 405
      api().Send("POST", "/users", json_with_id, R"({"name":)"),           // 400
      api().Send("POST", "/users", json_with_id, R"({"name":""})"),        // 422
      api().Send("POST", "/users", {{"X-Request-ID", id}}, R"({})"),       // 415
      api().Send("PUT", user, json_with_id,
                 json{{"email", created.Json()["email"]}, {"age", "x"}}.dump()),  // 422
      api().Send("GET", "/users?limit=0", with_id),                        // 422
      api().Send("GET", "/users/" + std::string(600, '1'), with_id),       // 414
      api().Send("DELETE", user, with_id),                                 // 204
  };
  const std::vector<int> statuses = {201, 200, 304, 404, 404, 405, 400, 422, 415, 422, 422, 414, 204};
  for (std::size_t i = 0; i < answers.size(); ++i) {
    EXPECT_HTTP(HasStatus(answers[i], statuses[i]));
    EXPECT_HTTP(HasHeader(answers[i], "X-Request-ID", id));
  }
  const Exchange generated = api().Get("/no-such-route");
  EXPECT_HTTP(Holds(generated, std::regex_match(generated.Header("X-Request-ID"), kSaneRequestId),
                    "a generated X-Request-ID on a 404"));
}

SPEC_TEST_F(LoggingTest, GeneratedRequestIdsAreUnique, "REQID-1 REQID-4") {
  std::set<std::string> ids;
  Exchange last;
  for (int i = 0; i < 20; ++i) {
    last = api().Get("/health");
    ASSERT_HTTP(HasStatus(last, 200));
    ASSERT_HTTP(Holds(last, std::regex_match(last.Header("X-Request-ID"), kSaneRequestId),
                      "a generated X-Request-ID"));
    ids.insert(last.Header("X-Request-ID"));
  }
  EXPECT_HTTP(Holds(last, ids.size() == 20,
                    "20 requests without X-Request-ID get 20 different ids, got " +
                        std::to_string(ids.size())));
}

}  // namespace
}  // namespace acceptance
