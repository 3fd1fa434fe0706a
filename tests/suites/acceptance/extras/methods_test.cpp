// Stage 3 acceptance suite, methods (ctest label `extras-methods`): PATCH,
// which behaves exactly like PUT, the methods and trailing slashes of stage
// 3's other routes, and the query strings that only GET /users reads, as
// guide/api-spec.md specifies them.
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "field_changes.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// PATCH applies the crud suite's table of changes, as PUT does there.
class MethodsTest : public FieldChangeTest {};

SPEC_TEST_P(MethodsTest, PatchChangesOnlyTheNamedFields, "UPDATE-8 UPDATE-1") {
  ChangesOnlyTheNamedFields("PATCH", "patched");
}

INSTANTIATE_TEST_SUITE_P(Fields, MethodsTest, testing::ValuesIn(FieldChanges()),
                         CaseName<FieldChange>);

// --- PUT and PATCH: the rules of an update, run through each method --------------

// A fixture whose users carry the ETag of stage 3, which its tests expect
// to stay or move.
class TaggedUserTest : public AcceptanceTest {
 protected:
  // Creates a user (see CreateUser) and checks that the 201 has an ETag.
  // Use with ASSERT_NO_FATAL_FAILURE.
  void CreateTaggedUser(Exchange& created, const json& fields = json::object()) const {
    created = CreateUser(fields);
    ASSERT_HTTP(HasStatus(created, 201));
    ASSERT_HTTP(Holds(created, !created.Header("ETag").empty(), "an ETag on the 201"));
  }
};

// The parameter is the method, PUT or PATCH.
class UpdateMethodsTest : public TaggedUserTest, public testing::WithParamInterface<std::string> {
 protected:
  const std::string& method() const { return GetParam(); }

  Exchange Update(const std::string& path, const std::string& body,
                  httplib::Headers headers = {}) const {
    headers.emplace("Content-Type", "application/json");
    return api().Send(method(), path, headers, body);
  }
  Exchange Update(const std::string& path, const json& body) const {
    return Update(path, body.dump());
  }
};

std::string MethodName(const testing::TestParamInfo<std::string>& param_info) {
  return param_info.param == "PUT" ? "Put" : "Patch";
}

INSTANTIATE_TEST_SUITE_P(Methods, UpdateMethodsTest, testing::Values("PUT", "PATCH"), MethodName);

SPEC_TEST_P(UpdateMethodsTest, EmptyObjectChangesNothing, "UPDATE-8 UPDATE-5 COND-3") {
  Exchange created;
  ASSERT_NO_FATAL_FAILURE(CreateTaggedUser(created));
  std::this_thread::sleep_for(milliseconds(5));  // A new stamp would differ.
  const Exchange updated = Update(UserPath(created.Json()), json::object());
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasMediaType(updated, "application/json"));
  EXPECT_HTTP(HasJson(updated, "", created.Json()));
  EXPECT_HTTP(HasHeader(updated, "ETag", created.Header("ETag")));
  EXPECT_PLAIN(Unchanged(api(), created.Json(), created.Header("ETag")));
}

SPEC_TEST_P(UpdateMethodsTest, NamingAFieldMovesUpdatedAtAndKeepsCreatedAt, "UPDATE-8 UPDATE-6") {
  Exchange created;
  ASSERT_NO_FATAL_FAILURE(CreateTaggedUser(created, {{"name", "Same"}}));
  std::this_thread::sleep_for(milliseconds(5));  // Past the millisecond.
  const Exchange updated = Update(UserPath(created.Json()), {{"name", "Same"}});
  ASSERT_HTTP(HasStatus(updated, 200));
  const json before = created.Json();
  EXPECT_HTTP(HasJson(updated, "/created_at", before["created_at"]));
  EXPECT_HTTP(HasJson(updated, "/name", "Same"));
  EXPECT_HTTP(Holds(updated, updated.Json().value("updated_at", "") > before["updated_at"],
                    "body.updated_at later than " + before["updated_at"].dump()));
  EXPECT_PLAIN(Unchanged(api(), updated.Json(), updated.Header("ETag")));
}

SPEC_TEST_P(UpdateMethodsTest, OwnEmailInOtherCaseIsNoConflict, "UPDATE-8 UPDATE-7") {
  Exchange created;
  ASSERT_NO_FATAL_FAILURE(CreateTaggedUser(created));
  const std::string email = created.Json()["email"];
  const Exchange updated = Update(UserPath(created.Json()), {{"email", Upper(email)}});
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasJson(updated, "/email", email));
}

// State after the change: the old email is free, the new one taken.
SPEC_TEST_P(UpdateMethodsTest, NewEmailFreesTheOldOne, "UPDATE-8 UPDATE-2") {
  Exchange created;
  ASSERT_NO_FATAL_FAILURE(CreateTaggedUser(created));
  const json old_email = created.Json()["email"];
  const std::string new_email = UniqueEmail("moved");
  ASSERT_HTTP(HasStatus(Update(UserPath(created.Json()), {{"email", new_email}}), 200));
  EXPECT_HTTP(HasStatus(CreateUser({{"email", new_email}}), 409));
  EXPECT_HTTP(HasStatus(CreateUser({{"email", old_email}}), 201));
}

// Each body is sent to a fresh user: the answer is as on PUT (status,
// problem type, errors) and the user stays as it was.
SPEC_TEST_P(UpdateMethodsTest, RefusesWhatPutRefuses,
            "UPDATE-8 UPDATE-4 UPDATE-10 UPDATE-11 UPDATE-12 UPDATE-13") {
  const Exchange other = CreateUser();
  ASSERT_HTTP(HasStatus(other, 201));
  struct Refusal {
    const char* name;
    std::string body;
    int status;
    std::vector<std::string> fields;
  };
  const std::vector<Refusal> refusals = {
      {"AgeString", R"({"age":"x"})", 422, {"age"}},
      {"NameNull", R"({"name":null})", 422, {"name"}},
      {"EmailNull", R"({"email":null})", 422, {"email"}},
      {"ServerSetField", R"({"id":1})", 422, {"id"}},
      {"EveryFieldWrong",
       R"({"name":"","email":"x","age":200,"x":1})",
       422,
       {"name", "email", "age", "x"}},
      {"NotAnObject", R"([{"name":"x"}])", 422, {""}},
      {"MalformedJson", R"({"name":)", 400, {}},
      {"Empty", "", 400, {}},
      {"EmailTaken", R"({"email":)" + other.Json()["email"].dump() + "}", 409, {}},
      {"EmailTakenInOtherCase",
       R"({"email":)" + json(Upper(other.Json()["email"])).dump() + "}",
       409,
       {}},
  };
  for (const Refusal& refusal : refusals) {
    SCOPED_TRACE(refusal.name);
    Exchange created;
    ASSERT_NO_FATAL_FAILURE(CreateTaggedUser(created));
    const Exchange answer = Update(UserPath(created.Json()), refusal.body);
    EXPECT_HTTP(HasProblem(answer, refusal.status));
    if (refusal.status == 422) {
      EXPECT_HTTP(HasErrorFields(answer, refusal.fields));
    }
    if (refusal.status == 409) {
      EXPECT_HTTP(HasJson(answer, "/type", "/problems/email-taken"));
    }
    EXPECT_PLAIN(Unchanged(api(), created.Json(), created.Header("ETag")));
  }
}

// Even with If-Match naming another user's current tag: 404, not 412.
SPEC_TEST_P(UpdateMethodsTest, MissingOrMalformedIdIsNotFound, "UPDATE-8 UPDATE-9 CONV-8 PREC-15") {
  Exchange other;
  ASSERT_NO_FATAL_FAILURE(CreateTaggedUser(other));
  for (const std::string& path :
       {std::string(kMissingUserPath), std::string("/users/9223372036854775807"),
        std::string("/users/9223372036854775808"), std::string("/users/0"),
        std::string("/users/-1"), std::string("/users/abc"), std::string("/users/1.0")}) {
    SCOPED_TRACE(path);
    EXPECT_HTTP(HasProblem(Update(path, {{"name", "Nobody"}}), 404));
    EXPECT_HTTP(HasProblem(
        Update(path, json({{"name", "Nobody"}}).dump(), {{"If-Match", other.Header("ETag")}}),
        404));
  }
}

SPEC_TEST_P(UpdateMethodsTest, LeadingZerosAndTrailingSlashNameTheUser, "UPDATE-8 CONV-3 CONV-7") {
  Exchange created;
  ASSERT_NO_FATAL_FAILURE(CreateTaggedUser(created));
  const std::string id = created.Json()["id"].dump();
  const Exchange padded = Update("/users/00" + id, {{"age", 61}});
  ASSERT_HTTP(HasStatus(padded, 200));
  EXPECT_HTTP(HasJson(padded, "/age", 61));
  const Exchange slashed = Update("/users/" + id + "/", {{"age", 62}});
  ASSERT_HTTP(HasStatus(slashed, 200));
  EXPECT_HTTP(HasJson(slashed, "/age", 62));
  EXPECT_HTTP(Holds(
      slashed, slashed.Header("ETag") != padded.Header("ETag") && !slashed.Header("ETag").empty(),
      "an ETag on /users/{id}/ that moved with the change"));
}

// The request-format checks, as on PUT: no Content-Type, another media
// type, no Content-Length, and the size limit on each side.
SPEC_TEST_P(UpdateMethodsTest, RequestFormatChecks, "UPDATE-8") {
  Exchange created;
  ASSERT_NO_FATAL_FAILURE(CreateTaggedUser(created));
  const std::string head = method() + " " + UserPath(created.Json()) +
                           " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  const std::string body = R"({"name":"Raw"})";
  const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n";
  EXPECT_HTTP(HasProblem(api().SendRaw(head + length + "\r\n" + body), 415));
  EXPECT_HTTP(HasProblem(api().SendRaw(head + "Content-Type: application/merge-patch+json\r\n" +
                                       length + "\r\n" + body),
                         415));
  EXPECT_HTTP(HasProblem(api().SendRaw(head + "Content-Type: application/json\r\n\r\n"), 411));
  const std::string padded = R"({"name":"Padded")" + std::string(65536 - 17, ' ') + "}";
  EXPECT_HTTP(HasProblem(Update(UserPath(created.Json()), padded + " "), 413));
  EXPECT_PLAIN(Unchanged(api(), created.Json(), created.Header("ETag")));
  EXPECT_HTTP(HasJson(Update(UserPath(created.Json()), padded), "/name", "Padded"));
}

// The names of a response's headers, but Date.
std::set<std::string> HeaderNames(const Exchange& exchange) {
  std::set<std::string> names;
  for (const auto& [name, value] : exchange.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != "date") names.insert(lower);
  }
  return names;
}

std::string Listed(const std::set<std::string>& names) {
  std::ostringstream text;
  for (const std::string& name : names) text << name << ' ';
  return text.str();
}

// PATCH answers each request as PUT answers it: status, header names,
// Content-Type and body, but for what names the user (id, email, stamps).
SPEC_TEST_F(UpdateMethodsTest, PatchAnswersWithTheSameHeadersAndBodiesAsPut, "UPDATE-8 COND-1") {
  const Exchange taken = CreateUser();
  ASSERT_HTTP(HasStatus(taken, 201));
  struct Request {
    const char* name;
    json body;
    bool missing_user = false;
  };
  const std::vector<Request> requests = {
      {"Change", {{"name", "Twin"}, {"age", 33}}},
      {"NoOp", json::object()},
      {"Invalid", {{"age", -1}, {"x", 1}}},
      {"EmailTaken", {{"email", taken.Json()["email"]}}},
      {"MissingUser", {{"age", 1}}, true},
  };
  const auto comparable = [](json body) {
    if (body.is_object()) {
      for (const char* member : {"id", "email", "created_at", "updated_at", "instance"}) {
        body.erase(member);
      }
    }
    return body;
  };
  for (const Request& request : requests) {
    SCOPED_TRACE(request.name);
    std::vector<Exchange> answers;
    for (const char* method : {"PUT", "PATCH"}) {
      const Exchange created = CreateUser({{"name", "Twin"}});
      ASSERT_HTTP(HasStatus(created, 201));
      const std::string path = request.missing_user ? kMissingUserPath : UserPath(created.Json());
      answers.push_back(
          api().Send(method, path, {{"Content-Type", "application/json"}}, request.body.dump()));
    }
    const Exchange& put = answers[0];
    const Exchange& patch = answers[1];
    EXPECT_HTTP(HasStatus(patch, put.status));
    EXPECT_HTTP(HasHeader(patch, "Content-Type", put.Header("Content-Type")));
    EXPECT_HTTP(Holds(patch, HeaderNames(patch) == HeaderNames(put),
                      "the headers PUT sends: " + Listed(HeaderNames(put))));
    EXPECT_HTTP(Holds(patch, comparable(patch.Json()) == comparable(put.Json()),
                      "the body PUT sends, " + comparable(put.Json()).dump() +
                          " (id, email, instance and stamps aside)"));
  }
}

// --- 405 and Allow on the routes stage 3 adds or changes, with and without the
// trailing slash (the errors suite checks /users and /health, alike in stage 2).

struct AllowCase {
  const char* path;  // $ID is a user the case creates.
  const char* allow;
  const char* rules;
};

void PrintTo(const AllowCase& value, std::ostream* out) {
  *out << value.path << " [" << value.rules << "]";
}

class AllowMethodsTest : public AcceptanceTest, public testing::WithParamInterface<AllowCase> {};

// Every method the path does not serve, OPTIONS included, is 405 with Allow.
TEST_P(AllowMethodsTest, WrongMethodIs405WithAllow) {
  const AllowCase& c = GetParam();
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = ReplaceAll(c.path, "$ID", created.Json()["id"].dump());
  const std::string served = std::string(", ") + c.allow + ",";
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (served.find(std::string(" ") + method + ",") != std::string::npos) continue;
    SCOPED_TRACE(method);
    const Exchange answer = api().Send(method, path, {{"Content-Type", "application/json"}}, "{}");
    EXPECT_HTTP(HasProblem(answer, 405));
    EXPECT_HTTP(HasHeader(answer, "Allow", c.allow));
  }
  EXPECT_PLAIN(Unchanged(api(), created.Json(), created.Header("ETag")));
}

INSTANTIATE_TEST_SUITE_P(
    Routes, AllowMethodsTest,
    testing::Values(AllowCase{"/users/$ID", "GET, PUT, PATCH, DELETE", "ALLOW-1 ALLOW-2 ALLOW-5"},
                    AllowCase{"/users/$ID/", "GET, PUT, PATCH, DELETE", "ALLOW-2 ALLOW-3 ALLOW-5"},
                    AllowCase{"/users/abc", "GET, PUT, PATCH, DELETE", "ALLOW-2 ALLOW-4"},
                    AllowCase{"/users/0/", "GET, PUT, PATCH, DELETE", "ALLOW-3 ALLOW-4"},
                    AllowCase{"/ready", "GET", "ALLOW-1 ALLOW-2 ALLOW-5"},
                    AllowCase{"/ready/", "GET", "ALLOW-2 ALLOW-3 ALLOW-5"},
                    AllowCase{"/metrics", "GET", "ALLOW-1 ALLOW-2 ALLOW-5"},
                    AllowCase{"/metrics/", "GET", "ALLOW-2 ALLOW-3 ALLOW-5"},
                    AllowCase{"/openapi.json", "GET", "ALLOW-1 ALLOW-2 ALLOW-5"},
                    AllowCase{"/openapi.json/", "GET", "ALLOW-2 ALLOW-3 ALLOW-5"},
                    AllowCase{"/docs", "GET", "ALLOW-1 ALLOW-2 ALLOW-5"},
                    AllowCase{"/docs/", "GET", "ALLOW-2 ALLOW-3 ALLOW-5"}),
    [](const testing::TestParamInfo<AllowCase>& param_info) {
      // "/users/$ID/" is UsersIdWithSlash.
      std::string name;
      bool word_start = true;
      for (const char* c = param_info.param.path; *c; ++c) {
        const unsigned char byte = static_cast<unsigned char>(*c);
        if (std::isalnum(byte)) {
          name += static_cast<char>(word_start ? std::toupper(byte) : std::tolower(byte));
        }
        word_start = !std::isalnum(byte);
        if (*c == '/' && c[1] == '\0') name += "WithSlash";
      }
      return name;
    });

SPEC_TEST_F(MethodsTest, StageThreeRoutesAcceptTrailingSlash, "CONV-3") {
  for (const char* path : {"/ready", "/metrics", "/openapi.json", "/docs"}) {
    const Exchange plain = api().Get(path);
    const Exchange slashed = api().Get(std::string(path) + "/");
    EXPECT_HTTP(HasStatus(plain, 200));
    EXPECT_HTTP(HasStatus(slashed, plain.status));
    EXPECT_HTTP(HasMediaType(
        slashed, plain.Header("Content-Type").substr(0, plain.Header("Content-Type").find(';'))));
  }
}

// --- Query strings: only GET /users reads one ----------------------------------

struct QueryStringCase {
  const char* name;
  const char* method;
  const char* path;  // $ID is a user the case creates.
  const char* body;
  int status;
};

void PrintTo(const QueryStringCase& value, std::ostream* out) {
  *out << value.name << " [CONV-10]";
}

class QueryStringMethodsTest : public TaggedUserTest,
                               public testing::WithParamInterface<QueryStringCase> {};

// A query that GET /users refuses for every parameter.
constexpr const char* kBadQuery = "?limit=0&offset=-1&q=%FF&email=%FF&min_age=2&max_age=1&limit=1";

TEST_P(QueryStringMethodsTest, OtherRoutesIgnoreTheQuery) {
  const QueryStringCase& c = GetParam();
  Exchange created;
  ASSERT_NO_FATAL_FAILURE(CreateTaggedUser(created));
  const std::string path = ReplaceAll(c.path, "$ID", created.Json()["id"].dump()) + kBadQuery;
  httplib::Headers headers;
  if (*c.body) headers.emplace("Content-Type", "application/json");
  const Exchange answer =
      api().Send(c.method, path, headers, ReplaceAll(c.body, "$EMAIL", UniqueEmail("query")));
  EXPECT_HTTP(HasStatus(answer, c.status));
  if (StartsWith(c.path, "/users") && c.status != 204) {
    EXPECT_HTTP(
        Holds(answer, !answer.Header("ETag").empty(), "the user's ETag, as without the query"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Routes, QueryStringMethodsTest,
    testing::Values(QueryStringCase{"CreateUser", "POST", "/users",
                                    R"({"name":"Query","email":"$EMAIL"})", 201},
                    QueryStringCase{"CreateUserWithSlash", "POST", "/users/",
                                    R"({"name":"Query","email":"$EMAIL"})", 201},
                    QueryStringCase{"GetUser", "GET", "/users/$ID", "", 200},
                    QueryStringCase{"GetUserWithSlash", "GET", "/users/$ID/", "", 200},
                    QueryStringCase{"PutUser", "PUT", "/users/$ID", R"({"age":5})", 200},
                    QueryStringCase{"PatchUser", "PATCH", "/users/$ID", R"({"age":5})", 200},
                    QueryStringCase{"DeleteUser", "DELETE", "/users/$ID", "", 204},
                    QueryStringCase{"Health", "GET", "/health", "", 200},
                    QueryStringCase{"Ready", "GET", "/ready", "", 200},
                    QueryStringCase{"Metrics", "GET", "/metrics", "", 200},
                    QueryStringCase{"OpenApi", "GET", "/openapi.json", "", 200},
                    QueryStringCase{"Docs", "GET", "/docs", "", 200},
                    QueryStringCase{"DocsWithSlash", "GET", "/docs/", "", 200}),
    [](const testing::TestParamInfo<QueryStringCase>& param_info) {
      return param_info.param.name;
    });

}  // namespace
}  // namespace acceptance
