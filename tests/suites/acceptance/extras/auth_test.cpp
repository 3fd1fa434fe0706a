// Stage 3 acceptance suite, authentication (ctest label `extras-auth`):
// the server runs with --api-key, and every user route asks for
// "Authorization: Bearer KEY", as guide/api-spec.md specifies it.
//
// No request header value here holds a %XX escape: cpp-httplib 0.11
// percent-decodes request header values before a server sees them, so a
// server built on it could not tell "Bearer%20KEY" from "Bearer KEY".
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "program_run.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// Every character a key may have, and trailing '='.
const std::string kApiKey = "test-Key_0.9~+/xyz==";

// An Authorization header to send, or none.
struct AuthCase {
  const char* name;
  std::optional<std::string> authorization;
};

void PrintTo(const AuthCase& value, std::ostream* out) { *out << value.name; }

class AuthTest : public AcceptanceTest, public testing::WithParamInterface<AuthCase> {
 protected:
  StartOptions ServerOptions() const override { return {{"--api-key", kApiKey}, {}}; }

  // A client that sends the right key.
  ApiClient Authorized(const std::string& key = kApiKey) const {
    return api().WithHeaders({{"Authorization", "Bearer " + key}});
  }

  // Checks a 401 for a missing or wrong key.
  static void ExpectUnauthorized(const Exchange& answer) {
    EXPECT_HTTP(HasProblem(answer, 401));
    EXPECT_HTTP(HasJson(answer, "/type", "/problems/unauthorized"));
    EXPECT_HTTP(Holds(answer, StartsWith(answer.Header("WWW-Authenticate"), "Bearer"),
                      "a WWW-Authenticate header starting with \"Bearer\""));
  }
};

TEST_P(AuthTest, RefusesRequestsWithoutTheKey) {
  const std::string email = UniqueEmail("refused");
  httplib::Headers headers{{"Content-Type", "application/json"}};
  if (GetParam().authorization) headers.emplace("Authorization", *GetParam().authorization);
  const Exchange answer = api().Send("POST", "/users", headers,
                                     json{{"name", "Intruder"}, {"email", email}}.dump());
  ExpectUnauthorized(answer);
  const UserListing listing = Authorized().ListAllUsers();
  ASSERT_HTTP(Holds(listing.last, listing.complete, "every page of GET /users answers 200"));
  const bool stored = std::any_of(listing.users.begin(), listing.users.end(),
                                  [&](const json& user) { return user.value("email", "") == email; });
  EXPECT_HTTP(Holds(listing.last, !stored, "no user with " + email + " after the refused create"));
}

INSTANTIATE_TEST_SUITE_P(
    Keys, AuthTest,
    testing::Values(AuthCase{"Missing", std::nullopt}, AuthCase{"Empty", ""},
                    AuthCase{"WrongKey", "Bearer wrong-key"},
                    AuthCase{"KeyWithOneMoreCharacter", "Bearer " + kApiKey + "x"},
                    AuthCase{"KeyWithoutItsLastCharacter",
                             "Bearer " + kApiKey.substr(0, kApiKey.size() - 1)},
                    AuthCase{"KeyInOtherCase", "Bearer " + Upper(kApiKey)},
                    AuthCase{"BasicScheme", "Basic dGVzdDp0ZXN0"},
                    AuthCase{"BasicSchemeWithTheKey", "Basic " + kApiKey},
                    AuthCase{"TokenScheme", "Token " + kApiKey},
                    AuthCase{"KeyWithoutScheme", kApiKey},
                    AuthCase{"BearerWithoutToken", "Bearer"},
                    AuthCase{"BearerAndSpacesOnly", "Bearer   "},
                    AuthCase{"NoSpaceAfterBearer", "Bearer" + kApiKey},
                    AuthCase{"TokenWithExtraPart", "Bearer " + kApiKey + " extra"},
                    AuthCase{"KeyTwice", "Bearer " + kApiKey + " " + kApiKey},
                    AuthCase{"QuotedKey", "Bearer \"" + kApiKey + "\""}),
    [](const testing::TestParamInfo<AuthCase>& param_info) { return param_info.param.name; });

TEST_F(AuthTest, TheKeyOpensEveryUserRoute) {
  const ApiClient client = Authorized();
  const Exchange created =
      client.Post("/users", {{"name", "Member"}, {"email", UniqueEmail("member")}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = UserPath(created.Json());
  EXPECT_HTTP(HasStatus(client.Get("/users"), 200));
  EXPECT_HTTP(HasStatus(client.Get("/users/"), 200));
  EXPECT_HTTP(HasStatus(client.Get(path), 200));
  EXPECT_HTTP(HasStatus(client.Put(path, {{"age", 40}}), 200));
  EXPECT_HTTP(HasStatus(client.Patch(path, {{"age", 41}}), 200));
  EXPECT_HTTP(HasStatus(client.Delete(path), 204));
  EXPECT_HTTP(HasStatus(client.Get(path), 404));
}

TEST_F(AuthTest, SchemeIgnoresCaseAndSpacesMayRepeat) {
  for (const std::string& value : {"bearer " + kApiKey, "BEARER " + kApiKey,
                                   "bEaReR " + kApiKey, "Bearer    " + kApiKey}) {
    EXPECT_HTTP(HasStatus(api().Send("GET", "/users", {{"Authorization", value}}), 200));
  }
}

TEST_F(AuthTest, EveryUserRouteNeedsTheKey) {
  const Exchange created =
      Authorized().Post("/users", {{"name", "Kept"}, {"email", UniqueEmail("kept")}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = UserPath(created.Json());
  ExpectUnauthorized(api().Get("/users"));
  ExpectUnauthorized(api().Get("/users/?limit=1"));
  ExpectUnauthorized(api().Get(path));
  ExpectUnauthorized(api().Put(path, {{"name", "Changed"}}));
  ExpectUnauthorized(api().Patch(path, {{"name", "Changed"}}));
  ExpectUnauthorized(api().Delete(path));
  ExpectUnauthorized(api().Get(kMissingUserPath));
  EXPECT_TRUE(Unchanged(Authorized(), created.Json()));
}

TEST_F(AuthTest, OpenRoutesNeedNoKey) {
  for (const char* path : {"/health", "/ready", "/metrics", "/openapi.json"}) {
    EXPECT_HTTP(HasStatus(api().Get(path), 200));
  }
  const Exchange docs = api().Get("/docs");
  EXPECT_HTTP(Holds(docs, docs.ok() && docs.status != 401,
                    "GET /docs needs no key (200, or 503 without swagger-ui-dist)"));
}

// Routing errors come before authentication (see Precedence).
TEST_F(AuthTest, RoutingComesBeforeTheKey) {
  EXPECT_HTTP(HasProblem(api().Get("/no-such-route"), 404));
  EXPECT_HTTP(HasProblem(api().Delete("/users"), 405));
  EXPECT_HTTP(HasProblem(api().Get("/users/abc"), 404));
}

TEST_F(AuthTest, KeyFromTheEnvironmentAndTheFlagWins) {
  const std::string env_key = "env-key-" + UniqueTag("k");
  ASSERT_TRUE(RestartServer({{}, {{"USER_API_KEY", env_key}}}));
  ExpectUnauthorized(api().Get("/users"));
  EXPECT_HTTP(HasStatus(Authorized(env_key).Get("/users"), 200));

  ASSERT_TRUE(RestartServer({{"--api-key", kApiKey}, {{"USER_API_KEY", env_key}}}));
  ExpectUnauthorized(Authorized(env_key).Get("/users"));
  EXPECT_HTTP(HasStatus(Authorized().Get("/users"), 200));

  // A variable that is set but empty counts as absent: no key at all.
  ASSERT_TRUE(RestartServer({{}, {{"USER_API_KEY", ""}}}));
  EXPECT_HTTP(HasStatus(api().Get("/users"), 200));
}

TEST_F(AuthTest, LongestKeyIsAccepted) {
  const std::string key(256, 'k');
  ASSERT_TRUE(RestartServer({{"--api-key", key}, {}}));
  EXPECT_HTTP(HasStatus(Authorized(key).Get("/users"), 200));
  ExpectUnauthorized(Authorized(key + "k").Get("/users"));
}

TEST_F(AuthTest, InvalidKeyExitsWithCode2) {
  for (const std::string& key : {std::string("has space"), std::string(257, 'k'),
                                 std::string("=abc"), std::string("ab=c"), std::string(""),
                                 std::string("k\xc3\xa9y"), std::string("semi;colon")}) {
    const std::vector<std::string> args{"--port", "0", "--api-key", key};
    const ServerProcess::Outcome run = RunProgramToExit(args, server().workdir());
    EXPECT_EQ(run.exit, "exited with code 2")
        << "a key outside [A-Za-z0-9-._~+/]{1,256} then '='s must stop the program with code 2"
        << DescribeRun(args, run);
    EXPECT_FALSE(run.err.empty()) << "it should say why on stderr" << DescribeRun(args, run);
  }
}

TEST_F(AuthTest, KeyNeverReachesTheLog) {
  const std::string wrong = "wrong-" + UniqueTag("token");
  ASSERT_HTTP(HasStatus(Authorized().Get("/users"), 200));
  ASSERT_HTTP(HasStatus(
      Authorized().Post("/users", {{"name", "Logged"}, {"email", UniqueEmail("logged")}}), 201));
  ExpectUnauthorized(Authorized(wrong).Get("/users"));
  ExpectUnauthorized(api().Get("/users"));
  std::this_thread::sleep_for(milliseconds(200));  // For the last log lines.
  const std::string output = server().StderrOfAllRuns();
  ASSERT_NE(output.find("\"request\""), std::string::npos)
      << "the log should have request lines\n  stderr:\n"
      << LastLines(output, 20);
  EXPECT_EQ(output.find(kApiKey), std::string::npos)
      << "stderr holds the API key\n  stderr:\n" << LastLines(output, 20);
  EXPECT_EQ(output.find(wrong), std::string::npos)
      << "stderr holds the token of an Authorization header\n  stderr:\n"
      << LastLines(output, 20);
}

}  // namespace
}  // namespace acceptance
