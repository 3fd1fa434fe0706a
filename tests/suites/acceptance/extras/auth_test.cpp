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
  const char* rules;
};

void PrintTo(const AuthCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << "]";
}

// A server with an API key, and the checks its tests share.
class KeyedServerTest : public AcceptanceTest {
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

class AuthTest : public KeyedServerTest, public testing::WithParamInterface<AuthCase> {};

SPEC_TEST_P(AuthTest, RefusesRequestsWithoutTheKey, "AUTH-7 AUTH-8 PROB-3") {
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
    testing::Values(AuthCase{"Missing", std::nullopt, "AUTH-1"}, AuthCase{"Empty", "", "AUTH-7"},
                    AuthCase{"WrongKey", "Bearer wrong-key", "AUTH-4"},
                    AuthCase{"KeyWithOneMoreCharacter", "Bearer " + kApiKey + "x", "AUTH-4"},
                    AuthCase{"KeyWithoutItsLastCharacter",
                             "Bearer " + kApiKey.substr(0, kApiKey.size() - 1), "AUTH-4"},
                    AuthCase{"KeyInOtherCase", "Bearer " + Upper(kApiKey), "AUTH-4"},
                    AuthCase{"BasicScheme", "Basic dGVzdDp0ZXN0", "AUTH-7"},
                    AuthCase{"BasicSchemeWithTheKey", "Basic " + kApiKey, "AUTH-7"},
                    AuthCase{"TokenScheme", "Token " + kApiKey, "AUTH-7"},
                    AuthCase{"KeyWithoutScheme", kApiKey, "AUTH-7"},
                    AuthCase{"BearerWithoutToken", "Bearer", "AUTH-7"},
                    AuthCase{"BearerAndSpacesOnly", "Bearer   ", "AUTH-3 AUTH-7"},
                    AuthCase{"NoSpaceAfterBearer", "Bearer" + kApiKey, "AUTH-3"},
                    AuthCase{"TokenWithExtraPart", "Bearer " + kApiKey + " extra", "AUTH-7"},
                    AuthCase{"KeyTwice", "Bearer " + kApiKey + " " + kApiKey, "AUTH-7"},
                    AuthCase{"QuotedKey", "Bearer \"" + kApiKey + "\"", "AUTH-4"}),
    [](const testing::TestParamInfo<AuthCase>& param_info) { return param_info.param.name; });

// A user route as a request: method, path form and the status it answers
// with the key.
struct RouteCase {
  const char* name;
  const char* method;
  const char* path;  // "{user}" stands for a user this test creates.
  int status;        // With the key.
  const char* rules;
};

void PrintTo(const RouteCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << "]";
}

class RouteAuthTest : public KeyedServerTest, public testing::WithParamInterface<RouteCase> {};

// Every way to lack the key is a 401 on every user route, method and path
// form; the key opens each of them.
SPEC_TEST_P(RouteAuthTest, EveryUserRouteNeedsTheKey, "AUTH-1 AUTH-4 AUTH-7 AUTH-8") {
  const RouteCase& route = GetParam();
  const Exchange created =
      Authorized().Post("/users", {{"name", "Kept"}, {"email", UniqueEmail("kept")}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = ReplaceAll(route.path, "{user}", UserPath(created.Json()));
  const bool has_body = std::string(route.method) == "POST" || std::string(route.method) == "PUT" ||
                        std::string(route.method) == "PATCH";
  const std::string body =
      std::string(route.method) == "POST"
          ? json{{"name", "Routed"}, {"email", UniqueEmail("routed")}}.dump()
          : (has_body ? R"({"age":42})" : "");
  auto send = [&](const std::optional<std::string>& authorization) {
    httplib::Headers headers;
    if (has_body) headers.emplace("Content-Type", "application/json");
    if (authorization) headers.emplace("Authorization", *authorization);
    return api().Send(route.method, path, headers, body);
  };
  for (const std::optional<std::string>& refused :
       {std::optional<std::string>(), std::optional<std::string>("Basic " + kApiKey),
        std::optional<std::string>("Bearer"), std::optional<std::string>("Bearer " + kApiKey + " x"),
        std::optional<std::string>("Bearer wrong-" + kApiKey)}) {
    ExpectUnauthorized(send(refused));
  }
  EXPECT_PLAIN(Unchanged(Authorized(), created.Json()));
  EXPECT_HTTP(HasStatus(send("Bearer " + kApiKey), route.status));
}

INSTANTIATE_TEST_SUITE_P(
    Routes, RouteAuthTest,
    testing::Values(RouteCase{"PostUsers", "POST", "/users", 201, "AUTH-1"},
                    RouteCase{"PostUsersWithSlash", "POST", "/users/", 201, "AUTH-1 CONV-3"},
                    RouteCase{"GetUsers", "GET", "/users", 200, "AUTH-1"},
                    RouteCase{"GetUsersWithSlash", "GET", "/users/", 200, "AUTH-1 CONV-3"},
                    RouteCase{"GetUser", "GET", "{user}", 200, "AUTH-1"},
                    RouteCase{"GetUserWithSlash", "GET", "{user}/", 200, "AUTH-1 CONV-3"},
                    RouteCase{"GetMissingUser", "GET", kMissingUserPath, 404, "AUTH-1"},
                    RouteCase{"PutUser", "PUT", "{user}", 200, "AUTH-1"},
                    RouteCase{"PutUserWithSlash", "PUT", "{user}/", 200, "AUTH-1 CONV-3"},
                    RouteCase{"PatchUser", "PATCH", "{user}", 200, "AUTH-1"},
                    RouteCase{"PatchUserWithSlash", "PATCH", "{user}/", 200, "AUTH-1 CONV-3"},
                    RouteCase{"DeleteUser", "DELETE", "{user}", 204, "AUTH-1"},
                    RouteCase{"DeleteUserWithSlash", "DELETE", "{user}/", 204, "AUTH-1 CONV-3"}),
    [](const testing::TestParamInfo<RouteCase>& param_info) { return param_info.param.name; });

SPEC_TEST_F(AuthTest, SchemeIgnoresCaseAndSpacesMayRepeat, "AUTH-2", "AUTH-3") {
  for (const std::string& value : {"bearer " + kApiKey, "BEARER " + kApiKey,
                                   "bEaReR " + kApiKey, "Bearer  " + kApiKey,
                                   "Bearer    " + kApiKey}) {
    EXPECT_HTTP(HasStatus(api().Send("GET", "/users", {{"Authorization", value}}), 200));
  }
}

SPEC_TEST_F(AuthTest, OpenRoutesNeedNoKey, "AUTH-9") {
  for (const std::string route : {"/health", "/ready", "/metrics", "/openapi.json", "/docs"}) {
    for (const std::string& path : {route, route + "/"}) {
      for (const httplib::Headers& headers :
           {httplib::Headers{}, httplib::Headers{{"Authorization", "Bearer wrong-key"}}}) {
        const Exchange answer = api().Send("GET", path, headers);
        // /docs answers 503 without swagger-ui-dist, which DocsTest checks.
        EXPECT_HTTP(Holds(answer, answer.ok() && (answer.status == 200 ||
                                                  (route == "/docs" && answer.status == 503)),
                          "GET " + path + " needs no key: 200 (or 503 for /docs without "
                          "swagger-ui-dist), with or without a wrong Authorization"));
      }
    }
  }
}

// Routing errors come before authentication (see Precedence).
SPEC_TEST_F(AuthTest, RoutingComesBeforeTheKey, "AUTH-1", "ROUTE-1 ALLOW-1 CONV-8") {
  EXPECT_HTTP(HasProblem(api().Get("/no-such-route"), 404));
  EXPECT_HTTP(HasProblem(api().Delete("/users"), 405));
  EXPECT_HTTP(HasProblem(api().Get("/users/abc"), 404));
}

// A create without Content-Length and without the key is 401; with the key
// it is 411.
SPEC_TEST_F(AuthTest, KeyComesBeforeLengthRequired, "PREC-8") {
  const std::string request =
      "POST /users HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
      "Content-Type: application/json\r\n";
  ExpectUnauthorized(api().SendRaw(request + "\r\n"));
  EXPECT_HTTP(HasProblem(api().SendRaw(request + "Authorization: Bearer " + kApiKey + "\r\n\r\n"),
                         411));
}

// A key for --api-key, and whether the program must take it.
struct KeyCase {
  const char* name;
  std::string key;
  bool valid;
  const char* rules;
};

void PrintTo(const KeyCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << "]";
}

class KeyFormatAuthTest : public KeyedServerTest, public testing::WithParamInterface<KeyCase> {};

// A key of 1 to 256 characters from [A-Za-z0-9-._~+/], then '='s, starts a
// server that takes exactly it; any other stops the program with code 2.
SPEC_TEST_P(KeyFormatAuthTest, KeyIsCheckedAtStartup, "AUTH-6 PROG-14") {
  const std::string& key = GetParam().key;
  if (!GetParam().valid) {
    const std::vector<std::string> args{"--port", "0", "--api-key", key};
    const ServerProcess::Outcome run = RunProgramToExit(args, server().workdir());
    EXPECT_PLAIN(run.exit == "exited with code 2")
        << "a key outside [A-Za-z0-9-._~+/]{1,256} then '='s must stop the program with code 2"
        << DescribeRun(args, run);
    EXPECT_PLAIN(!run.err.empty()) << "it should say why on stderr; stderr was empty"
                                   << DescribeRun(args, run);
    return;
  }
  ASSERT_PLAIN(RestartServer({{"--api-key", key}, {}}));
  EXPECT_HTTP(HasStatus(Authorized(key).Get("/users"), 200));
  ExpectUnauthorized(Authorized(key + "k").Get("/users"));
  ExpectUnauthorized(api().Get("/users"));
}

INSTANTIATE_TEST_SUITE_P(
    Keys, KeyFormatAuthTest,
    testing::Values(KeyCase{"OneCharacter", "k", true, "AUTH-4 AUTH-6"},
                    KeyCase{"Of255Characters", std::string(255, 'k'), true, "AUTH-6"},
                    KeyCase{"Of256Characters", std::string(256, 'k'), true, "AUTH-4 AUTH-6"},
                    KeyCase{"Uppercase", "ABCXYZ", true, "AUTH-6"},
                    KeyCase{"Lowercase", "abcxyz", true, "AUTH-6"},
                    KeyCase{"Digits", "0123456789", true, "AUTH-6"},
                    KeyCase{"Hyphen", "-", true, "AUTH-6"},
                    KeyCase{"Dot", ".", true, "AUTH-6"},
                    KeyCase{"Underscore", "_", true, "AUTH-6"},
                    KeyCase{"Tilde", "~", true, "AUTH-6"},
                    KeyCase{"Plus", "+", true, "AUTH-6"},
                    KeyCase{"Slash", "/", true, "AUTH-6"},
                    KeyCase{"OneTrailingEquals", "abc=", true, "AUTH-6"},
                    KeyCase{"SeveralTrailingEquals", "abc===", true, "AUTH-6"},
                    KeyCase{"EveryAllowedCharacter", kApiKey, true, "AUTH-6"},
                    KeyCase{"Empty", "", false, "AUTH-6"},
                    KeyCase{"Of257Characters", std::string(257, 'k'), false, "AUTH-6"},
                    KeyCase{"OnlyEquals", "=", false, "AUTH-6"},
                    KeyCase{"LeadingEquals", "=abc", false, "AUTH-6"},
                    KeyCase{"EqualsInside", "ab=c", false, "AUTH-6"},
                    KeyCase{"Space", "has space", false, "AUTH-6"},
                    KeyCase{"Semicolon", "semi;colon", false, "AUTH-6"},
                    KeyCase{"Colon", "user:pass", false, "AUTH-6"},
                    KeyCase{"Percent", "per%20cent", false, "AUTH-6"},
                    KeyCase{"NonAscii", "k\xc3\xa9y", false, "AUTH-6"}),
    [](const testing::TestParamInfo<KeyCase>& param_info) { return param_info.param.name; });

// Without a key nothing needs Authorization, and any value of it is ignored.
SPEC_TEST_F(AuthTest, WithoutAKeyAuthorizationIsIgnored, "AUTH-10") {
  ASSERT_PLAIN(RestartServer(StartOptions{}));
  for (const std::string& value : {std::string("Bearer wrong-key"), std::string("Basic dGVzdA=="),
                                   std::string("Bearer"), std::string("")}) {
    const ApiClient client = api().WithHeaders({{"Authorization", value}});
    const Exchange created =
        client.Post("/users", {{"name", "Open"}, {"email", UniqueEmail("open")}});
    EXPECT_HTTP(HasStatus(created, 201));
    EXPECT_HTTP(HasStatus(client.Get(UserPath(created.Json())), 200));
    EXPECT_HTTP(HasStatus(client.Get("/users?limit=1"), 200));
  }
  EXPECT_HTTP(HasStatus(api().Get("/users?limit=1"), 200));
}

SPEC_TEST_F(AuthTest, KeyNeverReachesTheLog, "LOG-9") {
  const std::string wrong = "wrong-" + UniqueTag("token");
  ASSERT_HTTP(HasStatus(Authorized().Get("/users"), 200));
  ASSERT_HTTP(HasStatus(
      Authorized().Post("/users", {{"name", "Logged"}, {"email", UniqueEmail("logged")}}), 201));
  ExpectUnauthorized(Authorized(wrong).Get("/users"));
  ExpectUnauthorized(api().Get("/users"));
  std::this_thread::sleep_for(milliseconds(200));  // For the last log lines.
  const std::string output = server().StderrOfAllRuns();
  ASSERT_PLAIN(output.find("\"request\"") != std::string::npos)
      << "the log should have request lines; stderr has none\n  stderr:\n"
      << LastLines(output, 20);
  EXPECT_PLAIN(output.find(kApiKey) == std::string::npos)
      << "the log must not hold the API key; stderr holds it\n  stderr:\n"
      << LastLines(output, 20);
  EXPECT_PLAIN(output.find(wrong) == std::string::npos)
      << "the log must not hold tokens; stderr holds the token of an Authorization header\n  stderr:\n"
      << LastLines(output, 20);
}

}  // namespace
}  // namespace acceptance
