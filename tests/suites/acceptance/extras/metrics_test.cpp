// Stage 3 acceptance suite, metrics (ctest label `extras-metrics`): GET
// /metrics in Prometheus text, request counters, the duration histogram and
// the user gauges, as guide/api-spec.md specifies them. The tests count
// requests exactly, so nothing else may use a shared server meanwhile (the
// label runs serially).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "acceptance_test.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

// One scrape of GET /metrics, its samples keyed by Series().
struct Metrics {
  Exchange exchange;
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;  // From the # TYPE lines.
  std::vector<std::string> bad;              // Lines that are neither comment nor sample.

  // The value of a series, 0 when absent (a series appears with its first
  // sample).
  double Value(const std::string& series) const {
    auto it = samples.find(series);
    return it == samples.end() ? 0 : it->second;
  }
};

// A series as a key: the name, then the labels sorted by name.
std::string Series(const std::string& name,
                   const std::map<std::string, std::string>& labels = {}) {
  std::string key = name;
  if (labels.empty()) return key;
  key += "{";
  for (const auto& [label, value] : labels) {
    key += (key.back() == '{' ? "" : ",") + label + "=\"" + value + "\"";
  }
  return key + "}";
}

// Parses one sample line of the text exposition format into `key` and
// `value`; false when it is malformed.
bool ParseSample(const std::string& line, std::string& key, double& value) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kLabel("[a-zA-Z_][a-zA-Z0-9_]*");
  std::size_t at = 0;
  auto name_end = line.find_first_of("{ ");
  if (name_end == std::string::npos) return false;
  const std::string name = line.substr(0, name_end);
  if (!std::regex_match(name, kName)) return false;
  at = name_end;
  std::map<std::string, std::string> labels;
  if (line[at] == '{') {
    ++at;
    while (at < line.size() && line[at] != '}') {
      const auto equals = line.find('=', at);
      if (equals == std::string::npos) return false;
      const std::string label = line.substr(at, equals - at);
      if (!std::regex_match(label, kLabel) || equals + 1 >= line.size() || line[equals + 1] != '"') {
        return false;
      }
      std::string text;
      at = equals + 2;
      for (; at < line.size() && line[at] != '"'; ++at) {
        if (line[at] == '\\' && at + 1 < line.size()) {
          ++at;
          text += line[at] == 'n' ? '\n' : line[at];
        } else {
          text += line[at];
        }
      }
      if (at >= line.size()) return false;
      labels[label] = text;
      ++at;  // The closing quote.
      if (at < line.size() && line[at] == ',') ++at;
    }
    if (at >= line.size()) return false;
    ++at;  // The closing brace.
  }
  if (at >= line.size() || line[at] != ' ') return false;
  std::istringstream rest(line.substr(at));
  std::string number;
  std::string timestamp;
  std::string extra;
  rest >> number >> timestamp >> extra;
  if (number.empty() || !extra.empty()) return false;
  char* end = nullptr;
  value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size()) return false;
  key = Series(name, labels);
  return true;
}

Metrics Scrape(const ApiClient& api) {
  Metrics metrics;
  metrics.exchange = api.Get("/metrics");
  std::istringstream lines(metrics.exchange.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, keyword, name, type;
      words >> hash >> keyword >> name >> type;
      if (keyword == "TYPE") metrics.types[name] = type;
      continue;
    }
    std::string key;
    double value = 0;
    if (ParseSample(line, key, value)) {
      metrics.samples[key] = value;
    } else {
      metrics.bad.push_back(line);
    }
  }
  return metrics;
}

std::string RequestsSeries(const std::string& method, const std::string& route, int status) {
  return Series("user_api_http_requests_total",
                {{"method", method}, {"route", route}, {"status", std::to_string(status)}});
}

using MetricsTest = AcceptanceTest;

SPEC_TEST_F(MetricsTest, ScrapeIsPrometheusText,
            "METRIC-1 METRIC-2 METRIC-3 METRIC-4 METRIC-5 METRIC-6 METRIC-14") {
  const Metrics metrics = Scrape(api());
  ASSERT_HTTP(HasStatus(metrics.exchange, 200));
  EXPECT_HTTP(HasMediaType(metrics.exchange, "text/plain"));
  EXPECT_HTTP(Holds(metrics.exchange,
                    metrics.exchange.Header("Content-Type").find("version=0.0.4") !=
                        std::string::npos,
                    "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
  EXPECT_HTTP(Holds(metrics.exchange, metrics.bad.empty(),
                    "every line is a comment or a sample; not so: " +
                        (metrics.bad.empty() ? std::string() : metrics.bad.front())));
  const std::map<std::string, std::string> types = {
      {"user_api_http_requests_total", "counter"},
      {"user_api_http_request_duration_seconds", "histogram"},
      {"user_api_users", "gauge"},
      {"user_api_users_created_total", "counter"}};
  for (const auto& [name, type] : types) {
    auto it = metrics.types.find(name);
    EXPECT_HTTP(Holds(metrics.exchange, it != metrics.types.end() && it->second == type,
                      "a line '# TYPE " + name + " " + type + "'"));
  }
  for (const char* always : {"user_api_users", "user_api_users_created_total"}) {
    EXPECT_HTTP(Holds(metrics.exchange, metrics.samples.count(always) == 1,
                      std::string("a sample of ") + always + ", even at 0"));
  }
}

SPEC_TEST_F(MetricsTest, RequestCountersMoveByExactlyTheRequestsMade,
            "METRIC-3 METRIC-8 METRIC-9 METRIC-10 METRIC-11 METRIC-12 METRIC-13") {
  const Exchange kept = CreateUser();
  ASSERT_HTTP(HasStatus(kept, 201));
  const Metrics before = Scrape(api());
  ASSERT_HTTP(HasStatus(before.exchange, 200));

  std::map<std::string, int> made;  // Series -> requests made between the scrapes.
  auto send = [&](const Exchange& answer, const std::string& route) {
    ASSERT_HTTP(Holds(answer, answer.ok(), "an answer"));
    ++made[RequestsSeries(answer.method, route, answer.status)];
  };
  ++made[RequestsSeries("GET", "/metrics", 200)];  // The first scrape.
  for (int i = 0; i < 3; ++i) send(CreateUser(), "/users");
  send(api().Post("/users", {{"name", ""}}), "/users");
  send(api().Get(UserPath(kept.Json())), "/users/{id}");
  send(api().Get(UserPath(kept.Json()) + "/"), "/users/{id}");
  send(api().Get(kMissingUserPath), "/users/{id}");
  send(api().Put(UserPath(kept.Json()), {{"age", 44}}), "/users/{id}");
  send(api().Patch(UserPath(kept.Json()), {{"age", 45}}), "/users/{id}");
  send(api().Get("/users?limit=1"), "/users");
  send(api().Delete("/users"), "/users");
  send(api().Get("/no-such-route-" + UniqueTag("m")), "unmatched");
  send(api().Get("/health"), "/health");
  send(api().Get("/ready"), "/ready");
  // Every route template, with and without its trailing slash, and more
  // statuses.
  send(api().Post("/users/", {{"name", "Slash"}, {"email", UniqueEmail("slash")}}), "/users");
  send(api().Get("/users/?limit=1"), "/users");
  send(api().Send("POST", "/users", {{"Content-Type", "application/json"}}, R"({"name":)"),
       "/users");
  send(api().Send("POST", "/users", {{"Content-Type", "text/plain"}}, "{}"), "/users");
  send(api().Put(UserPath(kept.Json()) + "/", {{"age", 46}}), "/users/{id}");
  send(api().Patch(UserPath(kept.Json()) + "/", {{"age", 47}}), "/users/{id}");
  send(api().Send("GET", UserPath(kept.Json()), {{"If-None-Match", "*"}}), "/users/{id}");
  send(api().Send("OPTIONS", UserPath(kept.Json())), "/users/{id}");
  send(api().Get("/health/"), "/health");
  send(api().Get("/ready/"), "/ready");
  send(api().Get("/metrics/"), "/metrics");
  send(api().Get("/openapi.json"), "/openapi.json");
  send(api().Get("/openapi.json/"), "/openapi.json");
  send(api().Get("/docs"), "/docs");
  send(api().Get("/docs/"), "/docs");
  send(api().Delete("/health"), "/health");
  send(api().Delete(UserPath(kept.Json()) + "/"), "/users/{id}");
  send(api().Delete(UserPath(kept.Json())), "/users/{id}");

  const Metrics after = Scrape(api());
  ASSERT_HTTP(HasStatus(after.exchange, 200));
  int expected_total = 0;
  for (const auto& [series, count] : made) {
    expected_total += count;
    const double moved = after.Value(series) - before.Value(series);
    EXPECT_HTTP(Holds(after.exchange, moved == count,
                      series + " moves by exactly " + std::to_string(count) +
                          " between the scrapes; it moved by " + std::to_string(moved)));
  }
  double moved_total = 0;
  for (const auto& [series, value] : after.samples) {
    if (StartsWith(series, "user_api_http_requests_total{")) moved_total += value;
  }
  for (const auto& [series, value] : before.samples) {
    if (StartsWith(series, "user_api_http_requests_total{")) moved_total -= value;
  }
  EXPECT_HTTP(Holds(after.exchange, moved_total == expected_total,
                    "all user_api_http_requests_total series together move by " +
                        std::to_string(expected_total) + " (the requests made, the first "
                        "scrape included, this one not); they moved by " +
                        std::to_string(moved_total)));
}

SPEC_TEST_F(MetricsTest, DurationHistogramCountsTheRequests, "METRIC-4") {
  const Metrics before = Scrape(api());
  ASSERT_HTTP(HasStatus(before.exchange, 200));
  for (int i = 0; i < 4; ++i) ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Metrics after = Scrape(api());
  ASSERT_HTTP(HasStatus(after.exchange, 200));
  const std::map<std::string, std::string> post = {{"method", "POST"}, {"route", "/users"}};
  const std::string count = Series("user_api_http_request_duration_seconds_count", post);
  EXPECT_HTTP(Holds(after.exchange, after.Value(count) - before.Value(count) == 4,
                    count + " moves by 4 over 4 creates"));
  EXPECT_HTTP(Holds(after.exchange,
                    after.samples.count(Series("user_api_http_request_duration_seconds_sum", post)),
                    "a _sum sample for POST /users"));

  // The buckets: the spec's bounds, cumulative, +Inf equal to _count.
  const std::vector<double> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                      0.1,    0.25,  0.5,    1,     2.5,  INFINITY};
  std::vector<std::pair<double, double>> buckets;  // (le, value)
  static const std::regex kBucket(
      R"re(user_api_http_request_duration_seconds_bucket\{le="([^"]*)",method="POST",route="/users"\})re");
  for (const auto& [series, value] : after.samples) {
    std::smatch match;
    if (std::regex_match(series, match, kBucket)) {
      buckets.emplace_back(std::strtod(match[1].str().c_str(), nullptr), value);
    }
  }
  std::sort(buckets.begin(), buckets.end());
  std::vector<double> les;
  for (const auto& bucket : buckets) les.push_back(bucket.first);
  EXPECT_HTTP(Holds(after.exchange, les == bounds,
                    "POST /users buckets with le = 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, "
                    "0.05, 0.1, 0.25, 0.5, 1, 2.5, +Inf"));
  const bool cumulative = std::is_sorted(
      buckets.begin(), buckets.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  EXPECT_HTTP(Holds(after.exchange, cumulative, "bucket counts never decrease as le grows"));
  EXPECT_HTTP(Holds(after.exchange, !buckets.empty() && buckets.back().second == after.Value(count),
                    "the le=\"+Inf\" bucket equals " + count));
}

SPEC_TEST_F(MetricsTest, UsersGaugeAndCreatedCounter, "METRIC-5 METRIC-6") {
  const Exchange taken = CreateUser();
  ASSERT_HTTP(HasStatus(taken, 201));
  const Metrics before = Scrape(api());
  ASSERT_HTTP(HasStatus(before.exchange, 200));
  const Exchange first = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  ASSERT_HTTP(HasStatus(api().Post("/users", {{"name", ""}}), 422));
  ASSERT_HTTP(HasStatus(CreateUser({{"email", taken.Json()["email"]}}), 409));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(first.Json())), 204));
  const Metrics after = Scrape(api());
  ASSERT_HTTP(HasStatus(after.exchange, 200));
  const double gauge = after.Value("user_api_users") - before.Value("user_api_users");
  const double created =
      after.Value("user_api_users_created_total") - before.Value("user_api_users_created_total");
  EXPECT_HTTP(Holds(after.exchange, gauge == 2,
                    "user_api_users moves by 2 (3 created, 1 deleted); it moved by " +
                        std::to_string(gauge)));
  EXPECT_HTTP(Holds(after.exchange, created == 3,
                    "user_api_users_created_total moves by 3 (a 422 and a 409 create nobody); "
                    "it moved by " + std::to_string(created)));
}

SPEC_TEST_F(MetricsTest, RouteLabelIsTheTemplateNeverTheRawPath, "METRIC-9 METRIC-10") {
  const std::string tag = UniqueTag("raw");
  for (const std::string& path : {"/" + tag, "/users/" + tag, "/users?q=" + tag}) {
    const Exchange answer = api().Get(path);
    ASSERT_HTTP(Holds(answer, answer.ok(), "an answer"));
  }
  const Metrics metrics = Scrape(api());
  ASSERT_HTTP(HasStatus(metrics.exchange, 200));
  EXPECT_HTTP(Holds(metrics.exchange, metrics.exchange.body.find(tag) == std::string::npos,
                    "no label holds the raw path or query '" + tag + "'"));
  const std::set<std::string> routes = {"/users", "/users/{id}", "/health",  "/ready",
                                        "/metrics", "/openapi.json", "/docs", "unmatched"};
  static const std::regex kRoute(R"re(route="([^"]*)")re");
  for (const auto& [series, value] : metrics.samples) {
    std::smatch match;
    if (std::regex_search(series, match, kRoute)) {
      EXPECT_HTTP(Holds(metrics.exchange, routes.count(match[1]) == 1,
                        "route labels are templates or \"unmatched\"; not so in " + series));
    }
  }
  EXPECT_HTTP(Holds(metrics.exchange,
                    metrics.Value(RequestsSeries("GET", "unmatched", 404)) >= 1,
                    "a series for GET unmatched 404"));
}

SPEC_TEST_F(MetricsTest, CreatedCounterStartsAtZeroOnEachStart, "METRIC-7 METRIC-5 DB-5") {
  REQUIRE_OWN_SERVER("restarts the server with --db");
  ASSERT_PLAIN(RestartServer({{"--db", "metrics.db"}, {}}));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  ASSERT_PLAIN(RestartServer());
  const Metrics metrics = Scrape(api());
  ASSERT_HTTP(HasStatus(metrics.exchange, 200));
  EXPECT_HTTP(Holds(metrics.exchange, metrics.samples.count("user_api_users_created_total") &&
                                          metrics.Value("user_api_users_created_total") == 0,
                    "user_api_users_created_total 0 after a restart"));
  EXPECT_HTTP(Holds(metrics.exchange, metrics.Value("user_api_users") == 2,
                    "user_api_users 2: the two users the database kept"));
}

}  // namespace
}  // namespace acceptance
