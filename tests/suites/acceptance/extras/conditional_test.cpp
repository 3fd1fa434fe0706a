// Stage 3 acceptance suite, conditional requests (ctest label
// `extras-conditional`): strong ETags on users, If-None-Match on GET and
// If-Match on writes, as guide/api-spec.md specifies them.
#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

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
  std::string name;
  const char* rules;  // The ids of guide/api-spec.md the case checks.
  std::string method;
  std::string header;  // If-None-Match or If-Match.
  std::string value;   // With $CURRENT and $STALE.
  int status;
};

void PrintTo(const ConditionCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << "]";
}

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

// Each case cites its own rules.
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
      EXPECT_HTTP(HasJson(answer, "/title", "Precondition Failed"));
      EXPECT_PLAIN(Unchanged(api(), user, current));
      break;
    case 204:
      EXPECT_HTTP(HasStatus(answer, 204));
      EXPECT_HTTP(HasStatus(api().Get(UserPath(user)), 404));
      break;
    default:
      EXPECT_HTTP(HasStatus(answer, c.status));
      EXPECT_HTTP(Holds(answer, IsStrongEtag(answer.Header("ETag")), "a strong ETag"));
      if (c.method == "GET") {
        EXPECT_HTTP(HasHeader(answer, "ETag", current));
        EXPECT_HTTP(HasJson(answer, "", user));
      } else {
        EXPECT_HTTP(HasJson(answer, "/age", 77));
        EXPECT_PLAIN(Unchanged(api(), answer.Json(), answer.Header("ETag")));
      }
  }
}

// If-Match and If-None-Match on each write method, `success` its status.
std::vector<ConditionCase> WriteCases(const std::string& title, const std::string& method,
                                      int success) {
  return {
      {title + "IfMatchCurrent", "COND-10", method, "If-Match", "$CURRENT", success},
      {title + "IfMatchStar", "COND-10", method, "If-Match", "*", success},
      {title + "IfMatchListWithCurrent", "COND-10 COND-13", method, "If-Match",
       R"("nope", $CURRENT)", success},
      {title + "IfMatchListWithCurrentFirst", "COND-13", method, "If-Match", R"($CURRENT,"nope")",
       success},
      {title + "IfMatchStale", "COND-11 COND-12 PROB-8", method, "If-Match", "$STALE", 412},
      {title + "IfMatchWeakCurrent", "COND-10 COND-11 COND-12", method, "If-Match", "W/$CURRENT",
       412},
      {title + "IfMatchListWithoutCurrent", "COND-11 COND-12 COND-13", method, "If-Match",
       R"("nope", $STALE)", 412},
      {title + "IfMatchListWithWeakCurrent", "COND-10 COND-11 COND-13", method, "If-Match",
       R"("nope", W/$CURRENT)", 412},
      {title + "IfNoneMatchIsIgnored", "COND-9", method, "If-None-Match", "$CURRENT", success},
      {title + "IfNoneMatchStarIsIgnored", "COND-9", method, "If-None-Match", "*", success},
  };
}

std::vector<ConditionCase> ConditionCases() {
  std::vector<ConditionCase> cases = {
      {"GetIfNoneMatchCurrent", "COND-5 COND-6", "GET", "If-None-Match", "$CURRENT", 304},
      {"GetIfNoneMatchWeakCurrent", "COND-5 COND-6", "GET", "If-None-Match", "W/$CURRENT", 304},
      {"GetIfNoneMatchStar", "COND-5 COND-6", "GET", "If-None-Match", "*", 304},
      {"GetIfNoneMatchListWithCurrent", "COND-5 COND-8", "GET", "If-None-Match",
       R"("nope", $CURRENT)", 304},
      {"GetIfNoneMatchListWithCurrentFirst", "COND-8", "GET", "If-None-Match", R"($CURRENT,"nope")",
       304},
      {"GetIfNoneMatchListWithWeakCurrent", "COND-5 COND-8", "GET", "If-None-Match",
       R"("nope",W/$CURRENT)", 304},
      {"GetIfNoneMatchStale", "COND-7", "GET", "If-None-Match", "$STALE", 200},
      {"GetIfNoneMatchWeakStale", "COND-7", "GET", "If-None-Match", "W/$STALE", 200},
      {"GetIfNoneMatchListWithoutCurrent", "COND-7 COND-8", "GET", "If-None-Match",
       R"("nope", $STALE)", 200},
      {"GetIfMatchIsIgnored", "COND-14", "GET", "If-Match", "$STALE", 200},
      {"GetIfMatchWeakIsIgnored", "COND-14", "GET", "If-Match", "W/$CURRENT", 200},
  };
  for (const auto& more : {WriteCases("Put", "PUT", 200), WriteCases("Patch", "PATCH", 200),
                           WriteCases("Delete", "DELETE", 204)}) {
    cases.insert(cases.end(), more.begin(), more.end());
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Headers, ConditionalTest, testing::ValuesIn(ConditionCases()),
                         [](const testing::TestParamInfo<ConditionCase>& param_info) {
                           return param_info.param.name;
                         });

SPEC_TEST_F(ConditionalTest, EveryUserResponseHasAStrongEtag, "COND-1 COND-2") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string tag = created.Header("ETag");
  EXPECT_HTTP(Holds(created, IsStrongEtag(tag), "a strong ETag (a quoted string, no W/)"));
  const std::string path = UserPath(created.Json());
  EXPECT_HTTP(HasHeader(api().Get(path), "ETag", tag));
  EXPECT_HTTP(HasHeader(api().Get(path + "/"), "ETag", tag));
  const Exchange put = api().Put(path, {{"age", 50}});
  ASSERT_HTTP(HasStatus(put, 200));
  EXPECT_HTTP(Holds(put, IsStrongEtag(put.Header("ETag")) && put.Header("ETag") != tag,
                    "a strong ETag other than " + tag + " after a change"));
  EXPECT_HTTP(HasHeader(api().Get(path), "ETag", put.Header("ETag")));
  const Exchange patch = api().Patch(path, {{"age", 51}});
  ASSERT_HTTP(HasStatus(patch, 200));
  EXPECT_HTTP(
      Holds(patch, IsStrongEtag(patch.Header("ETag")) && patch.Header("ETag") != put.Header("ETag"),
            "a new strong ETag after the PATCH"));
  const Exchange other = CreateUser();
  ASSERT_HTTP(HasStatus(other, 201));
  EXPECT_HTTP(Holds(other, other.Header("ETag") != tag, "another user has another ETag"));
}

SPEC_TEST_F(ConditionalTest, NoOpUpdateKeepsTheEtag, "COND-3") {
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
SPEC_TEST_F(ConditionalTest, UpdateWithTheSameValuesChangesTheEtag, "COND-2") {
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

// Even a list of exactly one user, on either form of the path.
SPEC_TEST_F(ConditionalTest, ListsHaveNoEtag, "COND-4") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string email = created.Json()["email"];
  const std::string one = "?email=" + ReplaceAll(email, "@", "%40");
  for (const std::string& path : std::vector<std::string>{"/users?limit=5", "/users/?limit=5",
                                                          "/users" + one, "/users/" + one}) {
    const Exchange listed = api().Send("GET", path, {{"If-None-Match", "*"}});
    ASSERT_HTTP(HasStatus(listed, 200));
    ASSERT_HTTP(Holds(listed, listed.headers.count("X-Total-Count") == 1,
                      "a stage 3 list (with X-Total-Count)"));
    EXPECT_HTTP(Holds(listed, listed.headers.count("ETag") == 0, "no ETag on a list"));
  }
}

// The ETag follows each field the user has, through PUT and PATCH: a new
// tag per change, which the next GET repeats.
SPEC_TEST_F(ConditionalTest, EtagChangesWithEachField, "COND-1 COND-2") {
  const Exchange created = CreateUser({{"age", nullptr}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = UserPath(created.Json());
  std::set<std::string> seen = {created.Header("ETag")};
  // The email is replaced by a new address each time.
  const json changes[] = {{{"name", "Tag Two"}}, {{"email", ""}},    {{"age", 0}},
                          {{"age", 1}},          {{"age", nullptr}}, {{"name", "tag two"}}};
  for (const char* method : {"PUT", "PATCH"}) {
    for (const json& change : changes) {
      SCOPED_TRACE(std::string(method) + " " + change.dump());
      json body = change;
      if (body.contains("email")) body["email"] = UniqueEmail("retag");
      const Exchange updated =
          api().Send(method, path, {{"Content-Type", "application/json"}}, body.dump());
      ASSERT_HTTP(HasStatus(updated, 200));
      const std::string tag = updated.Header("ETag");
      EXPECT_HTTP(Holds(updated, IsStrongEtag(tag) && seen.count(tag) == 0,
                        "a strong ETag that no earlier state of the user had"));
      seen.insert(tag);
      EXPECT_HTTP(HasHeader(api().Get(path), "ETag", tag));
    }
  }
}

// The conditional headers hold on /users/{id}/ as on /users/{id}.
SPEC_TEST_F(ConditionalTest, ConditionsHoldWithATrailingSlash, "COND-1 COND-5 COND-11") {
  json user;
  std::string stale;
  std::string current;
  ASSERT_NO_FATAL_FAILURE(CreateUpdatedUser(user, stale, current));
  const std::string path = UserPath(user) + "/";
  const Exchange fresh = api().Send("GET", path, {{"If-None-Match", current}});
  EXPECT_HTTP(HasStatus(fresh, 304));
  EXPECT_HTTP(HasHeader(fresh, "ETag", current));
  EXPECT_HTTP(HasProblem(api().Put(path, {{"age", 5}}, {{"If-Match", stale}}), 412));
  EXPECT_HTTP(HasProblem(api().Patch(path, {{"age", 5}}, {{"If-Match", stale}}), 412));
  EXPECT_HTTP(HasProblem(api().Send("DELETE", path, {{"If-Match", stale}}), 412));
  EXPECT_PLAIN(Unchanged(api(), user, current));
}

SPEC_TEST_F(ConditionalTest, MissingUserIsNotFoundNotPreconditionFailed, "PREC-15 COND-7") {
  for (const std::string& path : {std::string(kMissingUserPath), std::string("/users/abc"),
                                  std::string(kMissingUserPath) + "/"}) {
    SCOPED_TRACE(path);
    EXPECT_HTTP(HasProblem(api().Send("GET", path, {{"If-None-Match", "*"}}), 404));
    for (const char* tag : {"\"x\"", "*"}) {
      EXPECT_HTTP(HasProblem(api().Put(path, {{"age", 1}}, {{"If-Match", tag}}), 404));
      EXPECT_HTTP(HasProblem(api().Patch(path, {{"age", 1}}, {{"If-Match", tag}}), 404));
      EXPECT_HTTP(HasProblem(api().Send("DELETE", path, {{"If-Match", tag}}), 404));
    }
  }
}

// Validation comes before preconditions, and preconditions before the
// email check (see Precedence).
SPEC_TEST_F(ConditionalTest, PreconditionsComeAfterValidationAndBeforeConflicts,
            "PREC-16 PREC-17 COND-12") {
  json user;
  std::string stale;
  std::string current;
  ASSERT_NO_FATAL_FAILURE(CreateUpdatedUser(user, stale, current));
  const Exchange other = CreateUser();
  ASSERT_HTTP(HasStatus(other, 201));
  const json taken = {{"email", other.Json()["email"]}};
  for (const char* method : {"PUT", "PATCH"}) {
    SCOPED_TRACE(method);
    const auto send = [&](const json& body, const std::string& if_match) {
      return api().Send(method, UserPath(user),
                        {{"Content-Type", "application/json"}, {"If-Match", if_match}},
                        body.dump());
    };
    const Exchange invalid = send({{"age", "x"}}, stale);
    EXPECT_HTTP(HasProblem(invalid, 422));
    EXPECT_HTTP(HasErrorFields(invalid, {"age"}));
    EXPECT_HTTP(HasProblem(send({{"age", "x"}, {"email", other.Json()["email"]}}, stale), 422));
    const Exchange stale_and_taken = send(taken, stale);
    EXPECT_HTTP(HasProblem(stale_and_taken, 412));
    EXPECT_HTTP(HasJson(stale_and_taken, "/type", "/problems/precondition-failed"));
    const Exchange weak_and_taken = send(taken, "W/" + current);
    EXPECT_HTTP(HasProblem(weak_and_taken, 412));
    const Exchange current_and_taken = send(taken, current);
    EXPECT_HTTP(HasProblem(current_and_taken, 409));
    EXPECT_HTTP(HasJson(current_and_taken, "/type", "/problems/email-taken"));
  }
  EXPECT_PLAIN(Unchanged(api(), user, current));
}

}  // namespace
}  // namespace acceptance
