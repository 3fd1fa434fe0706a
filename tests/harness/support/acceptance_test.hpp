// The base fixture of every acceptance test: a server for the test (or the
// shared one named by USER_API_URL), a client for it, and unique test data.
//
// A fixture that needs flags overrides ServerOptions(); its tests are then
// skipped against a shared server, which cannot be started with them. A
// test that needs a restart, a signal or the server's stderr says so with
// REQUIRE_OWN_SERVER first.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api_client.hpp"
#include "expectations.hpp"
#include "spec_rules.hpp"
#include "target_server.hpp"

namespace acceptance {

// An email address that no other test, run or process uses, so that tests
// pass against a shared, long-running server. `tag` names the test's intent.
std::string UniqueEmail(const std::string& tag);

// A local part that no other test, run or process uses: UniqueEmail's
// before the '@', for names, queries and request ids.
std::string UniqueTag(const std::string& tag);

// The path of an id that no user has: far above any id a test run assigns.
inline constexpr const char* kMissingUserPath = "/users/9000000000000000000";

// The path of a user, /users/{id}, from its JSON body. A body without an
// id fails the test (non-fatally) and gives /users/null.
std::string UserPath(const nlohmann::json& user);

// The id of the user in the response body, or 0 when the body has no
// integer id.
std::int64_t IdOf(const Exchange& exchange);

// True when `value` is a timestamp as the API writes them: RFC 3339 in UTC
// with milliseconds, e.g. 2026-11-26T12:53:51.123Z.
bool IsTimestamp(const nlohmann::json& value);

// For a failure message when a list of users misses users that exist: when
// `answer`, the last (or only) answer of GET /users, holds exactly N users,
// N a multiple of 10, and no Link header, a sentence that starts with "; "
// and says the list looks capped at N; otherwise "". A server that answers
// at most N users without a next link passes any test run on a fresh store
// and fails later ones with users missing, which says nothing of the cap.
std::string CappedListNote(const Exchange& answer);

// Passes when GET on the user's path answers 200 with exactly `before`, and
// with this ETag when `etag` is given: a refused write changed nothing.
testing::AssertionResult Unchanged(const ApiClient& api, const nlohmann::json& before,
                                   const std::string& etag = "");

// Skips the current test, from its body or its fixture's SetUp, when the
// server is reached by USER_API_URL: `why` says what the test needs that a
// shared server cannot give (a flag, a restart, a signal, its stderr).
#define REQUIRE_OWN_SERVER(why)                                                         \
  do {                                                                                   \
    if (!::acceptance::SharedServerUrlFromEnvironment().empty()) {                      \
      GTEST_SKIP() << "skipped against USER_API_URL: this test " << (why)                \
                   << ", which a shared server reached by URL cannot offer; run it with " \
                      "USER_API_SERVER instead";                                         \
    }                                                                                    \
  } while (false)

class AcceptanceTest : public testing::Test {
 protected:
  // Override to start the server with extra flags or environment. When it
  // returns any, SetUp skips the test against USER_API_URL.
  virtual StartOptions ServerOptions() const { return {}; }

  void SetUp() override;
  void TearDown() override;

  // The client of the current server run; after RestartServer it talks to
  // the new port (references taken before stay valid and follow it).
  const ApiClient& api() const { return *api_; }
  TargetServer& server() { return *server_; }

  // Restarts the started server on the same data directory (see
  // TargetServer::Restart), with the options of its current run or with
  // `options` (pass ServerOptions() to go back to the fixture's), and points
  // api() at the new base URL. Use as ASSERT_PLAIN(RestartServer()); the
  // failure says why. Not while other threads use api().
  testing::AssertionResult RestartServer();
  testing::AssertionResult RestartServer(const StartOptions& options);

  // POSTs a valid new user with a unique email; `fields` override or add
  // to {"name","email","age"}. The caller asserts the status.
  Exchange CreateUser(const nlohmann::json& fields = nlohmann::json::object()) const;

 private:
  // Points api() at the restarted server, or explains `error`.
  testing::AssertionResult Restarted(const std::string& error);

  std::unique_ptr<TargetServer> server_;
  std::optional<ApiClient> api_;
};

}  // namespace acceptance
