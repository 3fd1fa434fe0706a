#include "store/sqlite_user_store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "domain/storage_error.hpp"
#include "domain/text.hpp"
#include "domain/time.hpp"

namespace user_api {
namespace {

// AUTOINCREMENT is what keeps ids from ever being reused: a plain INTEGER
// PRIMARY KEY takes max(id) + 1, so deleting the newest user and restarting
// would hand its id out again. AUTOINCREMENT keeps the highest id ever used in
// sqlite_sequence, updated in the same transaction as the insert. Times are
// milliseconds since the Unix epoch. The service lowercases emails before
// they get here, so a plain unique index makes them unique ignoring case.
constexpr const char* kSchema = R"sql(
  CREATE TABLE IF NOT EXISTS users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    age        INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users (email);
)sql";

// The columns ReadUser expects, in its order.
constexpr std::string_view kUserColumns = "id, name, email, age, created_at, updated_at";

// Waits this long for another connection to the same file (a second server,
// the sqlite3 shell, a backup) to release its lock instead of failing at once.
constexpr int kBusyTimeoutMs = 5000;

// The time as it will read back from the database, so that a write returns
// exactly what a later Find returns.
Timestamp Stored(Timestamp time) { return FromUnixMillis(ToUnixMillis(time)); }

[[noreturn]] void ThrowError(sqlite3* db, std::string_view doing) {
  throw StorageError("SQLite failed to " + std::string(doing) + ": " + sqlite3_errmsg(db));
}

sqlite3_stmt* Prepare(sqlite3* db, std::string_view sql, unsigned flags) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr) !=
      SQLITE_OK) {
    ThrowError(db, "prepare \"" + std::string(sql) + "\"");
  }
  return stmt;
}

void Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    ThrowError(db, "run \"" + std::string(sql) + "\"");
  }
}

using Param = std::variant<std::int64_t, std::string>;

// One execution of a prepared statement: binds parameters in order, steps and
// reads columns. When it goes out of scope it resets the statement, also after
// a failure, so the statement is ready for the next call; a statement it
// prepared itself it finalizes instead.
class Statement {
 public:
  // Uses a statement that the store prepared once and keeps.
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  // Prepares `sql` for this one execution.
  Statement(sqlite3* db, std::string_view sql)
      : db_(db), stmt_(Prepare(db, sql, 0)), owned_(true) {}

  ~Statement() {
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(std::int64_t value) {
    return Check(sqlite3_bind_int64(stmt_, NextIndex(), value));
  }
  Statement& Bind(const std::string& value) {
    return Check(sqlite3_bind_text64(stmt_, NextIndex(), value.data(), value.size(),
                                     SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Statement& Bind(std::optional<int> value) {
    return value ? Bind(std::int64_t{*value}) : Check(sqlite3_bind_null(stmt_, NextIndex()));
  }
  Statement& Bind(const Param& value) {
    std::visit([this](const auto& v) { Bind(v); }, value);
    return *this;
  }

  // Runs one step: true when a row is ready to read, false when done.
  bool Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Fail();
  }

  // Runs a write to the end: true when done, false when it would break a
  // unique constraint, in which case it wrote nothing.
  bool Write() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_DONE) return true;
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return false;
    Fail();
  }

  // Runs a query that yields one integer, such as count(*).
  std::int64_t SingleInt64() {
    if (!Step()) throw StorageError(std::string("SQLite returned no row for ") + Sql());
    return sqlite3_column_int64(stmt_, 0);
  }

  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::int64_t Int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  int Int(int column) const { return sqlite3_column_int(stmt_, column); }
  std::string Text(int column) const {
    // Read the text before its size: asking for the text may convert it.
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return text ? std::string(text, size) : std::string();
  }

 private:
  int NextIndex() { return ++bound_; }

  Statement& Check(int rc) {
    if (rc != SQLITE_OK) Fail();
    return *this;
  }

  const char* Sql() const { return sqlite3_sql(stmt_); }

  [[noreturn]] void Fail() const { ThrowError(db_, "run \"" + std::string(Sql()) + "\""); }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool owned_ = false;
  int bound_ = 0;  // Parameters bound so far; SQLite numbers them from 1.
};

// A transaction that rolls back unless committed, so that an early return or
// an exception leaves the database as it was.
class Transaction {
 public:
  Transaction(sqlite3* db, sqlite3_stmt* begin, sqlite3_stmt* commit, sqlite3_stmt* rollback)
      : db_(db), commit_(commit), rollback_(rollback) {
    Statement(db_, begin).Step();
  }

  ~Transaction() {
    // Some failures (a full disk, an I/O error) already rolled back; a second
    // ROLLBACK would fail, so ask whether a transaction is still open.
    if (!committed_ && !sqlite3_get_autocommit(db_)) {
      sqlite3_step(rollback_);
      sqlite3_reset(rollback_);
    }
  }

  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void Commit() {
    Statement(db_, commit_).Step();
    committed_ = true;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* commit_;
  sqlite3_stmt* rollback_;
  bool committed_ = false;
};

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

std::optional<User> FindUser(sqlite3* db, sqlite3_stmt* find, UserId id) {
  Statement select(db, find);
  select.Bind(id);
  if (!select.Step()) return std::nullopt;
  return ReadUser(select);
}

// The WHERE clause of a List query, and the values of its parameters in order.
struct Filter {
  std::string where;  // Empty when nothing is filtered.
  std::vector<Param> params;
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

// SQLite reads a name that starts with "file:" as a URI (Debian builds it with
// SQLITE_USE_URI); "./" keeps such a relative path a plain file name.
std::string PlainFileName(const std::string& path) {
  return path.starts_with("file:") ? "./" + path : path;
}

}  // namespace

SqliteUserStore::SqliteUserStore(const std::string& path) {
  try {
    // NOMUTEX: mutex_ already serialises every use of the connection, and
    // holding it across a call keeps sqlite3_errmsg() about our own failure.
    const int rc =
        sqlite3_open_v2(PlainFileName(path).c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      throw StorageError(db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    }
    // Tells a unique violation (SQLITE_CONSTRAINT_UNIQUE: the email is taken)
    // apart from every other constraint failure, which is a bug.
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // WAL: a commit appends to the log (one fsync) instead of writing a
    // rollback journal and the database, and readers never block the writer.
    // This is also the first read of the file, so a file that is not a
    // database fails here.
    Exec(db_, "PRAGMA journal_mode = WAL");
    // NORMAL: with WAL, every commit is written to the log before the call
    // returns, so a 201, 200 or 204 survives a kill -9 of the server (the
    // pages sit in the OS cache); the log is fsynced at checkpoints. A power
    // loss or OS crash may lose the last commits. FULL would fsync on every
    // commit and close that gap at about a tenth of the create throughput
    // on this machine's disk (see guide/solution-walkthrough.md).
    Exec(db_, "PRAGMA synchronous = NORMAL");
    Exec(db_, kSchema);
    if (sqlite3_db_readonly(db_, "main") == 1) throw StorageError("the file is read-only");
    if (struct stat file; path != ":memory:" && stat(PlainFileName(path).c_str(), &file) == 0) {
      path_ = PlainFileName(path);
      device_ = file.st_dev;
      inode_ = file.st_ino;
    }
    // Prepared once and reused on every call.
    const unsigned kPersistent = SQLITE_PREPARE_PERSISTENT;
    begin_read_ = Prepare(db_, "BEGIN", kPersistent);
    // IMMEDIATE takes the write lock before the first read, so no other writer
    // can slip in between the check and the write, and the transaction never
    // has to upgrade a read lock (which fails with SQLITE_BUSY at once).
    begin_write_ = Prepare(db_, "BEGIN IMMEDIATE", kPersistent);
    commit_ = Prepare(db_, "COMMIT", kPersistent);
    rollback_ = Prepare(db_, "ROLLBACK", kPersistent);
    insert_ = Prepare(db_,
                      "INSERT INTO users (name, email, age, created_at, updated_at) "
                      "VALUES (?, ?, ?, ?, ?)",
                      kPersistent);
    find_ = Prepare(db_, "SELECT " + std::string(kUserColumns) + " FROM users WHERE id = ?",
                    kPersistent);
    update_ =
        Prepare(db_, "UPDATE users SET name = ?, email = ?, age = ?, updated_at = ? WHERE id = ?",
                kPersistent);
    erase_ = Prepare(db_, "DELETE FROM users WHERE id = ?", kPersistent);
    count_ = Prepare(db_, "SELECT count(*) FROM users", kPersistent);
    data_version_ = Prepare(db_, "PRAGMA data_version", kPersistent);
  } catch (const StorageError& error) {
    Close();
    throw StorageError("cannot open the database " + path + ": " + error.what());
  }
}

SqliteUserStore::~SqliteUserStore() { Close(); }

void SqliteUserStore::Close() noexcept {
  for (sqlite3_stmt** stmt : {&begin_read_, &begin_write_, &commit_, &rollback_, &insert_, &find_,
                              &update_, &erase_, &count_, &data_version_}) {
    sqlite3_finalize(*stmt);  // A no-op on nullptr.
    *stmt = nullptr;
  }
  sqlite3_close_v2(db_);  // A no-op on nullptr.
  db_ = nullptr;
}

void SqliteUserStore::CheckFile() const {
  struct stat file;
  if (path_.empty()) return;
  if (stat(path_.c_str(), &file) != 0 || file.st_dev != device_ || file.st_ino != inode_) {
    throw StorageError("the database file " + path_ + " was deleted or replaced");
  }
}

WriteResult SqliteUserStore::Insert(const NewUser& fields, Timestamp now) {
  const Timestamp created = Stored(now);
  std::lock_guard lock(mutex_);
  CheckFile();
  Statement insert(db_, insert_);
  insert.Bind(fields.name).Bind(fields.email).Bind(fields.age);
  insert.Bind(ToUnixMillis(created)).Bind(ToUnixMillis(created));
  // The email index is the only unique constraint an insert can break.
  if (!insert.Write()) return {WriteResult::Status::kEmailTaken, {}};
  const User user{
      sqlite3_last_insert_rowid(db_), fields.name, fields.email, fields.age, created, created};
  AdjustCount(+1);
  return {WriteResult::Status::kOk, user};
}

std::optional<User> SqliteUserStore::Find(UserId id) const {
  std::lock_guard lock(mutex_);
  return FindUser(db_, find_, id);
}

UserPage SqliteUserStore::List(const UserQuery& query) const {
  const Filter filter = BuildFilter(query);
  std::lock_guard lock(mutex_);
  // One read transaction, so the total and the page come from one snapshot
  // even if another connection writes to the file in between.
  Transaction snapshot(db_, begin_read_, commit_, rollback_);
  UserPage page;
  if (filter.where.empty()) {
    page.total = CountAll();
  } else {
    Statement count(db_, "SELECT count(*) FROM users" + filter.where);
    for (const Param& param : filter.params) count.Bind(param);
    page.total = static_cast<std::uint64_t>(count.SingleInt64());
  }
  if (page.total > query.offset) {
    Statement select(db_, "SELECT " + std::string(kUserColumns) + " FROM users" + filter.where +
                              " ORDER BY id LIMIT ? OFFSET ?");
    for (const Param& param : filter.params) select.Bind(param);
    select.Bind(ToInt64(query.limit)).Bind(ToInt64(query.offset));
    while (select.Step()) page.users.push_back(ReadUser(select));
  }
  snapshot.Commit();
  return page;
}

std::uint64_t SqliteUserStore::Count() const {
  std::lock_guard lock(mutex_);
  CheckFile();
  return CountAll();
}

std::uint64_t SqliteUserStore::CountAll() const {
  const std::int64_t version = Statement(db_, data_version_).SingleInt64();
  if (version != known_count_version_) {
    known_count_ = static_cast<std::uint64_t>(Statement(db_, count_).SingleInt64());
    known_count_version_ = version;
  }
  return known_count_;
}

void SqliteUserStore::AdjustCount(int delta) {
  if (known_count_version_ == -1) return;
  known_count_ = delta > 0 ? known_count_ + 1 : known_count_ - 1;
}

WriteResult SqliteUserStore::Update(UserId id, const UserPatch& patch, Timestamp now,
                                    const Precondition& precondition) {
  std::lock_guard lock(mutex_);
  CheckFile();
  Transaction transaction(db_, begin_write_, commit_, rollback_);
  const std::optional<User> current = FindUser(db_, find_, id);
  if (!current) return {WriteResult::Status::kNotFound, {}};
  if (precondition && !precondition(*current)) {
    return {WriteResult::Status::kPreconditionFailed, *current};
  }
  if (patch.empty()) return {WriteResult::Status::kOk, *current};

  User updated = *current;
  ApplyPatch(patch, Stored(now), updated);
  {
    Statement update(db_, update_);
    update.Bind(updated.name).Bind(updated.email).Bind(updated.age);
    update.Bind(ToUnixMillis(updated.updated_at)).Bind(id);
    // The email index is the only unique constraint an update can break.
    if (!update.Write()) return {WriteResult::Status::kEmailTaken, {}};
  }
  transaction.Commit();
  return {WriteResult::Status::kOk, updated};
}

WriteResult SqliteUserStore::Erase(UserId id, const Precondition& precondition) {
  std::lock_guard lock(mutex_);
  CheckFile();
  Transaction transaction(db_, begin_write_, commit_, rollback_);
  const std::optional<User> current = FindUser(db_, find_, id);
  if (!current) return {WriteResult::Status::kNotFound, {}};
  if (precondition && !precondition(*current)) {
    return {WriteResult::Status::kPreconditionFailed, *current};
  }
  {
    Statement erase(db_, erase_);
    erase.Bind(id).Step();
  }
  transaction.Commit();
  AdjustCount(-1);
  return {WriteResult::Status::kOk, *current};
}

}  // namespace user_api
