#include "acceptance_test.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>

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

void AcceptanceTest::SetUp() {
  std::string error;
  server_ = TargetServer::Start(ServerOptions(), error);
  ASSERT_TRUE(server_) << error;
  TargetServer* server = server_.get();
  api_.emplace(server_->base_url(), [server] { return server->OutputTail(); });
}

void AcceptanceTest::TearDown() {
  if (!server_) return;
  const std::string problem = server_->Finish();
  EXPECT_TRUE(problem.empty()) << problem;
  server_.reset();
}

Exchange AcceptanceTest::CreateUser(const nlohmann::json& fields) const {
  nlohmann::json body = {{"name", "Test User"}, {"email", UniqueEmail("user")}, {"age", 30}};
  body.update(fields);
  return api().Post("/users", body);
}

}  // namespace acceptance
