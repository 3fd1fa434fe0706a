#include "store/sqlite_user_store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "domain/storage_error.hpp"
#include "domain/text.hpp"
#include "domain/time.hpp"
#include "store/sqlite_statement.hpp"

namespace user_api {
namespace {

// AUTOINCREMENT is what keeps ids from ever being reused: a plain INTEGER
// PRIMARY KEY takes max(id) + 1, so deleting the newest user and restarting
// would hand its id out again. AUTOINCREMENT keeps the highest id ever used in
// sqlite_sequence, updated in the same transaction as the insert. Times are
// milliseconds since the Unix epoch. The service lowercases emails before
// they get here, so a plain unique index makes them unique ignoring case.
//
// count(*) reads the whole table (3 ms at 200,000 users), so user_count
// holds the number of users, kept by triggers in the transaction of every
// insert and delete, by any connection: a reader gets the count of its own
// snapshot in one row. A file made before user_count existed gets it here,
// counted once; the write lock of BEGIN IMMEDIATE keeps another writer from
// changing the table between that count and the triggers.
constexpr const char* kSchema = R"sql(
  BEGIN IMMEDIATE;
  CREATE TABLE IF NOT EXISTS users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    age        INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users (email);
  CREATE TABLE IF NOT EXISTS user_count (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO user_count (id, n) SELECT 1, count(*) FROM users;
  CREATE TRIGGER IF NOT EXISTS user_count_insert AFTER INSERT ON users
    BEGIN UPDATE user_count SET n = n + 1 WHERE id = 1; END;
  CREATE TRIGGER IF NOT EXISTS user_count_delete AFTER DELETE ON users
    BEGIN UPDATE user_count SET n = n - 1 WHERE id = 1; END;
  COMMIT;
)sql";

// The columns ReadUser expects, in its order.
constexpr std::string_view kUserColumns = "id, name, email, age, created_at, updated_at";

// Waits this long for another connection to the same file (a second server,
// the sqlite3 shell, a backup) to release its lock instead of failing at once.
constexpr int kBusyTimeoutMs = 5000;

// Read connections: enough to keep both cores of the machines we measure on
// busy with reads while others wait for the network; each holds its own
// page cache. A read that finds all of them busy waits for one.
constexpr std::size_t kReaders = 8;

// The most writes in one transaction: the server's 64 workers, so that under
// any load a write waits at most for the batch in progress and its own.
constexpr std::size_t kMaxBatch = 64;

// How long a batch may wait to hold as many writes as the one before
// (GroupCommit::Lead). Without it, under a steady stream of creates each
// batch held the one or two writes that came while the last one committed,
// and paid a whole commit for them; a lone writer never waits.
constexpr std::chrono::microseconds kGather{500};

// The time as it will read back from the database, so that a write returns
// exactly what a later Find returns.
Timestamp Stored(Timestamp time) { return FromUnixMillis(ToUnixMillis(time)); }

// Reads a row selected with kUserColumns.
User ReadUser(const Statement& row) {
  User user;
  user.id = row.Int64(0);
  user.name = row.Text(1);
  user.email = row.Text(2);
  if (!row.IsNull(3)) user.age = row.Int(3);
  user.created_at = FromUnixMillis(row.Int64(4));
  user.updated_at = FromUnixMillis(row.Int64(5));
  return user;
}

// The WHERE clause of a List query, and the values of its parameters in order.
struct Filter {
  std::string where;  // Empty when nothing is filtered.
  std::vector<SqlParam> params;
};

Filter BuildFilter(const UserQuery& query) {
  std::vector<std::string_view> conditions;
  Filter filter;
  if (query.q && !query.q->empty()) {
    // SQLite's built-in lower() folds ASCII letters only, which is what the
    // spec asks for ("ignoring ASCII case").
    conditions.push_back("(instr(lower(name), ?) > 0 OR instr(lower(email), ?) > 0)");
    const std::string needle = AsciiLower(*query.q);
    filter.params.emplace_back(needle);
    filter.params.emplace_back(needle);
  }
  if (query.email) {
    conditions.push_back("email = ?");
    filter.params.emplace_back(AsciiLower(*query.email));
  }
  // A comparison with NULL is NULL, so a null age never passes these.
  if (query.min_age) {
    conditions.push_back("age >= ?");
    filter.params.emplace_back(std::int64_t{*query.min_age});
  }
  if (query.max_age) {
    conditions.push_back("age <= ?");
    filter.params.emplace_back(std::int64_t{*query.max_age});
  }
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    filter.where += i == 0 ? " WHERE " : " AND ";
    filter.where += conditions[i];
  }
  return filter;
}

std::int64_t ToInt64(std::uint64_t value) {
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(value, std::numeric_limits<std::int64_t>::max()));
}

// Why a write to `current` may not go ahead: kNotFound when there is no such
// user, then kPreconditionFailed; nullopt when it may.
std::optional<WriteResult> Refusal(const std::optional<User>& current,
                                   const Precondition& precondition) {
  if (!current) return WriteResult{WriteResult::Status::kNotFound, {}};
  if (precondition && !precondition(*current)) {
    return WriteResult{WriteResult::Status::kPreconditionFailed, *current};
  }
  return std::nullopt;
}

// SQLite reads a name that starts with "file:" as a URI (Debian builds it with
// SQLITE_USE_URI); "./" keeps such a relative path a plain file name.
std::string PlainFileName(const std::string& path) {
  return path.starts_with("file:") ? "./" + path : path;
}

}  // namespace

// One connection and the statements prepared on it once, reset after every
// use; List's statements depend on its filters and are prepared per call.
// The write statements are prepared on the writer only.
struct SqliteUserStore::Connection {
  enum class Role { kWriter, kReader };

  // Opens `file` (a plain file name, or ":memory:"); the writer creates the
  // file and the schema when they are missing, a reader needs both.
  Connection(const std::string& file, Role role) {
    try {
      Open(file, role);
    } catch (...) {
      Close();
      throw;
    }
  }
  ~Connection() { Close(); }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  std::optional<User> Find(UserId id) {
    Statement select(db, find);
    select.Bind(id);
    if (!select.Step()) return std::nullopt;
    return ReadUser(select);
  }

  sqlite3* db = nullptr;
  sqlite3_stmt* begin_read = nullptr;
  sqlite3_stmt* begin_write = nullptr;
  sqlite3_stmt* commit = nullptr;
  sqlite3_stmt* rollback = nullptr;
  sqlite3_stmt* find = nullptr;
  sqlite3_stmt* count = nullptr;
  sqlite3_stmt* insert = nullptr;
  sqlite3_stmt* update = nullptr;
  sqlite3_stmt* erase = nullptr;

 private:
  void Open(const std::string& file, Role role) {
    // NOMUTEX: one thread at a time uses a connection (the batch in
    // progress, or the reader's borrower), which also keeps sqlite3_errmsg()
    // about that thread's own failure.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                      (role == Role::kWriter ? SQLITE_OPEN_CREATE : 0);
    const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) throw StorageError(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    // Tells a unique violation (SQLITE_CONSTRAINT_UNIQUE: the email is taken)
    // apart from every other constraint failure, which is a bug.
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    if (role == Role::kWriter) {
      // WAL: a commit appends to the log (one write) instead of writing a
      // rollback journal and the database, and readers never block the
      // writer nor wait for it. This is also the first read of the file, so
      // a file that is not a database fails here.
      ExecSql(db, "PRAGMA journal_mode = WAL");
      // NORMAL: with WAL, every commit is written to the log before the call
      // returns, so a 201, 200 or 204 survives a kill -9 of the server (the
      // pages sit in the OS cache); the log is fsynced at checkpoints. A
      // power loss or OS crash may lose the last commits. FULL would fsync
      // on every commit and close that gap at about a tenth of the create
      // throughput on this machine's disk (see guide/solution-walkthrough.md).
      ExecSql(db, "PRAGMA synchronous = NORMAL");
      ExecSql(db, kSchema);
      if (sqlite3_db_readonly(db, "main") == 1) throw StorageError("the file is read-only");
    } else {
      ExecSql(db, "PRAGMA query_only = ON");
    }
    const unsigned kPersistent = SQLITE_PREPARE_PERSISTENT;
    begin_read = PrepareStatement(db, "BEGIN", kPersistent);
    commit = PrepareStatement(db, "COMMIT", kPersistent);
    rollback = PrepareStatement(db, "ROLLBACK", kPersistent);
    find = PrepareStatement(db, "SELECT " + std::string(kUserColumns) + " FROM users WHERE id = ?",
                            kPersistent);
    count = PrepareStatement(db, "SELECT n FROM user_count WHERE id = 1", kPersistent);
    if (role == Role::kReader) return;
    // IMMEDIATE takes the write lock before the first read, so no other
    // writer can slip in between a check and its write, and the transaction
    // never has to upgrade a read lock (which fails with SQLITE_BUSY at once).
    begin_write = PrepareStatement(db, "BEGIN IMMEDIATE", kPersistent);
    insert = PrepareStatement(db,
                              "INSERT INTO users (name, email, age, created_at, updated_at) "
                              "VALUES (?, ?, ?, ?, ?)",
                              kPersistent);
    update = PrepareStatement(
        db, "UPDATE users SET name = ?, email = ?, age = ?, updated_at = ? WHERE id = ?",
        kPersistent);
    erase = PrepareStatement(db, "DELETE FROM users WHERE id = ?", kPersistent);
  }

  // Safe on a partly opened connection.
  void Close() noexcept {
    for (sqlite3_stmt** stmt :
         {&begin_read, &begin_write, &commit, &rollback, &find, &count, &insert, &update, &erase}) {
      sqlite3_finalize(*stmt);  // A no-op on nullptr.
      *stmt = nullptr;
    }
    sqlite3_close_v2(db);  // A no-op on nullptr.
    db = nullptr;
  }
};

SqliteUserStore::SqliteUserStore(const std::string& path)
    : writes_(kMaxBatch, kGather, [this](std::span<BatchedWrite* const> writes) { RunBatch(writes); }) {
  try {
    const std::string file = path == ":memory:" ? path : PlainFileName(path);
    writer_ = std::make_unique<Connection>(file, Connection::Role::kWriter);
    if (path == ":memory:") return;
    if (struct stat status; stat(file.c_str(), &status) == 0) {
      path_ = file;
      device_ = status.st_dev;
      inode_ = status.st_ino;
    }
    // All opened now, while the file is surely the one the writer opened.
    checkpointer_ = std::make_unique<SqliteCheckpointer>(file, writer_->db);
    for (std::size_t i = 0; i < kReaders; ++i) {
      readers_.push_back(std::make_unique<Connection>(file, Connection::Role::kReader));
      idle_readers_.push_back(readers_.back().get());
    }
  } catch (const StorageError& error) {
    throw StorageError("cannot open the database " + path + ": " + error.what());
  }
}

SqliteUserStore::~SqliteUserStore() = default;

void SqliteUserStore::CheckFile() const {
  struct stat file;
  if (path_.empty()) return;
  if (stat(path_.c_str(), &file) != 0 || file.st_dev != device_ || file.st_ino != inode_) {
    throw StorageError("the database file " + path_ + " was deleted or replaced");
  }
}

void SqliteUserStore::RunBatch(std::span<BatchedWrite* const> writes) {
  CheckFile();
  Transaction transaction(writer_->db, writer_->begin_write, writer_->commit, writer_->rollback);
  for (BatchedWrite* write : writes) {
    try {
      write->apply();
    } catch (...) {
      write->error = std::current_exception();
      // A failure that ended the transaction (a full disk, an I/O error)
      // took the batch's earlier writes with it: the batch fails.
      if (sqlite3_get_autocommit(writer_->db)) throw;
    }
  }
  transaction.Commit();
}

void SqliteUserStore::Read(const std::function<void(Connection&)>& read) const {
  if (readers_.empty()) {
    writes_.Submit([&] { read(*writer_); });
    return;
  }
  Connection* reader = nullptr;
  {
    std::unique_lock lock(readers_mutex_);
    reader_returned_.wait(lock, [this] { return !idle_readers_.empty(); });
    reader = idle_readers_.back();
    idle_readers_.pop_back();
  }
  struct Return {
    const SqliteUserStore& store;
    Connection* reader;
    ~Return() {
      {
        std::lock_guard lock(store.readers_mutex_);
        store.idle_readers_.push_back(reader);
      }
      store.reader_returned_.notify_one();
    }
  } give_back{*this, reader};
  read(*reader);
}

WriteResult SqliteUserStore::Insert(const NewUser& fields, Timestamp now) {
  const Timestamp created = Stored(now);
  WriteResult result;
  writes_.Submit([&] {
    Statement insert(writer_->db, writer_->insert);
    insert.Bind(fields.name).Bind(fields.email).Bind(fields.age);
    insert.Bind(ToUnixMillis(created)).Bind(ToUnixMillis(created));
    // The email index is the only unique constraint an insert can break.
    if (!insert.Write()) {
      result = {WriteResult::Status::kEmailTaken, {}};
      return;
    }
    result = {WriteResult::Status::kOk,
              User{sqlite3_last_insert_rowid(writer_->db), fields.name, fields.email, fields.age,
                   created, created}};
  });
  return result;
}

std::optional<User> SqliteUserStore::Find(UserId id) const {
  std::optional<User> user;
  Read([&](Connection& connection) { user = connection.Find(id); });
  return user;
}

UserPage SqliteUserStore::List(const UserQuery& query) const {
  const Filter filter = BuildFilter(query);
  UserPage page;
  Read([&](Connection& connection) {
    sqlite3* db = connection.db;
    // One read transaction, so the total and the page come from one
    // snapshot while others write. Among the writes (":memory:") the
    // batch's transaction is already that.
    std::optional<Transaction> snapshot;
    if (sqlite3_get_autocommit(db)) {
      snapshot.emplace(db, connection.begin_read, connection.commit, connection.rollback);
    }
    if (filter.where.empty()) {
      page.total = static_cast<std::uint64_t>(Statement(db, connection.count).SingleInt64());
    } else {
      Statement count(db, "SELECT count(*) FROM users" + filter.where);
      for (const SqlParam& param : filter.params) count.Bind(param);
      page.total = static_cast<std::uint64_t>(count.SingleInt64());
    }
    if (page.total > query.offset) {
      Statement select(db, "SELECT " + std::string(kUserColumns) + " FROM users" + filter.where +
                               " ORDER BY id LIMIT ? OFFSET ?");
      for (const SqlParam& param : filter.params) select.Bind(param);
      select.Bind(ToInt64(query.limit)).Bind(ToInt64(query.offset));
      while (select.Step()) page.users.push_back(ReadUser(select));
    }
    if (snapshot) snapshot->Commit();
  });
  return page;
}

std::uint64_t SqliteUserStore::Count() const {
  CheckFile();
  std::uint64_t count = 0;
  Read([&](Connection& connection) {
    count = static_cast<std::uint64_t>(Statement(connection.db, connection.count).SingleInt64());
  });
  return count;
}

WriteResult SqliteUserStore::Update(UserId id, const UserPatch& patch, Timestamp now,
                                    const Precondition& precondition) {
  WriteResult result;
  writes_.Submit([&] {
    const std::optional<User> current = writer_->Find(id);
    if (auto refused = Refusal(current, precondition)) {
      result = std::move(*refused);
    } else if (patch.empty()) {
      result = {WriteResult::Status::kOk, *current};
    } else {
      User updated = *current;
      ApplyPatch(patch, Stored(now), updated);
      Statement update(writer_->db, writer_->update);
      update.Bind(updated.name).Bind(updated.email).Bind(updated.age);
      update.Bind(ToUnixMillis(updated.updated_at)).Bind(id);
      // The email index is the only unique constraint an update can break.
      result = update.Write() ? WriteResult{WriteResult::Status::kOk, updated}
                              : WriteResult{WriteResult::Status::kEmailTaken, {}};
    }
  });
  return result;
}

WriteResult SqliteUserStore::Erase(UserId id, const Precondition& precondition) {
  WriteResult result;
  writes_.Submit([&] {
    const std::optional<User> current = writer_->Find(id);
    if (auto refused = Refusal(current, precondition)) {
      result = std::move(*refused);
    } else {
      Statement(writer_->db, writer_->erase).Bind(id).Step();
      result = {WriteResult::Status::kOk, *current};
    }
  });
  return result;
}

}  // namespace user_api
