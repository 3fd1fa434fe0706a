#include "store/sqlite_checkpointer.hpp"

#include <sqlite3.h>

#include "domain/storage_error.hpp"
#include "store/sqlite_statement.hpp"

namespace user_api {

SqliteCheckpointer::SqliteCheckpointer(const std::string& file, sqlite3* writer)
    : writer_(writer) {
  const int rc = sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    throw StorageError("cannot open a connection for checkpoints: " + message);
  }
  // As the writer's: the log is fsynced before it is copied, the database
  // after, so a log that starts over never loses a commit.
  try {
    ExecSql(db_, "PRAGMA synchronous = NORMAL");
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
  thread_ = std::thread([this] { Run(); });
  sqlite3_wal_hook(writer_, &SqliteCheckpointer::AfterCommit, this);
}

SqliteCheckpointer::~SqliteCheckpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close_v2(db_);
}

int SqliteCheckpointer::AfterCommit(void* self, sqlite3* writer, const char* schema, int pages) {
  auto& checkpointer = *static_cast<SqliteCheckpointer*>(self);
  if (pages >= kHoldBackPages) {
    // No write is running (the writer is between transactions), so this
    // copies the whole log but what readers of older snapshots still use.
    // SQLite lets one checkpoint run at a time and fails the others at
    // once: wait for the thread's round to end rather than fail.
    std::lock_guard one_at_a_time(checkpointer.checkpoint_mutex_);
    sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (pages >= kBackgroundPages) {
    {
      std::lock_guard lock(checkpointer.mutex_);
      checkpointer.pending_ = true;
    }
    checkpointer.wake_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteCheckpointer::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return pending_ || stop_; });
    if (stop_) return;
    pending_ = false;
    lock.unlock();
    {
      std::lock_guard one_at_a_time(checkpoint_mutex_);
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    lock.lock();
  }
}

}  // namespace user_api
