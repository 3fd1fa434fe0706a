// A UserStore kept in a SQLite database file (--db PATH): users, their
// changes and the id sequence survive a restart, and every write that returns
// kOk is committed to disk first.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "store/group_commit.hpp"
#include "store/sqlite_checkpointer.hpp"
#include "store/user_store.hpp"

namespace user_api {

// Writes go through group commit (group_commit.hpp): the writes that wait
// while a transaction commits share the next one, on the one writer
// connection, so one log write serves them all. Each is acknowledged only
// after its own transaction has committed, so durability is as with one
// transaction per write. Reads run on their own connections (WAL lets them
// read the last commit while the writer writes), so they never queue behind
// a write. A ":memory:" database is private to one connection, so there its
// reads take their turn among the writes.
//
// Besides the UserStore contract: the database enforces email uniqueness
// itself with a unique index, and keeps the count of users with triggers, so
// both hold even against another writer of the same file.
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
  struct Connection;  // A connection and the statements prepared on it.

  // Runs `read` on an idle reader (waiting for one when all are busy), or
  // among the writes for ":memory:", where it sees the batch's transaction.
  void Read(const std::function<void(Connection&)>& read) const;

  // Runs one batch of writes in one transaction on the writer
  // (GroupCommit::RunBatch). Each write changes the database with at most
  // one statement, which SQLite undoes whole when it fails: so a write that
  // fails alone leaves nothing behind, and the others still commit.
  void RunBatch(std::span<BatchedWrite* const> writes);

  // Throws StorageError when the path no longer names the file that was
  // opened (deleted, or replaced by another): SQLite would go on using the
  // old inode, and a write acknowledged there is gone at the next start.
  void CheckFile() const;

  // The file opened, to be compared with what the path names later; path_
  // is empty for ":memory:".
  std::string path_;
  std::uint64_t device_ = 0;
  std::uint64_t inode_ = 0;

  // Used only inside RunBatch, and GroupCommit runs one batch at a time.
  std::unique_ptr<Connection> writer_;
  std::unique_ptr<SqliteCheckpointer> checkpointer_;  // Null for ":memory:".
  mutable GroupCommit writes_;

  std::vector<std::unique_ptr<Connection>> readers_;  // Empty for ":memory:".
  mutable std::mutex readers_mutex_;
  mutable std::condition_variable reader_returned_;
  mutable std::vector<Connection*> idle_readers_;  // Guarded by readers_mutex_.
};

}  // namespace user_api
