// Stage 3 acceptance suite, conditional requests (ctest label
// `extras-conditional`): strong ETags on users, If-None-Match on GET and
// If-Match on writes, as guide/api-spec.md specifies them.
#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include "acceptance_test.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// A strong entity tag: a quoted string of visible characters.
bool IsStrongEtag(const std::string& tag) {
  static const std::regex kStrong(R"("[\x21\x23-\x7e]*")");
  return std::regex_match(tag, kStrong);
}

// A conditional request on a user whose tag moved from $STALE to $CURRENT.
struct ConditionCase {
  const char* name;
  std::string method;
  std::string header;  // If-None-Match or If-Match.
  std::string value;   // With $CURRENT and $STALE.
  int status;
};

void PrintTo(const ConditionCase& value, std::ostream* out) { *out << value.name; }

class ConditionalTest : public AcceptanceTest, public testing::WithParamInterface<ConditionCase> {
 protected:
  // Creates a user and updates it once: `stale` is the created tag,
  // `current` the updated user's.
  void CreateUpdatedUser(json& user, std::string& stale, std::string& current) const {
    const Exchange created = CreateUser({{"name", "Tagged"}});
    ASSERT_HTTP(HasStatus(created, 201));
    stale = created.Header("ETag");
    ASSERT_HTTP(Holds(created, IsStrongEtag(stale), "a strong ETag on the 201"));
    const Exchange updated = api().Put(UserPath(created.Json()), {{"name", "Retagged"}});
    ASSERT_HTTP(HasStatus(updated, 200));
    current = updated.Header("ETag");
    ASSERT_HTTP(Holds(updated, IsStrongEtag(current) && current != stale,
                      "a new strong ETag after the change, not " + stale));
    user = updated.Json();
  }
};

TEST_P(ConditionalTest, AnswersAsSpecified) {
  const ConditionCase& c = GetParam();
  json user;
  std::string stale;
  std::string current;
  ASSERT_NO_FATAL_FAILURE(CreateUpdatedUser(user, stale, current));
  const std::string value = ReplaceAll(ReplaceAll(c.value, "$CURRENT", current), "$STALE", stale);
  httplib::Headers headers{{c.header, value}};
  std::string body;
  if (c.method == "PUT" || c.method == "PATCH") {
    headers.emplace("Content-Type", "application/json");
    body = R"({"age":77})";
  }
  const Exchange answer = api().Send(c.method, UserPath(user), headers, body);
  switch (c.status) {
    case 304:
      EXPECT_HTTP(HasStatus(answer, 304));
      EXPECT_HTTP(Holds(answer, answer.body.empty(), "no body on a 304"));
      EXPECT_HTTP(HasHeader(answer, "ETag", current));
      break;
    case 412:
      EXPECT_HTTP(HasProblem(answer, 412));
      EXPECT_HTTP(HasJson(answer, "/type", "/problems/precondition-failed"));
      EXPECT_TRUE(Unchanged(api(), user, current));
      break;
    case 204:
      EXPECT_HTTP(HasStatus(answer, 204));
      EXPECT_HTTP(HasStatus(api().Get(UserPath(user)), 404));
      break;
    default:
      EXPECT_HTTP(HasStatus(answer, c.status));
      EXPECT_HTTP(Holds(answer, IsStrongEtag(answer.Header("ETag")), "a strong ETag"));
      if (c.method != "GET") {
        EXPECT_HTTP(HasJson(answer, "/age", 77));
      }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Headers, ConditionalTest,
    testing::Values(
        ConditionCase{"GetIfNoneMatchCurrent", "GET", "If-None-Match", "$CURRENT", 304},
        ConditionCase{"GetIfNoneMatchWeakCurrent", "GET", "If-None-Match", "W/$CURRENT", 304},
        ConditionCase{"GetIfNoneMatchStar", "GET", "If-None-Match", "*", 304},
        ConditionCase{"GetIfNoneMatchListWithCurrent", "GET", "If-None-Match",
                      R"("nope", $CURRENT)", 304},
        ConditionCase{"GetIfNoneMatchListWithWeakCurrent", "GET", "If-None-Match",
                      R"("nope",W/$CURRENT)", 304},
        ConditionCase{"GetIfNoneMatchStale", "GET", "If-None-Match", "$STALE", 200},
        ConditionCase{"GetIfNoneMatchListWithoutCurrent", "GET", "If-None-Match",
                      R"("nope", $STALE)", 200},
        ConditionCase{"GetIfMatchIsIgnored", "GET", "If-Match", "$STALE", 200},
        ConditionCase{"PutIfNoneMatchIsIgnored", "PUT", "If-None-Match", "$CURRENT", 200},
        ConditionCase{"PutIfMatchCurrent", "PUT", "If-Match", "$CURRENT", 200},
        ConditionCase{"PutIfMatchStar", "PUT", "If-Match", "*", 200},
        ConditionCase{"PutIfMatchListWithCurrent", "PUT", "If-Match", R"("nope", $CURRENT)", 200},
        ConditionCase{"PutIfMatchStale", "PUT", "If-Match", "$STALE", 412},
        ConditionCase{"PutIfMatchWeakCurrent", "PUT", "If-Match", "W/$CURRENT", 412},
        ConditionCase{"PutIfMatchListWithoutCurrent", "PUT", "If-Match", R"("nope", $STALE)", 412},
        ConditionCase{"PatchIfMatchCurrent", "PATCH", "If-Match", "$CURRENT", 200},
        ConditionCase{"PatchIfMatchStale", "PATCH", "If-Match", "$STALE", 412},
        ConditionCase{"PatchIfMatchWeakCurrent", "PATCH", "If-Match", "W/$CURRENT", 412},
        ConditionCase{"DeleteIfMatchCurrent", "DELETE", "If-Match", "$CURRENT", 204},
        ConditionCase{"DeleteIfMatchStar", "DELETE", "If-Match", "*", 204},
        ConditionCase{"DeleteIfMatchStale", "DELETE", "If-Match", "$STALE", 412},
        ConditionCase{"DeleteIfMatchWeakCurrent", "DELETE", "If-Match", "W/$CURRENT", 412}),
    [](const testing::TestParamInfo<ConditionCase>& param_info) { return param_info.param.name; });

TEST_F(ConditionalTest, EveryUserResponseHasAStrongEtag) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string tag = created.Header("ETag");
  EXPECT_HTTP(Holds(created, IsStrongEtag(tag), "a strong ETag (a quoted string, no W/)"));
  const std::string path = UserPath(created.Json());
  EXPECT_HTTP(HasHeader(api().Get(path), "ETag", tag));
  const Exchange put = api().Put(path, {{"age", 50}});
  ASSERT_HTTP(HasStatus(put, 200));
  EXPECT_HTTP(Holds(put, IsStrongEtag(put.Header("ETag")) && put.Header("ETag") != tag,
                    "a strong ETag other than " + tag + " after a change"));
  EXPECT_HTTP(HasHeader(api().Get(path), "ETag", put.Header("ETag")));
  const Exchange patch = api().Patch(path, {{"age", 51}});
  ASSERT_HTTP(HasStatus(patch, 200));
  EXPECT_HTTP(Holds(patch, IsStrongEtag(patch.Header("ETag")) &&
                               patch.Header("ETag") != put.Header("ETag"),
                    "a new strong ETag after the PATCH"));
  const Exchange other = CreateUser();
  ASSERT_HTTP(HasStatus(other, 201));
  EXPECT_HTTP(Holds(other, other.Header("ETag") != tag, "another user has another ETag"));
}

TEST_F(ConditionalTest, NoOpUpdateKeepsTheEtag) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string tag = created.Header("ETag");
  ASSERT_HTTP(Holds(created, IsStrongEtag(tag), "a strong ETag"));
  std::this_thread::sleep_for(milliseconds(5));
  EXPECT_HTTP(HasHeader(api().Put(UserPath(created.Json()), json::object()), "ETag", tag));
  EXPECT_HTTP(HasHeader(api().Patch(UserPath(created.Json()), json::object()), "ETag", tag));
  EXPECT_HTTP(HasHeader(api().Get(UserPath(created.Json())), "ETag", tag));
}

// Rewriting a field with its own value moves updated_at, so the
// representation, and with it the tag, changes.
TEST_F(ConditionalTest, UpdateWithTheSameValuesChangesTheEtag) {
  const Exchange created = CreateUser({{"name", "Same"}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string tag = created.Header("ETag");
  ASSERT_HTTP(Holds(created, IsStrongEtag(tag), "a strong ETag"));
  std::this_thread::sleep_for(milliseconds(5));
  const Exchange updated = api().Put(UserPath(created.Json()), {{"name", "Same"}});
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(Holds(updated, IsStrongEtag(updated.Header("ETag")) && updated.Header("ETag") != tag,
                    "a new ETag, since updated_at moved"));
}

TEST_F(ConditionalTest, ListsHaveNoEtag) {
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange listed = api().Get("/users?limit=5");
  ASSERT_HTTP(HasStatus(listed, 200));
  ASSERT_HTTP(Holds(listed, listed.headers.count("X-Total-Count") == 1,
                    "a stage 3 list (with X-Total-Count)"));
  EXPECT_HTTP(Holds(listed, listed.headers.count("ETag") == 0, "no ETag on a list"));
}

TEST_F(ConditionalTest, MissingUserIsNotFoundNotPreconditionFailed) {
  const httplib::Headers json_headers{{"Content-Type", "application/json"}};
  EXPECT_HTTP(HasProblem(api().Send("GET", kMissingUserPath, {{"If-None-Match", "*"}}), 404));
  for (const char* tag : {"\"x\"", "*"}) {
    EXPECT_HTTP(HasProblem(api().Put(kMissingUserPath, {{"age", 1}}, {{"If-Match", tag}}), 404));
    EXPECT_HTTP(HasProblem(api().Patch(kMissingUserPath, {{"age", 1}}, {{"If-Match", tag}}), 404));
    EXPECT_HTTP(HasProblem(api().Send("DELETE", kMissingUserPath, {{"If-Match", tag}}), 404));
  }
}

// Validation comes before preconditions, and preconditions before the
// email check (see Precedence).
TEST_F(ConditionalTest, PreconditionsComeAfterValidationAndBeforeConflicts) {
  json user;
  std::string stale;
  std::string current;
  ASSERT_NO_FATAL_FAILURE(CreateUpdatedUser(user, stale, current));
  const Exchange other = CreateUser();
  ASSERT_HTTP(HasStatus(other, 201));
  const httplib::Headers stale_match{{"If-Match", stale}};
  EXPECT_HTTP(HasProblem(api().Put(UserPath(user), {{"age", "x"}}, stale_match), 422));
  EXPECT_HTTP(HasProblem(api().Patch(UserPath(user), {{"age", "x"}}, stale_match), 422));
  EXPECT_HTTP(HasProblem(
      api().Put(UserPath(user), {{"email", other.Json()["email"]}}, stale_match), 412));
  EXPECT_HTTP(HasProblem(
      api().Put(UserPath(user), {{"email", other.Json()["email"]}}, {{"If-Match", current}}), 409));
  EXPECT_TRUE(Unchanged(api(), user, current));
}

}  // namespace
}  // namespace acceptance
