// Connections to a PostgreSQL server through libpq, and the pool that the
// PostgreSQL store borrows them from. Knows nothing of users: SQL in, rows
// out, and StorageError for every failure.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace user_api {

// Parameters of a statement, in order, sent as text; nullopt is SQL NULL.
using PgParams = std::vector<std::optional<std::string>>;

// The rows of a statement that succeeded, or the note that it broke a unique
// constraint (which the caller asked to be told about instead of an error).
// Every statement asks for its values in PostgreSQL's binary format, which
// neither side has to print or parse: text as its bytes, integers as
// big-endian two's complement, timestamptz as microseconds since
// 2000-01-01 UTC.
class PgResult {
 public:
  explicit PgResult(pg_result* result);

  // True when the statement broke the unique constraint it was allowed to
  // break; it then changed nothing and has no rows.
  bool unique_violation() const { return unique_violation_; }

  int rows() const;
  bool IsNull(int row, int column) const;
  // A text column's value.
  std::string Text(int row, int column) const;
  // A smallint, integer or bigint column's value. Throws StorageError for
  // a column of another type, and (Int) for a value beyond 32 bits.
  std::int64_t Int64(int row, int column) const;
  int Int(int row, int column) const;
  // A timestamptz column's value, in microseconds since the Unix epoch.
  // Throws StorageError for a column of another type.
  std::int64_t UnixMicros(int row, int column) const;

 private:
  friend class PgConnection;
  struct Clear {
    void operator()(pg_result* result) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
  bool unique_violation_ = false;
};

// One open connection. Not safe from several threads: a pool lends it to one
// caller at a time.
class PgConnection {
 public:
  // Connects to `url` with this pool's settings (see postgres_pool.cpp).
  // Throws StorageError, with a message that never holds the password.
  explicit PgConnection(const std::string& url);
  ~PgConnection();

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement with its parameters and returns its rows. Throws
  // StorageError when it fails, unless it broke the unique constraint named
  // `allowed_unique`: then the result says so (unique_violation()).
  PgResult Exec(std::string_view sql, const PgParams& params = {},
                const char* allowed_unique = nullptr);
  // The same for a statement prepared on this connection with Prepare.
  PgResult ExecPrepared(const char* name, const PgParams& params,
                        const char* allowed_unique = nullptr);
  // Prepares `sql` under `name` for the life of the connection.
  void Prepare(const char* name, std::string_view sql);
  // Runs statements that take no parameters, several at once if need be
  // (a migration file). Throws StorageError when one fails.
  void ExecScript(std::string_view sql);

  // True when the connection is still usable: open, outside any
  // transaction, and, between calls, silent. The server sends nothing to an
  // idle session unless it is ending it (a restart, an administrator), so
  // anything waiting to be read means the connection is on its way out.
  bool LooksReusable() const;

  // A guard for one transaction: BEGIN now, ROLLBACK when it goes out of
  // scope without Commit, so an early return or an exception undoes the
  // work. A failed ROLLBACK leaves the connection unusable (not
  // LooksReusable), so the pool closes it instead of lending it again.
  class Transaction {
   public:
    explicit Transaction(PgConnection& connection);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void Commit();

   private:
    PgConnection& connection_;
    bool done_ = false;
  };

 private:
  PgResult Check(pg_result* result, std::string_view what, const char* allowed_unique);

  pg_conn* conn_ = nullptr;
};

// At most `size` connections to one database, opened when first needed and
// kept for reuse. Safe to use from several threads.
//
// A connection that broke (the server restarted, or a statement failed in a
// way that left it unusable) is closed when it is handed back or when it is
// next lent out, and a new one is opened in its place, so the store
// recovers by itself once the server is back. While the server is down,
// Lease throws StorageError after at most the connect timeout.
class PgPool {
 public:
  // Runs on every connection the pool opens, before it is lent: the place
  // to prepare statements. An exception it throws fails the Borrow.
  using Setup = std::function<void(PgConnection&)>;

  // Opens nothing; the first Borrow connects.
  PgPool(std::string url, std::size_t size, Setup setup);
  ~PgPool();

  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A connection on loan; it goes back to the pool when the lease ends.
  class Lease {
   public:
    Lease(PgPool& pool, std::unique_ptr<PgConnection> connection);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    PgConnection* operator->() const { return connection_.get(); }
    PgConnection& operator*() const { return *connection_; }

   private:
    PgPool& pool_;
    std::unique_ptr<PgConnection> connection_;
  };

  // Lends an idle connection (the most recently used: it is the likeliest
  // to be warm), or opens one while fewer than `size` are open, or waits
  // for one to come back. Throws StorageError when no
  // connection can be opened, or when none comes back within a bound far
  // above any statement's timeout.
  Lease Borrow();

 private:
  // Opens a connection and runs setup_ on it.
  std::unique_ptr<PgConnection> Open() const;
  void GiveBack(std::unique_ptr<PgConnection> connection) noexcept;

  const std::string url_;
  const std::size_t size_;
  const Setup setup_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // Guarded by mutex_.
  std::size_t open_ = 0;  // Idle, lent or being opened; guarded by mutex_.
};

// Describes the server that `url` names (user, host, port, database) for an
// error message, leaving the password out.
std::string DescribePostgresUrl(const std::string& url);

}  // namespace user_api
