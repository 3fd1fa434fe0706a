// The stage-3 server: reads the flags, opens the store, wires store ->
// service -> routes and serves until SIGTERM or SIGINT, then shuts down
// gracefully. The first line on stdout is the listening line that the
// acceptance harness waits for; stderr carries the JSON log.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "domain/storage_error.hpp"
#include "http/docs.hpp"
#include "http/http_routes.hpp"
#include "http/listener.hpp"
#include "observability/log.hpp"
#include "options.hpp"
#include "service/user_service.hpp"
#include "store/memory_user_store.hpp"
#include "store/postgres_user_store.hpp"
#include "store/sqlite_user_store.hpp"

namespace {

// One worker per open connection: httplib holds a worker for as long as a
// keep-alive connection stays open, so the pool bounds concurrent clients.
constexpr std::size_t kWorkerThreads = 64;
constexpr std::size_t kKeepAliveMaxRequests = 10000;
// How long in-flight requests get to finish after SIGTERM.
constexpr auto kShutdownGrace = std::chrono::seconds(10);

void ConfigureServer(httplib::Server& server) {
  // Without TCP_NODELAY, httplib 0.11 waits about 40 ms before each response
  // on a keep-alive connection (Nagle's algorithm meets delayed ACKs).
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  // A backstop: CheckRequest refuses a larger Content-Length before reading.
  server.set_payload_max_length(user_api::kMaxBodyBytes);
}

std::string FormatAddress(const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// No --db, or ":memory:", keeps users in memory; a postgresql:// or
// postgres:// URL names a PostgreSQL database; anything else is a SQLite
// file. Throws StorageError when the database cannot be opened.
std::unique_ptr<user_api::UserStore> OpenStore(const std::string& db) {
  if (db.empty() || db == ":memory:") return std::make_unique<user_api::MemoryUserStore>();
  if (user_api::IsPostgresUrl(db)) {
    // A worker holds at most one connection at a time, so as many
    // connections as workers means a request never waits for one.
    return std::make_unique<user_api::PostgresUserStore>(db, kWorkerThreads);
  }
  return std::make_unique<user_api::SqliteUserStore>(db);
}

}  // namespace

int main(int argc, char** argv) {
  using user_api::Log;
  using user_api::LogLevel;
  const user_api::ParsedOptions parsed =
      user_api::ParseOptions(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.options) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message;
    return parsed.exit_code;
  }
  const user_api::Options& options = *parsed.options;

  // Signals are taken by one thread with sigwait, so they are blocked
  // before any other thread starts and inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // Past a file size limit (RLIMIT_FSIZE) a write should fail with EFBIG,
  // which SQLite reports and the server answers 503, not kill the process.
  signal(SIGXFSZ, SIG_IGN);

  std::unique_ptr<user_api::UserStore> store;
  try {
    store = OpenStore(options.db);
  } catch (const user_api::StorageError& error) {
    Log(LogLevel::kError, "cannot open the database", {{"error", error.what()}});
    return 1;
  }
  user_api::UserService service(*store);
  user_api::Metrics metrics;
  const user_api::Docs docs(options.docs_dir);
  std::optional<user_api::RateLimiter> limiter;
  if (options.rate_limit > 0) limiter.emplace(options.rate_limit);
  std::atomic<bool> shutting_down{false};
  user_api::ServerParts parts{service,
                              metrics,
                              docs,
                              {options.api_key, limiter ? &*limiter : nullptr},
                              std::chrono::steady_clock::now(),
                              shutting_down};

  httplib::Server server;
  ConfigureServer(server);
  user_api::RegisterRoutes(server, parts);

  const int port = user_api::BindServer(server, options.host, options.port);
  if (port < 0) {
    Log(LogLevel::kError, "cannot listen: the address is in use or not available",
        {{"address", FormatAddress(options.host, options.port)}});
    return 1;
  }
  std::cout << "listening on http://" << FormatAddress(options.host, port) << std::endl;
  Log(LogLevel::kInfo, "listening",
      {{"address", FormatAddress(options.host, port)}, {"storage", store->kind()}});

  std::thread signal_waiter([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    if (shutting_down.exchange(true)) return;  // Woken by main after a failed listen.
    Log(LogLevel::kInfo, "shutting down", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
    server.stop();
    // Requests in flight get a grace period; past it, the process ends.
    // Every acknowledged write is already committed.
    std::thread([] {
      std::this_thread::sleep_for(kShutdownGrace);
      Log(LogLevel::kWarn, "requests still in flight after the grace period; exiting");
      std::_Exit(0);
    }).detach();
  });

  const bool served = server.listen_after_bind();
  if (!shutting_down.exchange(true)) {
    pthread_kill(signal_waiter.native_handle(), SIGTERM);
  }
  signal_waiter.join();
  store.reset();  // Closes the database after the last commit.
  Log(LogLevel::kInfo, "stopped");
  return served ? 0 : 1;
}
