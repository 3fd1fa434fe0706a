#include "app.hpp"

#include <chrono>
#include <utility>

#include "http/request_checks.hpp"

namespace user_api {
namespace {

constexpr std::size_t kKeepAliveMaxRequests = 10000;

GateSettings Gate(const Options& options, std::optional<RateLimiter>& limiter) {
  if (options.rate_limit > 0) limiter.emplace(options.rate_limit);
  return {options.api_key, limiter ? &*limiter : nullptr};
}

}  // namespace

App::App(const Options& options, std::unique_ptr<UserStore> store)
    : store_(std::move(store)),
      service_(*store_),
      docs_(options.docs_dir),
      parts_{service_, metrics_, docs_, Gate(options, limiter_), std::chrono::steady_clock::now(),
             shutting_down_} {}

void App::Install(httplib::Server& server) {
  // Without TCP_NODELAY, httplib 0.11 waits about 40 ms before each response
  // on a keep-alive connection (Nagle's algorithm meets delayed ACKs).
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  // A backstop: CheckRequest refuses a larger Content-Length before reading.
  server.set_payload_max_length(kMaxBodyBytes);
  RegisterRoutes(server, parts_);
}

}  // namespace user_api
