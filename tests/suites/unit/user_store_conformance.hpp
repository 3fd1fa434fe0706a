// The conformance suite of the UserStore contract (store/user_store.hpp):
// the fixtures and helpers that its cases (user_store_conformance.cpp) and
// the programs that run them share. Each program instantiates the typed
// cases with the stores it runs them on: sqlite_user_store_test.cpp with the
// stores in the process (memory, SQLite), postgres_user_store_test.cpp with
// PostgreSQL, in a program of its own that runs on a throwaway cluster.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pg_test_server.hpp"
#include "store/user_store.hpp"
#include "temp_dir.hpp"

namespace user_api::store_test {

using Status = WriteResult::Status;
using test_support::TempDir;

inline const Timestamp kT0 = Timestamp(std::chrono::seconds(1'800'000'000));
inline const Timestamp kT1 = kT0 + std::chrono::seconds(1);
inline const Timestamp kT2 = kT0 + std::chrono::seconds(2);

NewUser Fields(const std::string& name, const std::string& email, std::optional<int> age = 30);

// One line per user, so a failed comparison shows every field side by side.
std::string Describe(const User& user);

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

std::vector<UserId> Ids(const UserPage& page);

std::string ToString(Status status);

// Runs call(0) to call(threads - 1) on threads that start together and
// returns what each gave: the status's name, or "threw: " and the message.
std::vector<std::string> Race(int threads, const std::function<Status(int)>& call);

// Expects `winners` outcomes of a Race to be "kOk" and every other to be
// `others`.
void ExpectWinners(const std::vector<std::string>& outcomes, int winners,
                   const std::string& others);

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

void PrintTo(const StoreFactory& factory, std::ostream* out);

// The test name of a factory, for INSTANTIATE_TEST_SUITE_P: its `name`.
std::string StoreFactoryName(const testing::TestParamInfo<StoreFactory>& param_info);

// The cases every UserStore passes, on a fresh, empty store of GetParam().
class UserStoreTest : public testing::TestWithParam<StoreFactory> {
 protected:
  UserStoreTest() : store_(GetParam().open(data_)) {}

  // Inserts a user that must be accepted and returns it.
  User Add(const std::string& name, const std::string& email, std::optional<int> age = 30,
           Timestamp now = kT0);

  User Stored(UserId id) const;

  UserPage List(const UserQuery& query) const { return store_->List(query); }

  TestData data_;
  std::unique_ptr<UserStore> store_;
};

// What the persistent stores promise: the users and the id sequence outlive
// the store, and a store opened again on the same data carries on.
class PersistentUserStoreTest : public testing::TestWithParam<StoreFactory> {
 protected:
  // A store on the test's data, the same data at every call.
  std::unique_ptr<UserStore> Open() { return GetParam().open(data_); }

  TestData data_;
};

}  // namespace user_api::store_test
