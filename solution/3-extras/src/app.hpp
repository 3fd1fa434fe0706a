// Stage 3 wired: a store, the service over it, the metrics, the docs, the
// rate limiter and the routes. main.cpp adds flags,
// signals and the socket; the fuzz targets and in-process tests serve the
// same App over their own streams, so what they test is what runs.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>

#include "http/docs.hpp"
#include "http/http_routes.hpp"
#include "http/rate_limiter.hpp"
#include "observability/metrics.hpp"
#include "options.hpp"
#include "service/user_service.hpp"
#include "store/user_store.hpp"

namespace user_api {

// One worker per open connection: httplib holds a worker for as long as a
// keep-alive connection stays open, so the pool bounds concurrent clients.
inline constexpr std::size_t kWorkerThreads = 64;

// The connections of a store with a pool (PostgreSQL): four per core, fewer
// than the workers, so that a request may wait for one. Each connection is
// a process of the database server, and past a few per core they queue on
// its locks and cores instead of working: on two cores, at 64 clients 64
// connections gave 0.76-0.88x the creates at 16 clients (four runs), 8 gave
// 1.03-1.29x (six runs).
inline std::size_t StoreConnections() {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::min(4 * cores, kWorkerThreads);
}

class App {
 public:
  // Makes every part over `store` (OpenStore in store/open_store.hpp, with
  // StoreConnections() connections), with the options' API key, rate limit and
  // docs folder. Serves nothing until Install.
  App(const Options& options, std::unique_ptr<UserStore> store);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Configures `server` as stage 3 runs it (TCP_NODELAY, the worker pool,
  // keep-alive, the body-size backstop) and registers every route. The
  // routes refer to this App, which must outlive the server's last request.
  void Install(httplib::Server& server);

  // From now on /ready answers 503. Safe from any thread.
  void BeginShutdown() { shutting_down_.store(true); }

  // "memory", "sqlite" or "postgresql".
  const char* storage_kind() const { return store_->kind(); }
  // The counters as GET /metrics renders them now.
  std::string RenderMetrics() const { return metrics_.Render(service_.Count()); }

 private:
  // In construction order: each part refers only to those above it.
  std::unique_ptr<UserStore> store_;
  UserService service_;
  Metrics metrics_;
  const Docs docs_;
  std::optional<RateLimiter> limiter_;
  std::atomic<bool> shutting_down_{false};
  ServerParts parts_;
};

}  // namespace user_api
