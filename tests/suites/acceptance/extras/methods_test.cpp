// Stage 3 acceptance suite, methods (ctest label `extras-methods`): PATCH,
// the partial PUT, and the methods and trailing slashes of stage 3's other
// routes, as guide/api-spec.md specifies them.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "field_changes.hpp"

namespace acceptance {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// PATCH applies the crud suite's table of changes, as PUT does there.
class MethodsTest : public FieldChangeTest {};

TEST_P(MethodsTest, PatchChangesOnlyTheNamedFields) {
  ChangesOnlyTheNamedFields("PATCH", "patched");
}

INSTANTIATE_TEST_SUITE_P(Fields, MethodsTest, testing::ValuesIn(FieldChanges()), FieldChangeName);

TEST_F(MethodsTest, PatchWithEmptyObjectChangesNothing) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  std::this_thread::sleep_for(milliseconds(5));  // A new stamp would differ.
  const Exchange patched = api().Patch(UserPath(created.Json()), json::object());
  ASSERT_HTTP(HasStatus(patched, 200));
  EXPECT_HTTP(HasJson(patched, "", created.Json()));
}

TEST_F(MethodsTest, PatchMovesUpdatedAtAndKeepsCreatedAt) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  std::this_thread::sleep_for(milliseconds(5));  // Past the millisecond.
  const Exchange patched = api().Patch(UserPath(created.Json()), {{"name", "Later"}});
  ASSERT_HTTP(HasStatus(patched, 200));
  const json before = created.Json();
  EXPECT_HTTP(HasJson(patched, "/created_at", before["created_at"]));
  EXPECT_HTTP(Holds(patched, patched.Json().value("updated_at", "") > before["updated_at"],
                    "body.updated_at later than " + before["updated_at"].dump()));
}

// Each body is sent with PUT and with PATCH to a fresh user: both answer
// alike (status, problem type, errors) and the user stays as it was.
TEST_F(MethodsTest, PatchRefusesWhatPutRefuses) {
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
      {"ServerSetField", R"({"id":1})", 422, {"id"}},
      {"EveryFieldWrong", R"({"name":"","email":"x","age":200,"x":1})", 422,
       {"name", "email", "age", "x"}},
      {"NotAnObject", R"([{"name":"x"}])", 422, {""}},
      {"MalformedJson", R"({"name":)", 400, {}},
      {"EmailTaken", R"({"email":)" + other.Json()["email"].dump() + "}", 409, {}},
  };
  for (const Refusal& refusal : refusals) {
    SCOPED_TRACE(refusal.name);
    for (const char* method : {"PUT", "PATCH"}) {
      const Exchange created = CreateUser();
      ASSERT_HTTP(HasStatus(created, 201));
      const Exchange answer = api().Send(method, UserPath(created.Json()),
                                         {{"Content-Type", "application/json"}}, refusal.body);
      EXPECT_HTTP(HasProblem(answer, refusal.status));
      if (refusal.status == 422) {
        EXPECT_HTTP(HasErrorFields(answer, refusal.fields));
      }
      if (refusal.status == 409) {
        EXPECT_HTTP(HasJson(answer, "/type", "/problems/email-taken"));
      }
      EXPECT_TRUE(Unchanged(api(), created.Json()));
    }
  }
}

TEST_F(MethodsTest, PatchMissingUserReturns404) {
  EXPECT_HTTP(HasProblem(api().Patch(kMissingUserPath, {{"name", "Nobody"}}), 404));
}

// The request-format checks apply to PATCH as to PUT.
TEST_F(MethodsTest, PatchRequestFormatChecks) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string head =
      "PATCH " + UserPath(created.Json()) + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  const std::string body = R"({"name":"Raw"})";
  const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n";
  EXPECT_HTTP(HasProblem(api().SendRaw(head + length + "\r\n" + body), 415));
  EXPECT_HTTP(HasProblem(
      api().SendRaw(head + "Content-Type: application/merge-patch+json\r\n" + length + "\r\n" + body),
      415));
  EXPECT_HTTP(HasProblem(api().SendRaw(head + "Content-Type: application/json\r\n\r\n"), 411));
  EXPECT_TRUE(Unchanged(api(), created.Json()));
}

TEST_F(MethodsTest, AllowHeadersListPatch) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange on_user = api().Post(UserPath(created.Json()), {{"name", "x"}});
  EXPECT_HTTP(HasProblem(on_user, 405));
  EXPECT_HTTP(HasHeader(on_user, "Allow", "GET, PUT, PATCH, DELETE"));
  const Exchange on_collection = api().Patch("/users", {{"name", "x"}});
  EXPECT_HTTP(HasProblem(on_collection, 405));
  EXPECT_HTTP(HasHeader(on_collection, "Allow", "GET, POST"));
}

TEST_F(MethodsTest, StageThreeRoutesServeOnlyGet) {
  for (const char* path : {"/ready", "/metrics", "/openapi.json", "/docs", "/ready/"}) {
    const Exchange answer = api().Post(path, json::object());
    EXPECT_HTTP(HasProblem(answer, 405));
    EXPECT_HTTP(HasHeader(answer, "Allow", "GET"));
  }
}

TEST_F(MethodsTest, StageThreeRoutesAcceptTrailingSlash) {
  for (const char* path : {"/ready", "/metrics", "/openapi.json", "/docs"}) {
    const Exchange plain = api().Get(path);
    const Exchange slashed = api().Get(std::string(path) + "/");
    EXPECT_HTTP(HasStatus(plain, 200));
    EXPECT_HTTP(HasStatus(slashed, plain.status));
    EXPECT_HTTP(HasMediaType(slashed, plain.Header("Content-Type").substr(
                                          0, plain.Header("Content-Type").find(';'))));
  }
}

}  // namespace
}  // namespace acceptance
