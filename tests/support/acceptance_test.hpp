// The base fixture of every acceptance test: a server for the test (or the
// shared one named by USER_API_URL), a client for it, and unique test data.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api_client.hpp"
#include "expectations.hpp"
#include "target_server.hpp"

namespace acceptance {

// An email address that no other test, run or process uses, so that tests
// pass against a shared, long-running server. `tag` names the test's intent.
std::string UniqueEmail(const std::string& tag);

class AcceptanceTest : public testing::Test {
 protected:
  // Override to start the server with extra flags or environment.
  virtual StartOptions ServerOptions() const { return {}; }

  void SetUp() override;
  void TearDown() override;

  const ApiClient& api() const { return *api_; }
  TargetServer& server() { return *server_; }

  // POSTs a valid new user with a unique email; `fields` override or add
  // to {"name","email","age"}. The caller asserts the status.
  Exchange CreateUser(const nlohmann::json& fields = nlohmann::json::object()) const;

 private:
  std::unique_ptr<TargetServer> server_;
  std::optional<ApiClient> api_;
};

}  // namespace acceptance
