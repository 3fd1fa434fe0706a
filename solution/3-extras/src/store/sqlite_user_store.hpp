// A UserStore kept in a SQLite database file (--db PATH): users, their
// changes and the id sequence survive a restart, and every write that returns
// kOk is committed to disk first.
#pragma once

#include <mutex>
#include <string>

#include "store/user_store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace user_api {

// One connection, and one mutex that serialises every call on it. SQLite lets
// one writer at a time in any case; the cost is that reads wait for writes
// and for each other. In WAL mode a pool of read-only connections could serve
// Find, List and Count while the writer commits; we did not take that
// trade-off, because a single connection is simpler to reason about (no
// snapshot skew between connections) and fast enough for this service.
//
// Besides the UserStore contract: the database enforces email uniqueness
// itself with a unique index, so the rule holds even against another writer
// of the same file.
class SqliteUserStore final : public UserStore {
 public:
  // Opens the database at `path`, creating the file when it is missing (its
  // parent directory must exist), and creates the schema when it is absent.
  // ":memory:" opens a private in-memory database that ends with the store.
  // Throws StorageError, naming the path, when the file cannot be opened or
  // is not a database of this service.
  explicit SqliteUserStore(const std::string& path);
  ~SqliteUserStore() override;

  SqliteUserStore(const SqliteUserStore&) = delete;
  SqliteUserStore& operator=(const SqliteUserStore&) = delete;

  const char* kind() const override { return "sqlite"; }
  WriteResult Insert(const NewUser& fields, Timestamp now) override;
  std::optional<User> Find(UserId id) const override;
  UserPage List(const UserQuery& query) const override;
  std::uint64_t Count() const override;
  WriteResult Update(UserId id, const UserPatch& patch, Timestamp now,
                     const Precondition& precondition) override;
  WriteResult Erase(UserId id, const Precondition& precondition) override;

 private:
  // Finalizes the statements and closes the connection; safe on a partly
  // opened store.
  void Close() noexcept;

  // Throws StorageError when the path no longer names the file that was
  // opened (deleted, or replaced by another): SQLite would go on using the
  // old inode, and a write acknowledged there is gone at the next start.
  void CheckFile() const;

  // The number of users, needs mutex_. count(*) reads the whole table (3 ms
  // at 200,000 users), so the answer is kept and adjusted by this store's
  // own inserts and erases; PRAGMA data_version tells when another
  // connection to the file has committed, and then it is counted again.
  std::uint64_t CountAll() const;
  // After a committed insert (+1) or erase (-1) of this store; needs mutex_.
  void AdjustCount(int delta);

  mutable std::mutex mutex_;
  sqlite3* db_ = nullptr;  // Guarded by mutex_.
  // The file opened, to be compared with what the path names later; path_
  // is empty for ":memory:".
  std::string path_;
  std::uint64_t device_ = 0;
  std::uint64_t inode_ = 0;

  // Prepared once in the constructor and reset after every use. List's
  // statements depend on its filters and are prepared per call.
  sqlite3_stmt* begin_read_ = nullptr;   // Guarded by mutex_.
  sqlite3_stmt* begin_write_ = nullptr;  // Guarded by mutex_.
  sqlite3_stmt* commit_ = nullptr;       // Guarded by mutex_.
  sqlite3_stmt* rollback_ = nullptr;     // Guarded by mutex_.
  sqlite3_stmt* insert_ = nullptr;       // Guarded by mutex_.
  sqlite3_stmt* find_ = nullptr;         // Guarded by mutex_.
  sqlite3_stmt* update_ = nullptr;       // Guarded by mutex_.
  sqlite3_stmt* erase_ = nullptr;        // Guarded by mutex_.
  sqlite3_stmt* count_ = nullptr;        // Guarded by mutex_.
  sqlite3_stmt* data_version_ = nullptr; // Guarded by mutex_.

  // CountAll's memory; a version of -1 means nothing is kept.
  mutable std::uint64_t known_count_ = 0;       // Guarded by mutex_.
  mutable std::int64_t known_count_version_ = -1;  // Guarded by mutex_.
};

}  // namespace user_api
