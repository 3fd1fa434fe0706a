#include "observability/metrics.hpp"

#include <sstream>

namespace user_api {
namespace {

std::string Labels(const std::string& method, const std::string& route) {
  return "method=\"" + method + "\",route=\"" + route + "\"";
}

}  // namespace

void Metrics::RecordRequest(const std::string& method, const std::string& route, int status,
                            double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, status}];
  Histogram& histogram = durations_[{method, route}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++histogram.buckets[i];
      break;
    }
  }
  histogram.sum += seconds;
  ++histogram.count;
}

std::string Metrics::Render(std::uint64_t users) const {
  std::ostringstream out;
  out.precision(9);
  std::lock_guard lock(mutex_);
  out << "# HELP user_api_http_requests_total Responses sent, by method, route template and "
         "status.\n# TYPE user_api_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [method, route, status] = key;
    out << "user_api_http_requests_total{" << Labels(method, route) << ",status=\"" << status
        << "\"} " << count << "\n";
  }
  out << "# HELP user_api_http_request_duration_seconds Time to produce a response.\n"
         "# TYPE user_api_http_request_duration_seconds histogram\n";
  for (const auto& [key, histogram] : durations_) {
    const std::string labels = Labels(key.first, key.second);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += histogram.buckets[i];
      out << "user_api_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i]
          << "\"} " << cumulative << "\n";
    }
    out << "user_api_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} "
        << histogram.count << "\n";
    out << "user_api_http_request_duration_seconds_sum{" << labels << "} " << histogram.sum << "\n";
    out << "user_api_http_request_duration_seconds_count{" << labels << "} " << histogram.count
        << "\n";
  }
  out << "# HELP user_api_users Users currently stored.\n# TYPE user_api_users gauge\n"
      << "user_api_users " << users << "\n";
  out << "# HELP user_api_users_created_total Users created since this process started.\n"
         "# TYPE user_api_users_created_total counter\n"
      << "user_api_users_created_total " << users_created_.load(std::memory_order_relaxed) << "\n";
  return out.str();
}

}  // namespace user_api
