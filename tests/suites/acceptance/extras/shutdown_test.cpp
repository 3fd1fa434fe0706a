// Stage 3 acceptance suite, graceful shutdown (ctest label
// `extras-shutdown`): SIGTERM and SIGINT end the server with code 0 and a
// final log line, requests in flight complete or are refused cleanly, and
// an idle connection does not hold the exit, as guide/api-spec.md
// specifies it. Every test skips against a shared server.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class ShutdownTest : public AcceptanceTest, public testing::WithParamInterface<int> {};

SPEC_TEST_P(ShutdownTest, ExitsZeroWithAFinalLogLine, "STOP-5 STOP-6 LOG-10") {
  REQUIRE_OWN_SERVER("sends a signal to the server");
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const std::size_t logged = server().Stderr().size();
  ASSERT_PLAIN(server().Signal(GetParam()))
      << "could not send SIG" << sigabbrev_np(GetParam()) << " to the server: it was no longer "
      << "running";
  const std::optional<std::string> exit = server().WaitForExit(seconds(5));
  ASSERT_PLAIN(exit) << "the server did not exit within 5 s of " << sigabbrev_np(GetParam())
                     << " with no request in flight\n  stderr:\n"
                     << LastLines(server().Stderr(), 10);
  EXPECT_PLAIN(*exit == "exited with code 0")
      << "after SIG" << sigabbrev_np(GetParam())
      << " the server should shut down gracefully and exit with code 0; it " << *exit
      << "\n  stderr:\n"
      << LastLines(server().Stderr(), 10);
  const std::string after = server().Stderr().substr(logged);
  const std::string last = LastLines(after, 1);
  const json line = json::parse(last, nullptr, /*allow_exceptions=*/false);
  EXPECT_PLAIN(line.is_object() && IsTimestamp(line.value("time", json())) &&
               line.value("level", json()).is_string() && line.value("msg", json()).is_string())
      << "the server should write a final JSON log line (time, level, msg) before it exits; "
         "what it wrote after the signal:\n"
      << (after.empty() ? "(nothing)" : after);
}

INSTANTIATE_TEST_SUITE_P(Signals, ShutdownTest, testing::Values(SIGTERM, SIGINT),
                         [](const testing::TestParamInfo<int>& param_info) {
                           return std::string("SIG") + sigabbrev_np(param_info.param);
                         });

// Creates run on eight threads while SIGTERM arrives. Each create either
// completes (201) or is refused cleanly (no connection, or a 503), and every
// acknowledged user is in the database after a restart.
SPEC_TEST_F(ShutdownTest, RequestsInFlightCompleteOrAreRefusedCleanly, "STOP-3 STOP-4 STOP-6") {
  REQUIRE_OWN_SERVER("sends SIGTERM to the server and restarts it with --db");
  const StartOptions with_db{{"--db", "users.db"}, {}};
  ASSERT_PLAIN(RestartServer(with_db));
  constexpr int kThreads = 8;
  constexpr int kMaxPerThread = 300;
  std::atomic<int> acknowledged{0};
  std::mutex mutex;
  std::vector<Exchange> created;  // Guarded by mutex.
  std::vector<Exchange> unclean;  // Guarded by mutex.
  const ApiClient client = api();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kMaxPerThread; ++i) {
        Exchange answer = client.Post(
            "/users", {{"name", "In Flight"}, {"email", UniqueEmail("flight")}, {"age", 1}});
        std::lock_guard lock(mutex);
        if (answer.ok() && answer.status == 201) {
          created.push_back(std::move(answer));
          ++acknowledged;
          continue;
        }
        if (answer.ok() && answer.status != 503) unclean.push_back(std::move(answer));
        return;  // Refused: the server is going away.
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (acknowledged < 40 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  const bool signalled = server().Signal(SIGTERM);
  const std::optional<std::string> exit =
      signalled ? server().WaitForExit(seconds(15)) : std::nullopt;
  for (std::thread& thread : threads) thread.join();
  ASSERT_PLAIN(signalled) << "could not send SIGTERM to the server: it was no longer running";
  ASSERT_PLAIN(exit) << "the server did not exit within 15 s of SIGTERM (in-flight requests get "
                        "at most 10 s)";
  EXPECT_PLAIN(*exit == "exited with code 0")
      << "after SIGTERM the server should shut down gracefully and exit with code 0; it " << *exit
      << "\n  stderr:\n"
      << LastLines(server().Stderr(), 10);
  for (const Exchange& answer : unclean) {
    ADD_FAILURE() << "a create during shutdown must complete (201) or be refused cleanly (no "
                     "connection, or 503), not this:\n"
                  << Describe(answer);
  }
  EXPECT_PLAIN(created.size() >= 40u)
      << "at least 40 creates should have completed while SIGTERM came; " << created.size()
      << " did";

  ASSERT_PLAIN(RestartServer(with_db));
  int lost = 0;
  for (const Exchange& answer : created) {
    const Exchange fetched = api().Get(UserPath(answer.Json()));
    if (!fetched.ok() || fetched.status != 200 || fetched.Json() != answer.Json()) {
      if (++lost <= 3) ADD_FAILURE() << "an acknowledged create is lost:\n" << Describe(fetched);
    }
  }
  EXPECT_PLAIN(lost == 0) << lost << " of " << created.size()
                     << " acknowledged creates are missing after shutdown and restart";
}

// An idle keep-alive connection must not hold the shutdown for long.
SPEC_TEST_F(ShutdownTest, IdleKeepAliveConnectionDoesNotBlockShutdown, "STOP-3 STOP-6") {
  REQUIRE_OWN_SERVER("sends SIGTERM to the server");
  httplib::Client idle(api().base_url());
  idle.set_keep_alive(true);
  idle.set_connection_timeout(5);
  idle.set_read_timeout(5);
  const httplib::Result result = idle.Get("/health");
  ASSERT_PLAIN(result) << "GET /health on a keep-alive connection got no answer: "
                       << httplib::to_string(result.error());
  ASSERT_PLAIN(server().Signal(SIGTERM))
      << "could not send SIGTERM to the server: it was no longer running";
  const std::optional<std::string> exit = server().WaitForExit(seconds(12));
  ASSERT_PLAIN(exit) << "the server did not exit within 12 s of SIGTERM while a client held an "
                        "idle keep-alive connection\n  stderr:\n"
                     << LastLines(server().Stderr(), 10);
  EXPECT_PLAIN(*exit == "exited with code 0")
      << "after SIGTERM the server should shut down gracefully and exit with code 0; it "
      << *exit;
}

// A request in flight holds the shutdown for at most 10 s: a client that
// sends its body one byte at a time, never finishing, cannot keep the
// server alive past the grace period.
SPEC_TEST_F(ShutdownTest, EndlessRequestHoldsShutdownAtMostTheGracePeriod, "STOP-3 STOP-6") {
  REQUIRE_OWN_SERVER("sends SIGTERM to the server");
  std::atomic<bool> started{false};
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    httplib::Client slow(api().base_url());
    slow.set_read_timeout(30);
    slow.set_write_timeout(30);
    slow.Post(
        "/users", 60000,  // Under the 64 KiB body limit.
        [&](std::size_t offset, std::size_t, httplib::DataSink& sink) {
          if (done) return false;
          if (offset > 0) std::this_thread::sleep_for(milliseconds(250));
          started = true;
          return sink.write("{", 1);
        },
        "application/json");
  });
  while (!started) std::this_thread::sleep_for(milliseconds(10));
  std::this_thread::sleep_for(milliseconds(300));
  const auto signalled_at = std::chrono::steady_clock::now();
  const bool signalled = server().Signal(SIGTERM);
  const std::optional<std::string> exit = signalled ? server().WaitForExit(seconds(14))
                                                    : std::nullopt;
  const auto waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() -
                                                               signalled_at);
  done = true;
  trickle.join();
  ASSERT_PLAIN(signalled) << "could not send SIGTERM to the server: it was no longer running";
  ASSERT_PLAIN(exit) << "the server did not exit within 14 s of SIGTERM while a client kept a "
                        "request in flight by sending its body one byte every 250 ms; the spec "
                        "gives requests in flight at most 10 s\n  stderr:\n"
                     << LastLines(server().Stderr(), 10);
  EXPECT_PLAIN(*exit == "exited with code 0")
      << "after SIGTERM, past the grace period, the server should still exit with code 0; it "
      << *exit << " (" << waited.count() << " ms after the signal)";
}

// A request whose body is still arriving when SIGTERM comes is in flight:
// it completes. Meanwhile the server takes no new connection, and /ready on
// a connection that was already open, if it is answered at all, is 503.
SPEC_TEST_F(ShutdownTest, InFlightRequestCompletesWhileReadyIsNotReady,
            "STOP-1 STOP-2 STOP-3 READY-2") {
  REQUIRE_OWN_SERVER("sends SIGTERM to the server");
  const std::string email = UniqueEmail("in-flight");
  const std::string body = json{{"name", "Late Body"}, {"email", email}}.dump();
  httplib::Client open(api().base_url());
  open.set_keep_alive(true);
  open.set_read_timeout(5);
  ASSERT_PLAIN(open.Get("/health")) << "GET /health on a keep-alive connection got no answer";

  const httplib::Result result = [&] {
    // The body comes in two halves, SIGTERM between them.
    httplib::Client slow(api().base_url());
    slow.set_read_timeout(15);
    std::size_t sent = 0;
    bool signalled = false;
    return slow.Post(
        "/users", body.size(),
        [&](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
          if (offset > 0 && !signalled) {
            std::this_thread::sleep_for(milliseconds(200));
            signalled = server().Signal(SIGTERM);
            std::this_thread::sleep_for(milliseconds(300));
            const Exchange fresh = api().Get("/health");
            EXPECT_PLAIN(!(fresh.ok() && fresh.status == 200))
                << "after SIGTERM the server must not accept a new connection; GET /health on "
                   "one answered:\n"
                << Describe(fresh);
            const httplib::Result ready = open.Get("/ready");
            if (ready) {
              const json not_ready = {{"status", "not_ready"}};
              EXPECT_PLAIN(ready->status == 503 &&
                           json::parse(ready->body, nullptr, false) == not_ready)
                  << "GET /ready on an open connection while shutting down should answer 503 "
                     "with {\"status\":\"not_ready\"}; it answered " << ready->status << " with "
                  << (ready->body.empty() ? "an empty body" : ready->body);
            }
          }
          const std::size_t half = offset == 0 ? body.size() / 2 : length;
          sink.write(body.data() + offset, std::min(half, length));
          sent += std::min(half, length);
          return true;
        },
        "application/json");
  }();
  ASSERT_PLAIN(result) << "the create in flight at SIGTERM got no answer: "
                       << httplib::to_string(result.error());
  EXPECT_PLAIN(result->status == 201)
      << "the create in flight at SIGTERM must complete with 201; it answered " << result->status
      << " with " << (result->body.empty() ? "an empty body" : result->body);
  const std::optional<std::string> exit = server().WaitForExit(seconds(15));
  ASSERT_PLAIN(exit) << "the server did not exit within 15 s of SIGTERM";
  EXPECT_PLAIN(*exit == "exited with code 0")
      << "after SIGTERM the server should exit with code 0; it " << *exit;
}

}  // namespace
}  // namespace acceptance
