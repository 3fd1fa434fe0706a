// The conformance suite of the UserStore contract (store/user_store.hpp):
// the cases every implementation passes, and those of the persistent ones.
// They run where a program instantiates them (see the header).
#include "user_store_conformance.hpp"

#include <algorithm>
#include <atomic>
#include <latch>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace user_api::store_test {

NewUser Fields(const std::string& name, const std::string& email, std::optional<int> age) {
  return NewUser{name, email, age};
}

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

void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

std::string StoreFactoryName(const testing::TestParamInfo<StoreFactory>& param_info) {
  return param_info.param.name;
}

User UserStoreTest::Add(const std::string& name, const std::string& email,
                        std::optional<int> age, Timestamp now) {
  const WriteResult result = store_->Insert(Fields(name, email, age), now);
  EXPECT_EQ(ToString(result.status), "kOk") << "inserting " << email;
  return result.user;
}

User UserStoreTest::Stored(UserId id) const {
  std::optional<User> user = store_->Find(id);
  EXPECT_TRUE(user.has_value()) << "no user with id " << id;
  return user.value_or(User{});
}

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

}  // namespace user_api::store_test
