// The stage-3 server: reads the flags, makes the App (app.hpp) and serves
// it until SIGTERM or SIGINT, then shuts down gracefully. The first line on
// stdout is the listening line that the acceptance harness waits for;
// stderr carries the JSON log.
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

#include "app.hpp"
#include "domain/storage_error.hpp"
#include "http/listener.hpp"
#include "observability/log.hpp"
#include "options.hpp"
#include "store/open_store.hpp"

namespace {

// How long in-flight requests get to finish after SIGTERM.
constexpr auto kShutdownGrace = std::chrono::seconds(10);

std::string FormatAddress(const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
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

  std::optional<user_api::App> app;
  try {
    app.emplace(options, user_api::OpenStore(options.db, user_api::StoreConnections()));
  } catch (const user_api::StorageError& error) {
    Log(LogLevel::kError, "cannot open the database", {{"error", error.what()}});
    return 1;
  }
  httplib::Server server;
  app->Install(server);

  const int port = user_api::BindServer(server, options.host, options.port);
  if (port < 0) {
    Log(LogLevel::kError, "cannot listen: the address is in use or not available",
        {{"address", FormatAddress(options.host, options.port)}});
    return 1;
  }
  std::cout << "listening on http://" << FormatAddress(options.host, port) << std::endl;
  Log(LogLevel::kInfo, "listening",
      {{"address", FormatAddress(options.host, port)}, {"storage", app->storage_kind()}});

  std::atomic<bool> stopping{false};
  std::thread signal_waiter([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    if (stopping.exchange(true)) return;  // Woken by main after listening ended.
    app->BeginShutdown();
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
  if (!stopping.exchange(true)) {
    pthread_kill(signal_waiter.native_handle(), SIGTERM);
  }
  signal_waiter.join();
  app.reset();  // Closes the database after the last commit.
  Log(LogLevel::kInfo, "stopped");
  return served ? 0 : 1;
}
