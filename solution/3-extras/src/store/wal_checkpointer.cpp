#include "store/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>

#include "domain/storage_error.hpp"

namespace user_api {

WalCheckpointer::WalCheckpointer(const std::string& path, std::mutex& writer_mutex)
    : writer_mutex_(writer_mutex) {
  // A connection reads the file lazily: until it has, it does not know the
  // database is in WAL mode, and a checkpoint on it does nothing.
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
          SQLITE_OK ||
      sqlite3_exec(db_, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close_v2(db_);
    throw StorageError("cannot open a checkpoint connection: " + message);
  }
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

WalCheckpointer::~WalCheckpointer() {
  thread_.request_stop();  // Wakes the wait in Run.
  if (thread_.joinable()) thread_.join();
  sqlite3_close_v2(db_);
}

void WalCheckpointer::Attach(sqlite3* writer) {
  sqlite3_wal_autocheckpoint(writer, 0);  // Also removes SQLite's own hook.
  sqlite3_wal_hook(writer, &WalCheckpointer::OnCommit, this);
}

int WalCheckpointer::OnCommit(void* self, sqlite3* writer, const char* schema, int log_pages) {
  static_cast<WalCheckpointer*>(self)->Notify(log_pages);
  if (log_pages >= kPagesBeforeWriterCheckpoints) {
    // The same call SQLite's own hook makes; a failure leaves the commit done.
    sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  return SQLITE_OK;
}

int WalCheckpointer::PendingPages() const {
  return log_pages_ >= copied_pages_ ? log_pages_ - copied_pages_ : log_pages_;
}

void WalCheckpointer::Notify(int log_pages) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (log_pages < log_pages_) copied_pages_ = 0;  // The log started over.
    log_pages_ = log_pages;
    wake = PendingPages() >= kPagesBeforeCheckpoint;
  }
  if (wake) wake_.notify_one();
}

void WalCheckpointer::Run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, std::chrono::seconds(1),
                   [this] { return PendingPages() >= kPagesBeforeCheckpoint; });
    if (stop.stop_requested()) break;
    if (PendingPages() == 0) continue;
    lock.unlock();
    // PASSIVE copies what no reader still needs and never waits for locks.
    // A failure (SQLITE_BUSY from another process's checkpoint, a full disk)
    // is left for the next round; commits are already safe in the log.
    // Step 1 repeats while commits keep arriving faster than it copies, so
    // that step 2, which holds up the writer, has little left to do.
    // A round copies the log as it was when the round began, so the pages
    // it copied tell how many arrived during the round before it.
    int log = 0;
    int copied = 0;
    for (int round = 0; round < kUnlockedRounds; ++round) {
      const int copied_before = std::max(copied, 0);
      if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) !=
              SQLITE_OK ||
          copied - copied_before <= kPagesLeftForStep2) {
        break;
      }
    }
    {
      std::lock_guard writer(writer_mutex_);
      const int rc =
          sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
      lock.lock();  // Writer first, then ours: the order Notify takes them in.
      if (rc == SQLITE_OK && log >= 0) {
        log_pages_ = log;
        copied_pages_ = copied;
      }
    }
  }
}

}  // namespace user_api
