// GroupCommit (stage 3, store/group_commit.hpp): writes that wait while a
// batch runs share the next one, in order, bounded in size; each write's
// failure reaches its own caller, and a batch's failure every caller in it.
#include <gtest/gtest.h>

#include <chrono>
#include <latch>
#include <mutex>
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

}  // namespace
}  // namespace user_api
