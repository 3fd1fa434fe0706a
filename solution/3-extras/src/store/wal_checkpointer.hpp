// Checkpoints a SQLite database's write-ahead log from a thread of its own,
// so that no request waits for one.
//
// A WAL checkpoint copies committed pages from the log into the database
// and fsyncs both. SQLite runs it by default inside the commit that crosses
// 1,000 log pages, which then takes 10 to 20 ms instead of microseconds on
// this kind of disk, and every request queued behind the store's mutex waits
// with it: that was most of the SQLite store's p99. The writer's connection
// turns that off (sqlite3_wal_autocheckpoint 0) and reports the log's size
// after each commit to Notify. This class then checkpoints on a connection
// of its own, in two steps:
//   1. PASSIVE, without the writer's mutex: copies the bulk and fsyncs,
//      while requests go on;
//   2. PASSIVE again, holding the writer's mutex: copies only what was
//      committed during step 1. The log is then wholly copied with no
//      writer in between, which is what lets the next commit start the log
//      over. Without this step, under steady writes the log never restarts
//      and grows without bound.
// It runs when kPagesBeforeCheckpoint pages wait to be copied, and at least
// once a second while any do. Commits are as durable as before: each
// is in the log when its call returns.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace user_api {

class WalCheckpointer {
 public:
  // Log pages not yet copied after which a checkpoint starts at once
  // (SQLite's default).
  static constexpr int kPagesBeforeCheckpoint = 1000;
  // Step 1 runs at most this many times, and stops early once no more than
  // kPagesLeftForStep2 pages are left to copy.
  static constexpr int kUnlockedRounds = 4;
  static constexpr int kPagesLeftForStep2 = 64;
  // Log pages at which the writer stops waiting and checkpoints in its commit.
  static constexpr int kPagesBeforeWriterCheckpoints = 4 * kPagesBeforeCheckpoint;

  // Opens a second connection to the database file `path` (a plain file
  // name, already opened in WAL mode by the writer) and starts the thread.
  // `writer_mutex` is the mutex that serialises the writer's connection; it
  // must outlive this object. Throws StorageError when the connection cannot
  // be opened.
  WalCheckpointer(const std::string& path, std::mutex& writer_mutex);
  // Stops the thread and closes its connection; the writer's own close
  // checkpoints what is left.
  ~WalCheckpointer();

  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Makes `writer` (the connection guarded by writer_mutex) leave its
  // checkpoints to this object: turns its own off and installs a
  // sqlite3_wal_hook that reports each commit. This object must outlive the
  // writer's use, or the hook must be removed first.
  void Attach(sqlite3* writer);

 private:
  // The writer's sqlite3_wal_hook, called after each commit with
  // writer_mutex held.
  static int OnCommit(void* self, sqlite3* writer, const char* schema, int log_pages);
  // Records the log's size after a commit and wakes the thread when due.
  void Notify(int log_pages);

  void Run(std::stop_token stop);
  // Pages committed to the log and not yet copied. Needs mutex_.
  int PendingPages() const;

  sqlite3* db_ = nullptr;  // Used only by the thread once it runs.
  std::mutex& writer_mutex_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  int log_pages_ = 0;     // Guarded by mutex_; the log's size at the last commit.
  int copied_pages_ = 0;  // Guarded by mutex_; how many of those were copied.
  std::jthread thread_;
};

}  // namespace user_api
