// The conformance suite (user_store_conformance.hpp) on PostgreSQL, and
// what only the PostgreSQL store promises: data in a server that outlives
// the store, migrations applied once, a pool of bounded size, and calls that
// fail fast while the server is away and work again when it is back.
//
// A program of its own: under ctest it runs inside
// tests/harness/scripts/with_postgres.sh, on one throwaway cluster, and each
// test has a database of its own (pg_test_server.hpp).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "domain/storage_error.hpp"
#include "domain/time.hpp"
#include "pg_test_server.hpp"
#include "postgres_migrations.hpp"  // Generated from migrations/postgresql/.
#include "store/postgres_user_store.hpp"
#include "user_store_conformance.hpp"

namespace user_api::store_test {
namespace {

// Fewer connections than the concurrency tests have threads, so that callers
// also wait for a connection to come back.
constexpr std::size_t kPgPoolSize = 4;

// The test's database, created on the first call.
std::unique_ptr<UserStore> OpenPostgres(TestData& data) {
  if (!data.database) data.database.emplace();
  return std::make_unique<PostgresUserStore>(data.database->url(), kPgPoolSize);
}

INSTANTIATE_TEST_SUITE_P(, UserStoreTest, testing::Values(StoreFactory{"Postgres", OpenPostgres}),
                         StoreFactoryName);

INSTANTIATE_TEST_SUITE_P(, PersistentUserStoreTest,
                         testing::Values(StoreFactory{"Postgres", OpenPostgres}),
                         StoreFactoryName);

class PostgresUserStoreTest : public testing::Test {
 protected:
  std::unique_ptr<PostgresUserStore> Open(const std::string& url_suffix = "") const {
    return std::make_unique<PostgresUserStore>(database_.url() + url_suffix, kPgPoolSize);
  }

  // Runs SQL on the test's database, apart from the store.
  std::string Sql(const std::string& sql) const {
    return PgTestServer::Get().Admin(sql, database_.name());
  }

  // The number of sessions on the test's database but the asking one.
  int Sessions() const {
    return std::stoi(PgTestServer::Get().Admin(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database_.name() + "'"));
  }

  PgTestDatabase database_;
};

// Runs `call` `times` times, for a Race.
std::function<Status(int)> Repeat(int times, const std::function<void()>& call) {
  return [times, call](int) {
    for (int i = 0; i < times; ++i) call();
    return Status::kOk;
  };
}

TEST_F(PostgresUserStoreTest, MigrationsAreAppliedOnceAndRecorded) {
  std::string expected;
  for (const PostgresMigration& migration : kPostgresMigrations) {
    if (!expected.empty()) expected += ", ";
    expected += std::to_string(migration.version) + " " + std::string(migration.name);
  }
  const std::string kApplied =
      "SELECT string_agg(version || ' ' || name, ', ' ORDER BY version) FROM schema_migrations";
  const std::string kWhen = "SELECT max(applied_at) FROM schema_migrations";
  Open();
  EXPECT_EQ(Sql(kApplied), expected);
  const std::string first_applied_at = Sql(kWhen);
  Open();
  EXPECT_EQ(Sql(kApplied), expected);
  EXPECT_EQ(Sql(kWhen), first_applied_at) << "opening the store again applied migrations";
}

TEST_F(PostgresUserStoreTest, StoresStartingTogetherMigrateOnce) {
  constexpr int kStores = 6;
  std::vector<std::unique_ptr<PostgresUserStore>> stores(kStores);
  ExpectWinners(Race(kStores,
                     [&](int i) {
                       stores[static_cast<std::size_t>(i)] = Open();
                       return Status::kOk;
                     }),
                kStores, "");
  EXPECT_EQ(Sql("SELECT count(*) FROM schema_migrations"),
            std::to_string(std::size(kPostgresMigrations)));
  ExpectWinners(Race(kStores,
                     [&](int i) {
                       const std::string email = "s" + std::to_string(i) + "@x.test";
                       const auto& store = stores[static_cast<std::size_t>(i)];
                       if (!store) throw std::runtime_error("no store");
                       return store->Insert(Fields("S", email), kT0).status;
                     }),
                kStores, "");
}

// The unique index is the database's own guard, for writers that skip the
// service too: it folds A-Z as the service does, and nothing else.
TEST_F(PostgresUserStoreTest, EmailsThatDifferInAsciiCaseOnlyAreTaken) {
  const auto store = Open();
  ASSERT_EQ(ToString(store->Insert(Fields("A", "Ann@X.test"), kT0).status), "kOk");
  EXPECT_EQ(ToString(store->Insert(Fields("B", "ann@x.TEST"), kT0).status), "kEmailTaken");
  ASSERT_EQ(ToString(store->Insert(Fields("C", "Äb@x.test"), kT0).status), "kOk");
  EXPECT_EQ(ToString(store->Insert(Fields("D", "äb@x.test"), kT0).status), "kOk");
}

// The count that X-Total-Count and /health read is kept by triggers in the
// database (migration 002), so it holds for writers that skip the store.
TEST_F(PostgresUserStoreTest, TheCountFollowsWritersThatSkipTheStore) {
  const auto store = Open();
  ASSERT_EQ(ToString(store->Insert(Fields("A", "a@x.test"), kT0).status), "kOk");
  Sql("INSERT INTO users (name, email, created_at, updated_at) "
      "SELECT 'B' || i, 'b' || i || '@x.test', now(), now() FROM generate_series(1, 5) AS i");
  EXPECT_EQ(store->Count(), 6u);
  EXPECT_EQ(store->List(Query()).total, 6u);
  Sql("DELETE FROM users WHERE name IN ('B1', 'B2')");
  EXPECT_EQ(store->Count(), 4u);
  EXPECT_EQ(store->List(Query()).total, 4u);
  EXPECT_EQ(store->List(Query().Q("b")).total, 3u);
}

// Values come back in PostgreSQL's binary format, which the store decodes
// itself: ids past 32 bits, ages of either sign, non-ASCII text, and times
// on either side of 1970 and of 2000 (where binary times count from), as a
// writer that skips the store leaves them.
TEST_F(PostgresUserStoreTest, ValuesWrittenBesideTheStoreReadBackExactly) {
  const auto store = Open();
  Sql("INSERT INTO users (id, name, email, age, created_at, updated_at) OVERRIDING SYSTEM VALUE "
      "VALUES (5000000000, 'Zoë Ñ', 'z@x.test', -7, '1969-12-31 23:59:59.999+00', "
      "'2000-01-01 00:00:00.001+00'), "
      "(5000000001, 'Max', 'm@x.test', 2147483647, '1999-12-31 23:59:59.999+00', "
      "'2200-01-01 00:00:00.123+00')");
  const std::optional<User> first = store->Find(5000000000);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->name, "Zoë Ñ");
  EXPECT_EQ(first->email, "z@x.test");
  EXPECT_EQ(first->age, -7);
  EXPECT_EQ(ToUnixMillis(first->created_at), -1);
  EXPECT_EQ(ToUnixMillis(first->updated_at), 946'684'800'001);
  const UserPage page = store->List(Query());
  ASSERT_EQ(page.users.size(), 2u);
  EXPECT_EQ(page.total, 2u);
  EXPECT_EQ(page.users[1].id, 5000000001);
  EXPECT_EQ(page.users[1].age, 2147483647);
  EXPECT_EQ(ToUnixMillis(page.users[1].created_at), 946'684'799'999);
  EXPECT_EQ(ToUnixMillis(page.users[1].updated_at), 7'258'118'400'123);
}

// Times with microseconds, as another writer may leave them, read back
// rounded down to the millisecond like every time the API keeps
// (ToUnixMillis), before 1970 too: 23:59:59.9995 on the last day of 1969
// is that day's 23:59:59.999, not 1970's first instant.
TEST_F(PostgresUserStoreTest, MicrosecondsWrittenBesideTheStoreRoundDown) {
  const auto store = Open();
  Sql("INSERT INTO users (id, name, email, created_at, updated_at) OVERRIDING SYSTEM VALUE "
      "VALUES (7, 'Old', 'old@x.test', '1969-12-31 23:59:59.9995+00', "
      "'2026-01-01 00:00:00.0019+00')");
  const std::optional<User> user = store->Find(7);
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(ToUnixMillis(user->created_at), -1);
  EXPECT_EQ(ToUnixMillis(user->updated_at), 1'767'225'600'001);
}

// A time the API cannot hold ('infinity', or beyond the clock's years) is
// a storage failure, as the text format's bigint cast made it, not another
// date (or, for 'infinity', a signed overflow).
TEST_F(PostgresUserStoreTest, TimesBeyondTheClockAreAStorageFailure) {
  const auto store = Open();
  Sql("INSERT INTO users (id, name, email, created_at, updated_at) OVERRIDING SYSTEM VALUE "
      "VALUES (8, 'Inf', 'inf@x.test', 'infinity', '-infinity'), "
      "(9, 'Far', 'far@x.test', '3000-01-01 00:00:00+00', '2026-01-01 00:00:00+00')");
  EXPECT_THROW(store->Find(8), StorageError);
  EXPECT_THROW(store->Find(9), StorageError);
}

// A database whose users were written before migration 002 existed starts
// with the count of those users.
TEST_F(PostgresUserStoreTest, UsersFromBeforeTheKeptCountAreCounted) {
  {
    const auto store = Open();
    for (const char* email : {"a@x.test", "b@x.test", "c@x.test"}) {
      ASSERT_EQ(ToString(store->Insert(Fields("A", email), kT0).status), "kOk");
    }
  }
  Sql("DROP TABLE user_count; DROP FUNCTION count_user() CASCADE; "
      "DELETE FROM schema_migrations WHERE version = 2");
  Sql("INSERT INTO users (name, email, created_at, updated_at) VALUES ('D', 'd@x.test', now(), now())");
  const auto store = Open();
  EXPECT_EQ(store->Count(), 4u);
  ASSERT_EQ(ToString(store->Insert(Fields("E", "e@x.test"), kT1).status), "kOk");
  EXPECT_EQ(store->List(Query()).total, 5u);
}

// Writers on every connection of the pool at once, inserting and deleting:
// the kept count ends equal to the rows.
TEST_F(PostgresUserStoreTest, TheKeptCountIsExactAfterConcurrentWrites) {
  const auto store = Open();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  ExpectWinners(Race(kThreads,
                     [&](int thread) {
                       for (int i = 0; i < kPerThread; ++i) {
                         const std::string email =
                             "t" + std::to_string(thread) + "-" + std::to_string(i) + "@x.test";
                         const User user = store->Insert(Fields("T", email), kT0).user;
                         if (i % 3 == 0) store->Erase(user.id, {});
                       }
                       return Status::kOk;
                     }),
                kThreads, "");
  const std::string rows = Sql("SELECT count(*) FROM users");
  EXPECT_EQ(std::to_string(store->Count()), rows);
  EXPECT_EQ(std::to_string(store->List(Query().Page(1, 0)).total), rows);
}

TEST_F(PostgresUserStoreTest, UnreachableServerFailsAtOnceWithoutThePassword) {
  // Nothing listens on port 1.
  const std::string url = "postgresql://someone:s3cret@127.0.0.1:1/nowhere";
  const auto started = std::chrono::steady_clock::now();
  try {
    PostgresUserStore store(url, 1);
    FAIL() << "opened " << url;
  } catch (const StorageError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("someone@127.0.0.1:1/nowhere"), std::string::npos) << message;
    EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST_F(PostgresUserStoreTest, PoolOpensNoMoreConnectionsThanItsSize) {
  const auto store = Open();
  const User a = store->Insert(Fields("A", "a@x.test"), kT0).user;
  ExpectWinners(Race(16, Repeat(10,
                                [&] {
                                  store->Find(a.id);
                                  store->List(Query().Q("a"));
                                })),
                16, "");
  const int sessions = Sessions();
  EXPECT_GE(sessions, 1);
  EXPECT_LE(sessions, static_cast<int>(kPgPoolSize));
}

// A restart of the server, or an administrator, ends the idle sessions; the
// pool notices before it lends one, so no call fails.
TEST_F(PostgresUserStoreTest, ConnectionsEndedByTheServerAreReplaced) {
  const auto store = Open();
  const User a = store->Insert(Fields("A", "a@x.test"), kT0).user;
  // Eight threads at once usually open several sessions; on a busy machine
  // they may take turns on one, which must be replaced all the same.
  ExpectWinners(Race(8, Repeat(5, [&] { store->Find(a.id); })), 8, "");
  ASSERT_GE(Sessions(), 1);
  PgTestServer::Get().Admin(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" +
      database_.name() + "'");
  for (int i = 0; i < 500 && Sessions() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(Sessions(), 0);
  // Every call of every thread succeeds.
  ExpectWinners(Race(8, Repeat(5,
                               [&] {
                                 if (!store->Find(a.id)) throw std::runtime_error("user is gone");
                               })),
                8, "");
}

TEST_F(PostgresUserStoreTest, CallsFailFastWhileTheServerIsDownAndWorkWhenItIsBack) {
  const auto store = Open();
  const User a = store->Insert(Fields("A", "a@x.test"), kT0).user;
  PgTestServer::Get().Stop();
  const auto stopped = std::chrono::steady_clock::now();
  EXPECT_THROW(store->Find(a.id), StorageError);
  EXPECT_THROW(store->Insert(Fields("B", "b@x.test"), kT1), StorageError);
  EXPECT_THROW(store->Count(), StorageError);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::seconds(3));
  PgTestServer::Get().Start();
  ASSERT_TRUE(store->Find(a.id).has_value());
  EXPECT_EQ(Describe(*store->Find(a.id)), Describe(a));
  EXPECT_EQ(ToString(store->Insert(Fields("B", "b@x.test"), kT1).status), "kOk");
  EXPECT_EQ(store->Count(), 2u);
}

// A statement that waits too long (here for a row that another session
// holds) is cancelled by the server, and the call fails instead of hanging.
// The store's own timeout is 5 s; the URL sets a shorter one, which also
// shows that the URL's settings win.
TEST_F(PostgresUserStoreTest, AWriteThatWaitsTooLongFailsAndLeavesTheStoreUsable) {
  const auto store = Open("?options=-c%20statement_timeout%3D300");
  const User a = store->Insert(Fields("A", "a@x.test"), kT0).user;
  PGconn* holder = PQconnectdb(database_.url().c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK) << PQerrorMessage(holder);
  PQclear(PQexec(holder, "BEGIN"));
  const std::string id = std::to_string(a.id);
  const char* params[] = {id.c_str()};
  PGresult* locked = PQexecParams(holder, "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", 1,
                                  nullptr, params, nullptr, nullptr, 0);
  EXPECT_EQ(PQresultStatus(locked), PGRES_TUPLES_OK) << PQerrorMessage(holder);
  PQclear(locked);

  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(store->Update(a.id, Patch().Name("Late"), kT1, {}), StorageError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);

  EXPECT_EQ(ToString(store->Update(a.id, Patch().Name("On time"), kT1, {}).status), "kOk");
  EXPECT_EQ(store->Find(a.id).value_or(User{}).name, "On time");
}

TEST(PostgresUrlTest, SchemesSelectPostgres) {
  EXPECT_TRUE(IsPostgresUrl("postgresql://u@h/db"));
  EXPECT_TRUE(IsPostgresUrl("postgres://h"));
  EXPECT_FALSE(IsPostgresUrl("users.db"));
  EXPECT_FALSE(IsPostgresUrl("postgresql:users"));
  EXPECT_FALSE(IsPostgresUrl("./postgresql://x"));
}

}  // namespace
}  // namespace user_api::store_test
