#include "acceptance_test.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <regex>

namespace acceptance {

std::string UniqueEmail(const std::string& tag) {
  static const std::string run = [] {
    std::random_device entropy;
    const auto now = std::chrono::system_clock::now().time_since_epoch().count();
    return std::to_string(getpid()) + "x" + std::to_string(entropy() ^ static_cast<unsigned>(now));
  }();
  static std::atomic<unsigned> counter{0};
  return tag + "-" + run + "-" + std::to_string(++counter) + "@example.test";
}

std::string UniqueTag(const std::string& tag) {
  const std::string email = UniqueEmail(tag);
  return email.substr(0, email.find('@'));
}

std::string UserPath(const nlohmann::json& user) {
  // Checked, because indexing a const json by a missing key aborts.
  if (!user.is_object() || !user.contains("id")) {
    ADD_FAILURE() << "expected a user body with an \"id\" to build /users/{id} from, got: "
                  << user.dump();
    return "/users/null";
  }
  return "/users/" + user["id"].dump();
}

std::int64_t IdOf(const Exchange& exchange) {
  const nlohmann::json body = exchange.Json();
  if (!body.is_object() || !body.contains("id") || !body["id"].is_number_integer()) return 0;
  return body["id"].get<std::int64_t>();
}

bool IsTimestamp(const nlohmann::json& value) {
  static const std::regex kRfc3339Millis(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  return value.is_string() && std::regex_match(value.get<std::string>(), kRfc3339Millis);
}

std::string CappedListNote(const Exchange& answer) {
  const nlohmann::json body = answer.Json();
  if (!answer.ok() || !body.is_array() || body.empty() || body.size() % 10 != 0 ||
      answer.headers.count("Link")) {
    return "";
  }
  const std::string count = std::to_string(body.size());
  return "; the answer holds exactly " + count + " users and no Link header: it looks capped at " +
         count + ". Stages 1 and 2 list every user in one answer [LIST-1]; stage 3 links the " +
         "next page with rel=\"next\" [LINK-2]";
}

testing::AssertionResult Unchanged(const ApiClient& api, const nlohmann::json& before,
                                   const std::string& etag) {
  const Exchange now = api.Get(UserPath(before));
  if (auto result = HasStatus(now, 200); !result) return result;
  if (auto result = HasJson(now, "", before); !result) return result;
  if (!etag.empty()) return HasHeader(now, "ETag", etag);
  return testing::AssertionSuccess();
}

void AcceptanceTest::SetUp() {
  const StartOptions options = ServerOptions();
  if (!options.empty()) {
    REQUIRE_OWN_SERVER("starts the server with `" + DescribeOptions(options) + "`");
  }
  std::string error;
  server_ = TargetServer::Start(options, error);
  ASSERT_PLAIN(server_) << error;
  TargetServer* server = server_.get();
  api_.emplace(server_->base_url(), [server] { return server->OutputTail(); });
}

testing::AssertionResult AcceptanceTest::RestartServer() {
  if (!server_) return testing::AssertionFailure() << "no server to restart";
  return Restarted(server_->Restart());
}

testing::AssertionResult AcceptanceTest::RestartServer(const StartOptions& options) {
  if (!server_) return testing::AssertionFailure() << "no server to restart";
  return Restarted(server_->Restart(options));
}

testing::AssertionResult AcceptanceTest::Restarted(const std::string& error) {
  if (!error.empty()) return testing::AssertionFailure() << "restarting the server: " << error;
  TargetServer* server = server_.get();
  api_.emplace(server_->base_url(), [server] { return server->OutputTail(); });
  return testing::AssertionSuccess();
}

void AcceptanceTest::TearDown() {
  if (!server_) return;
  const std::string problem = server_->Finish();
  EXPECT_PLAIN(problem.empty()) << problem;
  server_.reset();
}

Exchange AcceptanceTest::CreateUser(const nlohmann::json& fields) const {
  nlohmann::json body = {{"name", "Test User"}, {"email", UniqueEmail("user")}, {"age", 30}};
  body.update(fields);
  return api().Post("/users", body);
}

}  // namespace acceptance
