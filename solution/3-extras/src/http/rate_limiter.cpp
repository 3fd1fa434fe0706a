#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace user_api {
namespace {

// Past this many clients, buckets that have refilled are forgotten: a full
// bucket is the same as a new one.
constexpr std::size_t kMaxTrackedClients = 10000;

}  // namespace

RateDecision RateLimiter::Take(const std::string& client) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (buckets_.size() > kMaxTrackedClients) {
    std::erase_if(buckets_, [&](const auto& entry) {
      const std::chrono::duration<double> idle = now - entry.second.updated;
      return entry.second.tokens + idle.count() * rate_ >= rate_;
    });
  }
  auto it = buckets_.try_emplace(client, Bucket{rate_, now}).first;
  Bucket& bucket = it->second;
  const std::chrono::duration<double> elapsed = now - bucket.updated;
  bucket.tokens = std::min(rate_, bucket.tokens + elapsed.count() * rate_);
  bucket.updated = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return {true, static_cast<int>(bucket.tokens), 0};
  }
  const int wait = static_cast<int>(std::ceil((1 - bucket.tokens) / rate_));
  return {false, 0, std::max(1, wait)};
}

}  // namespace user_api
