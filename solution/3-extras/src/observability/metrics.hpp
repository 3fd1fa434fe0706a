// The server's metrics, rendered in the Prometheus text exposition format
// (guide/api-spec.md, "Metrics").
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace user_api {

// Safe to use from several threads at once.
class Metrics {
 public:
  // Counts one response and its duration under the route template.
  void RecordRequest(const std::string& method, const std::string& route, int status,
                     double seconds);

  // Counts one user created by this process.
  void RecordUserCreated() { users_created_.fetch_add(1, std::memory_order_relaxed); }

  // Every series, with `users` as the current number of stored users.
  std::string Render(std::uint64_t users) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // Not cumulative.
    double sum = 0;
    std::uint64_t count = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;  // Guarded by mutex_.
  std::map<std::pair<std::string, std::string>, Histogram> durations_;         // Guarded by mutex_.
  std::atomic<std::uint64_t> users_created_{0};
};

}  // namespace user_api
