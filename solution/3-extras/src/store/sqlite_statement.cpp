#include "store/sqlite_statement.hpp"

#include <sqlite3.h>

#include "domain/storage_error.hpp"

namespace user_api {

void ThrowSqliteError(sqlite3* db, std::string_view doing) {
  throw StorageError("SQLite failed to " + std::string(doing) + ": " + sqlite3_errmsg(db));
}

sqlite3_stmt* PrepareStatement(sqlite3* db, std::string_view sql, unsigned flags) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr) !=
      SQLITE_OK) {
    ThrowSqliteError(db, "prepare \"" + std::string(sql) + "\"");
  }
  return stmt;
}

void ExecSql(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    ThrowSqliteError(db, "run \"" + std::string(sql) + "\"");
  }
}

Statement::Statement(sqlite3* db, std::string_view sql)
    : db_(db), stmt_(PrepareStatement(db, sql, 0)), owned_(true) {}

Statement::~Statement() {
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::Bind(std::int64_t value) {
  return Check(sqlite3_bind_int64(stmt_, ++bound_, value));
}

Statement& Statement::Bind(const std::string& value) {
  return Check(sqlite3_bind_text64(stmt_, ++bound_, value.data(), value.size(), SQLITE_TRANSIENT,
                                   SQLITE_UTF8));
}

Statement& Statement::Bind(std::optional<int> value) {
  return value ? Bind(std::int64_t{*value}) : Check(sqlite3_bind_null(stmt_, ++bound_));
}

Statement& Statement::Bind(const SqlParam& value) {
  std::visit([this](const auto& v) { Bind(v); }, value);
  return *this;
}

bool Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Fail();
}

bool Statement::Write() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_DONE) return true;
  if (rc == SQLITE_CONSTRAINT_UNIQUE) return false;
  Fail();
}

std::int64_t Statement::SingleInt64() {
  if (!Step()) throw StorageError(std::string("SQLite returned no row for ") + sqlite3_sql(stmt_));
  return sqlite3_column_int64(stmt_, 0);
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::Int64(int column) const { return sqlite3_column_int64(stmt_, column); }

int Statement::Int(int column) const { return sqlite3_column_int(stmt_, column); }

std::string Statement::Text(int column) const {
  // Read the text before its size: asking for the text may convert it.
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  return text ? std::string(text, size) : std::string();
}

Statement& Statement::Check(int rc) {
  if (rc != SQLITE_OK) Fail();
  return *this;
}

void Statement::Fail() const {
  ThrowSqliteError(db_, "run \"" + std::string(sqlite3_sql(stmt_)) + "\"");
}

Transaction::Transaction(sqlite3* db, sqlite3_stmt* begin, sqlite3_stmt* commit,
                         sqlite3_stmt* rollback)
    : db_(db), commit_(commit), rollback_(rollback) {
  Statement(db_, begin).Step();
}

Transaction::~Transaction() {
  // Some failures (a full disk, an I/O error) already rolled back; a second
  // ROLLBACK would fail, so ask whether a transaction is still open.
  if (!committed_ && !sqlite3_get_autocommit(db_)) {
    sqlite3_step(rollback_);
    sqlite3_reset(rollback_);
  }
}

void Transaction::Commit() {
  Statement(db_, commit_).Step();
  committed_ = true;
}

}  // namespace user_api
