// Checkpoints of a SQLite write-ahead log, off the path of the writes.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace user_api {

// A checkpoint copies the pages of the log into the database file and
// fsyncs both, 10 to 20 ms for SQLite's default 1,000 pages; run inside a
// commit, as SQLite does by default, it holds every write back meanwhile.
// Attached to the writer's connection, this runs the copying on a thread and
// connection of its own (PASSIVE: it waits for nobody and blocks nobody), so
// that writes go on. A log that is copied but never started over grows with
// every commit, and it starts over only when a write begins after a
// checkpoint that copied all of it: under a steady stream of writes the
// thread is always a little behind. So once the log is kHoldBackPages long,
// the writer itself checkpoints its last pages before its next write, and
// the log starts over at that write.
//
// Thread-safe. Its failures are not the writes': a checkpoint that fails
// (a full disk) leaves the pages in the log, and the next one tries again.
class SqliteCheckpointer {
 public:
  static constexpr int kBackgroundPages = 1000;  // SQLite's own threshold.
  static constexpr int kHoldBackPages = 4000;    // About 16 MB of log.

  // Opens its own connection to `file` and installs the commit hook on
  // `writer` (which replaces SQLite's own checkpoints). `writer` must
  // outlive this object. Throws StorageError when the file cannot be opened.
  SqliteCheckpointer(const std::string& file, sqlite3* writer);
  // Removes the hook, then stops the thread and closes its connection.
  ~SqliteCheckpointer();

  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

 private:
  // sqlite3_wal_hook's callback, run on the writer's thread after each
  // commit with the log's length in pages.
  static int AfterCommit(void* self, sqlite3* writer, const char* schema, int pages);
  void Run();

  sqlite3* writer_;
  sqlite3* db_ = nullptr;  // Used by the thread only, once constructed.
  std::mutex checkpoint_mutex_;  // Held by whoever runs a checkpoint.
  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false;  // Guarded by mutex_.
  bool stop_ = false;     // Guarded by mutex_.
  std::thread thread_;
};

}  // namespace user_api
