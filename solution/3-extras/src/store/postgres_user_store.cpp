#include "store/postgres_user_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "domain/storage_error.hpp"
#include "domain/text.hpp"
#include "domain/time.hpp"
#include "postgres_migrations.hpp"  // Generated from migrations/postgresql/.

namespace user_api {
namespace {

// The unique index on the lowercased email (migrations/postgresql/001): the
// one constraint whose violation is an answer (kEmailTaken), not a failure.
constexpr const char* kEmailIndex = "users_email_key";

// Serialises migrations among instances starting together on one database
// (advisory locks are per database). Any constant works, as long as every
// instance uses the same: these are the bytes of "user_api".
constexpr std::int64_t kMigrationLock = 0x757365725f617069;

// Times are kept as timestamptz, which a person reading the table
// understands, and come back as binary values (PgResult); they go in as
// whole milliseconds since the Unix epoch, so that nothing depends on the
// session's time zone or date style.
constexpr std::string_view kUserColumns = "id, name, email, age, created_at, updated_at";

std::string FromMillisSql(int param) {
  return "(timestamptz 'epoch' + $" + std::to_string(param) +
         "::bigint * interval '1 millisecond')";
}

// The statements every connection prepares when it opens (PrepareStatements).
constexpr const char* kInsert = "insert_user";
constexpr const char* kFind = "find_user";
constexpr const char* kLock = "lock_user";
constexpr const char* kUpdate = "update_user";
constexpr const char* kErase = "erase_user";
constexpr const char* kCount = "count_users";
constexpr const char* kListAll = "list_all_users";
constexpr const char* kListAllOrTotal = "list_all_users_or_total";

// The number of users as migration 002's triggers keep it, in the reading
// statement's snapshot.
constexpr std::string_view kCountedUsers = "SELECT sum(n)::bigint FROM user_count";

// A page of users and, in every row, the total from `total_sql`; an empty
// page still yields one row, with NULL user columns. One statement sees one
// snapshot, so the total and the page agree even while others write,
// without a transaction's extra round trips.
std::string PageWithTotalSql(std::string_view total_sql, const std::string& where,
                             const std::string& limit_param, const std::string& offset_param) {
  return "SELECT page.*, total.n FROM (" + std::string(total_sql) + ") AS total(n) LEFT JOIN (SELECT " +
         std::string(kUserColumns) + " FROM users" + where + " ORDER BY id LIMIT " + limit_param +
         " OFFSET " + offset_param + ") AS page ON true ORDER BY page.id";
}

void PrepareStatements(PgConnection& connection) {
  const std::string select = "SELECT " + std::string(kUserColumns) + " FROM users WHERE id = $1";
  connection.Prepare(kInsert, "INSERT INTO users (name, email, age, created_at, updated_at) "
                              "VALUES ($1, $2, $3::integer, " + FromMillisSql(4) + ", " +
                              FromMillisSql(4) + ") RETURNING id");
  connection.Prepare(kFind, select);
  // The row lock holds the user still from the precondition to the commit,
  // also against other instances.
  connection.Prepare(kLock, select + " FOR UPDATE");
  connection.Prepare(kUpdate, "UPDATE users SET name = $2, email = $3, age = $4::integer, "
                              "updated_at = " + FromMillisSql(5) + " WHERE id = $1");
  connection.Prepare(kErase, "DELETE FROM users WHERE id = $1");
  connection.Prepare(kCount, std::string(kCountedUsers));
  // The total as a column of every row: an uncorrelated subquery, which
  // runs once, and a plan that is the primary key's index walked and
  // nothing else (no join, no sort). An empty page has no row to carry the
  // total: kListAllOrTotal answers it (see List).
  connection.Prepare(kListAll, "SELECT " + std::string(kUserColumns) + ", (" +
                                   std::string(kCountedUsers) +
                                   ") FROM users ORDER BY id LIMIT $1 OFFSET $2");
  connection.Prepare(kListAllOrTotal, PageWithTotalSql(kCountedUsers, "", "$1", "$2"));
}

// Applies the migrations the database has not had, in order, each with its
// row in schema_migrations, all in one transaction under the migration lock:
// an instance that starts while another migrates waits, then finds nothing
// left to do. DDL is transactional in PostgreSQL, so a migration that fails
// leaves no trace.
void Migrate(PgConnection& connection) {
  PgConnection::Transaction transaction(connection);
  connection.Exec("SELECT pg_advisory_xact_lock($1)", {std::to_string(kMigrationLock)});
  connection.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "version integer PRIMARY KEY, name text NOT NULL, "
      "applied_at timestamptz NOT NULL DEFAULT now())");
  const PgResult rows = connection.Exec("SELECT version FROM schema_migrations");
  std::set<std::int64_t> applied;
  for (int row = 0; row < rows.rows(); ++row) applied.insert(rows.Int64(row, 0));
  const auto known = static_cast<std::int64_t>(std::size(kPostgresMigrations));
  if (!applied.empty() && *applied.rbegin() > known) {
    throw StorageError("the database has migration " + std::to_string(*applied.rbegin()) +
                       ", newer than this server's last (" + std::to_string(known) + ")");
  }
  for (const PostgresMigration& migration : kPostgresMigrations) {
    if (applied.contains(migration.version)) continue;
    const std::string name = std::to_string(migration.version) + "_" + std::string(migration.name);
    try {
      connection.ExecScript(migration.sql);
    } catch (const StorageError& error) {
      throw StorageError("migration " + name + " failed: " + error.what());
    }
    connection.Exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    {std::to_string(migration.version), std::string(migration.name)});
  }
  transaction.Commit();
}

// The time as the database keeps it, so that a write returns exactly what a
// later Find returns.
Timestamp ToStored(Timestamp time) {
  return FromUnixMillis(ToUnixMillis(time));
}

std::optional<std::string> AgeParam(std::optional<int> age) {
  if (!age) return std::nullopt;
  return std::to_string(*age);
}

// A time read back, rounded down to the millisecond as ToUnixMillis rounds
// (another writer may have left microseconds; integer division would round
// times before 1970 up). Throws StorageError for a time beyond the range
// of Timestamp (years 1678-2261 for a clock counting nanoseconds).
Timestamp FromStoredMicros(std::int64_t micros) {
  using std::chrono::microseconds;
  constexpr auto kMax = std::chrono::duration_cast<microseconds>(Timestamp::duration::max());
  constexpr auto kMin = std::chrono::duration_cast<microseconds>(Timestamp::duration::min());
  if (micros > kMax.count() || micros < kMin.count()) {
    throw StorageError("PostgreSQL returned a time beyond what the server can hold");
  }
  return FromUnixMillis(
      std::chrono::floor<std::chrono::milliseconds>(microseconds(micros)).count());
}

// Reads row `row` of a result whose first columns are kUserColumns.
User ReadUser(const PgResult& result, int row) {
  User user;
  user.id = result.Int64(row, 0);
  user.name = result.Text(row, 1);
  user.email = result.Text(row, 2);
  if (!result.IsNull(row, 3)) user.age = result.Int(row, 3);
  // Exact for what the store writes: whole milliseconds (ToStored).
  user.created_at = FromStoredMicros(result.UnixMicros(row, 4));
  user.updated_at = FromStoredMicros(result.UnixMicros(row, 5));
  return user;
}

std::optional<User> FindUser(PgConnection& connection, const char* statement, UserId id) {
  const PgResult result = connection.ExecPrepared(statement, {std::to_string(id)});
  if (result.rows() == 0) return std::nullopt;
  return ReadUser(result, 0);
}

// Reads the user with its row locked until the transaction ends, and checks
// `precondition` on it. Returns the answer when the write must not go ahead
// (kNotFound, kPreconditionFailed); otherwise nullopt, with the user in
// `current`.
std::optional<WriteResult> LockForWrite(PgConnection& connection, UserId id,
                                        const Precondition& precondition, User& current) {
  std::optional<User> found = FindUser(connection, kLock, id);
  if (!found) return WriteResult{WriteResult::Status::kNotFound, {}};
  if (precondition && !precondition(*found)) {
    return WriteResult{WriteResult::Status::kPreconditionFailed, *found};
  }
  current = std::move(*found);
  return std::nullopt;
}

// The WHERE clause of a List query, its values numbered $1, $2, ... in order.
struct Filter {
  std::string where;  // Empty when nothing is filtered.
  PgParams params;
};

Filter BuildFilter(const UserQuery& query) {
  Filter filter;
  // Adds a value and returns its placeholder.
  const auto placeholder = [&filter](std::string value) {
    filter.params.emplace_back(std::move(value));
    return "$" + std::to_string(filter.params.size());
  };
  std::vector<std::string> conditions;
  if (query.q && !query.q->empty()) {
    // lower() under the "C" collation folds A-Z only, as the spec asks
    // ("ignoring ASCII case"); strpos() takes % and _ literally, as LIKE
    // would not.
    const std::string needle = placeholder(AsciiLower(*query.q));
    conditions.push_back("(strpos(lower(name COLLATE \"C\"), " + needle +
                         ") > 0 OR strpos(lower(email COLLATE \"C\"), " + needle + ") > 0)");
  }
  if (query.email) {
    // The unique index's own expression, so the index answers it.
    conditions.push_back("lower(email COLLATE \"C\") = " + placeholder(AsciiLower(*query.email)));
  }
  // A comparison with NULL is NULL, so a null age never passes these.
  if (query.min_age) conditions.push_back("age >= " + placeholder(std::to_string(*query.min_age)));
  if (query.max_age) conditions.push_back("age <= " + placeholder(std::to_string(*query.max_age)));
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    filter.where += (i == 0 ? " WHERE " : " AND ") + conditions[i];
  }
  return filter;
}

}  // namespace

bool IsPostgresUrl(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

PostgresUserStore::PostgresUserStore(const std::string& url, std::size_t pool_size)
    : pool_(url, std::max<std::size_t>(pool_size, 1), PrepareStatements) {
  try {
    PgConnection connection(url);
    Migrate(connection);
  } catch (const StorageError& error) {
    throw StorageError("cannot open the PostgreSQL database " + DescribePostgresUrl(url) + ": " +
                       error.what());
  }
}

PostgresUserStore::~PostgresUserStore() = default;

WriteResult PostgresUserStore::Insert(const NewUser& fields, Timestamp now) {
  const Timestamp created = ToStored(now);
  const PgPool::Lease connection = pool_.Borrow();
  // One statement, so one transaction: committed when it returns.
  const PgResult result = connection->ExecPrepared(
      kInsert, {fields.name, fields.email, AgeParam(fields.age), std::to_string(ToUnixMillis(created))},
      kEmailIndex);
  if (result.unique_violation()) return {WriteResult::Status::kEmailTaken, {}};
  return {WriteResult::Status::kOk,
          User{result.Int64(0, 0), fields.name, fields.email, fields.age, created, created}};
}

std::optional<User> PostgresUserStore::Find(UserId id) const {
  const PgPool::Lease connection = pool_.Borrow();
  return FindUser(*connection, kFind, id);
}

UserPage PostgresUserStore::List(const UserQuery& query) const {
  Filter filter = BuildFilter(query);
  const auto limit = std::min<std::uint64_t>(query.limit, std::numeric_limits<std::int64_t>::max());
  const auto offset =
      std::min<std::uint64_t>(query.offset, std::numeric_limits<std::int64_t>::max());
  filter.params.emplace_back(std::to_string(limit));
  filter.params.emplace_back(std::to_string(offset));
  const PgPool::Lease connection = pool_.Borrow();
  // Unfiltered: the kept count, and the primary key's index walked for the
  // page; a page past the end asks again with the statement that yields a
  // row in any case, so that its total too is of the page's snapshot.
  // Filtered: only the rows that pass can say how many pass.
  PgResult result =
      filter.where.empty()
          ? connection->ExecPrepared(kListAll, filter.params)
          : connection->Exec(PageWithTotalSql("SELECT count(*) FROM users" + filter.where,
                                              filter.where,
                                              "$" + std::to_string(filter.params.size() - 1),
                                              "$" + std::to_string(filter.params.size())),
                             filter.params);
  if (filter.where.empty() && result.rows() == 0) {
    result = connection->ExecPrepared(kListAllOrTotal, filter.params);
  }
  UserPage page;
  const int total_column = 6;
  for (int row = 0; row < result.rows(); ++row) {
    page.total = static_cast<std::uint64_t>(result.Int64(row, total_column));
    if (!result.IsNull(row, 0)) page.users.push_back(ReadUser(result, row));
  }
  return page;
}

std::uint64_t PostgresUserStore::Count() const {
  const PgPool::Lease connection = pool_.Borrow();
  return static_cast<std::uint64_t>(connection->ExecPrepared(kCount, {}).Int64(0, 0));
}

WriteResult PostgresUserStore::Update(UserId id, const UserPatch& patch, Timestamp now,
                                      const Precondition& precondition) {
  const PgPool::Lease connection = pool_.Borrow();
  PgConnection::Transaction transaction(*connection);
  User updated;
  if (auto refused = LockForWrite(*connection, id, precondition, updated)) return *refused;
  if (patch.empty()) return {WriteResult::Status::kOk, updated};

  ApplyPatch(patch, ToStored(now), updated);
  const PgResult result = connection->ExecPrepared(
      kUpdate,
      {std::to_string(id), updated.name, updated.email, AgeParam(updated.age),
       std::to_string(ToUnixMillis(updated.updated_at))},
      kEmailIndex);
  if (result.unique_violation()) return {WriteResult::Status::kEmailTaken, {}};
  transaction.Commit();
  return {WriteResult::Status::kOk, updated};
}

WriteResult PostgresUserStore::Erase(UserId id, const Precondition& precondition) {
  const PgPool::Lease connection = pool_.Borrow();
  PgConnection::Transaction transaction(*connection);
  User current;
  if (auto refused = LockForWrite(*connection, id, precondition, current)) return *refused;
  connection->ExecPrepared(kErase, {std::to_string(id)});
  transaction.Commit();
  return {WriteResult::Status::kOk, current};
}

}  // namespace user_api
