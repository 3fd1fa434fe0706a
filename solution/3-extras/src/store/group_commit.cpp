#include "store/group_commit.hpp"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

namespace user_api {
namespace {

using Clock = std::chrono::steady_clock;

// How long a waiting writer yields the processor before it sleeps: longer
// than a gather and a batch take under load (500 and about 170 us with
// SQLite on the machines we measure on). Waking a sleeping thread there
// costs more than a whole batch (a round trip between two threads that
// sleep: 54 us across the two cores, 7 us on one; `perf bench sched pipe`),
// while a thread that yields leaves the core to the threads that have
// requests to answer, and notices at once when its batch is done. Past it,
// as behind a batch that a busy disk holds up, the writer sleeps: a stalled
// commit costs each writer waiting for it at most 2 ms of CPU.
constexpr std::chrono::microseconds kYieldFor{2000};

// Returns once `wake` is released (and takes it).
void AwaitRelease(std::binary_semaphore& wake) {
  const auto yield_until = Clock::now() + kYieldFor;
  while (!wake.try_acquire()) {
    if (Clock::now() >= yield_until) {
      wake.acquire();
      return;
    }
    std::this_thread::yield();
  }
}

}  // namespace

GroupCommit::GroupCommit(std::size_t max_batch, std::chrono::microseconds gather,
                         RunBatch run_batch)
    : max_batch_(std::max<std::size_t>(max_batch, 1)),
      gather_(gather),
      run_batch_(std::move(run_batch)) {}

void GroupCommit::Submit(std::function<void()> apply) {
  BatchedWrite write;
  write.apply = std::move(apply);
  std::unique_lock lock(mutex_);
  queue_.push_back(&write);
  if (gathering_for_ != 0 && queue_.size() >= gathering_for_) gathered_.notify_one();
  if (queue_.front() != &write) {
    // Woken once: done, or at the head of the queue to lead.
    lock.unlock();
    AwaitRelease(*write.wake);
    if (!write.done) lock.lock();
  }
  if (!write.done) Lead(lock);
  if (write.error) std::rethrow_exception(write.error);
}

std::size_t GroupCommit::Pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void GroupCommit::Lead(std::unique_lock<std::mutex>& lock) {
  const std::size_t expected = std::min(last_batch_, max_batch_);
  if (queue_.size() < expected && gather_.count() > 0) {
    // Yields as AwaitRelease does, then sleeps out the rest of a longer gather.
    const auto start = Clock::now();
    const auto yield_until = start + std::min<Clock::duration>(gather_, kYieldFor);
    while (queue_.size() < expected && Clock::now() < yield_until) {
      lock.unlock();
      std::this_thread::yield();
      lock.lock();
    }
    gathering_for_ = expected;
    gathered_.wait_until(lock, start + gather_, [&] { return queue_.size() >= expected; });
    gathering_for_ = 0;
  }
  const auto size = std::min(queue_.size(), max_batch_);
  const std::vector<BatchedWrite*> batch(queue_.begin(), queue_.begin() + size);
  lock.unlock();
  std::exception_ptr batch_error;
  try {
    run_batch_(batch);
  } catch (...) {
    batch_error = std::current_exception();
  }
  std::vector<std::shared_ptr<std::binary_semaphore>> to_wake;
  to_wake.reserve(size);
  lock.lock();
  last_batch_ = size;
  // The batch is still the head of the queue: writes only join at the back.
  queue_.erase(queue_.begin(), queue_.begin() + size);
  for (BatchedWrite* member : batch) {
    if (batch_error && !member->error) member->error = batch_error;
    member->done = true;
    if (member != batch.front()) to_wake.push_back(member->wake);
  }
  if (!queue_.empty()) to_wake.push_back(queue_.front()->wake);
  lock.unlock();
  for (const auto& wake : to_wake) wake->release();
}

}  // namespace user_api
