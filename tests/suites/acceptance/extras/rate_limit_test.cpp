// Stage 3 acceptance suite, rate limiting (ctest label `extras-ratelimit`):
// the server runs with --rate-limit 5, a bucket per client address, with
// 429, Retry-After and the RateLimit headers, as guide/api-spec.md
// specifies them.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "program_run.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kRateLimit = 5;

class RateLimitTest : public AcceptanceTest {
 protected:
  StartOptions ServerOptions() const override {
    return {{"--rate-limit", std::to_string(kRateLimit)}, {}};
  }

  // Sends GET /users until it gets a 429 (at most 50 times) and returns all
  // the answers.
  std::vector<Exchange> Burst() const {
    std::vector<Exchange> answers;
    for (int i = 0; i < 50; ++i) {
      answers.push_back(api().Get("/users?limit=1"));
      if (!answers.back().ok() || answers.back().status == 429) break;
    }
    return answers;
  }
};

// The whole seconds of a Retry-After header, or -1.
int RetryAfter(const Exchange& answer) {
  const std::string value = answer.Header("Retry-After");
  if (value.empty() || value.size() > 6 || !std::all_of(value.begin(), value.end(), ::isdigit)) {
    return -1;
  }
  return std::stoi(value);
}

class BucketRateLimitTest : public RateLimitTest, public testing::WithParamInterface<int> {};

// The bucket starts full: exactly N requests pass, counting RateLimit-Remaining
// down to 0, then a 429 whose Retry-After is honest.
SPEC_TEST_P(BucketRateLimitTest, ExactlyNPassThenRetryAfterIsHonest,
            "RATE-2 RATE-6 RATE-7 RATE-8 RATE-9 RATE-10 PROB-13") {
  const int limit = GetParam();
  const std::string limit_text = std::to_string(limit);
  ASSERT_PLAIN(RestartServer({{"--rate-limit", limit_text}, {}}));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Exchange> answers = Burst();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  // Tokens that came back during the burst, on a machine slower than 1/N s.
  const int refilled = static_cast<int>(took.count() * limit);
  ASSERT_PLAIN(!answers.empty()) << "the burst should send requests; it sent none";
  const Exchange& limited = answers.back();
  ASSERT_HTTP(HasProblem(limited, 429));
  const int passed = static_cast<int>(answers.size()) - 1;
  EXPECT_HTTP(Holds(limited, passed >= limit && passed <= limit + refilled,
                    "exactly " + limit_text + " requests pass before the first 429 (the bucket "
                    "starts full with N tokens); " + std::to_string(passed) + " passed"));
  for (int i = 0; i < passed; ++i) {
    EXPECT_HTTP(HasStatus(answers[i], 200));
    EXPECT_HTTP(HasHeader(answers[i], "RateLimit-Limit", limit_text));
    if (refilled == 0) {
      EXPECT_HTTP(HasHeader(answers[i], "RateLimit-Remaining", std::to_string(limit - 1 - i)));
    }
  }
  EXPECT_HTTP(HasJson(limited, "/type", "/problems/rate-limited"));
  EXPECT_HTTP(HasHeader(limited, "RateLimit-Limit", limit_text));
  EXPECT_HTTP(HasHeader(limited, "RateLimit-Remaining", "0"));
  const int wait = RetryAfter(limited);
  ASSERT_HTTP(Holds(limited, wait >= 1 && wait <= 2,
                    "Retry-After: a whole number of seconds, at least 1, and at most 2 since a "
                    "token comes back every 1/" + limit_text + " s"));
  std::this_thread::sleep_for(seconds(wait));
  EXPECT_HTTP(HasStatus(api().Get("/users?limit=1"), 200))
      << "a request sent Retry-After seconds after the 429 must pass";
}

INSTANTIATE_TEST_SUITE_P(Limits, BucketRateLimitTest, testing::Values(1, 2, kRateLimit),
                         [](const testing::TestParamInfo<int>& param_info) {
                           return "Of" + std::to_string(param_info.param);
                         });

// After an idle second the bucket is full again, and no fuller than N.
SPEC_TEST_F(RateLimitTest, RefillsToFullAfterAnIdlePeriod, "RATE-2 RATE-3 RATE-10") {
  ASSERT_HTTP(HasStatus(Burst().back(), 429));
  std::this_thread::sleep_for(milliseconds(2500));
  const Exchange first = api().Get("/users?limit=1");
  EXPECT_HTTP(HasStatus(first, 200));
  EXPECT_HTTP(HasHeader(first, "RateLimit-Remaining", std::to_string(kRateLimit - 1)))
      << "after 2.5 s idle the bucket refills at " << kRateLimit << " tokens per second up to "
      << kRateLimit << ", so one request leaves " << kRateLimit - 1;
}

// Refills are counted from the last request, refused ones included: with
// N = 1, a token spent at t0 is back at t0 + 1 s, however many 429s were
// sent in between. A bucket that only moves its clock when a request
// passes counts the same time again at each 429 and lets one through early.
SPEC_TEST_F(RateLimitTest, RefusedRequestsDoNotRefillTheBucketTwice, "RATE-3 RATE-6") {
  ASSERT_PLAIN(RestartServer({{"--rate-limit", "1"}, {}}));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_HTTP(HasStatus(api().Get("/users?limit=1"), 200));
  int refused = 0;
  // Every 100 ms up to 0.7 s after the token was spent; the bucket then
  // holds 0.7 tokens, 0.3 s short of the next one.
  for (int step = 1; step <= 7; ++step) {
    std::this_thread::sleep_until(start + milliseconds(100 * step));
    if (std::chrono::steady_clock::now() - start > milliseconds(750)) break;  // A stalled machine.
    const Exchange answer = api().Get("/users?limit=1");
    ASSERT_HTTP(Holds(answer, answer.status == 429,
                      "429: with --rate-limit 1 the next token is back 1 s after the first "
                      "request, and this one was sent " + std::to_string(100 * step) +
                      " ms after it, after " + std::to_string(refused) + " 429s"));
    ++refused;
  }
}

SPEC_TEST_F(RateLimitTest, EveryUserRouteResponseCountsDown, "RATE-4 RATE-9 RATE-10") {
  const auto start = std::chrono::steady_clock::now();
  const Exchange first = api().Get("/users?limit=1");
  // Errors past routing take a token too.
  const Exchange missing = api().Get(kMissingUserPath);
  const Exchange invalid = api().Post("/users", {{"name", ""}});
  // A token comes back every 200 ms: on a machine slower than that, the
  // count may have been topped up in between.
  const bool quick = std::chrono::steady_clock::now() - start < milliseconds(200);
  EXPECT_HTTP(HasStatus(first, 200));
  EXPECT_HTTP(HasStatus(missing, 404));
  EXPECT_HTTP(HasStatus(invalid, 422));
  int expected = kRateLimit;
  for (const Exchange* answer : {&first, &missing, &invalid}) {
    --expected;
    EXPECT_HTTP(HasHeader(*answer, "RateLimit-Limit", std::to_string(kRateLimit)));
    if (quick || answer == &first) {
      EXPECT_HTTP(HasHeader(*answer, "RateLimit-Remaining", std::to_string(expected)));
    } else {
      const std::string remaining = answer->Header("RateLimit-Remaining");
      EXPECT_HTTP(Holds(*answer, remaining.size() == 1 && remaining[0] >= '0' &&
                                     remaining[0] < '0' + kRateLimit,
                        "RateLimit-Remaining between 0 and " + std::to_string(kRateLimit - 1)));
    }
  }
}

// Requests refused before the rate limit (see Precedence): 414, 404 for an
// unknown path or a malformed id, 405.
void SendRefusedByRouting(const ApiClient& api) {
  EXPECT_HTTP(HasProblem(api.Get("/users/" + std::string(600, '1')), 414));
  EXPECT_HTTP(HasProblem(api.Get("/no-such-route"), 404));
  EXPECT_HTTP(HasProblem(api.Delete("/users"), 405));
  EXPECT_HTTP(HasProblem(api.Post("/users/7", {{"name", "Ada"}}), 405));
  EXPECT_HTTP(HasProblem(api.Get("/users/abc"), 404));
}

SPEC_TEST_F(RateLimitTest, RequestsRefusedByRoutingTakeNoToken, "RATE-5") {
  for (int i = 0; i < 3 * kRateLimit; ++i) SendRefusedByRouting(api());
  const Exchange first = api().Get("/users?limit=1");
  EXPECT_HTTP(HasStatus(first, 200));
  EXPECT_HTTP(HasHeader(first, "RateLimit-Remaining", std::to_string(kRateLimit - 1)));
}

SPEC_TEST_F(RateLimitTest, RoutingErrorsComeBeforeTheLimit, "PREC-6") {
  ASSERT_HTTP(HasStatus(Burst().back(), 429));
  SendRefusedByRouting(api());
}

// The other routes, with and without their trailing slash, take no token
// and are never limited.
SPEC_TEST_F(RateLimitTest, OtherRoutesAreNeverLimited, "RATE-5") {
  auto other_routes = [&] {
    for (const std::string route : {"/health", "/ready", "/metrics", "/openapi.json", "/docs"}) {
      for (const std::string& path : {route, route + "/"}) {
        const Exchange answer = api().Get(path);
        // /docs answers 503 without swagger-ui-dist, which DocsTest checks.
        EXPECT_HTTP(Holds(answer, answer.ok() && (answer.status == 200 ||
                                                  (route == "/docs" && answer.status == 503)),
                          "GET " + path + " is never rate limited"));
      }
    }
  };
  for (int i = 0; i < 2 * kRateLimit; ++i) other_routes();
  const Exchange first = api().Get("/users?limit=1");
  EXPECT_HTTP(HasHeader(first, "RateLimit-Remaining", std::to_string(kRateLimit - 1)))
      << "the other routes take no token";
  ASSERT_HTTP(HasStatus(Burst().back(), 429));
  for (int i = 0; i < 2 * kRateLimit; ++i) other_routes();
}

SPEC_TEST_F(RateLimitTest, NoLimitAndNoHeadersWithoutTheFlag, "RATE-11") {
  ASSERT_PLAIN(RestartServer(StartOptions{}));
  for (int i = 0; i < 4 * kRateLimit; ++i) {
    const Exchange answer = api().Get("/users?limit=1");
    ASSERT_HTTP(HasStatus(answer, 200));
    ASSERT_HTTP(Holds(answer, !answer.headers.count("RateLimit-Limit") &&
                                  !answer.headers.count("RateLimit-Remaining"),
                      "no RateLimit-* headers without a rate limit"));
  }
  // Proof that the flag is what matters: with it, the headers are back.
  ASSERT_PLAIN(RestartServer(ServerOptions()));
  EXPECT_HTTP(HasHeader(api().Get("/users?limit=1"), "RateLimit-Limit", std::to_string(kRateLimit)));
}

// A value for --rate-limit, and whether the program must take it.
struct LimitCase {
  const char* name;
  const char* limit;
  bool valid;
};

void PrintTo(const LimitCase& value, std::ostream* out) { *out << value.name << " [RATE-1]"; }

class LimitValueRateLimitTest : public RateLimitTest,
                                public testing::WithParamInterface<LimitCase> {};

// N from 1 to 1000000 starts a server with that limit; any other value
// stops the program with code 2.
SPEC_TEST_P(LimitValueRateLimitTest, LimitIsCheckedAtStartup, "RATE-1 PROG-14") {
  const LimitCase& c = GetParam();
  if (c.valid) {
    ASSERT_PLAIN(RestartServer({{"--rate-limit", c.limit}, {}}));
    EXPECT_HTTP(HasHeader(api().Get("/users?limit=1"), "RateLimit-Limit", c.limit));
    return;
  }
  const std::vector<std::string> args{"--port", "0", "--rate-limit", c.limit};
  const ServerProcess::Outcome run = RunProgramToExit(args, server().workdir());
  EXPECT_PLAIN(run.exit == "exited with code 2")
      << "--rate-limit takes 1 to 1000000: any other value must stop the program with code 2" << DescribeRun(args, run);
}

INSTANTIATE_TEST_SUITE_P(
    Limits, LimitValueRateLimitTest,
    testing::Values(LimitCase{"Zero", "0", false}, LimitCase{"One", "1", true},
                    LimitCase{"OneMillion", "1000000", true},
                    LimitCase{"OneMillionAndOne", "1000001", false},
                    LimitCase{"Negative", "-1", false}, LimitCase{"NotANumber", "abc", false},
                    LimitCase{"Fraction", "1.5", false}, LimitCase{"Empty", "", false}),
    [](const testing::TestParamInfo<LimitCase>& param_info) { return param_info.param.name; });

// Buckets are per client address: one client's burst leaves another's
// bucket full.
SPEC_TEST_F(RateLimitTest, EachClientAddressHasItsOwnBucket, "RATE-1") {
  ASSERT_HTTP(HasStatus(Burst().back(), 429));
  // api() sends from 127.0.0.1; any address in 127.0.0.0/8 reaches loopback.
  const Exchange other = api().FromSourceAddress("127.0.0.2").Get("/users?limit=1");
  const char* why = "127.0.0.1 has just used up its bucket, while 127.0.0.2's is full: each "
                    "client address has a bucket of its own";
  ASSERT_HTTP(HasStatus(other, 200)) << why;
  EXPECT_HTTP(HasHeader(other, "RateLimit-Remaining", std::to_string(kRateLimit - 1))) << why;
}

// A request to a user route, answered with any status past routing.
struct LimitedRouteCase {
  const char* name;
  const char* method;
  const char* path;  // "{user}" stands for a user this test creates.
  const char* body;  // Sent as application/json when not empty.
  int status;
  const char* rules;
};

void PrintTo(const LimitedRouteCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << "]";
}

class RouteRateLimitTest : public RateLimitTest,
                           public testing::WithParamInterface<LimitedRouteCase> {};

// Every response of a limited route, errors and trailing slashes included,
// has RateLimit-Limit and RateLimit-Remaining, and took a token.
SPEC_TEST_P(RouteRateLimitTest, EveryResponseCarriesTheHeaders, "RATE-4 RATE-9 RATE-10") {
  const LimitedRouteCase& route = GetParam();
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = ReplaceAll(route.path, "{user}", UserPath(created.Json()));
  httplib::Headers headers;
  if (*route.body) headers.emplace("Content-Type", "application/json");
  const std::string body = ReplaceAll(route.body, "{email}", UniqueEmail("limited"));
  const Exchange answer = api().Send(route.method, path, headers, body);
  EXPECT_HTTP(HasStatus(answer, route.status));
  EXPECT_HTTP(HasHeader(answer, "RateLimit-Limit", std::to_string(kRateLimit)));
  // Two tokens taken (the create, then this request); one may have come back.
  const std::string remaining = answer.Header("RateLimit-Remaining");
  EXPECT_HTTP(Holds(answer, remaining == std::to_string(kRateLimit - 2) ||
                                remaining == std::to_string(kRateLimit - 1),
                    "RateLimit-Remaining: " + std::to_string(kRateLimit - 2) +
                        " after two requests (or one more if a token came back meanwhile)"));
}

INSTANTIATE_TEST_SUITE_P(
    Routes, RouteRateLimitTest,
    testing::Values(
        LimitedRouteCase{"PostUsers", "POST", "/users", R"({"name":"A","email":"{email}"})", 201,
                         "RATE-4"},
        LimitedRouteCase{"PostUsersWithSlash", "POST", "/users/",
                         R"({"name":"A","email":"{email}"})", 201, "CONV-3"},
        LimitedRouteCase{"PostInvalidUser", "POST", "/users", R"({"name":""})", 422, "RATE-4"},
        LimitedRouteCase{"PostMalformedJson", "POST", "/users", R"({"name":)", 400, "RATE-4"},
        LimitedRouteCase{"GetUsers", "GET", "/users?limit=1", "", 200, "RATE-4"},
        LimitedRouteCase{"GetUsersWithSlash", "GET", "/users/?limit=1", "", 200, "CONV-3"},
        LimitedRouteCase{"GetUsersBadQuery", "GET", "/users?limit=0", "", 422, "RATE-4"},
        LimitedRouteCase{"GetUser", "GET", "{user}", "", 200, "RATE-4"},
        LimitedRouteCase{"GetUserWithSlash", "GET", "{user}/", "", 200, "CONV-3"},
        LimitedRouteCase{"GetMissingUser", "GET", kMissingUserPath, "", 404, "RATE-4"},
        LimitedRouteCase{"PutUser", "PUT", "{user}", R"({"age":40})", 200, "RATE-4"},
        LimitedRouteCase{"PutUserWithSlash", "PUT", "{user}/", R"({"age":40})", 200, "CONV-3"},
        LimitedRouteCase{"PatchUser", "PATCH", "{user}", R"({"age":41})", 200, "RATE-4"},
        LimitedRouteCase{"PatchUserWithSlash", "PATCH", "{user}/", R"({"age":41})", 200,
                         "CONV-3"},
        LimitedRouteCase{"DeleteUser", "DELETE", "{user}", "", 204, "RATE-4"},
        LimitedRouteCase{"DeleteUserWithSlash", "DELETE", "{user}/", "", 204, "CONV-3"}),
    [](const testing::TestParamInfo<LimitedRouteCase>& param_info) {
      return param_info.param.name;
    });

// A server with both a rate limit of 2 and an API key.
class KeyedRateLimitTest : public RateLimitTest {
 protected:
  StartOptions ServerOptions() const override {
    return {{"--rate-limit", "2", "--api-key", "rate-key"}, {}};
  }
};

// A 401 takes a token like any other answer past routing, and once the
// bucket is empty a request is 429 whatever its key.
SPEC_TEST_F(KeyedRateLimitTest, LimitComesBeforeTheKey, "PREC-7 RATE-4") {
  const ApiClient keyed = api().WithHeaders({{"Authorization", "Bearer rate-key"}});
  const Exchange first = api().Get("/users?limit=1");
  EXPECT_HTTP(HasProblem(first, 401));
  EXPECT_HTTP(HasHeader(first, "RateLimit-Remaining", "1"));
  const Exchange second = api().Get("/users?limit=1");
  EXPECT_HTTP(HasProblem(second, 401));
  EXPECT_HTTP(HasHeader(second, "RateLimit-Remaining", "0"));
  EXPECT_HTTP(HasProblem(api().Get("/users?limit=1"), 429))
      << "with the bucket empty, a request without the key is 429, not 401";
  EXPECT_HTTP(HasProblem(keyed.Get("/users?limit=1"), 429))
      << "the two 401s used up the bucket of 2";
}

}  // namespace
}  // namespace acceptance
