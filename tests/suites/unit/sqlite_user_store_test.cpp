// The conformance suite (user_store_conformance.hpp) on the stores in the
// process, memory, a SQLite file and SQLite in memory, with persistence
// across reopening on the file; and what only the SQLite store promises.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <latch>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include "domain/storage_error.hpp"
#include "store/memory_user_store.hpp"
#include "store/sqlite_user_store.hpp"
#include "user_store_conformance.hpp"

namespace user_api::store_test {
namespace {

std::unique_ptr<UserStore> OpenMemory(TestData&) { return std::make_unique<MemoryUserStore>(); }

std::unique_ptr<UserStore> OpenSqliteFile(TestData& data) {
  return std::make_unique<SqliteUserStore>(data.dir.path() / "users.db");
}

std::unique_ptr<UserStore> OpenSqliteInMemory(TestData&) {
  return std::make_unique<SqliteUserStore>(":memory:");
}

INSTANTIATE_TEST_SUITE_P(, UserStoreTest,
                         testing::Values(StoreFactory{"Memory", OpenMemory, true},
                                         StoreFactory{"Sqlite", OpenSqliteFile},
                                         StoreFactory{"SqliteInMemory", OpenSqliteInMemory}),
                         StoreFactoryName);

INSTANTIATE_TEST_SUITE_P(, PersistentUserStoreTest,
                         testing::Values(StoreFactory{"Sqlite", OpenSqliteFile}),
                         StoreFactoryName);

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

// Reads run on connections of their own: a write that holds its transaction
// open (here, a precondition that waits) does not hold them back.
TEST_F(SqliteUserStoreTest, ReadsDoNotWaitForAWriteInProgress) {
  const auto store = Open();
  const UserId id = store->Insert(Fields("Ada", "ada@example.test"), kT0).user.id;
  std::latch inside(1);
  std::latch release(1);
  std::jthread writer([&] {
    UserPatch patch;
    patch.name = "Ada B";
    store->Update(id, patch, kT1, [&](const User&) {
      inside.count_down();
      release.wait();
      return true;
    });
  });
  inside.wait();
  auto reads = std::async(std::launch::async, [&] {
    const auto found = store->Find(id);
    return std::make_tuple(found ? found->name : "(none)", store->List(UserQuery{}).total,
                           store->Count());
  });
  const bool answered = reads.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  release.count_down();
  ASSERT_TRUE(answered) << "Find, List and Count were still waiting 5 s into a write";
  const auto [name, total, count] = reads.get();
  EXPECT_EQ(name, "Ada") << "a read saw a write that had not committed";
  EXPECT_EQ(total, 1u);
  EXPECT_EQ(count, 1u);
  writer.join();
  EXPECT_EQ(store->Find(id)->name, "Ada B");
}

// A file written before the store kept its count in a table (or by another
// program) gets the table, counted once, when the store opens it.
TEST_F(SqliteUserStoreTest, AFileWithoutTheCountIsCountedOnOpening) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
    const char* old_schema = R"sql(
      CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
        email TEXT NOT NULL, age INTEGER, created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX users_email ON users (email);
      INSERT INTO users (name, email, age, created_at, updated_at) VALUES
        ('A', 'a@x.test', 1, 0, 0), ('B', 'b@x.test', NULL, 0, 0), ('C', 'c@x.test', 3, 0, 0);
    )sql";
    char* error = nullptr;
    const int rc = sqlite3_exec(db, old_schema, nullptr, nullptr, &error);
    const std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }
  const auto store = Open();
  EXPECT_EQ(store->Count(), 3u);
  EXPECT_EQ(store->List(UserQuery{}).total, 3u);
  const UserId id = store->Insert(Fields("D", "d@x.test"), kT0).user.id;
  EXPECT_EQ(id, 4);
  EXPECT_EQ(store->Count(), 4u);
  ASSERT_EQ(ToString(store->Erase(1, {}).status), "kOk");
  EXPECT_EQ(store->Count(), 3u);
  // Opening it again counts nothing twice.
  EXPECT_EQ(Open()->Count(), 3u);
}

// Writes from many threads share transactions; the ones that fail (a taken
// email, a missing user) change nothing, and the others all count.
TEST_F(SqliteUserStoreTest, ConcurrentWritesThatFailLeaveTheCountExact) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  const auto store = Open();
  ASSERT_EQ(ToString(store->Insert(Fields("Shared", "shared@x.test"), kT0).status), "kOk");
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string email = "t" + std::to_string(t) + "-" + std::to_string(i) + "@x.test";
        store->Insert(Fields("Mine", email), kT0);
        store->Insert(Fields("Taken", "shared@x.test"), kT0);
        store->Erase(1'000'000 + i, {});
        if (i % 3 == 0) {
          const auto mine = store->List(Query().Email(email)).users;
          if (!mine.empty()) store->Erase(mine.front().id, {});
        }
      }
    });
  }
  threads.clear();
  const std::uint64_t erased = kThreads * ((kPerThread + 2) / 3);
  const std::uint64_t expected = 1 + kThreads * kPerThread - erased;
  EXPECT_EQ(store->Count(), expected);
  EXPECT_EQ(store->List(UserQuery{}).total, expected);
  EXPECT_EQ(store->List(Query().Page(1000, 0)).users.size(), expected);
}

}  // namespace
}  // namespace user_api::store_test
