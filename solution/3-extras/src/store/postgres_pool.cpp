#include "store/postgres_pool.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <utility>

#include "domain/storage_error.hpp"
#include "domain/text.hpp"

namespace user_api {
namespace {

// Every connection's settings, given before the URL so that a URL may
// override them (postgresql://...?connect_timeout=10). Together they bound
// every call: a server that is down refuses at once, one that does not
// answer costs the connect timeout, a statement (a lock wait included) is
// cancelled by the server after the statement timeout, and data the server
// never acknowledges fails the connection after the TCP user timeout.
// Statements with parameters run one generic plan, not one planned anew
// for each call's values (PostgreSQL's default while that looks cheaper):
// the store's walk an index, or scan the table, whatever the values, and
// planning a page of users for each call cost a tenth of its time.
constexpr const char* kConnectKeywords[] = {
    "connect_timeout", "tcp_user_timeout", "client_encoding", "application_name", "options",
    "dbname",  // The URL, expanded in place (expand_dbname below).
    nullptr};
constexpr const char* kConnectDefaults[] = {"3", "10000", "UTF8", "user_api",
                                            "-c statement_timeout=5000 "
                                            "-c plan_cache_mode=force_generic_plan"};
// Far above any statement's bound: a pool as large as the server's worker
// pool never makes a caller wait at all.
constexpr auto kBorrowTimeout = std::chrono::seconds(30);

// libpq's messages end with a line feed.
std::string Trimmed(const char* message) { return std::string(Trim(message ? message : "", "\n ")); }

// libpq's default prints notices (CREATE TABLE IF NOT EXISTS ... skipping,
// a server's goodbye) to stderr, which carries the server's JSON log.
void IgnoreNotice(void*, const char*) {}

// The built-in types the store reads (their OIDs are fixed: pg_type.dat).
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTimestampTzOid = 1184;
// 2000-01-01T00:00:00Z, where PostgreSQL's binary times count from.
constexpr std::int64_t kPostgresEpochInUnixMicros = 946'684'800'000'000;
// Asks PQexecParams and PQexecPrepared for every value in binary.
constexpr int kBinaryResults = 1;

// The signed integer in the first `bytes` bytes at `data`, big-endian.
std::int64_t BigEndian(const char* data, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(data[i]);
  const int unused_bits = 64 - 8 * bytes;  // Sign-extends a 2- or 4-byte value.
  return static_cast<std::int64_t>(value << unused_bits) >> unused_bits;
}

std::vector<const char*> ParamValues(const PgParams& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  return values;
}

}  // namespace

// --- PgResult ---------------------------------------------------------------

void PgResult::Clear::operator()(pg_result* result) const { PQclear(result); }

PgResult::PgResult(pg_result* result) : result_(result) {}

int PgResult::rows() const { return result_ ? PQntuples(result_.get()) : 0; }

bool PgResult::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) == 1;
}

std::string PgResult::Text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t PgResult::Int64(int row, int column) const {
  const Oid type = PQftype(result_.get(), column);
  const int bytes = type == kInt2Oid ? 2 : type == kInt4Oid ? 4 : type == kInt8Oid ? 8 : 0;
  if (bytes == 0 || PQgetlength(result_.get(), row, column) != bytes) {
    throw StorageError("PostgreSQL returned a value of type " + std::to_string(type) +
                       " for an integer");
  }
  return BigEndian(PQgetvalue(result_.get(), row, column), bytes);
}

std::int64_t PgResult::UnixMicros(int row, int column) const {
  if (PQftype(result_.get(), column) != kTimestampTzOid ||
      PQgetlength(result_.get(), row, column) != 8) {
    throw StorageError("PostgreSQL returned a value of type " +
                       std::to_string(PQftype(result_.get(), column)) + " for a timestamptz");
  }
  const std::int64_t since_2000 = BigEndian(PQgetvalue(result_.get(), row, column), 8);
  // 'infinity' and '-infinity' are the extremes of int64, where adding the
  // epoch's offset would overflow; no real time is near them.
  if (since_2000 > std::numeric_limits<std::int64_t>::max() - kPostgresEpochInUnixMicros ||
      since_2000 == std::numeric_limits<std::int64_t>::min()) {
    throw StorageError("PostgreSQL returned an infinite timestamptz");
  }
  return since_2000 + kPostgresEpochInUnixMicros;
}

int PgResult::Int(int row, int column) const {
  const std::int64_t value = Int64(row, column);
  if (value < INT32_MIN || value > INT32_MAX) {
    throw StorageError("PostgreSQL returned " + std::to_string(value) + " for a 32-bit integer");
  }
  return static_cast<int>(value);
}

// --- PgConnection -----------------------------------------------------------

PgConnection::PgConnection(const std::string& url) {
  const char* values[std::size(kConnectKeywords)] = {};
  std::copy(std::begin(kConnectDefaults), std::end(kConnectDefaults), values);
  values[std::size(kConnectDefaults)] = url.c_str();
  conn_ = PQconnectdbParams(kConnectKeywords, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) throw StorageError("libpq could not allocate a connection");
  if (PQstatus(conn_) != CONNECTION_OK) {
    // libpq's message names the host and port, never the password.
    const std::string message = Trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw StorageError("cannot connect: " + message);
  }
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
}

PgConnection::~PgConnection() { PQfinish(conn_); }

PgResult PgConnection::Check(pg_result* raw, std::string_view what, const char* allowed_unique) {
  PgResult result(raw);
  if (raw == nullptr) {
    throw StorageError("PostgreSQL failed to " + std::string(what) + ": " +
                       Trimmed(PQerrorMessage(conn_)));
  }
  const ExecStatusType status = PQresultStatus(raw);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const char* sqlstate = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  const char* constraint = PQresultErrorField(raw, PG_DIAG_CONSTRAINT_NAME);
  if (allowed_unique && sqlstate && constraint && std::string_view(sqlstate) == "23505" &&
      std::string_view(constraint) == allowed_unique) {
    result.unique_violation_ = true;
    return result;
  }
  throw StorageError("PostgreSQL failed to " + std::string(what) + ": " +
                     Trimmed(PQresultErrorMessage(raw)) +
                     (sqlstate ? " (SQLSTATE " + std::string(sqlstate) + ")" : ""));
}

PgResult PgConnection::Exec(std::string_view sql, const PgParams& params,
                            const char* allowed_unique) {
  const std::string text(sql);
  const std::vector<const char*> values = ParamValues(params);
  return Check(PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, kBinaryResults),
               "run \"" + text + "\"", allowed_unique);
}

PgResult PgConnection::ExecPrepared(const char* name, const PgParams& params,
                                    const char* allowed_unique) {
  const std::vector<const char*> values = ParamValues(params);
  return Check(PQexecPrepared(conn_, name, static_cast<int>(values.size()), values.data(),
                              nullptr, nullptr, kBinaryResults),
               "run the statement " + std::string(name), allowed_unique);
}

void PgConnection::Prepare(const char* name, std::string_view sql) {
  const std::string text(sql);
  Check(PQprepare(conn_, name, text.c_str(), 0, nullptr), "prepare \"" + text + "\"", nullptr);
}

void PgConnection::ExecScript(std::string_view sql) {
  // PQexec, unlike PQexecParams, takes several statements in one string.
  const std::string text(sql);
  Check(PQexec(conn_, text.c_str()), "run a script", nullptr);
}

bool PgConnection::LooksReusable() const {
  if (PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    return false;
  }
  pollfd socket{PQsocket(conn_), POLLIN, 0};
  return poll(&socket, 1, 0) == 0;
}

PgConnection::Transaction::Transaction(PgConnection& connection) : connection_(connection) {
  connection_.Exec("BEGIN");
}

PgConnection::Transaction::~Transaction() {
  if (done_ || PQtransactionStatus(connection_.conn_) == PQTRANS_IDLE) return;
  PQclear(PQexec(connection_.conn_, "ROLLBACK"));
}

void PgConnection::Transaction::Commit() {
  done_ = true;  // A failed COMMIT has ended the transaction too.
  connection_.Exec("COMMIT");
}

// --- PgPool -----------------------------------------------------------------

PgPool::PgPool(std::string url, std::size_t size, Setup setup)
    : url_(std::move(url)), size_(size), setup_(std::move(setup)) {}

PgPool::~PgPool() = default;

PgPool::Lease::Lease(PgPool& pool, std::unique_ptr<PgConnection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

PgPool::Lease::~Lease() { pool_.GiveBack(std::move(connection_)); }

std::unique_ptr<PgConnection> PgPool::Open() const {
  auto connection = std::make_unique<PgConnection>(url_);
  if (setup_) setup_(*connection);
  return connection;
}

PgPool::Lease PgPool::Borrow() {
  std::unique_ptr<PgConnection> connection;
  {
    std::unique_lock lock(mutex_);
    if (!returned_.wait_for(lock, kBorrowTimeout,
                            [this] { return !idle_.empty() || open_ < size_; })) {
      throw StorageError("no PostgreSQL connection came free within " +
                         std::to_string(kBorrowTimeout.count()) + " s");
    }
    if (idle_.empty()) {
      ++open_;  // A slot for the connection opened below.
    } else {
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  // The slot is this caller's now; connecting happens outside the lock, so a
  // slow server holds up only the callers that need a new connection.
  try {
    if (!connection || !connection->LooksReusable()) {
      connection.reset();
      connection = Open();
    }
  } catch (...) {
    GiveBack(nullptr);
    throw;
  }
  return Lease(*this, std::move(connection));
}

void PgPool::GiveBack(std::unique_ptr<PgConnection> connection) noexcept {
  // A broken connection, or one left inside a transaction, is closed (by
  // `connection` going out of scope, after the lock is released) and its
  // slot freed.
  {
    std::lock_guard lock(mutex_);
    if (connection && connection->LooksReusable()) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
  }
  returned_.notify_one();
}

std::string DescribePostgresUrl(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    const std::string reason = error ? Trimmed(error) : "out of memory";
    PQfreemem(error);
    return "an invalid URL (" + reason + ")";
  }
  std::string user, host, port, dbname;
  for (const PQconninfoOption* option = options; option->keyword; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "user") user = option->val;
    if (keyword == "host") host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "dbname") dbname = option->val;
  }
  PQconninfoFree(options);
  return (user.empty() ? "" : user + "@") + (host.empty() ? "(default host)" : host) +
         (port.empty() ? "" : ":" + port) + "/" + dbname;
}

}  // namespace user_api
