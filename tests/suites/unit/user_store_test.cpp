// The conformance suite of the UserStore contract (store/user_store.hpp), run
// against every implementation, plus what only the SQLite store promises
// (persistence across reopening, refusing files it cannot use) and what only
// the PostgreSQL store promises (persistence, migrations applied once, a
// bounded pool, recovery when the server goes away and comes back).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "domain/storage_error.hpp"
#include "pg_test_server.hpp"
#include "postgres_migrations.hpp"  // Generated from migrations/postgresql/.
#include "store/memory_user_store.hpp"
#include "store/postgres_user_store.hpp"
#include "store/sqlite_user_store.hpp"
#include "temp_dir.hpp"

namespace user_api {
namespace {

using Status = WriteResult::Status;
using test_support::TempDir;

const Timestamp kT0 = Timestamp(std::chrono::seconds(1'800'000'000));
const Timestamp kT1 = kT0 + std::chrono::seconds(1);
const Timestamp kT2 = kT0 + std::chrono::seconds(2);

NewUser Fields(const std::string& name, const std::string& email, std::optional<int> age = 30) {
  return NewUser{name, email, age};
}

// One line per user, so a failed comparison shows every field side by side.
std::string Describe(const User& user) {
  std::ostringstream out;
  out << "{id " << user.id << ", name \"" << user.name << "\", email \"" << user.email
      << "\", age ";
  if (user.age) {
    out << *user.age;
  } else {
    out << "null";
  }
  out << ", created_at " << user.created_at.time_since_epoch().count() << ", updated_at "
      << user.updated_at.time_since_epoch().count() << "}";
  return out.str();
}

// Builds a UserQuery filter by filter: List(Query().Q("ann").MinAge(18)).
class Query {
 public:
  Query& Q(std::string text) {
    query_.q = std::move(text);
    return *this;
  }
  Query& Email(std::string email) {
    query_.email = std::move(email);
    return *this;
  }
  Query& MinAge(int age) {
    query_.min_age = age;
    return *this;
  }
  Query& MaxAge(int age) {
    query_.max_age = age;
    return *this;
  }
  Query& Page(std::uint64_t limit, std::uint64_t offset) {
    query_.limit = limit;
    query_.offset = offset;
    return *this;
  }
  operator const UserQuery&() const { return query_; }

 private:
  UserQuery query_;
};

// Builds a UserPatch field by field: Patch().Name("Ann").ClearAge().
class Patch {
 public:
  Patch& Name(std::string name) {
    patch_.name = std::move(name);
    return *this;
  }
  Patch& Email(std::string email) {
    patch_.email = std::move(email);
    return *this;
  }
  Patch& Age(int age) {
    patch_.age = age;
    return *this;
  }
  Patch& ClearAge() {
    patch_.age = std::optional<int>();
    return *this;
  }
  operator const UserPatch&() const { return patch_; }

 private:
  UserPatch patch_;
};

std::vector<UserId> Ids(const UserPage& page) {
  std::vector<UserId> ids;
  for (const User& user : page.users) ids.push_back(user.id);
  return ids;
}

std::string ToString(Status status) {
  switch (status) {
    case Status::kOk:
      return "kOk";
    case Status::kNotFound:
      return "kNotFound";
    case Status::kEmailTaken:
      return "kEmailTaken";
    case Status::kPreconditionFailed:
      return "kPreconditionFailed";
  }
  return "unknown";
}

// Runs call(0) to call(threads - 1) on threads that start together and
// returns what each gave: the status's name, or "threw: " and the message.
std::vector<std::string> Race(int threads, const std::function<Status(int)>& call) {
  std::vector<std::string> outcomes(static_cast<std::size_t>(threads));
  std::latch start(threads);
  std::vector<std::jthread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      start.arrive_and_wait();
      std::string& outcome = outcomes[static_cast<std::size_t>(i)];
      try {
        outcome = ToString(call(i));
      } catch (const std::exception& error) {
        outcome = std::string("threw: ") + error.what();
      }
    });
  }
  workers.clear();  // Joins them.
  return outcomes;
}

// Expects `winners` outcomes of a Race to be "kOk" and every other to be
// `others`.
void ExpectWinners(const std::vector<std::string>& outcomes, int winners,
                   const std::string& others) {
  int accepted = 0;
  for (const std::string& outcome : outcomes) {
    if (outcome == "kOk") {
      ++accepted;
    } else {
      EXPECT_EQ(outcome, others);
    }
  }
  EXPECT_EQ(accepted, winners);
}

// Where the store of one test keeps its data; removed after the test, after
// the store.
struct TestData {
  TempDir dir;                              // For a SQLite file.
  std::optional<PgTestDatabase> database;  // For PostgreSQL.
};

// How to make a fresh, empty store of one implementation.
struct StoreFactory {
  std::string name;  // The last part of the test names.
  std::function<std::unique_ptr<UserStore>(TestData& data)> open;
  // The interface only promises increasing ids; the memory store also keeps
  // them dense when it refuses an insert.
  bool refused_insert_keeps_the_next_id = false;
};

void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

class UserStoreTest : public testing::TestWithParam<StoreFactory> {
 protected:
  UserStoreTest() : store_(GetParam().open(data_)) {}

  // Inserts a user that must be accepted and returns it.
  User Add(const std::string& name, const std::string& email, std::optional<int> age = 30,
           Timestamp now = kT0) {
    const WriteResult result = store_->Insert(Fields(name, email, age), now);
    EXPECT_EQ(ToString(result.status), "kOk") << "inserting " << email;
    return result.user;
  }

  User Stored(UserId id) const {
    std::optional<User> user = store_->Find(id);
    EXPECT_TRUE(user.has_value()) << "no user with id " << id;
    return user.value_or(User{});
  }

  UserPage List(const UserQuery& query) const { return store_->List(query); }

  TestData data_;
  std::unique_ptr<UserStore> store_;
};

TEST_P(UserStoreTest, InsertReturnsWhatFindReads) {
  // Sub-millisecond precision is more than the SQLite store keeps; whatever a
  // store keeps, the write must return exactly what a later read gives.
  const Timestamp now = kT0 + std::chrono::microseconds(1234);
  const User inserted = store_->Insert(Fields("Zoë Ünal", "zoe@x.test", std::nullopt), now).user;
  EXPECT_GT(inserted.id, 0);
  EXPECT_EQ(inserted.name, "Zoë Ünal");
  EXPECT_EQ(inserted.email, "zoe@x.test");
  EXPECT_FALSE(inserted.age.has_value());
  EXPECT_EQ(inserted.created_at, inserted.updated_at);
  EXPECT_LE(inserted.created_at, now);
  EXPECT_LT(now - inserted.created_at, std::chrono::milliseconds(1));
  EXPECT_EQ(Describe(Stored(inserted.id)), Describe(inserted));
}

TEST_P(UserStoreTest, IdsIncreaseAndAreNeverReusedAfterErase) {
  const User a = Add("A", "a@x.test");
  const User b = Add("B", "b@x.test");
  EXPECT_GT(a.id, 0);
  EXPECT_GT(b.id, a.id);
  ASSERT_EQ(ToString(store_->Erase(b.id, {}).status), "kOk");
  const User c = Add("C", "c@x.test");
  EXPECT_GT(c.id, b.id);
  ASSERT_EQ(ToString(store_->Erase(a.id, {}).status), "kOk");
  EXPECT_GT(Add("D", "d@x.test").id, c.id);
}

TEST_P(UserStoreTest, InsertOfATakenEmailStoresNothing) {
  const User a = Add("A", "a@x.test");
  const WriteResult refused = store_->Insert(Fields("Other", "a@x.test"), kT1);
  EXPECT_EQ(ToString(refused.status), "kEmailTaken");
  EXPECT_EQ(store_->Count(), 1u);
  EXPECT_EQ(Describe(Stored(a.id)), Describe(a));
  const User b = Add("B", "b@x.test");
  EXPECT_GT(b.id, a.id);
  if (GetParam().refused_insert_keeps_the_next_id) {
    EXPECT_EQ(b.id, a.id + 1);
  }
}

TEST_P(UserStoreTest, UpdateToATakenEmailChangesNothing) {
  const User a = Add("A", "a@x.test");
  const User b = Add("B", "b@x.test");
  const Patch patch = Patch().Name("Renamed").Email("a@x.test").ClearAge();
  EXPECT_EQ(ToString(store_->Update(b.id, patch, kT1, {}).status), "kEmailTaken");
  EXPECT_EQ(Describe(Stored(a.id)), Describe(a));
  EXPECT_EQ(Describe(Stored(b.id)), Describe(b));
  // The store is still usable and the email still taken.
  EXPECT_EQ(ToString(store_->Insert(Fields("C", "a@x.test"), kT1).status), "kEmailTaken");
  EXPECT_EQ(ToString(store_->Update(b.id, Patch().Name("Fine"), kT1, {}).status), "kOk");
}

TEST_P(UserStoreTest, UpdateToOwnEmailSucceeds) {
  const User a = Add("A", "a@x.test");
  const WriteResult result = store_->Update(a.id, Patch().Email("a@x.test"), kT1, {});
  ASSERT_EQ(ToString(result.status), "kOk");
  EXPECT_EQ(result.user.email, "a@x.test");
  EXPECT_EQ(result.user.updated_at, kT1);
}

TEST_P(UserStoreTest, UpdateFreesTheOldEmail) {
  const User a = Add("A", "a@x.test");
  ASSERT_EQ(ToString(store_->Update(a.id, Patch().Email("moved@x.test"), kT1, {}).status), "kOk");
  EXPECT_EQ(ToString(store_->Insert(Fields("B", "a@x.test"), kT1).status), "kOk");
  EXPECT_EQ(ToString(store_->Insert(Fields("C", "moved@x.test"), kT1).status), "kEmailTaken");
}

TEST_P(UserStoreTest, EraseFreesTheEmail) {
  const User a = Add("A", "a@x.test");
  ASSERT_EQ(ToString(store_->Erase(a.id, {}).status), "kOk");
  const User again = Add("Again", "a@x.test");
  EXPECT_GT(again.id, a.id);
}

TEST_P(UserStoreTest, EraseReturnsTheRemovedUser) {
  const User a = Add("A", "a@x.test", 41);
  const WriteResult result = store_->Erase(a.id, {});
  ASSERT_EQ(ToString(result.status), "kOk");
  EXPECT_EQ(Describe(result.user), Describe(a));
  EXPECT_FALSE(store_->Find(a.id).has_value());
  EXPECT_EQ(store_->Count(), 0u);
}

TEST_P(UserStoreTest, UpdateAppliesThePatchAndReturnsWhatFindReads) {
  const User a = Add("A", "a@x.test", 30, kT0);
  const WriteResult result = store_->Update(a.id, Patch().Name("Renamed").ClearAge(), kT1, {});
  ASSERT_EQ(ToString(result.status), "kOk");
  EXPECT_EQ(result.user.id, a.id);
  EXPECT_EQ(result.user.name, "Renamed");
  EXPECT_EQ(result.user.email, "a@x.test");
  EXPECT_FALSE(result.user.age.has_value());
  EXPECT_EQ(result.user.created_at, kT0);
  EXPECT_EQ(result.user.updated_at, kT1);
  EXPECT_EQ(Describe(Stored(a.id)), Describe(result.user));
}

TEST_P(UserStoreTest, EmptyPatchKeepsUpdatedAt) {
  const User a = Add("A", "a@x.test", 30, kT0);
  const WriteResult result = store_->Update(a.id, UserPatch{}, kT1, {});
  ASSERT_EQ(ToString(result.status), "kOk");
  EXPECT_EQ(Describe(result.user), Describe(a));
  EXPECT_EQ(Describe(Stored(a.id)), Describe(a));
}

TEST_P(UserStoreTest, MissingUserIsReportedNotThrown) {
  EXPECT_FALSE(store_->Find(42).has_value());
  EXPECT_EQ(ToString(store_->Update(42, Patch().Name("X"), kT0, {}).status), "kNotFound");
  EXPECT_EQ(ToString(store_->Erase(42, {}).status), "kNotFound");
}

TEST_P(UserStoreTest, NotFoundComesBeforeThePrecondition) {
  bool asked = false;
  const Precondition refuse = [&asked](const User&) {
    asked = true;
    return false;
  };
  EXPECT_EQ(ToString(store_->Update(42, Patch().Name("X"), kT0, refuse).status), "kNotFound");
  EXPECT_EQ(ToString(store_->Erase(42, refuse).status), "kNotFound");
  EXPECT_FALSE(asked);
}

TEST_P(UserStoreTest, FailedPreconditionOnUpdateChangesNothing) {
  const User a = Add("A", "a@x.test");
  std::optional<User> seen;
  const Precondition refuse = [&seen](const User& current) {
    seen = current;
    return false;
  };
  const WriteResult result = store_->Update(a.id, Patch().Name("Renamed"), kT1, refuse);
  EXPECT_EQ(ToString(result.status), "kPreconditionFailed");
  EXPECT_EQ(Describe(result.user), Describe(a));  // The current user, for the caller's answer.
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(Describe(*seen), Describe(a));
  EXPECT_EQ(Describe(Stored(a.id)), Describe(a));
}

TEST_P(UserStoreTest, PreconditionComesBeforeEmailTaken) {
  Add("A", "a@x.test");
  const User b = Add("B", "b@x.test");
  const WriteResult result =
      store_->Update(b.id, Patch().Email("a@x.test"), kT1, [](const User&) { return false; });
  EXPECT_EQ(ToString(result.status), "kPreconditionFailed");
  EXPECT_EQ(Describe(Stored(b.id)), Describe(b));
}

TEST_P(UserStoreTest, FailedPreconditionOnEraseKeepsTheUser) {
  const User a = Add("A", "a@x.test");
  const WriteResult result = store_->Erase(a.id, [](const User&) { return false; });
  EXPECT_EQ(ToString(result.status), "kPreconditionFailed");
  EXPECT_EQ(Describe(result.user), Describe(a));
  EXPECT_EQ(Describe(Stored(a.id)), Describe(a));
  EXPECT_EQ(store_->Count(), 1u);
}

TEST_P(UserStoreTest, PassingPreconditionLetsTheWriteHappen) {
  const User a = Add("A", "a@x.test");
  const Precondition unchanged = [&a](const User& current) {
    return current.updated_at == a.updated_at;
  };
  const WriteResult updated = store_->Update(a.id, Patch().Name("Renamed"), kT1, unchanged);
  ASSERT_EQ(ToString(updated.status), "kOk");
  // The user changed since `a`, so the same check now fails.
  EXPECT_EQ(ToString(store_->Erase(a.id, unchanged).status), "kPreconditionFailed");
  const Precondition still_current = [&updated](const User& current) {
    return current.updated_at == updated.user.updated_at;
  };
  EXPECT_EQ(ToString(store_->Erase(a.id, still_current).status), "kOk");
  EXPECT_FALSE(store_->Find(a.id).has_value());
}

TEST_P(UserStoreTest, PreconditionThatThrowsLeavesTheStoreUsable) {
  const User a = Add("A", "a@x.test");
  const Precondition boom = [](const User&) -> bool { throw std::runtime_error("boom"); };
  EXPECT_THROW(store_->Update(a.id, Patch().Name("X"), kT1, boom), std::runtime_error);
  EXPECT_THROW(store_->Erase(a.id, boom), std::runtime_error);
  EXPECT_EQ(Describe(Stored(a.id)), Describe(a));
  EXPECT_EQ(ToString(store_->Update(a.id, Patch().Name("Y"), kT1, {}).status), "kOk");
  EXPECT_EQ(ToString(store_->Erase(a.id, {}).status), "kOk");
  EXPECT_EQ(store_->Count(), 0u);
}

TEST_P(UserStoreTest, CountCountsStoredUsers) {
  EXPECT_EQ(store_->Count(), 0u);
  const User a = Add("A", "a@x.test");
  Add("B", "b@x.test");
  EXPECT_EQ(store_->Count(), 2u);
  store_->Insert(Fields("Dup", "b@x.test"), kT0);
  EXPECT_EQ(store_->Count(), 2u);
  store_->Erase(a.id, {});
  EXPECT_EQ(store_->Count(), 1u);
}

TEST_P(UserStoreTest, ListWithoutFiltersReturnsEveryoneInIdOrder) {
  EXPECT_TRUE(List({}).users.empty());
  EXPECT_EQ(List({}).total, 0u);
  const User a = Add("A", "a@x.test");
  const User b = Add("B", "b@x.test");
  const User c = Add("C", "c@x.test", std::nullopt);
  const UserPage page = List({});
  EXPECT_EQ(Ids(page), (std::vector<UserId>{a.id, b.id, c.id}));
  EXPECT_EQ(page.total, 3u);
  ASSERT_EQ(page.users.size(), 3u);
  EXPECT_EQ(Describe(page.users[2]), Describe(c));
}

TEST_P(UserStoreTest, ListQMatchesNameIgnoringAsciiCase) {
  const User ann = Add("Ann Smith", "one@x.test");
  Add("Bob", "two@x.test");
  const User joanna = Add("JOANNA", "three@x.test");
  const UserPage page = List(Query().Q("aNn"));
  EXPECT_EQ(Ids(page), (std::vector<UserId>{ann.id, joanna.id}));
  EXPECT_EQ(page.total, 2u);
}

TEST_P(UserStoreTest, ListQMatchesEmailIgnoringAsciiCase) {
  Add("Ann", "ann@example.test");
  const User bob = Add("Bob", "bob@corp.test");
  const User cat = Add("Cat", "cat@corp-mail.test");
  EXPECT_EQ(Ids(List(Query().Q("CORP"))), (std::vector<UserId>{bob.id, cat.id}));
  EXPECT_EQ(Ids(List(Query().Q("@corp.t"))), (std::vector<UserId>{bob.id}));
}

TEST_P(UserStoreTest, ListQFoldsOnlyAsciiAndTakesWildcardsLiterally) {
  const User umlaut = Add("Ärger", "a@x.test");
  const User percent = Add("100% sure", "b@x.test");
  const User under = Add("snake_case", "c@x.test");
  EXPECT_EQ(Ids(List(Query().Q("Ärger"))), (std::vector<UserId>{umlaut.id}));
  EXPECT_TRUE(List(Query().Q("ärger")).users.empty());  // Ä is not ASCII: no case folding.
  EXPECT_EQ(Ids(List(Query().Q("%"))), (std::vector<UserId>{percent.id}));
  EXPECT_EQ(Ids(List(Query().Q("_"))), (std::vector<UserId>{under.id}));
}

TEST_P(UserStoreTest, ListEmptyQKeepsEveryone) {
  Add("A", "a@x.test");
  Add("B", "b@x.test");
  EXPECT_EQ(List(Query().Q("")).total, 2u);
}

TEST_P(UserStoreTest, ListEmailMatchesExactlyIgnoringAsciiCase) {
  const User a = Add("A", "a@x.test");
  Add("AA", "aa@x.test");
  Add("A2", "a@x.test.org");
  const UserPage page = List(Query().Email("A@X.Test"));
  EXPECT_EQ(Ids(page), (std::vector<UserId>{a.id}));
  EXPECT_EQ(page.total, 1u);
  EXPECT_TRUE(List(Query().Email("x.test")).users.empty());
  EXPECT_EQ(List(Query().Email("nobody@x.test")).total, 0u);
}

TEST_P(UserStoreTest, ListAgeBoundsAreInclusiveAndSkipNullAges) {
  const User young = Add("Young", "y@x.test", 17);
  const User adult = Add("Adult", "a@x.test", 18);
  const User old = Add("Old", "o@x.test", 65);
  Add("Unknown", "u@x.test", std::nullopt);
  const User zero = Add("Baby", "b@x.test", 0);
  EXPECT_EQ(Ids(List(Query().MinAge(18))), (std::vector<UserId>{adult.id, old.id}));
  EXPECT_EQ(Ids(List(Query().MaxAge(17))), (std::vector<UserId>{young.id, zero.id}));
  EXPECT_EQ(Ids(List(Query().MinAge(18).MaxAge(18))), (std::vector<UserId>{adult.id}));
  EXPECT_EQ(Ids(List(Query().MinAge(0))),
            (std::vector<UserId>{young.id, adult.id, old.id, zero.id}));
  EXPECT_EQ(List(Query().MinAge(0).MaxAge(150)).total, 4u);
  EXPECT_TRUE(List(Query().MinAge(66)).users.empty());
  EXPECT_TRUE(List(Query().MinAge(20).MaxAge(10)).users.empty());
}

TEST_P(UserStoreTest, ListCombinesFilters) {
  const User ann = Add("Ann", "ann@corp.test", 30);
  Add("Anna", "anna@corp.test", 50);
  Add("Annie", "annie@home.test", 30);
  Add("Anneliese", "anneliese@corp.test", std::nullopt);
  Add("Bob", "bob@corp.test", 30);
  const UserPage page = List(Query().Q("ANN").MinAge(20).MaxAge(40));
  EXPECT_EQ(page.total, 2u);
  const UserPage corp = List(Query().Q("corp").Email("ANN@corp.test").MinAge(30));
  EXPECT_EQ(Ids(corp), (std::vector<UserId>{ann.id}));
  EXPECT_TRUE(List(Query().Q("bob").Email("ann@corp.test")).users.empty());
}

TEST_P(UserStoreTest, ListSlicesPagesAndCountsTheTotal) {
  for (int i = 0; i < 10; ++i) {
    Add("User " + std::to_string(i), "u" + std::to_string(i) + "@x.test", i * 10);
  }
  const auto page = [this](std::uint64_t limit, std::uint64_t offset) {
    return List(Query().Page(limit, offset).Q("user").MaxAge(80));
  };
  // Ages 0..80 pass max_age = 80: users 0 to 8.
  EXPECT_EQ(page(3, 0).total, 9u);
  const UserPage all = page(100, 0);
  ASSERT_EQ(all.users.size(), 9u);
  EXPECT_EQ(Ids(page(3, 0)),
            (std::vector<UserId>{all.users[0].id, all.users[1].id, all.users[2].id}));
  EXPECT_EQ(Ids(page(3, 3)),
            (std::vector<UserId>{all.users[3].id, all.users[4].id, all.users[5].id}));
  EXPECT_EQ(Ids(page(3, 7)), (std::vector<UserId>{all.users[7].id, all.users[8].id}));
  EXPECT_EQ(page(3, 7).total, 9u);
  EXPECT_EQ(Ids(page(1, 8)), (std::vector<UserId>{all.users[8].id}));

  const UserPage filtered = List(Query().Page(2, 1).MinAge(0));
  EXPECT_EQ(filtered.total, 10u);
  EXPECT_EQ(filtered.users.size(), 2u);
}

TEST_P(UserStoreTest, ListOffsetPastTheEndGivesAnEmptyPageWithTheTotal) {
  for (int i = 0; i < 3; ++i) Add("U", "u" + std::to_string(i) + "@x.test");
  for (const std::uint64_t offset :
       {std::uint64_t{3}, std::uint64_t{4}, std::uint64_t{1'000'000},
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())}) {
    const UserPage page = List(Query().Page(kMaxPageSize, offset));
    EXPECT_TRUE(page.users.empty()) << "offset " << offset;
    EXPECT_EQ(page.total, 3u) << "offset " << offset;
  }
}

TEST_P(UserStoreTest, ConcurrentInsertsOfOneEmailStoreOneUser) {
  ExpectWinners(Race(16,
                     [this](int i) {
                       return store_
                           ->Insert(Fields("Racer " + std::to_string(i), "race@x.test"), kT0)
                           .status;
                     }),
                1, "kEmailTaken");
  EXPECT_EQ(store_->Count(), 1u);
  EXPECT_EQ(List(Query().Email("race@x.test")).total, 1u);
}

TEST_P(UserStoreTest, ConcurrentWritesGetDistinctIds) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  std::vector<std::vector<UserId>> ids(kThreads);
  std::atomic<int> failures = 0;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string email = "t" + std::to_string(t) + "-" + std::to_string(i) + "@x.test";
          try {
            const WriteResult result = store_->Insert(Fields("T", email), kT0);
            if (result.status != Status::kOk) ++failures;
            ids[static_cast<std::size_t>(t)].push_back(result.user.id);
            store_->List(Query().Q("t"));
          } catch (const std::exception&) {
            ++failures;
          }
        }
      });
    }
  }
  EXPECT_EQ(failures.load(), 0);
  std::set<UserId> distinct;
  for (const auto& per_thread : ids) distinct.insert(per_thread.begin(), per_thread.end());
  EXPECT_EQ(distinct.size(), std::size_t{kThreads * kPerThread});
  EXPECT_EQ(store_->Count(), std::uint64_t{kThreads * kPerThread});
}

// If-Match against a lost update: every writer checks that the user is
// still as it first read it, and only one may find it so. A store that
// reads the user without holding it (no lock, no row lock) lets several
// through. The precondition dawdles to widen the window such a store leaves.
TEST_P(UserStoreTest, ConcurrentConditionalUpdatesLetOneThrough) {
  const User a = Add("A", "a@x.test", 30, kT0);
  const Precondition unchanged = [&a](const User& current) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return current.updated_at == a.updated_at;
  };
  ExpectWinners(Race(8,
                     [&](int i) {
                       const Patch patch = Patch().Name("Writer " + std::to_string(i));
                       return store_->Update(a.id, patch, kT1, unchanged).status;
                     }),
                1, "kPreconditionFailed");
  EXPECT_EQ(Stored(a.id).updated_at, kT1);
}

TEST_P(UserStoreTest, KindNamesTheImplementation) {
  const std::string kind = store_->kind();
  EXPECT_TRUE(kind == "memory" || kind == "sqlite" || kind == "postgresql") << kind;
}

std::unique_ptr<UserStore> OpenMemory(TestData&) { return std::make_unique<MemoryUserStore>(); }

std::unique_ptr<UserStore> OpenSqliteFile(TestData& data) {
  return std::make_unique<SqliteUserStore>(data.dir.path() / "users.db");
}

std::unique_ptr<UserStore> OpenSqliteInMemory(TestData&) {
  return std::make_unique<SqliteUserStore>(":memory:");
}

// Fewer connections than the concurrency tests have threads, so that callers
// also wait for a connection to come back.
constexpr std::size_t kPgPoolSize = 4;

// The test's database, created on the first call.
std::unique_ptr<UserStore> OpenPostgres(TestData& data) {
  if (!data.database) data.database.emplace();
  return std::make_unique<PostgresUserStore>(data.database->url(), kPgPoolSize);
}

INSTANTIATE_TEST_SUITE_P(, UserStoreTest,
                         testing::Values(StoreFactory{"Memory", OpenMemory, true},
                                         StoreFactory{"Sqlite", OpenSqliteFile},
                                         StoreFactory{"SqliteInMemory", OpenSqliteInMemory},
                                         StoreFactory{"Postgres", OpenPostgres}),
                         [](const testing::TestParamInfo<StoreFactory>& param) {
                           return param.param.name;
                         });

// What the persistent stores promise: the users and the id sequence outlive
// the store, and a store opened again on the same data carries on.
class PersistentUserStoreTest : public testing::TestWithParam<StoreFactory> {
 protected:
  // A store on the test's data, the same data at every call.
  std::unique_ptr<UserStore> Open() { return GetParam().open(data_); }

  TestData data_;
};

TEST_P(PersistentUserStoreTest, UsersUpdatesAndDeletesSurviveReopening) {
  User kept;
  User updated;
  UserId erased = 0;
  {
    const auto store = Open();
    kept = store->Insert(Fields("Kept", "kept@x.test", std::nullopt), kT0).user;
    const User changed = store->Insert(Fields("Changed", "changed@x.test", 20), kT0).user;
    erased = store->Insert(Fields("Erased", "erased@x.test"), kT0).user.id;
    updated = store->Update(changed.id, Patch().Name("Renamed").Age(21), kT1, {}).user;
    ASSERT_EQ(ToString(store->Erase(erased, {}).status), "kOk");
  }
  const auto store = Open();
  EXPECT_EQ(store->Count(), 2u);
  ASSERT_TRUE(store->Find(kept.id).has_value());
  EXPECT_EQ(Describe(*store->Find(kept.id)), Describe(kept));
  ASSERT_TRUE(store->Find(updated.id).has_value());
  EXPECT_EQ(Describe(*store->Find(updated.id)), Describe(updated));
  EXPECT_EQ(updated.updated_at, kT1);
  EXPECT_FALSE(store->Find(erased).has_value());
  // The email index survives too, and the erased user's email is free.
  EXPECT_EQ(ToString(store->Insert(Fields("Dup", "kept@x.test"), kT2).status), "kEmailTaken");
  EXPECT_EQ(ToString(store->Insert(Fields("New", "erased@x.test"), kT2).status), "kOk");
}

TEST_P(PersistentUserStoreTest, IdSequenceSurvivesErasingTheNewestUser) {
  UserId newest = 0;
  {
    const auto store = Open();
    store->Insert(Fields("A", "a@x.test"), kT0);
    newest = store->Insert(Fields("B", "b@x.test"), kT0).user.id;
    ASSERT_EQ(ToString(store->Erase(newest, {}).status), "kOk");
  }
  {
    const auto store = Open();
    const User next = store->Insert(Fields("C", "c@x.test"), kT1).user;
    EXPECT_GT(next.id, newest);
    newest = next.id;
    ASSERT_EQ(ToString(store->Erase(newest, {}).status), "kOk");
  }
  const auto store = Open();
  EXPECT_GT(store->Insert(Fields("D", "d@x.test"), kT2).user.id, newest);
}

INSTANTIATE_TEST_SUITE_P(, PersistentUserStoreTest,
                         testing::Values(StoreFactory{"Sqlite", OpenSqliteFile},
                                         StoreFactory{"Postgres", OpenPostgres}),
                         [](const testing::TestParamInfo<StoreFactory>& param) {
                           return param.param.name;
                         });

// What only the SQLite store promises: a clear failure for a file it cannot
// use, a bounded log, and counts that see other connections' writes.
class SqliteUserStoreTest : public testing::Test {
 protected:
  std::unique_ptr<SqliteUserStore> Open() const {
    return std::make_unique<SqliteUserStore>(db_path_.string());
  }

  TempDir dir_;
  std::filesystem::path db_path_ = dir_.path() / "users.db";
};

TEST_F(SqliteUserStoreTest, CreatesTheFileWhenMissing) {
  EXPECT_FALSE(std::filesystem::exists(db_path_));
  const auto store = Open();
  EXPECT_TRUE(std::filesystem::exists(db_path_));
  EXPECT_STREQ(store->kind(), "sqlite");
}

// SQLite goes on using a deleted file's inode, where a write would be lost at
// the next start: the store refuses writes and the storage check instead.
TEST_F(SqliteUserStoreTest, DeletedFileFailsWritesAndCount) {
  const auto store = Open();
  const UserId id = store->Insert(Fields("Ada", "ada@example.test"), kT0).user.id;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(db_path_.string() + suffix);
  }
  EXPECT_THROW(store->Insert(Fields("Bob", "bob@example.test"), kT0), StorageError);
  EXPECT_THROW(store->Erase(id, {}), StorageError);
  EXPECT_THROW(store->Count(), StorageError);
  EXPECT_TRUE(store->Find(id).has_value());  // Reads answer from the old inode.
}

// The write-ahead log must be checkpointed and started over now and then:
// a log that is copied but never restarted grows with every commit, about
// 7 KB an insert, 70 MB here. SQLite's own checkpoints keep it to a few MB.
TEST_F(SqliteUserStoreTest, WriteAheadLogStaysBoundedUnderSteadyInserts) {
  constexpr int kInserts = 10000;
  constexpr std::uintmax_t kMaxLogBytes = 32u << 20;
  const auto store = Open();
  const std::filesystem::path log = db_path_.string() + "-wal";
  // The log's size, or 0 while there is none.
  auto log_bytes = [&log] {
    std::error_code missing;
    const std::uintmax_t bytes = std::filesystem::file_size(log, missing);
    return missing ? 0 : bytes;
  };
  std::uintmax_t largest = 0;
  for (int i = 0; i < kInserts; ++i) {
    const std::string email = "steady" + std::to_string(i) + "@x.test";
    ASSERT_EQ(ToString(store->Insert(Fields("Steady", email), kT0).status), "kOk") << email;
    if (i % 500 == 0) largest = std::max(largest, log_bytes());
  }
  ASSERT_TRUE(std::filesystem::exists(log)) << "no write-ahead log at " << log;
  largest = std::max(largest, log_bytes());
  EXPECT_LE(largest, kMaxLogBytes) << "the log reached " << largest << " bytes during "
                                   << kInserts << " inserts";
  EXPECT_EQ(store->Count(), static_cast<std::uint64_t>(kInserts));
}

TEST_F(SqliteUserStoreTest, TwoStoresOnOneFileShareTheEmailIndex) {
  const auto first = Open();
  const auto second = Open();
  ASSERT_EQ(ToString(first->Insert(Fields("A", "a@x.test"), kT0).status), "kOk");
  EXPECT_EQ(ToString(second->Insert(Fields("A2", "a@x.test"), kT0).status), "kEmailTaken");
  EXPECT_EQ(second->Count(), 1u);
}

// The store keeps its count between calls; a write by another connection to
// the file must still show in the next count and list total.
TEST_F(SqliteUserStoreTest, CountsSeeWritesOfAnotherStoreOnTheFile) {
  const auto first = Open();
  const auto second = Open();
  const UserId id = first->Insert(Fields("A", "a@x.test"), kT0).user.id;
  ASSERT_EQ(first->Count(), 1u);
  ASSERT_EQ(second->Count(), 1u);
  ASSERT_EQ(ToString(second->Insert(Fields("B", "b@x.test"), kT0).status), "kOk");
  EXPECT_EQ(first->Count(), 2u);
  EXPECT_EQ(first->List(UserQuery{}).total, 2u);
  ASSERT_EQ(ToString(second->Erase(id, {}).status), "kOk");
  EXPECT_EQ(first->Count(), 1u);
  EXPECT_EQ(first->List(UserQuery{}).total, 1u);
  EXPECT_EQ(second->Count(), 1u);
}

TEST_F(SqliteUserStoreTest, MissingParentDirectoryThrowsNamingThePath) {
  const std::string path = (dir_.path() / "missing" / "users.db").string();
  try {
    SqliteUserStore store(path);
    FAIL() << "opened " << path;
  } catch (const StorageError& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "missing"));
}

TEST_F(SqliteUserStoreTest, FileThatIsNotADatabaseThrowsNamingThePath) {
  std::ofstream(db_path_) << "hello";
  try {
    const auto store = Open();
    FAIL() << "opened " << db_path_;
  } catch (const StorageError& error) {
    EXPECT_NE(std::string(error.what()).find(db_path_.string()), std::string::npos) << error.what();
  }
  // The file is left as it was.
  std::ifstream in(db_path_);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "hello");
}

TEST_F(SqliteUserStoreTest, DirectoryInsteadOfAFileThrows) {
  EXPECT_THROW(SqliteUserStore store(dir_.path().string()), StorageError);
}

// What only the PostgreSQL store promises: data in a server that outlives
// the store, migrations applied once, a pool of bounded size, and calls that
// fail fast while the server is away and work again when it is back.
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
}  // namespace user_api
