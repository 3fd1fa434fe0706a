// Unit tests of the stage 2 in-memory store: ids, uniqueness, atomicity.
#include "store/memory_user_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

namespace user_api {
namespace {

const Timestamp kT0 = Timestamp(std::chrono::seconds(1'800'000'000));
const Timestamp kT1 = kT0 + std::chrono::seconds(1);

NewUser Fields(const std::string& email) { return NewUser{"Name", email, 30}; }

TEST(MemoryUserStoreTest, AssignsIncreasingIdsNeverReused) {
  MemoryUserStore store;
  const User first = store.Insert(Fields("a@x.test"), kT0).user;
  const User second = store.Insert(Fields("b@x.test"), kT0).user;
  EXPECT_GT(first.id, 0);
  EXPECT_GT(second.id, first.id);
  ASSERT_TRUE(store.Erase(second.id));
  EXPECT_GT(store.Insert(Fields("c@x.test"), kT0).user.id, second.id);
}

TEST(MemoryUserStoreTest, RefusesATakenEmailWithoutUsingAnId) {
  MemoryUserStore store;
  const User first = store.Insert(Fields("a@x.test"), kT0).user;
  EXPECT_EQ(store.Insert(Fields("a@x.test"), kT0).status, WriteResult::Status::kEmailTaken);
  EXPECT_EQ(store.Insert(Fields("b@x.test"), kT0).user.id, first.id + 1);
  EXPECT_EQ(store.List().size(), 2u);
}

TEST(MemoryUserStoreTest, UpdateToAnotherUsersEmailChangesNothing) {
  MemoryUserStore store;
  store.Insert(Fields("a@x.test"), kT0);
  const User b = store.Insert(Fields("b@x.test"), kT0).user;
  UserPatch patch;
  patch.email = "a@x.test";
  patch.name = "Renamed";
  EXPECT_EQ(store.Update(b.id, patch, kT1).status, WriteResult::Status::kEmailTaken);
  const User stored = store.Find(b.id).value();
  EXPECT_EQ(stored.name, "Name");
  EXPECT_EQ(stored.updated_at, kT0);
}

TEST(MemoryUserStoreTest, UpdateToOwnEmailAndEraseFreeTheRightEmails) {
  MemoryUserStore store;
  const User a = store.Insert(Fields("a@x.test"), kT0).user;
  UserPatch own;
  own.email = "a@x.test";
  EXPECT_EQ(store.Update(a.id, own, kT1).status, WriteResult::Status::kOk);
  UserPatch move;
  move.email = "moved@x.test";
  ASSERT_EQ(store.Update(a.id, move, kT1).status, WriteResult::Status::kOk);
  EXPECT_EQ(store.Insert(Fields("a@x.test"), kT1).status, WriteResult::Status::kOk);
  ASSERT_TRUE(store.Erase(a.id));
  EXPECT_EQ(store.Insert(Fields("moved@x.test"), kT1).status, WriteResult::Status::kOk);
}

TEST(MemoryUserStoreTest, EmptyPatchKeepsUpdatedAt) {
  MemoryUserStore store;
  const User a = store.Insert(Fields("a@x.test"), kT0).user;
  EXPECT_EQ(store.Update(a.id, UserPatch{}, kT1).user.updated_at, kT0);
  UserPatch rename;
  rename.name = "New";
  EXPECT_EQ(store.Update(a.id, rename, kT1).user.updated_at, kT1);
}

TEST(MemoryUserStoreTest, MissingUserIsReportedNotThrown) {
  MemoryUserStore store;
  EXPECT_FALSE(store.Find(42).has_value());
  EXPECT_EQ(store.Update(42, UserPatch{}, kT0).status, WriteResult::Status::kNotFound);
  EXPECT_FALSE(store.Erase(42));
}

TEST(MemoryUserStoreTest, ConcurrentInsertsOfOneEmailStoreOneUser) {
  MemoryUserStore store;
  constexpr int kThreads = 16;
  std::vector<WriteResult::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[i] = store.Insert(Fields("same@x.test"), kT0).status; });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(std::count(results.begin(), results.end(), WriteResult::Status::kOk), 1);
  EXPECT_EQ(store.List().size(), 1u);
}

}  // namespace
}  // namespace user_api
