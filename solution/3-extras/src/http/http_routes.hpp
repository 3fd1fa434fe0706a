// The HTTP layer: binds routes to handlers that parse requests, call the
// service and format responses, and installs the middleware around them:
// request checks, request ids, logs, metrics, and the one place where
// errors become responses.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>

#include "http/docs.hpp"
#include "http/request_checks.hpp"
#include "observability/metrics.hpp"
#include "service/user_service.hpp"

namespace user_api {

// What the routes use. Everything must outlive the server.
struct ServerParts {
  UserService& users;
  Metrics& metrics;
  const Docs& docs;
  GateSettings gate;
  std::chrono::steady_clock::time_point started;
  const std::atomic<bool>& shutting_down;  // Set on SIGTERM; /ready turns 503.
};

// Registers every route, the request checks (run before any body is read),
// the exception and error handlers, and the per-request log line and
// metrics (written before the response is sent).
void RegisterRoutes(httplib::Server& server, ServerParts& parts);

}  // namespace user_api
