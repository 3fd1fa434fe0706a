// The load benchmark: creates, reads and lists users concurrently against
// any implementation of the API and reports throughput and latency.
//
// Target, as for the acceptance suites: USER_API_URL (a running server), or
// USER_API_SERVER (a program started once with --port 0 in a fresh
// directory) with extra flags in USER_API_SERVER_ARGS (space-separated).
//
// Each benchmark runs at 1 to 64 client threads, each with its own
// keep-alive connection with TCP_NODELAY (keep_alive_connection.hpp: lean,
// so that the server has the CPU). Counters per run:
//   requests_per_second  completed requests per second, all threads together
//   users_per_second     (CreateUsers) users created per second
//   errors               responses that were not the expected 2xx, and
//                        transport failures; a run with errors is invalid
//   p50_us, p95_us, p99_us  latency percentiles over every thread's samples
// The program exits 1 when any request failed.
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "keep_alive_connection.hpp"
#include "target_server.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kReadSeedUsers = 1000;     // Users that GetUser and Mixed read.
constexpr int kListSeedUsers = 10000;    // The store size ListUsers pages over.
constexpr int kSeedThreads = 16;

std::unique_ptr<acceptance::TargetServer> g_server;
std::atomic<std::int64_t> g_failed_requests{0};
const std::string g_run = [] {
  std::random_device entropy;
  return std::to_string(entropy() % 1000000000);
}();

std::unique_ptr<bench::KeepAliveConnection> MakeClient() {
  return std::make_unique<bench::KeepAliveConnection>(g_server->base_url());
}

// A create body with an email no other request of this process uses:
// Google Benchmark calls each function several times while it sizes a run,
// so a per-call counter would repeat emails (409 from a server with rules).
std::string NewUserBody() {
  static std::atomic<std::int64_t> next{0};
  return R"({"name":"Bench User","email":"bench-)" + g_run + "-" + std::to_string(next++) +
         R"(@example.test","age":30})";
}

// Creates users from several threads; returns their ids (unordered).
std::vector<std::int64_t> SeedUsers(int count) {
  std::mutex mutex;
  std::vector<std::int64_t> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < kSeedThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = MakeClient();
      std::string body;
      for (int i = t; i < count; i += kSeedThreads) {
        if (client->Send(client->Request("POST", "/users", NewUserBody()), body) != 201) {
          g_failed_requests.fetch_add(1);
          continue;
        }
        const auto user = nlohmann::json::parse(body, nullptr, false);
        std::lock_guard lock(mutex);
        ids.push_back(user.value("id", std::int64_t{0}));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return ids;
}

// Ids of users that exist, seeded once per process.
const std::vector<std::int64_t>& ReadableIds() {
  static const std::vector<std::int64_t> ids = SeedUsers(kReadSeedUsers);
  return ids;
}

void EnsureStoreSize(int users) {
  static std::once_flag seeded;
  std::call_once(seeded, [users] { SeedUsers(users); });
}

// Latency samples of one run, merged across its threads. Google Benchmark
// sums counters across threads, so percentiles are computed once, by
// thread 0, after every thread has handed in its samples.
class RunRecorder {
 public:
  void HandIn(const std::vector<double>& samples) {
    std::lock_guard lock(mutex_);
    samples_.insert(samples_.end(), samples.begin(), samples.end());
    ++arrived_;
    all_arrived_.notify_all();
  }

  // Waits for `threads` hand-ins, returns the merged samples and resets.
  std::vector<double> Collect(int threads) {
    std::unique_lock lock(mutex_);
    all_arrived_.wait(lock, [&] { return arrived_ == threads; });
    std::vector<double> merged = std::move(samples_);
    samples_.clear();
    arrived_ = 0;
    return merged;
  }

 private:
  std::mutex mutex_;
  std::condition_variable all_arrived_;
  std::vector<double> samples_;  // Guarded by mutex_.
  int arrived_ = 0;              // Guarded by mutex_.
};

RunRecorder g_recorder;

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[rank];
}

// One thread's view of a run: times each request and counts failures.
class ThreadMeter {
 public:
  explicit ThreadMeter(benchmark::State& state) : state_(state) { samples_.reserve(1 << 16); }

  // Sends `request` on `connection` and records it; `expected` is the
  // status it must get.
  void Measure(bench::KeepAliveConnection& connection, const std::string& request, int expected) {
    const auto start = Clock::now();
    const int status = connection.Send(request, body_);
    samples_.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (status != expected) ++errors_;
  }

  void Finish(bool counts_users) {
    const double completed = static_cast<double>(state_.iterations());
    state_.counters["requests_per_second"] = benchmark::Counter(completed, benchmark::Counter::kIsRate);
    if (counts_users) {
      state_.counters["users_per_second"] = benchmark::Counter(completed, benchmark::Counter::kIsRate);
    }
    state_.counters["errors"] = benchmark::Counter(static_cast<double>(errors_));
    g_failed_requests.fetch_add(errors_);
    g_recorder.HandIn(samples_);
    if (state_.thread_index() != 0) return;
    std::vector<double> all = g_recorder.Collect(state_.threads());
    std::sort(all.begin(), all.end());
    state_.counters["p50_us"] = Percentile(all, 0.50);
    state_.counters["p95_us"] = Percentile(all, 0.95);
    state_.counters["p99_us"] = Percentile(all, 0.99);
    if (errors_ > 0 || state_.iterations() == 0) state_.SetLabel("INVALID: requests failed");
  }

 private:
  benchmark::State& state_;
  std::vector<double> samples_;
  std::string body_;  // The last response's, read and dropped.
  std::int64_t errors_ = 0;
};

void CreateUsers(benchmark::State& state) {
  auto client = MakeClient();
  ThreadMeter meter(state);
  for (auto _ : state) {
    const std::string request = client->Request("POST", "/users", NewUserBody());
    meter.Measure(*client, request, 201);
  }
  meter.Finish(/*counts_users=*/true);
}

void GetUser(benchmark::State& state) {
  const std::vector<std::int64_t>& ids = ReadableIds();
  auto client = MakeClient();
  ThreadMeter meter(state);
  std::size_t next = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const std::string path = "/users/" + std::to_string(ids[next++ % ids.size()]);
    meter.Measure(*client, client->Request("GET", path), 200);
  }
  meter.Finish(/*counts_users=*/false);
}

void ListUsers(benchmark::State& state) {
  if (state.thread_index() == 0) EnsureStoreSize(kListSeedUsers);
  auto client = MakeClient();
  ThreadMeter meter(state);
  const std::string request = client->Request("GET", "/users?limit=100");
  for (auto _ : state) {
    meter.Measure(*client, request, 200);
  }
  meter.Finish(/*counts_users=*/false);
}

// Nine reads for every create.
void Mixed(benchmark::State& state) {
  const std::vector<std::int64_t>& ids = ReadableIds();
  auto client = MakeClient();
  ThreadMeter meter(state);
  std::int64_t n = state.thread_index();
  for (auto _ : state) {
    if (n % 10 == 9) {
      meter.Measure(*client, client->Request("POST", "/users", NewUserBody()), 201);
    } else {
      const std::string path = "/users/" + std::to_string(ids[static_cast<std::size_t>(n) % ids.size()]);
      meter.Measure(*client, client->Request("GET", path), 200);
    }
    ++n;
  }
  meter.Finish(/*counts_users=*/false);
}

void Register(const char* name, void (*function)(benchmark::State&)) {
  auto* bench = benchmark::RegisterBenchmark(name, function);
  for (int threads : {1, 2, 4, 8, 16, 32, 64}) bench->Threads(threads);
  bench->UseRealTime();
}

// The interview guide's own load test: 100 users created at once.
void GuideLoadTest() {
  constexpr int kUsers = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  const auto start = Clock::now();
  for (int i = 0; i < kUsers; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client client(g_server->base_url());
      auto res = client.Post("/users", NewUserBody(), "application/json");
      if (!res || res->status != 201) failed.fetch_add(1);
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  std::cout << "guide load test: created " << kUsers - failed << " of " << kUsers
            << " users concurrently in " << ms << " ms (" << ms / kUsers << " ms per user)\n";
  g_failed_requests.fetch_add(failed);
}

std::vector<std::string> SplitArgs(const char* text) {
  std::vector<std::string> args;
  std::istringstream words(text ? text : "");
  for (std::string word; words >> word;) args.push_back(word);
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  acceptance::StartOptions options;
  options.extra_args = SplitArgs(std::getenv("USER_API_SERVER_ARGS"));
  std::string error;
  g_server = acceptance::TargetServer::Start(options, error);
  if (!g_server) {
    std::cerr << "user_api_bench: " << error << "\n";
    return 2;
  }
  Register("CreateUsers", CreateUsers);
  Register("GetUser", GetUser);
  Register("ListUsers", ListUsers);
  Register("Mixed", Mixed);
  GuideLoadTest();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const std::string problem = g_server->Finish();
  g_server.reset();
  if (!problem.empty()) std::cerr << "user_api_bench: " << problem << "\n";
  if (g_failed_requests > 0) {
    std::cerr << "user_api_bench: " << g_failed_requests << " requests failed; the results are invalid\n";
    return 1;
  }
  return problem.empty() ? 0 : 1;
}
