// Thin RAII wrappers over SQLite's C API for the SQLite store: prepared
// statements that reset themselves, and transactions that roll back unless
// committed. Every failure throws StorageError with SQLite's message.
// Not thread-safe: a connection and its statements are used by one thread at
// a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

struct sqlite3;
struct sqlite3_stmt;

namespace user_api {

// Throws StorageError: "SQLite failed to <doing>: <the connection's message>".
[[noreturn]] void ThrowSqliteError(sqlite3* db, std::string_view doing);

// Prepares `sql` with sqlite3_prepare_v3 `flags`; the caller finalizes it.
sqlite3_stmt* PrepareStatement(sqlite3* db, std::string_view sql, unsigned flags);

// Runs one or more statements that return no rows.
void ExecSql(sqlite3* db, const char* sql);

using SqlParam = std::variant<std::int64_t, std::string>;

// One execution of a prepared statement: binds parameters in order, steps and
// reads columns. When it goes out of scope it resets the statement, also after
// a failure, so the statement is ready for the next call; a statement it
// prepared itself it finalizes instead.
class Statement {
 public:
  // Uses a statement that the caller prepared once and keeps.
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  // Prepares `sql` for this one execution.
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();

  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(std::int64_t value);
  Statement& Bind(const std::string& value);
  Statement& Bind(std::optional<int> value);  // nullopt binds NULL.
  Statement& Bind(const SqlParam& value);

  // Runs one step: true when a row is ready to read, false when done.
  bool Step();

  // Runs a write to the end: true when done, false when it would break a
  // unique constraint, in which case it changed nothing.
  bool Write();

  // Runs a query that yields one integer, such as count(*).
  std::int64_t SingleInt64();

  bool IsNull(int column) const;
  std::int64_t Int64(int column) const;
  int Int(int column) const;
  std::string Text(int column) const;

 private:
  Statement& Check(int rc);
  [[noreturn]] void Fail() const;

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool owned_ = false;
  int bound_ = 0;  // Parameters bound so far; SQLite numbers them from 1.
};

// A transaction that rolls back unless committed, so that an early return or
// an exception leaves the database as it was. `begin` is BEGIN or BEGIN
// IMMEDIATE; the statements are the caller's, prepared once.
class Transaction {
 public:
  Transaction(sqlite3* db, sqlite3_stmt* begin, sqlite3_stmt* commit, sqlite3_stmt* rollback);
  ~Transaction();

  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void Commit();

 private:
  sqlite3* db_;
  sqlite3_stmt* commit_;
  sqlite3_stmt* rollback_;
  bool committed_ = false;
};

}  // namespace user_api
