// What the middleware knows of the request a worker thread is handling.
// httplib 0.11 handles a request from start to finish on one thread, so the
// context is thread-local: begun by the pre-routing handler, read by the
// handlers, finished by the post-routing handler.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace user_api {

struct RateLimitState {
  int limit = 0;
  int remaining = 0;
};

struct RequestContext {
  bool begun = false;
  std::chrono::steady_clock::time_point start;
  std::string request_id;
  std::string route;                        // A route template, or "unmatched".
  std::optional<RateLimitState> rate_limit;  // Set on rate-limited routes.
};

// The context of the request this thread is handling.
RequestContext& CurrentRequest();

// A request id that is safe to echo: 1 to 128 characters of
// [A-Za-z0-9._-]. Anything else is replaced by a fresh random one.
std::string AcceptOrMakeRequestId(const std::string& sent);

}  // namespace user_api
