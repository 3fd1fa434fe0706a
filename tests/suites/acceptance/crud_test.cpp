// Stage 1 acceptance suite (ctest label `crud`): create, read, list, update
// and delete users, as guide/api-spec.md specifies them.
//
// Every test creates its own users with unique emails and never assumes an
// empty store, so the suite also passes against a shared server
// (USER_API_URL).
#include <algorithm>
#include <set>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "field_changes.hpp"

namespace acceptance {
namespace {

using nlohmann::json;

using UsersCrudTest = AcceptanceTest;

// --- Create -----------------------------------------------------------------

TEST_F(UsersCrudTest, CreateReturns201WithTheUser) {
  const std::string email = UniqueEmail("create");
  const Exchange created =
      api().Post("/users", {{"name", "Ada Lovelace"}, {"email", email}, {"age", 36}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasMediaType(created, "application/json"));
  EXPECT_HTTP(HasJson(created, "/name", "Ada Lovelace"));
  EXPECT_HTTP(HasJson(created, "/email", email));
  EXPECT_HTTP(HasJson(created, "/age", 36));
  EXPECT_HTTP(Holds(created, IdOf(created) > 0, "body.id is a positive integer"));
}

TEST_F(UsersCrudTest, CreateSetsLocationToTheNewUser) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasHeader(created, "Location", "/users/" + std::to_string(IdOf(created))));
}

TEST_F(UsersCrudTest, CreateStampsEqualCreatedAtAndUpdatedAt) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const json user = created.Json();
  EXPECT_HTTP(Holds(created, IsTimestamp(user["created_at"]),
                    "body.created_at is RFC 3339 UTC with milliseconds, e.g. "
                    "2026-11-26T12:53:51.123Z"));
  EXPECT_HTTP(HasJson(created, "/updated_at", user["created_at"]));
}

TEST_F(UsersCrudTest, CreateWithoutAgeGivesNullAge) {
  const Exchange created =
      api().Post("/users", {{"name", "No Age"}, {"email", UniqueEmail("no-age")}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/age", nullptr));
}

TEST_F(UsersCrudTest, CreateWithNullAgeGivesNullAge) {
  const Exchange created = CreateUser({{"age", nullptr}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/age", nullptr));
}

TEST_F(UsersCrudTest, CreateKeepsUnicodeName) {
  const Exchange created = CreateUser({{"name", "Zoë Ørsted-Łukasz 李"}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/name", "Zoë Ørsted-Łukasz 李"));
  const Exchange fetched = api().Get(UserPath(created.Json()));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "/name", "Zoë Ørsted-Łukasz 李"));
}

// Quotes, backslashes and a slash must come back escaped as JSON, not raw.
TEST_F(UsersCrudTest, CreateKeepsQuotesAndBackslashesInName) {
  const std::string name = R"(Anne "Nan" O'Brien \ Jr/Sr)";
  const Exchange created = CreateUser({{"name", name}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/name", name));
  const Exchange fetched = api().Get(UserPath(created.Json()));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "/name", name));
}

TEST_F(UsersCrudTest, CreateAcceptsTrailingSlash) {
  const Exchange created = api().Post(
      "/users/", {{"name", "Slash"}, {"email", UniqueEmail("slash")}, {"age", 41}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/name", "Slash"));
}

TEST_F(UsersCrudTest, CreateAssignsIncreasingIds) {
  const Exchange first = CreateUser();
  const Exchange second = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(second, 201));
  EXPECT_HTTP(Holds(second, IdOf(second) > IdOf(first),
                    "the second user's id is greater than the first's (" +
                        std::to_string(IdOf(first)) + ")"));
}

TEST_F(UsersCrudTest, IdsAreNotReusedAfterDelete) {
  const Exchange first = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(first.Json())), 204));
  const Exchange second = CreateUser();
  ASSERT_HTTP(HasStatus(second, 201));
  EXPECT_HTTP(Holds(second, IdOf(second) > IdOf(first),
                    "a new id greater than the deleted user's id " + std::to_string(IdOf(first))));
}

// --- Read -------------------------------------------------------------------

TEST_F(UsersCrudTest, GetReturnsTheCreatedUser) {
  const Exchange created = CreateUser({{"name", "Grace Hopper"}, {"age", 85}});
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange fetched = api().Get(UserPath(created.Json()));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasMediaType(fetched, "application/json"));
  EXPECT_HTTP(HasJson(fetched, "", created.Json()));
}

TEST_F(UsersCrudTest, GetAcceptsTrailingSlash) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange fetched = api().Get(UserPath(created.Json()) + "/");
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "/id", IdOf(created)));
}

TEST_F(UsersCrudTest, GetMissingUserReturns404) {
  EXPECT_HTTP(HasStatus(api().Get(kMissingUserPath), 404));
}

// --- List -------------------------------------------------------------------

TEST_F(UsersCrudTest, ListReturnsJsonArray) {
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange listed = api().Get("/users");
  ASSERT_HTTP(HasStatus(listed, 200));
  EXPECT_HTTP(HasMediaType(listed, "application/json"));
  EXPECT_HTTP(Holds(listed, listed.Json().is_array(), "the body is a JSON array"));
}

TEST_F(UsersCrudTest, ListIncludesCreatedUsersInAscendingIdOrder) {
  const Exchange first = CreateUser({{"name", "First"}});
  const Exchange second = CreateUser({{"name", "Second"}});
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(second, 201));
  const UserListing listing = api().ListAllUsers();
  ASSERT_HTTP(HasStatus(listing.last, 200));
  ASSERT_HTTP(Holds(listing.last, listing.complete, "every page of GET /users answers 200"));

  std::vector<std::int64_t> ids;
  for (const json& user : listing.users) ids.push_back(user.value("id", std::int64_t{0}));
  EXPECT_HTTP(Holds(listing.last, std::is_sorted(ids.begin(), ids.end()) &&
                                      std::adjacent_find(ids.begin(), ids.end()) == ids.end(),
                    "users listed in strictly ascending id order"));
  auto listed = [&](const Exchange& created) {
    return std::find(listing.users.begin(), listing.users.end(), created.Json()) !=
           listing.users.end();
  };
  EXPECT_HTTP(Holds(listing.last, listed(first), "the list holds " + first.body));
  EXPECT_HTTP(Holds(listing.last, listed(second), "the list holds " + second.body));
}

TEST_F(UsersCrudTest, ListAcceptsTrailingSlash) {
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange listed = api().Get("/users/");
  ASSERT_HTTP(HasStatus(listed, 200));
  EXPECT_HTTP(Holds(listed, listed.Json().is_array(), "the body is a JSON array"));
}

TEST_F(UsersCrudTest, ListOmitsDeletedUser) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(created.Json())), 204));
  const UserListing listing = api().ListAllUsers();
  ASSERT_HTTP(Holds(listing.last, listing.complete, "every page of GET /users answers 200"));
  const bool absent = std::none_of(listing.users.begin(), listing.users.end(), [&](const json& u) {
    return u.value("id", std::int64_t{0}) == IdOf(created);
  });
  EXPECT_HTTP(Holds(listing.last, absent,
                    "the deleted user " + std::to_string(IdOf(created)) + " is not listed"));
}

// --- Update -----------------------------------------------------------------

class UsersCrudUpdateTest : public FieldChangeTest {};

// Each field changes alone; the other fields and created_at stay as they were.
TEST_P(UsersCrudUpdateTest, ChangesOnlyTheNamedField) {
  ChangesOnlyTheNamedFields("PUT", "changed");
}

// The table is shared with the extras suite, whose PATCH must apply it alike.
INSTANTIATE_TEST_SUITE_P(Fields, UsersCrudUpdateTest, testing::ValuesIn(FieldChanges()),
                         FieldChangeName);

TEST_F(UsersCrudTest, UpdateWithEmptyObjectChangesNothing) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // A new stamp would differ.
  const Exchange updated = api().Put(UserPath(created.Json()), json::object());
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasJson(updated, "", created.Json()));
}

TEST_F(UsersCrudTest, UpdateMovesUpdatedAtAndKeepsCreatedAt) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // Past the millisecond.
  const Exchange updated = api().Put(UserPath(created.Json()), {{"name", "Later"}});
  ASSERT_HTTP(HasStatus(updated, 200));
  const json before = created.Json();
  const json after = updated.Json();
  EXPECT_HTTP(HasJson(updated, "/created_at", before["created_at"]));
  EXPECT_HTTP(Holds(updated, IsTimestamp(after["updated_at"]) &&
                                 after["updated_at"] > before["updated_at"],
                    "body.updated_at later than the creation time " +
                        before["updated_at"].dump()));
}

TEST_F(UsersCrudTest, UpdateAcceptsTrailingSlash) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange updated = api().Put(UserPath(created.Json()) + "/", {{"age", 64}});
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasJson(updated, "/age", 64));
}

TEST_F(UsersCrudTest, UpdateMissingUserReturns404) {
  EXPECT_HTTP(HasStatus(api().Put(kMissingUserPath, {{"name", "Nobody"}}), 404));
}

// --- Delete -----------------------------------------------------------------

TEST_F(UsersCrudTest, DeleteReturns204WithEmptyBody) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange deleted = api().Delete(UserPath(created.Json()));
  ASSERT_HTTP(HasStatus(deleted, 204));
  EXPECT_HTTP(Holds(deleted, deleted.body.empty(), "an empty body"));
}

// After a delete, every route that names the user answers 404.
class UsersCrudAfterDeleteTest : public AcceptanceTest,
                                 public testing::WithParamInterface<std::string> {};

TEST_P(UsersCrudAfterDeleteTest, Returns404) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = UserPath(created.Json());
  ASSERT_HTTP(HasStatus(api().Delete(path), 204));
  const std::string& method = GetParam();
  const Exchange again = method == "PUT" ? api().Put(path, {{"name", "Ghost"}})
                                         : api().Send(method, path);
  EXPECT_HTTP(HasStatus(again, 404));
}

INSTANTIATE_TEST_SUITE_P(Methods, UsersCrudAfterDeleteTest,
                         testing::Values("GET", "PUT", "DELETE"),
                         [](const testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

TEST_F(UsersCrudTest, DeleteAcceptsTrailingSlash) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(created.Json()) + "/"), 204));
  EXPECT_HTTP(HasStatus(api().Get(UserPath(created.Json())), 404));
}

TEST_F(UsersCrudTest, DeleteMissingUserReturns404) {
  EXPECT_HTTP(HasStatus(api().Delete(kMissingUserPath), 404));
}

TEST_F(UsersCrudTest, DeleteLeavesOtherUsers) {
  const Exchange kept = CreateUser();
  const Exchange removed = CreateUser();
  ASSERT_HTTP(HasStatus(kept, 201));
  ASSERT_HTTP(HasStatus(removed, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(removed.Json())), 204));
  const Exchange fetched = api().Get(UserPath(kept.Json()));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "", kept.Json()));
}

// --- The interview guide's own walkthrough ------------------------------------

// Create, list, get, update and delete, as the guide's curl examples do
// (with a unique email, so that it also runs against a shared server).
TEST_F(UsersCrudTest, GuideCurlExamples) {
  const Exchange created = api().Post(
      "/users/", {{"name", "John Doe"}, {"email", UniqueEmail("john")}, {"age", 30}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = UserPath(created.Json());
  EXPECT_HTTP(HasStatus(api().Get("/users/"), 200));
  const Exchange fetched = api().Get(path);
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "/name", "John Doe"));
  const Exchange updated = api().Put(path, {{"name", "John Updated"}});
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasJson(updated, "/name", "John Updated"));
  EXPECT_HTTP(HasJson(updated, "/age", 30));
  EXPECT_HTTP(HasStatus(api().Delete(path), 204));
}

// --- Concurrency --------------------------------------------------------------

TEST_F(UsersCrudTest, HundredConcurrentCreatesGetDistinctIds) {
  constexpr int kClients = 100;
  std::vector<Exchange> results(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      results[i] = api().Post("/users", {{"name", "Concurrent " + std::to_string(i)},
                                         {"email", UniqueEmail("concurrent")},
                                         {"age", 20 + i % 50}});
    });
  }
  for (std::thread& client : clients) client.join();

  std::set<std::int64_t> ids;
  for (const Exchange& result : results) {
    ASSERT_HTTP(HasStatus(result, 201));
    ids.insert(IdOf(result));
  }
  EXPECT_HTTP(Holds(results.back(), ids.size() == kClients && !ids.count(0),
                    "100 distinct positive ids, got " + std::to_string(ids.size())));

  const UserListing listing = api().ListAllUsers();
  ASSERT_HTTP(Holds(listing.last, listing.complete, "every page of GET /users answers 200"));
  std::set<std::int64_t> listed;
  for (const json& user : listing.users) listed.insert(user.value("id", std::int64_t{0}));
  std::vector<std::int64_t> missing;
  std::set_difference(ids.begin(), ids.end(), listed.begin(), listed.end(),
                      std::back_inserter(missing));
  EXPECT_HTTP(Holds(listing.last, missing.empty(),
                    "all 100 new users listed; missing " + std::to_string(missing.size())));
}

}  // namespace
}  // namespace acceptance
