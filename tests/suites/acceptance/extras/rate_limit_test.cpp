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

TEST_F(RateLimitTest, BurstGets429WithRetryAfter) {
  const std::vector<Exchange> answers = Burst();
  ASSERT_FALSE(answers.empty());
  for (std::size_t i = 0; i < answers.size() && i < kRateLimit; ++i) {
    EXPECT_HTTP(HasStatus(answers[i], 200));  // The bucket starts full.
  }
  const Exchange& limited = answers.back();
  ASSERT_HTTP(HasProblem(limited, 429));
  EXPECT_HTTP(HasJson(limited, "/type", "/problems/rate-limited"));
  EXPECT_HTTP(Holds(limited, RetryAfter(limited) >= 1,
                    "Retry-After: a whole number of seconds, at least 1"));
  EXPECT_HTTP(HasHeader(limited, "RateLimit-Limit", std::to_string(kRateLimit)));
  EXPECT_HTTP(HasHeader(limited, "RateLimit-Remaining", "0"));
  for (const Exchange& answer : answers) {
    EXPECT_HTTP(HasHeader(answer, "RateLimit-Limit", std::to_string(kRateLimit)));
  }
}

TEST_F(RateLimitTest, RecoversAfterRetryAfter) {
  const std::vector<Exchange> answers = Burst();
  const Exchange& limited = answers.back();
  ASSERT_HTTP(HasStatus(limited, 429));
  const int wait = RetryAfter(limited);
  ASSERT_HTTP(Holds(limited, wait >= 1 && wait <= 5,
                    "Retry-After between 1 and 5 s for a limit of 5 per second"));
  std::this_thread::sleep_for(seconds(wait));
  EXPECT_HTTP(HasStatus(api().Get("/users?limit=1"), 200));
}

TEST_F(RateLimitTest, EveryUserRouteResponseCountsDown) {
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

TEST_F(RateLimitTest, RequestsRefusedByRoutingTakeNoToken) {
  for (int i = 0; i < 3 * kRateLimit; ++i) {
    EXPECT_HTTP(HasStatus(api().Get("/no-such-route"), 404));
    EXPECT_HTTP(HasStatus(api().Delete("/users"), 405));
    EXPECT_HTTP(HasStatus(api().Get("/users/abc"), 404));
  }
  const Exchange first = api().Get("/users?limit=1");
  EXPECT_HTTP(HasStatus(first, 200));
  EXPECT_HTTP(HasHeader(first, "RateLimit-Remaining", std::to_string(kRateLimit - 1)));
}

TEST_F(RateLimitTest, OtherRoutesAreNeverLimited) {
  ASSERT_HTTP(HasStatus(Burst().back(), 429));
  for (int i = 0; i < 3 * kRateLimit; ++i) {
    for (const char* path : {"/health", "/ready", "/metrics", "/openapi.json"}) {
      EXPECT_HTTP(HasStatus(api().Get(path), 200));
    }
  }
}

TEST_F(RateLimitTest, NoLimitAndNoHeadersWithoutTheFlag) {
  ASSERT_TRUE(RestartServer(StartOptions{}));
  for (int i = 0; i < 4 * kRateLimit; ++i) {
    const Exchange answer = api().Get("/users?limit=1");
    ASSERT_HTTP(HasStatus(answer, 200));
    ASSERT_HTTP(Holds(answer, !answer.headers.count("RateLimit-Limit") &&
                                  !answer.headers.count("RateLimit-Remaining"),
                      "no RateLimit-* headers without a rate limit"));
  }
  // Proof that the flag is what matters: with it, the headers are back.
  ASSERT_TRUE(RestartServer(ServerOptions()));
  EXPECT_HTTP(HasHeader(api().Get("/users?limit=1"), "RateLimit-Limit", std::to_string(kRateLimit)));
}

TEST_F(RateLimitTest, LimitFromTheEnvironmentAndTheFlagWins) {
  ASSERT_TRUE(RestartServer({{}, {{"USER_API_RATE_LIMIT", "3"}}}));
  EXPECT_HTTP(HasHeader(api().Get("/users?limit=1"), "RateLimit-Limit", "3"));
  ASSERT_TRUE(RestartServer({{"--rate-limit", "7"}, {{"USER_API_RATE_LIMIT", "3"}}}));
  EXPECT_HTTP(HasHeader(api().Get("/users?limit=1"), "RateLimit-Limit", "7"));
}

TEST_F(RateLimitTest, BadLimitExitsWithCode2) {
  for (const char* limit : {"0", "-1", "abc", "1000001", "1.5", ""}) {
    const std::vector<std::string> args{"--port", "0", "--rate-limit", limit};
    const ServerProcess::Outcome run = RunProgramToExit(args, server().workdir());
    EXPECT_EQ(run.exit, "exited with code 2")
        << "--rate-limit takes 1 to 1000000" << DescribeRun(args, run);
  }
  const std::vector<std::string> args{"--port", "0"};
  const ServerProcess::Outcome run =
      RunProgramToExit(args, server().workdir(), {{"USER_API_RATE_LIMIT", "0"}});
  EXPECT_EQ(run.exit, "exited with code 2")
      << "USER_API_RATE_LIMIT=0 is a bad value" << DescribeRun(args, run);
}

// Buckets are per client address: one client's burst leaves another's
// bucket full.
TEST_F(RateLimitTest, EachClientAddressHasItsOwnBucket) {
  ASSERT_HTTP(HasStatus(Burst().back(), 429));
  // api() sends from 127.0.0.1; any address in 127.0.0.0/8 reaches loopback.
  const Exchange other = api().FromSourceAddress("127.0.0.2").Get("/users?limit=1");
  const char* why = "127.0.0.1 has just used up its bucket, while 127.0.0.2's is full: each "
                    "client address has a bucket of its own";
  ASSERT_HTTP(HasStatus(other, 200)) << why;
  EXPECT_HTTP(HasHeader(other, "RateLimit-Remaining", std::to_string(kRateLimit - 1))) << why;
}

}  // namespace
}  // namespace acceptance
