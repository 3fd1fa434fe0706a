// Stage 1 acceptance suite (ctest label `crud`): create, read, list, update
// and delete users, as guide/api-spec.md specifies them.
//
// Every test creates its own users with unique emails and never assumes an
// empty store, so the suite also passes against a shared server
// (USER_API_URL).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "field_changes.hpp"
#include "table_rows.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using nlohmann::json;

using acceptance::PrintTo;  // Rows print with their rules (table_rows.hpp).
using UsersCrudTest = AcceptanceTest;

// Milliseconds since the epoch of a timestamp as the API writes them
// (2026-11-26T12:53:51.123Z), or nullopt when `stamp` is not one.
std::optional<std::int64_t> EpochMilliseconds(const json& stamp) {
  if (!IsTimestamp(stamp)) return std::nullopt;
  std::tm fields{};
  int milliseconds = 0;
  const std::string text = stamp;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &fields.tm_year, &fields.tm_mon,
                  &fields.tm_mday, &fields.tm_hour, &fields.tm_min, &fields.tm_sec,
                  &milliseconds) != 7) {
    return std::nullopt;
  }
  fields.tm_year -= 1900;
  fields.tm_mon -= 1;
  return std::int64_t{timegm(&fields)} * 1000 + milliseconds;
}

// This machine's clock, truncated to the millisecond.
std::int64_t NowMilliseconds() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "" when `user` is a user as the API writes one: exactly the six members,
// each of its type; otherwise what is wrong with it.
std::string UserShapeProblem(const json& user) {
  if (!user.is_object()) return "not a JSON object";
  const std::set<std::string> expected{"id", "name", "email", "age", "created_at", "updated_at"};
  std::set<std::string> members;
  for (const auto& [key, value] : user.items()) members.insert(key);
  if (members != expected) return "its members are not exactly the six";
  if (!user["id"].is_number_integer() || user["id"].get<std::int64_t>() <= 0) {
    return "id is not a positive integer";
  }
  if (!user["name"].is_string() || !user["email"].is_string()) return "name or email not a string";
  if (!user["age"].is_null() && !user["age"].is_number_integer()) return "age not integer or null";
  if (!IsTimestamp(user["created_at"]) || !IsTimestamp(user["updated_at"])) {
    return "created_at or updated_at not like 2026-11-26T12:53:51.123Z";
  }
  return "";
}

// --- Create -----------------------------------------------------------------

SPEC_TEST_F(UsersCrudTest, CreateReturns201WithTheUser, "CREATE-1 CONV-1 USER-2") {
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

SPEC_TEST_F(UsersCrudTest, CreateSetsLocationToTheNewUser, "CREATE-2") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasHeader(created, "Location", "/users/" + std::to_string(IdOf(created))));
}

SPEC_TEST_F(UsersCrudTest, CreateStampsEqualCreatedAtAndUpdatedAt, "USER-5 CONV-13") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const json user = created.Json();
  EXPECT_HTTP(Holds(created, IsTimestamp(user["created_at"]),
                    "body.created_at is RFC 3339 UTC with milliseconds, e.g. "
                    "2026-11-26T12:53:51.123Z"));
  EXPECT_HTTP(HasJson(created, "/updated_at", user["created_at"]));
}

SPEC_TEST_F(UsersCrudTest, CreateWithoutAgeGivesNullAge, "CREATE-4") {
  const Exchange created =
      api().Post("/users", {{"name", "No Age"}, {"email", UniqueEmail("no-age")}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/age", nullptr));
}

SPEC_TEST_F(UsersCrudTest, CreateWithNullAgeGivesNullAge, "CREATE-4") {
  const Exchange created = CreateUser({{"age", nullptr}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/age", nullptr));
}

SPEC_TEST_F(UsersCrudTest, CreateKeepsUnicodeName, "CONV-2 GET-1") {
  const Exchange created = CreateUser({{"name", "Zoë Ørsted-Łukasz 李"}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/name", "Zoë Ørsted-Łukasz 李"));
  const Exchange fetched = api().Get(UserPath(created.Json()));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "/name", "Zoë Ørsted-Łukasz 李"));
}

// Quotes, backslashes and a slash must come back escaped as JSON, not raw.
SPEC_TEST_F(UsersCrudTest, CreateKeepsQuotesAndBackslashesInName, "CREATE-1 GET-1") {
  const std::string name = R"(Anne "Nan" O'Brien \ Jr/Sr)";
  const Exchange created = CreateUser({{"name", name}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/name", name));
  const Exchange fetched = api().Get(UserPath(created.Json()));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "/name", name));
}

SPEC_TEST_F(UsersCrudTest, CreateAcceptsTrailingSlash, "CONV-3 CREATE-3") {
  const Exchange created = api().Post(
      "/users/", {{"name", "Slash"}, {"email", UniqueEmail("slash")}, {"age", 41}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasMediaType(created, "application/json"));
  EXPECT_HTTP(HasJson(created, "/name", "Slash"));
  EXPECT_HTTP(HasHeader(created, "Location", "/users/" + std::to_string(IdOf(created))));
}

SPEC_TEST_F(UsersCrudTest, CreateAssignsIncreasingIds, "USER-2") {
  const Exchange first = CreateUser();
  const Exchange second = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(second, 201));
  EXPECT_HTTP(Holds(second, IdOf(second) > IdOf(first),
                    "the second user's id is greater than the first's (" +
                        std::to_string(IdOf(first)) + ")"));
}

SPEC_TEST_F(UsersCrudTest, IdsAreNotReusedAfterDelete, "USER-3") {
  const Exchange first = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(first.Json())), 204));
  const Exchange second = CreateUser();
  ASSERT_HTTP(HasStatus(second, 201));
  EXPECT_HTTP(Holds(second, IdOf(second) > IdOf(first),
                    "a new id greater than the deleted user's id " + std::to_string(IdOf(first))));
}


// Whitespace between JSON tokens (space, tab, line feed, carriage return)
// means nothing, on create and on update.
SPEC_TEST_F(UsersCrudTest, WhitespaceBetweenJsonTokensIsNotSignificant, "CONV-2") {
  const std::string email = UniqueEmail("spaced");
  const Exchange created =
      api().Send("POST", "/users", {{"Content-Type", "application/json"}},
                 " \r\n{\t\"name\" :\r\n \"Spaced\" ,\n\t\"email\": \"" + email +
                     "\" , \"age\"\t:\t30 \n}\r\n ");
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/name", "Spaced"));
  EXPECT_HTTP(HasJson(created, "/email", email));
  EXPECT_HTTP(HasJson(created, "/age", 30));
  const Exchange updated = api().Send("PUT", UserPath(created.Json()),
                                      {{"Content-Type", "application/json"}},
                                      "\n{ \"age\" :\t31\r\n}\t");
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasJson(updated, "/age", 31));
}

// Bodies that stage 1 already refuses, with the status that every later
// stage keeps: each row is wrong in one way only, so that stage 2's
// validation finds nothing else. "$EMAIL" becomes a unique address.
struct RefusedBody {
  const char* name;
  std::string body;
  int status;
  const char* rules;
};


class UsersCrudCreateRefusedTest : public AcceptanceTest,
                                   public testing::WithParamInterface<RefusedBody> {};

SPEC_TEST_P(UsersCrudCreateRefusedTest, AnswersWithTheStatus, "CONV-1") {
  const RefusedBody& refusal = GetParam();
  const Exchange refused =
      api().Send("POST", "/users", {{"Content-Type", "application/json"}},
                 ReplaceAll(refusal.body, "$EMAIL", UniqueEmail("refused")));
  EXPECT_HTTP(HasStatus(refused, refusal.status));
  EXPECT_HTTP(HasMediaType(refused, "application/problem+json"));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, UsersCrudCreateRefusedTest,
    testing::Values(
        RefusedBody{"BodyTruncated", R"({"name":"Ada","email":"$EMAIL")", 400, "CREATE-5"},
        RefusedBody{"BodyFormEncoded", "name=Ada&email=$EMAIL", 400, "CREATE-5"},
        RefusedBody{"BodyArray", R"([{"name":"Ada","email":"$EMAIL"}])", 422, "CREATE-6"},
        RefusedBody{"BodyString", R"("Ada")", 422, "CREATE-6"},
        RefusedBody{"BodyNumber", "7", 422, "CREATE-6"},
        RefusedBody{"BodyNull", "null", 422, "CREATE-6"},
        RefusedBody{"NameMissing", R"({"email":"$EMAIL","age":30})", 422, "CREATE-7"},
        RefusedBody{"EmailMissing", R"({"name":"Ada","age":30})", 422, "CREATE-7"},
        RefusedBody{"BothMissing", R"({"age":30})", 422, "CREATE-7"},
        RefusedBody{"NameNumber", R"({"name":7,"email":"$EMAIL"})", 422, "CREATE-8"},
        RefusedBody{"NameNull", R"({"name":null,"email":"$EMAIL"})", 422, "CREATE-8"},
        RefusedBody{"NameBoolean", R"({"name":true,"email":"$EMAIL"})", 422, "CREATE-8"},
        RefusedBody{"NameArray", R"({"name":["Ada"],"email":"$EMAIL"})", 422, "CREATE-8"},
        RefusedBody{"NameObject", R"({"name":{"first":"Ada"},"email":"$EMAIL"})", 422,
                    "CREATE-8"},
        RefusedBody{"EmailNumber", R"({"name":"Ada","email":7})", 422, "CREATE-8"},
        RefusedBody{"EmailNull", R"({"name":"Ada","email":null})", 422, "CREATE-8"},
        RefusedBody{"EmailBoolean", R"({"name":"Ada","email":false})", 422, "CREATE-8"},
        RefusedBody{"EmailArray", R"({"name":"Ada","email":["$EMAIL"]})", 422, "CREATE-8"},
        RefusedBody{"AgeString", R"({"name":"Ada","email":"$EMAIL","age":"30"})", 422,
                    "CREATE-9"},
        RefusedBody{"AgeFraction", R"({"name":"Ada","email":"$EMAIL","age":30.5})", 422,
                    "CREATE-9"},
        RefusedBody{"AgeBoolean", R"({"name":"Ada","email":"$EMAIL","age":true})", 422,
                    "CREATE-9"},
        RefusedBody{"AgeArray", R"({"name":"Ada","email":"$EMAIL","age":[30]})", 422,
                    "CREATE-9"},
        RefusedBody{"AgeObject", R"({"name":"Ada","email":"$EMAIL","age":{"years":30}})", 422,
                    "CREATE-9"}),
    CaseName<RefusedBody>);

// --- Read -------------------------------------------------------------------

SPEC_TEST_F(UsersCrudTest, GetReturnsTheCreatedUser, "GET-1 CONV-1") {
  const Exchange created = CreateUser({{"name", "Grace Hopper"}, {"age", 85}});
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange fetched = api().Get(UserPath(created.Json()));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasMediaType(fetched, "application/json"));
  EXPECT_HTTP(HasJson(fetched, "", created.Json()));
}

SPEC_TEST_F(UsersCrudTest, GetAcceptsTrailingSlash, "CONV-3") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange fetched = api().Get(UserPath(created.Json()) + "/");
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasMediaType(fetched, "application/json"));
  EXPECT_HTTP(HasJson(fetched, "", created.Json()));
}

SPEC_TEST_F(UsersCrudTest, GetMissingUserReturns404, "GET-2 CONV-1") {
  const Exchange fetched = api().Get(kMissingUserPath);
  EXPECT_HTTP(HasStatus(fetched, 404));
  EXPECT_HTTP(HasMediaType(fetched, "application/problem+json"));
}


// The ids at the top of the range name no user yet, and are read as ids on
// every route that takes one, not as an overflow.
SPEC_TEST_F(UsersCrudTest, HighestIdsNameNoUserYet, "CONV-6 GET-2 UPDATE-9 DELETE-2") {
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  for (const char* id : {"9223372036854775806", "9223372036854775807"}) {
    const std::string path = std::string("/users/") + id;
    EXPECT_HTTP(HasStatus(api().Get(path), 404));
    EXPECT_HTTP(HasStatus(api().Put(path, {{"age", 30}}), 404));
    EXPECT_HTTP(HasStatus(api().Delete(path), 404));
  }
}

// A well-formed id is read before the body is judged, whatever its size:
// a body of the wrong type is 422 even where no user has the id.
struct WellFormedId {
  const char* name;
  const char* id;
  const char* rules;
};


class UsersCrudIdTest : public AcceptanceTest, public testing::WithParamInterface<WellFormedId> {};

SPEC_TEST_P(UsersCrudIdTest, IsReadAsAnId, "CONV-6 PREC-14") {
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange refused = api().Put(std::string("/users/") + GetParam().id, {{"age", "x"}});
  EXPECT_HTTP(HasStatus(refused, 422));
}

INSTANTIATE_TEST_SUITE_P(Range, UsersCrudIdTest,
                         testing::Values(WellFormedId{"One", "1", "CONV-6"},
                                         WellFormedId{"TwoToThe63MinusTwo",
                                                      "9223372036854775806", "CONV-6"},
                                         WellFormedId{"TwoToThe63MinusOne",
                                                      "9223372036854775807", "CONV-6"}),
                         CaseName<WellFormedId>);

// The body is read before the user is looked up: malformed JSON is 400 even
// where no user has the id.
SPEC_TEST_F(UsersCrudTest, MalformedBodyToAMissingUserIs400, "PREC-13 UPDATE-10") {
  const Exchange refused = api().Send("PUT", kMissingUserPath,
                                      {{"Content-Type", "application/json"}}, R"({"age":)");
  EXPECT_HTTP(HasStatus(refused, 400));
}

// --- List -------------------------------------------------------------------

SPEC_TEST_F(UsersCrudTest, ListReturnsJsonArray, "CONV-1") {
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange listed = api().Get("/users");
  ASSERT_HTTP(HasStatus(listed, 200));
  EXPECT_HTTP(HasMediaType(listed, "application/json"));
  EXPECT_HTTP(Holds(listed, listed.Json().is_array(), "the body is a JSON array"));
}

SPEC_TEST_F(UsersCrudTest, ListIncludesCreatedUsersInAscendingIdOrder, "LIST-2") {
  const Exchange first = CreateUser({{"name", "First"}});
  const Exchange second = CreateUser({{"name", "Second"}});
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(second, 201));
  const UserListing listing =
      api().ListAllUsers("/users", ListsEveryId({IdOf(first), IdOf(second)}));
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
  for (const Exchange* created : {&first, &second}) {
    EXPECT_HTTP(Holds(listing.last, listed(*created),
                      "the list holds " + created->body +
                          (listed(*created) ? "" : CappedListNote(listing.last))));
  }
}

SPEC_TEST_F(UsersCrudTest, ListAcceptsTrailingSlash, "CONV-3") {
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange listed = api().Get("/users/");
  ASSERT_HTTP(HasStatus(listed, 200));
  EXPECT_HTTP(HasMediaType(listed, "application/json"));
  EXPECT_HTTP(Holds(listed, listed.Json().is_array(), "the body is a JSON array"));
}

SPEC_TEST_F(UsersCrudTest, ListOmitsDeletedUser, "LIST-1") {
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


// An empty store lists as [], before any user and after the last is gone.
// Stage 3's first page of an empty store is [] too.
SPEC_TEST_F(UsersCrudTest, EmptyStoreListsAsEmptyArray, "LIST-3") {
  REQUIRE_OWN_SERVER("needs a store that holds no user");
  for (const char* path : {"/users", "/users/"}) {
    const Exchange listed = api().Get(path);
    ASSERT_HTTP(HasStatus(listed, 200));
    EXPECT_HTTP(HasMediaType(listed, "application/json"));
    EXPECT_HTTP(HasJson(listed, "", json::array()));
  }
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(created.Json())), 204));
  EXPECT_HTTP(HasJson(api().Get("/users"), "", json::array()));
}

// One GET /users answers every user, in ascending id order, also after a
// delete. 100 users, the most that stage 3's first page holds, so that these
// words hold in every stage; with more, stage 3 pages and stages 1 and 2 do
// not.
SPEC_TEST_F(UsersCrudTest, OneListHoldsEveryUserInIdOrder, "LIST-1 LIST-2") {
  REQUIRE_OWN_SERVER("needs a store that holds only its own users");
  json expected = json::array();
  for (int i = 0; i < 101; ++i) {
    const Exchange created = CreateUser({{"name", "Listed " + std::to_string(i)}});
    ASSERT_HTTP(HasStatus(created, 201));
    expected.push_back(created.Json());
  }
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(expected[50])), 204));
  expected.erase(50);
  const Exchange listed = api().Get("/users");
  ASSERT_HTTP(HasStatus(listed, 200));
  auto ids = [](const json& users) {
    std::string text;
    for (const json& user : users) {
      text += (text.empty() ? "" : ",") + user.value("id", json()).dump();
    }
    return text;
  };
  const json body = listed.Json();
  ASSERT_HTTP(Holds(listed, body.is_array() && ids(body) == ids(expected),
                    "one array of the 100 users, by id: " + ids(expected) + "; got " +
                        std::to_string(body.is_array() ? body.size() : 0) + " users: " +
                        ids(body) + CappedListNote(listed)));
  EXPECT_HTTP(HasJson(listed, "", expected));
}

// --- Rules of stages 1 and 2 that stage 3 replaces ---------------------------

// The list of every user, the query string ignored by GET /users, and the
// health body of exactly one member hold in stages 1 and 2; stage 3 pages
// the list ([PAGE-*]) and adds members to /health ([HEALTH-2] on). These
// tests skip themselves on a server that pages (GET /users answers
// X-Total-Count), so that a server at stage 3 is not marked down for them.
class UsersBeforeExtrasTest : public AcceptanceTest {
 protected:
  void SetUp() override {
    AcceptanceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const Exchange listed = api().Get("/users");
    if (!listed.Header("X-Total-Count").empty()) {
      GTEST_SKIP() << "the server pages GET /users (it answered X-Total-Count: "
                   << listed.Header("X-Total-Count")
                   << "), as stage 3 does; this rule holds in stages 1 and 2 only";
    }
  }
};

SPEC_TEST_F(UsersBeforeExtrasTest, HealthBodyIsExactlyStatusOk, "HEALTH-1 CONV-3") {
  for (const char* path : {"/health", "/health/"}) {
    const Exchange health = api().Get(path);
    ASSERT_HTTP(HasStatus(health, 200));
    EXPECT_HTTP(HasMediaType(health, "application/json"));
    EXPECT_HTTP(HasJson(health, "", json{{"status", "ok"}}));
  }
}

// More users than stage 3's largest page, in one answer.
SPEC_TEST_F(UsersBeforeExtrasTest, OneListHoldsMoreThanAThousandUsers, "LIST-1 LIST-2") {
  REQUIRE_OWN_SERVER("needs a store that holds only its own users");
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 1001; ++i) {
    const Exchange created = CreateUser({{"name", "Many " + std::to_string(i)}});
    ASSERT_HTTP(HasStatus(created, 201));
    ids.push_back(IdOf(created));
  }
  const Exchange listed = api().Get("/users");
  ASSERT_HTTP(HasStatus(listed, 200));
  const json body = listed.Json();
  std::vector<std::int64_t> listed_ids;
  for (const json& user : body.is_array() ? body : json::array()) {
    listed_ids.push_back(user.value("id", std::int64_t{0}));
  }
  EXPECT_HTTP(Holds(listed, listed_ids == ids,
                    "one array of all 1001 users in ascending id order; got " +
                        std::to_string(listed_ids.size()) + " users" +
                        CappedListNote(listed)));
}

// Stage 3's list parameters change nothing before stage 3: the answer is
// the whole list, as without them.
SPEC_TEST_F(UsersBeforeExtrasTest, ListIgnoresStage3Parameters, "CONV-9 LIST-1") {
  const Exchange first = CreateUser({{"age", 20}});
  const Exchange second = CreateUser({{"age", 40}});
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(second, 201));
  for (const char* query : {"?limit=1&offset=1", "?limit=0&offset=-1&min_age=abc",
                            "?q=no-such-user-anywhere&email=nobody%40example.test",
                            "?min_age=30&max_age=35", "?limit=1&limit=2"}) {
    const Exchange listed = api().Get(std::string("/users") + query);
    ASSERT_HTTP(HasStatus(listed, 200));
    const json body = listed.Json();
    const bool both = body.is_array() &&
                      std::find(body.begin(), body.end(), first.Json()) != body.end() &&
                      std::find(body.begin(), body.end(), second.Json()) != body.end();
    EXPECT_HTTP(Holds(listed, both,
                      std::string("GET /users") + query + " lists every user, as without a query, "
                      "including users " + std::to_string(IdOf(first)) + " and " +
                      std::to_string(IdOf(second))));
  }
}

// --- Update -----------------------------------------------------------------

class UsersCrudUpdateTest : public FieldChangeTest {};

// Each field changes alone; the other fields and created_at stay as they were.
SPEC_TEST_P(UsersCrudUpdateTest, ChangesOnlyTheNamedField, "UPDATE-1 CONV-1") {
  ChangesOnlyTheNamedFields("PUT", "changed");
}

// The table is shared with the extras suite, whose PATCH must apply it alike.
INSTANTIATE_TEST_SUITE_P(Fields, UsersCrudUpdateTest, testing::ValuesIn(FieldChanges()),
                         CaseName<FieldChange>);

SPEC_TEST_F(UsersCrudTest, UpdateWithEmptyObjectChangesNothing, "UPDATE-5") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // A new stamp would differ.
  const Exchange updated = api().Put(UserPath(created.Json()), json::object());
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasJson(updated, "", created.Json()));
}

SPEC_TEST_F(UsersCrudTest, UpdateMovesUpdatedAtAndKeepsCreatedAt,
            "UPDATE-6 USER-4 USER-5 CONV-13") {
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

// Any update that names a field moves updated_at, even to the value the
// field has; created_at stays. "$SAME" and "$NEW" in an email become the
// user's own email and a unique one.
struct StampCase {
  const char* name;
  json created;  // Fields of the user made first.
  json change;
  const char* rules;
};


class UsersCrudStampTest : public AcceptanceTest, public testing::WithParamInterface<StampCase> {};

SPEC_TEST_P(UsersCrudStampTest, UpdateMovesUpdatedAt, "UPDATE-6 USER-4 USER-5") {
  const StampCase& stamp = GetParam();
  const Exchange created = CreateUser(stamp.created);
  ASSERT_HTTP(HasStatus(created, 201));
  const json before = created.Json();
  json change = stamp.change;
  if (change.contains("email")) {
    change["email"] = change["email"] == "$SAME" ? before["email"] : json(UniqueEmail("stamp"));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // Past the millisecond.
  const Exchange updated = api().Put(UserPath(before), change);
  ASSERT_HTTP(HasStatus(updated, 200));
  const json after = updated.Json();
  EXPECT_HTTP(HasJson(updated, "/created_at", before["created_at"]));
  EXPECT_HTTP(Holds(updated, IsTimestamp(after["updated_at"]) &&
                                 after["updated_at"] > before["updated_at"],
                    "body.updated_at later than the creation time " +
                        before["updated_at"].dump()));
  EXPECT_HTTP(HasJson(api().Get(UserPath(before)), "", after));
}

INSTANTIATE_TEST_SUITE_P(
    Changes, UsersCrudStampTest,
    testing::Values(StampCase{"NewName", {{"name", "Stamp"}}, {{"name", "Restamped"}}, "UPDATE-6"},
                    StampCase{"SameName", {{"name", "Stamp"}}, {{"name", "Stamp"}}, "UPDATE-6"},
                    StampCase{"NewEmail", json::object(), {{"email", "$NEW"}}, "UPDATE-6"},
                    StampCase{"SameEmail", json::object(), {{"email", "$SAME"}}, "UPDATE-6"},
                    StampCase{"NewAge", {{"age", 30}}, {{"age", 31}}, "UPDATE-6"},
                    StampCase{"SameAge", {{"age", 30}}, {{"age", 30}}, "UPDATE-6"},
                    StampCase{"AgeCleared", {{"age", 30}}, {{"age", nullptr}}, "UPDATE-6 UPDATE-3"},
                    StampCase{"NullAgeClearedAgain", {{"age", nullptr}}, {{"age", nullptr}},
                              "UPDATE-6 UPDATE-3"}),
    CaseName<StampCase>);

// Update bodies that stage 1 already refuses, with the status every later
// stage keeps; a refused update changes nothing. "$EMAIL" becomes a unique
// address.
class UsersCrudUpdateRefusedTest : public AcceptanceTest,
                                   public testing::WithParamInterface<RefusedBody> {};

SPEC_TEST_P(UsersCrudUpdateRefusedTest, RefusesAndKeepsTheUser, "UPDATE-13 CONV-1") {
  const RefusedBody& refusal = GetParam();
  const Exchange created = CreateUser({{"name", "Kept"}, {"age", 40}});
  ASSERT_HTTP(HasStatus(created, 201));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // A new stamp would differ.
  const Exchange refused =
      api().Send("PUT", UserPath(created.Json()), {{"Content-Type", "application/json"}},
                 ReplaceAll(refusal.body, "$EMAIL", UniqueEmail("refused")));
  EXPECT_HTTP(HasStatus(refused, refusal.status));
  EXPECT_HTTP(HasMediaType(refused, "application/problem+json"));
  EXPECT_PLAIN(Unchanged(api(), created.Json()));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, UsersCrudUpdateRefusedTest,
    testing::Values(
        RefusedBody{"BodyTruncated", R"({"name":"After")", 400, "UPDATE-10"},
        RefusedBody{"BodyFormEncoded", "name=After", 400, "UPDATE-10"},
        RefusedBody{"BodyArray", R"([{"name":"After"}])", 422, "UPDATE-11"},
        RefusedBody{"BodyString", R"("After")", 422, "UPDATE-11"},
        RefusedBody{"BodyNumber", "7", 422, "UPDATE-11"},
        RefusedBody{"BodyNull", "null", 422, "UPDATE-11"},
        RefusedBody{"NameNull", R"({"name":null})", 422, "UPDATE-4"},
        RefusedBody{"EmailNull", R"({"email":null})", 422, "UPDATE-4"},
        RefusedBody{"NameNumber", R"({"name":7})", 422, "UPDATE-12"},
        RefusedBody{"NameBoolean", R"({"name":true})", 422, "UPDATE-12"},
        RefusedBody{"NameArray", R"({"name":["After"]})", 422, "UPDATE-12"},
        RefusedBody{"EmailNumber", R"({"email":7})", 422, "UPDATE-12"},
        RefusedBody{"EmailArray", R"({"email":["$EMAIL"]})", 422, "UPDATE-12"},
        RefusedBody{"AgeString", R"({"age":"41"})", 422, "UPDATE-12"},
        RefusedBody{"AgeFraction", R"({"age":41.5})", 422, "UPDATE-12"},
        RefusedBody{"AgeBoolean", R"({"age":true})", 422, "UPDATE-12"},
        RefusedBody{"AgeObject", R"({"age":{"years":41}})", 422, "UPDATE-12"},
        RefusedBody{"ValidNameWithAgeString", R"({"name":"After","age":"41"})", 422,
                    "UPDATE-12 UPDATE-13"},
        RefusedBody{"ValidEmailWithNameNumber", R"({"email":"$EMAIL","name":7})", 422,
                    "UPDATE-12 UPDATE-13"},
        RefusedBody{"ValidAgeWithEmailNull", R"({"age":41,"email":null})", 422,
                    "UPDATE-4 UPDATE-13"}),
    CaseName<RefusedBody>);

SPEC_TEST_F(UsersCrudTest, UpdateAcceptsTrailingSlash, "CONV-3") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange updated = api().Put(UserPath(created.Json()) + "/", {{"age", 64}});
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasMediaType(updated, "application/json"));
  EXPECT_HTTP(HasJson(updated, "/age", 64));
  EXPECT_HTTP(HasJson(api().Get(UserPath(created.Json())), "/age", 64));
}

SPEC_TEST_F(UsersCrudTest, UpdateMissingUserReturns404, "UPDATE-9") {
  EXPECT_HTTP(HasStatus(api().Put(kMissingUserPath, {{"name", "Nobody"}}), 404));
}

// --- Delete -----------------------------------------------------------------

SPEC_TEST_F(UsersCrudTest, DeleteReturns204WithEmptyBody, "DELETE-1") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange deleted = api().Delete(UserPath(created.Json()));
  ASSERT_HTTP(HasStatus(deleted, 204));
  EXPECT_HTTP(Holds(deleted, deleted.body.empty(), "an empty body"));
}

// After a delete, every route that names the user answers 404.

class UsersCrudAfterDeleteTest : public AcceptanceTest,
                                 public testing::WithParamInterface<RouteCase> {};

SPEC_TEST_P(UsersCrudAfterDeleteTest, Returns404, "CONV-1") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(created.Json())), 204));
  const std::string path = ReplaceAll(GetParam().path, "$ID", std::to_string(IdOf(created)));
  const std::string& method = GetParam().method;
  const Exchange again = method == "PUT" ? api().Put(path, {{"name", "Ghost"}})
                                         : api().Send(method, path);
  EXPECT_HTTP(HasStatus(again, 404));
  EXPECT_HTTP(HasMediaType(again, "application/problem+json"));
}

INSTANTIATE_TEST_SUITE_P(Methods, UsersCrudAfterDeleteTest,
                         testing::Values(RouteCase{"GET", "GET", "/users/$ID", "GET-2"},
                                         RouteCase{"PUT", "PUT", "/users/$ID", "UPDATE-9"},
                                         RouteCase{"DELETE", "DELETE", "/users/$ID", "DELETE-3"}),
                         CaseName<RouteCase>);

SPEC_TEST_F(UsersCrudTest, DeleteAcceptsTrailingSlash, "CONV-3 DELETE-1") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(created.Json()) + "/"), 204));
  EXPECT_HTTP(HasStatus(api().Get(UserPath(created.Json())), 404));
}

SPEC_TEST_F(UsersCrudTest, DeleteMissingUserReturns404, "DELETE-2 CONV-1") {
  const Exchange deleted = api().Delete(kMissingUserPath);
  EXPECT_HTTP(HasStatus(deleted, 404));
  EXPECT_HTTP(HasMediaType(deleted, "application/problem+json"));
}

SPEC_TEST_F(UsersCrudTest, DeleteLeavesOtherUsers, "GET-1") {
  const Exchange kept = CreateUser();
  const Exchange removed = CreateUser();
  ASSERT_HTTP(HasStatus(kept, 201));
  ASSERT_HTTP(HasStatus(removed, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(removed.Json())), 204));
  const Exchange fetched = api().Get(UserPath(kept.Json()));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "", kept.Json()));
}

// --- The user as every response writes it ------------------------------------

// Each response that carries a user writes it whole: the six members, each
// of its type, a null age included. POST makes another user; the other
// methods read the user made first, "$ID" in the path, and "LIST" finds it
// in GET on the path.

class UsersCrudShapeTest : public AcceptanceTest,
                           public testing::WithParamInterface<RouteCase> {};

SPEC_TEST_P(UsersCrudShapeTest, WritesTheWholeUser, "USER-1 CONV-13") {
  const RouteCase& response = GetParam();
  const Exchange created = CreateUser({{"age", nullptr}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = ReplaceAll(response.path, "$ID", std::to_string(IdOf(created)));
  Exchange answer = created;
  json user = created.Json();
  if (response.method == "POST") {
    answer = api().Post(path, {{"name", "Shape"}, {"email", UniqueEmail("shape")}});
    user = answer.Json();
  } else if (response.method == "GET") {
    answer = api().Get(path);
    user = answer.Json();
  } else if (response.method == "PUT") {
    answer = api().Put(path, {{"name", "Reshaped"}});
    user = answer.Json();
  } else {
    const UserListing listing = api().ListAllUsers(path, ListsEveryId({IdOf(created)}));
    answer = listing.last;
    const auto listed =
        std::find_if(listing.users.begin(), listing.users.end(),
                     [&](const json& u) { return u.value("id", 0LL) == IdOf(created); });
    user = listed == listing.users.end() ? json() : *listed;
  }
  ASSERT_HTTP(Holds(answer, answer.status / 100 == 2, "a 2xx answer"));
  const std::string problem = UserShapeProblem(user);
  EXPECT_HTTP(Holds(answer, problem.empty(),
                    "the user " + user.dump() + " written with exactly id, name, email, age, " +
                        "created_at and updated_at, each of its type; " + problem));
}

INSTANTIATE_TEST_SUITE_P(
    Responses, UsersCrudShapeTest,
    testing::Values(RouteCase{"Create", "POST", "/users", "CREATE-1"},
                    RouteCase{"CreateWithSlash", "POST", "/users/", "CREATE-1 CONV-3"},
                    RouteCase{"Get", "GET", "/users/$ID", "GET-1"},
                    RouteCase{"GetWithSlash", "GET", "/users/$ID/", "GET-1 CONV-3"},
                    RouteCase{"Update", "PUT", "/users/$ID", "UPDATE-2"},
                    RouteCase{"UpdateWithSlash", "PUT", "/users/$ID/", "UPDATE-2 CONV-3"},
                    RouteCase{"List", "LIST", "/users", "LIST-1"},
                    RouteCase{"ListWithSlash", "LIST", "/users/", "LIST-1 CONV-3"}),
    CaseName<RouteCase>);

// The stamps come from the server's clock, truncated to the millisecond:
// each lies between this machine's readings, truncated, just before and
// just after its request. 20 rounds, so that a server that rounds up is
// seen past the millisecond.
SPEC_TEST_F(UsersCrudTest, StampsAreTheServerClockTruncatedToTheMillisecond,
            "CONV-14 CONV-13") {
  REQUIRE_OWN_SERVER("compares its stamps with this machine's clock");
  auto within = [](const Exchange& answer, const char* member, std::int64_t before,
                   std::int64_t after) {
    const json stamp = answer.Json()[member];
    const std::optional<std::int64_t> at = EpochMilliseconds(stamp);
    return Holds(answer, at && before <= *at && *at <= after,
                 std::string("body.") + member + " " + stamp.dump() + " between " +
                     std::to_string(before) + " and " + std::to_string(after) +
                     " ms since the epoch, the clock read before and after the request, "
                     "truncated to the millisecond");
  };
  for (int round = 0; round < 20; ++round) {
    std::int64_t before = NowMilliseconds();
    const Exchange created = CreateUser();
    std::int64_t after = NowMilliseconds();
    ASSERT_HTTP(HasStatus(created, 201));
    ASSERT_HTTP(within(created, "created_at", before, after));
    before = NowMilliseconds();
    const Exchange updated = api().Put(UserPath(created.Json()), {{"age", round}});
    after = NowMilliseconds();
    ASSERT_HTTP(HasStatus(updated, 200));
    ASSERT_HTTP(within(updated, "updated_at", before, after));
  }
}

// --- Paths that name no route -------------------------------------------------

// Two trailing slashes, or another letter case, name no route, even around
// the path of a user that exists; the user stays as it was. "$ID" becomes
// that user's id. (GET /health's own forms are in the contract suite.)

class UsersCrudUnroutedTest : public AcceptanceTest,
                              public testing::WithParamInterface<RouteCase> {};

SPEC_TEST_P(UsersCrudUnroutedTest, Returns404AndChangesNothing, "ROUTE-1") {
  const RouteCase& unrouted = GetParam();
  const Exchange created = CreateUser({{"name", "Routed"}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = ReplaceAll(unrouted.path, "$ID", std::to_string(IdOf(created)));
  const json body = {{"name", "Unrouted"}, {"email", UniqueEmail("unrouted")}};
  const Exchange answer = unrouted.method == "GET" || unrouted.method == "DELETE"
                              ? api().Send(unrouted.method, path)
                              : api().Send(unrouted.method, path,
                                           {{"Content-Type", "application/json"}}, body.dump());
  EXPECT_HTTP(HasStatus(answer, 404));
  EXPECT_PLAIN(Unchanged(api(), created.Json()));
}

INSTANTIATE_TEST_SUITE_P(
    Paths, UsersCrudUnroutedTest,
    testing::Values(RouteCase{"ListWithTwoSlashes", "GET", "/users//", "CONV-4"},
                    RouteCase{"CreateWithTwoSlashes", "POST", "/users//", "CONV-4"},
                    RouteCase{"GetWithTwoSlashes", "GET", "/users/$ID//", "CONV-4"},
                    RouteCase{"UpdateWithTwoSlashes", "PUT", "/users/$ID//", "CONV-4"},
                    RouteCase{"DeleteWithTwoSlashes", "DELETE", "/users/$ID//", "CONV-4"},
                    RouteCase{"ListCapitalised", "GET", "/Users", "CONV-5"},
                    RouteCase{"CreateCapitalised", "POST", "/Users", "CONV-5"},
                    RouteCase{"GetCapitalised", "GET", "/Users/$ID", "CONV-5"},
                    RouteCase{"UpdateCapitalised", "PUT", "/Users/$ID", "CONV-5"},
                    RouteCase{"DeleteInCapitals", "DELETE", "/USERS/$ID", "CONV-5"},
                    RouteCase{"GetWithSlashInCapitals", "GET", "/USERS/$ID/", "CONV-5"}),
    CaseName<RouteCase>);

// --- Query strings ------------------------------------------------------------

// A query string changes nothing on a route that reads none: every stage-1
// route but GET /users, whatever the parameters (stage 3's included), as
// sent and with the one trailing slash; and GET /users with parameters that
// no stage knows. (In stages 1 and 2 GET /users also ignores stage 3's
// parameters; no suite that runs against stage 3 can check that.) "$ID"
// becomes the id of a user made first.

class UsersCrudQueryTest : public AcceptanceTest, public testing::WithParamInterface<RouteCase> {};

SPEC_TEST_P(UsersCrudQueryTest, IsIgnored, "CONV-9") {
  const RouteCase& query = GetParam();
  const Exchange created = CreateUser({{"age", 30}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = ReplaceAll(query.path, "$ID", std::to_string(IdOf(created)));
  if (query.method == "POST") {
    const std::string email = UniqueEmail("query");
    const Exchange made = api().Post(path, {{"name", "Queried"}, {"email", email}});
    ASSERT_HTTP(HasStatus(made, 201));
    EXPECT_HTTP(HasJson(made, "/email", email));
    EXPECT_HTTP(HasHeader(made, "Location", "/users/" + std::to_string(IdOf(made))));
  } else if (query.method == "LIST") {
    const UserListing listing = api().ListAllUsers(path, ListsEveryId({IdOf(created)}));
    ASSERT_HTTP(HasStatus(listing.last, 200));
    ASSERT_HTTP(Holds(listing.last, listing.complete, "every page of GET /users answers 200"));
    const bool listed = std::find(listing.users.begin(), listing.users.end(), created.Json()) !=
                        listing.users.end();
    EXPECT_HTTP(Holds(listing.last, listed, "the list holds " + created.body));
  } else if (query.method == "GET") {
    EXPECT_HTTP(HasJson(api().Get(path), "", created.Json()));
  } else if (query.method == "PUT") {
    const Exchange updated = api().Put(path, {{"age", 31}});
    ASSERT_HTTP(HasStatus(updated, 200));
    EXPECT_HTTP(HasJson(updated, "/age", 31));
  } else if (query.method == "DELETE") {
    EXPECT_HTTP(HasStatus(api().Delete(path), 204));
    EXPECT_HTTP(HasStatus(api().Get(UserPath(created.Json())), 404));
  } else {
    const Exchange health = api().Get(path);
    ASSERT_HTTP(HasStatus(health, 200));
    EXPECT_HTTP(HasJson(health, "/status", "ok"));
  }
}

// Stage 3's list parameters, out of range and encoded, for the routes that
// must ignore them.
constexpr const char* kListParameters =
    "?limit=1&offset=9&q=a%20b+c&email=x%40y&min_age=151&max_age=-1";

INSTANTIATE_TEST_SUITE_P(
    Routes, UsersCrudQueryTest,
    testing::Values(
        RouteCase{"Create", "POST", std::string("/users") + kListParameters, "CONV-10"},
        RouteCase{"CreateWithSlash", "POST", std::string("/users/") + kListParameters,
                  "CONV-10 CONV-3"},
        RouteCase{"ListUnknownParameters", "LIST", "/users?sort=desc&page=2&x=a%20b+c",
                  "CONV-11"},
        RouteCase{"ListWithSlashUnknownParameters", "LIST", "/users/?sort=desc&page=2",
                  "CONV-11 CONV-3"},
        RouteCase{"Get", "GET", std::string("/users/$ID") + kListParameters, "CONV-10"},
        RouteCase{"GetWithSlash", "GET", std::string("/users/$ID/") + kListParameters,
                  "CONV-10 CONV-3"},
        RouteCase{"Update", "PUT", std::string("/users/$ID") + kListParameters, "CONV-10"},
        RouteCase{"UpdateWithSlash", "PUT", std::string("/users/$ID/") + kListParameters,
                  "CONV-10 CONV-3"},
        RouteCase{"Delete", "DELETE", std::string("/users/$ID") + kListParameters, "CONV-10"},
        RouteCase{"DeleteWithSlash", "DELETE", std::string("/users/$ID/") + kListParameters,
                  "CONV-10 CONV-3"},
        RouteCase{"Health", "HEALTH", std::string("/health") + kListParameters, "CONV-10"},
        RouteCase{"HealthWithSlash", "HEALTH", std::string("/health/") + kListParameters,
                  "CONV-10 CONV-3"}),
    CaseName<RouteCase>);

// --- Range ----------------------------------------------------------------------

// A Range header changes nothing: every route answers as without it, whole
// and without Content-Range. (cpp-httplib 0.11 cuts a 2xx body to the ranges
// asked for and keeps the status unless the server drops them: the starter
// shows how.)
struct RangeCase {
  const char* name;
  const char* range;
  const char* rules;
};

class UsersCrudRangeTest : public AcceptanceTest, public testing::WithParamInterface<RangeCase> {};

SPEC_TEST_P(UsersCrudRangeTest, IsIgnored, "CONV-18") {
  const ApiClient ranged = api().WithHeaders({{"Range", GetParam().range}});
  const std::string email = UniqueEmail("range");
  const Exchange created = ranged.Post("/users", {{"name", "Ranged"}, {"email", email}, {"age", 30}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasNoContentRange(created));
  ASSERT_HTTP(HasJson(created, "/email", email));
  const std::string path = UserPath(created.Json());

  const Exchange fetched = ranged.Get(path);
  EXPECT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasNoContentRange(fetched));
  EXPECT_HTTP(HasJson(fetched, "", created.Json()));

  const Exchange updated = ranged.Put(path, {{"age", 31}});
  EXPECT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasNoContentRange(updated));
  EXPECT_HTTP(HasJson(updated, "/age", 31));

  const UserListing listing = ranged.ListAllUsers("/users", ListsEveryId({IdOf(created)}));
  ASSERT_HTTP(HasStatus(listing.last, 200));
  EXPECT_HTTP(HasNoContentRange(listing.last));
  ASSERT_HTTP(Holds(listing.last, listing.complete, "every page of GET /users answers 200"));
  const bool listed = std::find(listing.users.begin(), listing.users.end(), updated.Json()) !=
                      listing.users.end();
  EXPECT_HTTP(Holds(listing.last, listed, "the list holds " + updated.body));

  const Exchange health = ranged.Get("/health");
  EXPECT_HTTP(HasStatus(health, 200));
  EXPECT_HTTP(HasNoContentRange(health));
  EXPECT_HTTP(HasJson(health, "/status", "ok"));

  EXPECT_HTTP(HasStatus(ranged.Delete(path), 204));

  // Error answers too: httplib cuts any body a handler wrote, whatever its
  // status, so a server that drops the ranges only on its success paths
  // answers these with a cut problem and a Content-Range.
  const Exchange missing = ranged.Get(kMissingUserPath);
  EXPECT_HTTP(HasStatus(missing, 404));
  EXPECT_HTTP(HasNoContentRange(missing));
  EXPECT_HTTP(HasJson(missing, "", api().Get(kMissingUserPath).Json()));
  const Exchange malformed =
      ranged.Send("PUT", kMissingUserPath, {{"Content-Type", "application/json"}}, R"({"age":)");
  EXPECT_HTTP(HasStatus(malformed, 400));
  EXPECT_HTTP(HasNoContentRange(malformed));
  EXPECT_HTTP(Holds(malformed, !malformed.Json().is_discarded(), "the body is whole JSON"));
}

INSTANTIATE_TEST_SUITE_P(Ranges, UsersCrudRangeTest,
                         testing::Values(RangeCase{"FirstBytes", "bytes=0-5", "CONV-18"},
                                         RangeCase{"FromAnOffset", "bytes=10-", "CONV-18"},
                                         RangeCase{"LastBytes", "bytes=-5", "CONV-18"},
                                         RangeCase{"TwoRanges", "bytes=0-5,10-20", "CONV-18"},
                                         RangeCase{"PastTheEnd", "bytes=100000-", "CONV-18"}),
                         CaseName<RangeCase>);

// --- The interview guide's own walkthrough ------------------------------------

// Create, list, get, update and delete, as the guide's curl examples do
// (with a unique email, so that it also runs against a shared server).
SPEC_TEST_F(UsersCrudTest, GuideCurlExamples, "CREATE-1 GET-1 UPDATE-1 UPDATE-2 DELETE-1 CONV-3") {
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

SPEC_TEST_F(UsersCrudTest, HundredConcurrentCreatesGetDistinctIds, "CONV-15") {
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

  const UserListing listing =
      api().ListAllUsers("/users", ListsEveryId({ids.begin(), ids.end()}));
  ASSERT_HTTP(Holds(listing.last, listing.complete, "every page of GET /users answers 200"));
  std::set<std::int64_t> listed;
  for (const json& user : listing.users) listed.insert(user.value("id", std::int64_t{0}));
  std::vector<std::int64_t> missing;
  std::set_difference(ids.begin(), ids.end(), listed.begin(), listed.end(),
                      std::back_inserter(missing));
  EXPECT_HTTP(Holds(listing.last, missing.empty(),
                    "all 100 new users listed; missing " + std::to_string(missing.size()) +
                        (missing.empty() ? "" : CappedListNote(listing.last))));
}

}  // namespace
}  // namespace acceptance
