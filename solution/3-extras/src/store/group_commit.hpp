// Group commit: writes submitted from many threads at once share one
// transaction, so that one commit (one write of the log) serves all of them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <semaphore>
#include <span>

namespace user_api {

// One caller's write, in the batch that GroupCommit runs it in.
struct BatchedWrite {
  // Runs inside the batch's transaction. What it throws fails this write
  // alone, provided it changed nothing (see GroupCommit::RunBatch).
  std::function<void()> apply;
  // What failed this write: what `apply` threw, or the batch's own failure.
  std::exception_ptr error;
  // Released once: when the write's batch has run (its error is then set),
  // or when the write must lead. Shared, so that the thread that releases
  // it may finish doing so after the waiting thread has returned.
  std::shared_ptr<std::binary_semaphore> wake = std::make_shared<std::binary_semaphore>(0);
  bool done = false;  // Set before `wake` is released.
};

// The leader/follower queue that LevelDB's writers use. A thread that
// submits a write queues it; the thread at the head of the queue leads: it
// takes its own write and every write queued behind it, up to `max_batch`,
// and runs them as one batch, while the others wait. When the batch has run,
// its writers return and the next head leads.
//
// A stream of writes from many clients arrives spread out, so a leader that
// started at once would take the one or two writes that came while the last
// batch ran. A leader therefore waits, at most `gather`, until the queue
// holds as many writes as the last batch did: under steady load batches
// grow to the number of writers, and when the load drops one wait that runs
// out shrinks them again. A lone writer (last batch: one write) never waits.
// So no write waits longer than `gather`, the batch in progress and its own.
// A waiting writer, leader or not, yields the processor for up to 2 ms
// before it sleeps: on the machines we measure on, waking a sleeping thread
// costs more than the batch it waited for (group_commit.cpp).
//
// Thread-safe. Batches run one at a time, in the order their writes were
// submitted, and writes run in that order within a batch.
class GroupCommit {
 public:
  // Runs `writes` in order as one unit: calls `apply` of each, records what a
  // write throws in its `error`, and commits. What RunBatch itself throws
  // (the transaction could not begin or commit) fails every write of the
  // batch that had not failed alone.
  using RunBatch = std::function<void(std::span<BatchedWrite* const> writes)>;

  // A leader waits up to `gather` for as many writes as the last batch held
  // (see Lead); zero never waits.
  GroupCommit(std::size_t max_batch, std::chrono::microseconds gather, RunBatch run_batch);

  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Runs `apply` in a batch and returns when that batch has committed.
  // Rethrows what failed it: `apply`'s own exception, or the batch's.
  void Submit(std::function<void()> apply);

  // The writes submitted and not yet done: queued, or in the batch running.
  std::size_t Pending() const;

 private:
  // Runs the batch at the head of the queue, whose first write is the
  // caller's; then marks its writes done, and wakes them and the next head.
  // `lock` holds mutex_ on entry, and is released on return.
  void Lead(std::unique_lock<std::mutex>& lock);

  const std::size_t max_batch_;
  const std::chrono::microseconds gather_;
  const RunBatch run_batch_;

  mutable std::mutex mutex_;
  std::deque<BatchedWrite*> queue_;  // Guarded by mutex_. Its head leads.
  std::size_t last_batch_ = 1;       // Guarded by mutex_.
  std::size_t gathering_for_ = 0;    // Guarded by mutex_. 0: no leader waits.
  std::condition_variable gathered_;  // The waiting leader's: enough writes.
};

}  // namespace user_api
