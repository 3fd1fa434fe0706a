// A token bucket per client address (guide/api-spec.md, "Rate limiting").
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace user_api {

struct RateDecision {
  bool allowed = true;
  int remaining = 0;          // Whole tokens left after this request.
  int retry_after_seconds = 0;  // When refused: seconds until a token is back.
};

// Each client's bucket holds at most `per_second` tokens, starts full and
// refills continuously at `per_second` tokens a second. Safe to use from
// several threads at once.
class RateLimiter {
 public:
  explicit RateLimiter(int per_second) : rate_(per_second) {}

  int limit() const { return static_cast<int>(rate_); }

  // Takes one token from `client`'s bucket, or refuses when it has none.
  RateDecision Take(const std::string& client);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
  };

  const double rate_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // Guarded by mutex_.
};

}  // namespace user_api
