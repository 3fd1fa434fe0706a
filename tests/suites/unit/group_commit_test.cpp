// GroupCommit (stage 3, store/group_commit.hpp): writes that wait while a
// batch runs share the next one, in order, bounded in size; each write's
// failure reaches its own caller, and a batch's failure every caller in it.
#include <gtest/gtest.h>

#include <time.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/group_commit.hpp"

namespace user_api {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// Records the batches a GroupCommit runs, the writes' labels in each, and can
// hold the first batch until the test lets it go.
class Recorder {
 public:
  explicit Recorder(bool hold_first) : hold_first_(hold_first) {}

  GroupCommit::RunBatch Runner() {
    return [this](std::span<BatchedWrite* const> writes) {
      if (hold_first_ && !held_) {
        held_ = true;
        started_.count_down();
        release_.wait();
      }
      for (BatchedWrite* write : writes) {
        try {
          write->apply();
        } catch (...) {
          write->error = std::current_exception();
        }
      }
      if (++batches_run_ == fail_batch_) throw std::runtime_error("the commit failed");
      std::lock_guard lock(mutex_);
      batches_.emplace_back(current_.begin(), current_.end());
      current_.clear();
    };
  }

  // Called from a write's apply: notes its label in the running batch.
  void Note(const std::string& label) {
    std::lock_guard lock(mutex_);
    current_.push_back(label);
  }

  std::vector<std::vector<std::string>> Batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }

  void WaitUntilHeld() { started_.wait(); }
  void Release() { release_.count_down(); }
  // Makes the batch with this number, from 1, throw after its writes ran.
  void FailBatch(int number) { fail_batch_ = number; }

 private:
  const bool hold_first_;
  bool held_ = false;    // Only the running batch reads and writes it.
  int fail_batch_ = 0;   // Set before any batch runs.
  int batches_run_ = 0;  // Only the running batch reads and writes it.
  std::latch started_{1};
  std::latch release_{1};
  std::mutex mutex_;
  std::vector<std::string> current_;                // Guarded by mutex_.
  std::vector<std::vector<std::string>> batches_;  // Guarded by mutex_.
};

// Waits until `commit` has `count` writes pending.
void WaitForPending(const GroupCommit& commit, std::size_t count) {
  while (commit.Pending() < count) std::this_thread::sleep_for(microseconds(200));
}

// Submits "first", waits until its batch is running and held, then submits
// `labels` from threads of their own in that order, each once the one before
// is queued, then releases.
void SubmitBehindAHeldBatch(GroupCommit& commit, Recorder& recorder,
                            const std::vector<std::string>& labels,
                            std::vector<std::exception_ptr>* errors = nullptr) {
  std::jthread first([&] { commit.Submit([&] { recorder.Note("first"); }); });
  recorder.WaitUntilHeld();
  std::vector<std::jthread> others;
  if (errors) errors->assign(labels.size(), nullptr);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    others.emplace_back([&, i] {
      try {
        commit.Submit([&, i] {
          recorder.Note(labels[i]);
          if (labels[i].starts_with("throws")) throw std::invalid_argument(labels[i]);
        });
      } catch (...) {
        if (errors) (*errors)[i] = std::current_exception();
      }
    });
    WaitForPending(commit, i + 2);
  }
  recorder.Release();
}

std::string What(const std::exception_ptr& error) {
  if (!error) return "(no error)";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  }
}

TEST(GroupCommitTest, WritesThatWaitWhileABatchRunsShareTheNextInOrder) {
  Recorder recorder(/*hold_first=*/true);
  GroupCommit commit(64, microseconds(0), recorder.Runner());
  SubmitBehindAHeldBatch(commit, recorder, {"a", "b", "c", "d"});
  const auto batches = recorder.Batches();
  ASSERT_EQ(batches.size(), 2u) << "expected the first write alone, then the four that waited";
  EXPECT_EQ(batches[0], std::vector<std::string>({"first"}));
  EXPECT_EQ(batches[1], std::vector<std::string>({"a", "b", "c", "d"}));
}

TEST(GroupCommitTest, ABatchHoldsAtMostTheBound) {
  Recorder recorder(/*hold_first=*/true);
  GroupCommit commit(2, microseconds(0), recorder.Runner());
  SubmitBehindAHeldBatch(commit, recorder, {"a", "b", "c", "d", "e"});
  const auto batches = recorder.Batches();
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[1], std::vector<std::string>({"a", "b"}));
  EXPECT_EQ(batches[2], std::vector<std::string>({"c", "d"}));
  EXPECT_EQ(batches[3], std::vector<std::string>({"e"}));
}

TEST(GroupCommitTest, AWriteThatThrowsFailsAloneAndTheOthersCommit) {
  Recorder recorder(/*hold_first=*/true);
  GroupCommit commit(64, microseconds(0), recorder.Runner());
  std::vector<std::exception_ptr> errors;
  SubmitBehindAHeldBatch(commit, recorder, {"a", "throws b", "c"}, &errors);
  EXPECT_EQ(What(errors[0]), "(no error)");
  EXPECT_EQ(What(errors[1]), "throws b");
  EXPECT_EQ(What(errors[2]), "(no error)");
  const auto batches = recorder.Batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1], std::vector<std::string>({"a", "throws b", "c"}));
}

TEST(GroupCommitTest, ABatchThatFailsFailsEveryWriteInItThatDidNotFailAlone) {
  Recorder recorder(/*hold_first=*/true);
  GroupCommit commit(64, microseconds(0), recorder.Runner());
  recorder.FailBatch(2);
  std::vector<std::exception_ptr> errors;
  SubmitBehindAHeldBatch(commit, recorder, {"a", "throws b", "c"}, &errors);
  EXPECT_EQ(What(errors[0]), "the commit failed");
  EXPECT_EQ(What(errors[1]), "throws b");
  EXPECT_EQ(What(errors[2]), "the commit failed");
}

TEST(GroupCommitTest, ALoneWriteGetsItsBatchsFailureAndTheNextCommits) {
  Recorder recorder(/*hold_first=*/false);
  GroupCommit commit(64, microseconds(0), recorder.Runner());
  recorder.FailBatch(1);
  EXPECT_THROW(commit.Submit([] {}), std::runtime_error);
  // The next batch commits again.
  EXPECT_NO_THROW(commit.Submit([] {}));
}

TEST(GroupCommitTest, ALeaderGathersAsManyWritesAsTheLastBatchHeld) {
  Recorder recorder(/*hold_first=*/true);
  GroupCommit commit(64, milliseconds(3000), recorder.Runner());
  SubmitBehindAHeldBatch(commit, recorder, {"a", "b", "c"});  // The last batch: three.
  const auto start = std::chrono::steady_clock::now();
  {
    // x leads and waits for two more; y and z come 50 ms apart.
    std::vector<std::jthread> spread;
    const auto submit = [&](const char* label) {
      spread.emplace_back([&, label] { commit.Submit([&, label] { recorder.Note(label); }); });
    };
    submit("x");
    WaitForPending(commit, 1);
    std::this_thread::sleep_for(milliseconds(50));
    submit("y");
    WaitForPending(commit, 2);
    std::this_thread::sleep_for(milliseconds(50));
    submit("z");
  }
  const auto took = std::chrono::steady_clock::now() - start;
  const auto batches = recorder.Batches();
  ASSERT_EQ(batches.size(), 3u) << "three writes 50 ms apart were not gathered into one batch";
  EXPECT_EQ(batches[2], std::vector<std::string>({"x", "y", "z"}));
  EXPECT_LT(took, milliseconds(2500)) << "the leader waited for the whole gather time although "
                                         "the third write had come";
}

TEST(GroupCommitTest, ALoneWriterNeverWaitsToGather) {
  Recorder recorder(/*hold_first=*/false);
  GroupCommit commit(64, milliseconds(200), recorder.Runner());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) commit.Submit([&] { recorder.Note("lone"); });
  const auto took = std::chrono::steady_clock::now() - start;
  // Gathering 20 times would take at least 4 s.
  EXPECT_LT(took, milliseconds(1000))
      << "20 writes from one thread took "
      << std::chrono::duration_cast<milliseconds>(took).count() << " ms";
  EXPECT_EQ(recorder.Batches().size(), 20u);
}

// The CPU time the calling thread has used.
std::chrono::nanoseconds ThreadCpuTime() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// A waiting writer yields the processor for at most 2 ms, then sleeps: behind
// a batch that a busy disk holds up for 300 ms it uses a few ms of CPU, not
// 300 (what a writer that yields until it is woken uses on an idle core).
TEST(GroupCommitTest, AWriterWaitingBehindASlowBatchSleepsInsteadOfSpinning) {
  Recorder recorder(/*hold_first=*/true);
  GroupCommit commit(64, microseconds(0), recorder.Runner());
  std::jthread first([&] { commit.Submit([&] { recorder.Note("first"); }); });
  recorder.WaitUntilHeld();
  std::chrono::nanoseconds used{};
  bool returned_early = false;
  std::atomic<bool> released{false};
  std::jthread follower([&] {
    const auto before = ThreadCpuTime();
    commit.Submit([&] { recorder.Note("follower"); });
    used = ThreadCpuTime() - before;
    returned_early = !released.load();
  });
  WaitForPending(commit, 2);
  std::this_thread::sleep_for(milliseconds(300));  // A batch that a busy disk holds up.
  released = true;
  recorder.Release();
  follower.join();
  EXPECT_FALSE(returned_early) << "the follower returned while its batch was still held";
  EXPECT_LT(used, milliseconds(60))
      << "a writer that waited 300 ms behind a held batch used "
      << std::chrono::duration_cast<milliseconds>(used).count() << " ms of CPU";
  ASSERT_EQ(recorder.Batches().size(), 2u);
  EXPECT_EQ(recorder.Batches()[1], std::vector<std::string>({"follower"}));
}

// The same for a leader: it yields for the first 2 ms of a gather and sleeps
// out the rest.
TEST(GroupCommitTest, ALeaderThatGathersLongSleepsInsteadOfSpinning) {
  Recorder recorder(/*hold_first=*/true);
  GroupCommit commit(64, milliseconds(300), recorder.Runner());
  SubmitBehindAHeldBatch(commit, recorder, {"a", "b", "c"});  // The last batch: three.
  std::chrono::nanoseconds used{};
  const auto start = std::chrono::steady_clock::now();
  std::jthread lone([&] {
    const auto before = ThreadCpuTime();
    commit.Submit([&] { recorder.Note("x"); });  // Gathers for two more, which never come.
    used = ThreadCpuTime() - before;
  });
  lone.join();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(250)) << "the leader did not gather";
  EXPECT_LT(used, milliseconds(60))
      << "a leader that gathered for 300 ms used "
      << std::chrono::duration_cast<milliseconds>(used).count() << " ms of CPU";
}

// Many writers, random write failures, random batch failures and durations
// (some longer than the 2 ms a waiting writer yields before it sleeps), and
// gathers shorter and longer than those 2 ms. Each write runs exactly once,
// in a batch that has finished when its Submit returns, with its own error
// or its batch's; batches never overlap; one thread's writes commit in order.
TEST(GroupCommitTest, UnderRandomLoadEachWriteRunsOnceAndReturnsAfterItsBatch) {
  for (const auto gather : {microseconds(0), microseconds(300), microseconds(5000)}) {
    SCOPED_TRACE("gather " + std::to_string(gather.count()) + " us");
    constexpr int kThreads = 12;
    constexpr int kWritesEach = 60;
    std::atomic<int> running{0};
    std::atomic<bool> overlapped{false};
    std::atomic<int> batches_started{0};
    std::mutex finished_mutex;
    std::vector<char> finished(kThreads * kWritesEach + 1, 0);  // By batch number.
    // By batch number: what the batch threw, kept alive until the end, so that
    // writers compare it without reading an exception another thread frees.
    std::vector<std::exception_ptr> failures(kThreads * kWritesEach + 1);
    std::mutex rng_mutex;
    std::mt19937 rng(12345 + static_cast<unsigned>(gather.count()));
    const auto random = [&](int below) {
      std::lock_guard lock(rng_mutex);
      return std::uniform_int_distribution<int>(0, below - 1)(rng);
    };
    thread_local int current_batch = 0;
    GroupCommit commit(8, gather, [&](std::span<BatchedWrite* const> writes) {
      if (running.fetch_add(1) != 0) overlapped = true;
      const int number = ++batches_started;
      current_batch = number;
      for (BatchedWrite* write : writes) {
        try {
          write->apply();
        } catch (...) {
          write->error = std::current_exception();
        }
      }
      const int pick = random(20);
      if (pick == 0) std::this_thread::sleep_for(microseconds(3000 + random(3000)));
      else if (pick < 6) std::this_thread::sleep_for(microseconds(random(400)));
      std::exception_ptr failure;
      if (random(8) == 0) failure = std::make_exception_ptr(std::runtime_error("the commit failed"));
      {
        std::lock_guard lock(finished_mutex);
        finished[number] = 1;
        failures[number] = failure;
      }
      running.fetch_sub(1);
      if (failure) std::rethrow_exception(failure);
    });
    std::vector<std::string> problems;
    std::mutex problems_mutex;
    const auto report = [&](std::string problem) {
      std::lock_guard lock(problems_mutex);
      if (problems.size() < 10) problems.push_back(std::move(problem));
    };
    {
      std::vector<std::jthread> writers;
      for (int t = 0; t < kThreads; ++t) {
        writers.emplace_back([&, t] {
          int last_batch = 0;
          for (int i = 0; i < kWritesEach; ++i) {
            const std::string label = "write " + std::to_string(t) + "/" + std::to_string(i);
            int runs = 0;
            int batch = 0;
            const bool throws = random(7) == 0;
            std::string error = "(no error)";
            std::exception_ptr batch_error;
            try {
              commit.Submit([&] {
                ++runs;
                batch = current_batch;
                if (throws) throw std::invalid_argument(label);
              });
            } catch (const std::invalid_argument& e) {
              error = e.what();
            } catch (...) {
              batch_error = std::current_exception();
              error = "a batch's failure";
            }
            if (runs != 1) report(label + " ran " + std::to_string(runs) + " times");
            if (batch == 0) continue;
            bool batch_finished = false;
            std::exception_ptr failure;
            {
              std::lock_guard lock(finished_mutex);
              batch_finished = finished[batch];
              failure = failures[batch];
            }
            if (!batch_finished) report(label + " returned before its batch finished");
            const std::string expected = throws ? label : (failure ? "a batch's failure" : "(no error)");
            if (error != expected) report(label + " got " + error + ", expected " + expected);
            if (batch_error && batch_error != failure) report(label + " got another batch's failure");
            if (batch <= last_batch) report(label + " committed before the thread's last write");
            last_batch = batch;
            if (random(4) == 0) std::this_thread::sleep_for(microseconds(random(1500)));
          }
        });
      }
    }
    EXPECT_FALSE(overlapped) << "two batches ran at once";
    EXPECT_EQ(commit.Pending(), 0u);
    for (const auto& problem : problems) ADD_FAILURE() << problem;
  }
}

}  // namespace
}  // namespace user_api
