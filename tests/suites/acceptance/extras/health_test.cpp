// Stage 3 acceptance suite, health (ctest label `extras-health`): GET
// /health with the stored users, uptime, storage and version, and GET
// /ready, as guide/api-spec.md specifies them.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"

namespace acceptance {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class HealthTest : public AcceptanceTest {
 protected:
  // GET /health, checked for the stage 3 shape.
  Exchange Health() const {
    const Exchange health = api().Get("/health");
    EXPECT_HTTP(HasStatus(health, 200));
    EXPECT_HTTP(HasMediaType(health, "application/json"));
    EXPECT_HTTP(HasJson(health, "/status", "ok"));
    const json body = health.Json();
    EXPECT_HTTP(Holds(health, body.is_object() && body.contains("storage") &&
                                  (body["storage"] == "memory" || body["storage"] == "sqlite" ||
                                   body["storage"] == "postgresql"),
                      R"(body.storage is "memory", "sqlite" or "postgresql")"));
    EXPECT_HTTP(Holds(health, body.is_object() && body.contains("users") &&
                                  body["users"].is_number_integer() && body["users"] >= 0,
                      "body.users is an integer, at least 0"));
    EXPECT_HTTP(Holds(health, body.is_object() && body.contains("uptime_seconds") &&
                                  body["uptime_seconds"].is_number_integer() &&
                                  body["uptime_seconds"] >= 0,
                      "body.uptime_seconds is an integer, at least 0"));
    EXPECT_HTTP(Holds(health, body.is_object() && body.contains("version") &&
                                  body["version"].is_string() && body["version"] != "",
                      "body.version is a non-empty string"));
    return health;
  }

  static std::int64_t Member(const Exchange& health, const char* name) {
    const json body = health.Json();
    if (!body.is_object() || !body.contains(name) || !body[name].is_number_integer()) return -1;
    return body[name].get<std::int64_t>();
  }
};

SPEC_TEST_F(HealthTest, HealthReportsStatusStorageUsersUptimeAndVersion,
            "HEALTH-2 HEALTH-4 HEALTH-5 HEALTH-6") {
  Health();
}

// The store under test: StartOptions for RestartServer, none for the
// server as started (in memory, or the shared one).
struct StoreCase {
  const char* name;
  std::vector<std::string> args;
  const char* rules;
};

void PrintTo(const StoreCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << "]";
}

class StoreHealthTest : public HealthTest, public testing::WithParamInterface<StoreCase> {};

// users follows creates and deletes, on each store.
SPEC_TEST_P(StoreHealthTest, HealthCountsTheStoredUsers, "HEALTH-4") {
  if (!GetParam().args.empty()) {
    REQUIRE_OWN_SERVER("starts the server with --db");
    ASSERT_PLAIN(RestartServer({GetParam().args, {}}));
  }
  const Exchange before = Health();
  const std::int64_t count = Member(before, "users");
  ASSERT_HTTP(Holds(before, count >= 0, "body.users, the number of users, a non-negative integer"));
  const Exchange first = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange after_creates = Health();
  EXPECT_HTTP(HasJson(after_creates, "/users", count + 2));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(first.Json())), 204));
  EXPECT_HTTP(HasJson(Health(), "/users", count + 1));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreHealthTest,
                         testing::Values(StoreCase{"Memory", {}, "HEALTH-4"},
                                         StoreCase{"Sqlite", {"--db", "health.db"}, "DB-2"}),
                         [](const testing::TestParamInfo<StoreCase>& param_info) {
                           return param_info.param.name;
                         });

SPEC_TEST_F(HealthTest, UptimeCountsWholeSeconds, "HEALTH-5") {
  const Exchange before = Health();
  // Without a count to start from, there is nothing to wait for.
  ASSERT_HTTP(Holds(before, Member(before, "uptime_seconds") >= 0,
                    "uptime_seconds, a whole number of seconds since the start"));
  std::this_thread::sleep_for(milliseconds(1500));
  const Exchange after = Health();
  const std::int64_t grown = Member(after, "uptime_seconds") - Member(before, "uptime_seconds");
  EXPECT_HTTP(Holds(after, Member(before, "uptime_seconds") >= 0 && grown >= 1 && grown <= 3,
                    "uptime_seconds grows by 1 or 2 over 1.5 s (it was " +
                        before.Json().value("uptime_seconds", json()).dump() + ")"));
}

SPEC_TEST_F(HealthTest, StorageNamesTheStore, "HEALTH-3 DB-1 DB-2") {
  REQUIRE_OWN_SERVER("starts the server with and without --db");
  EXPECT_HTTP(HasJson(Health(), "/storage", "memory"));
  ASSERT_PLAIN(RestartServer({{"--db", ":memory:"}, {}}));
  EXPECT_HTTP(HasJson(Health(), "/storage", "memory"));
  ASSERT_PLAIN(RestartServer({{"--db", "health.db"}, {}}));
  EXPECT_HTTP(HasJson(Health(), "/storage", "sqlite"));
}

// Overwrites FILE with zero bytes in place: same inode, same size, so a
// server that keeps it open reads the zeros; a missing FILE is skipped.
void ZeroFileInPlace(const std::string& file) {
  std::error_code error;
  const auto size = std::filesystem::file_size(file, error);
  if (error) return;
  std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
  const std::string zeros(size, '\0');
  stream.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
}

// The storage check is a read of the user count; a database file (with its
// -wal and -shm files) overwritten by zeros under the server can no longer
// be read by SQLite, in any journal mode, so that read fails.
SPEC_TEST_F(HealthTest, StorageCheckFailureIs503Unavailable,
            "HEALTH-2 HEALTH-4 HEALTH-7 HEALTH-8 READY-2 READY-3 PROB-14") {
  REQUIRE_OWN_SERVER("starts the server with --db and overwrites its file");
  ASSERT_PLAIN(RestartServer({{"--db", "broken.db"}, {}}));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  ASSERT_HTTP(HasJson(Health(), "/users", 1));
  const std::string db = server().workdir() + "/broken.db";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ZeroFileInPlace(db + suffix);

  const Exchange health = api().Get("/health");
  EXPECT_HTTP(HasStatus(health, 503));
  EXPECT_HTTP(HasMediaType(health, "application/json"));
  EXPECT_HTTP(HasJson(health, "/status", "unavailable"));
  EXPECT_HTTP(HasJson(health, "/users", nullptr));
  EXPECT_HTTP(HasJson(health, "/storage", "sqlite"));
  const Exchange ready = api().Get("/ready");
  EXPECT_HTTP(HasStatus(ready, 503));
  EXPECT_HTTP(HasMediaType(ready, "application/json"));
  EXPECT_HTTP(HasJson(ready, "", {{"status", "not_ready"}}));
  const Exchange list = api().Get("/users");
  EXPECT_HTTP(HasStatus(list, 503));
  EXPECT_HTTP(HasMediaType(list, "application/problem+json"));
  EXPECT_HTTP(HasJson(list, "/type", "/problems/service-unavailable"));
}

SPEC_TEST_F(HealthTest, ReadyAnswersReady, "READY-1 READY-3") {
  const Exchange ready = api().Get("/ready");
  ASSERT_HTTP(HasStatus(ready, 200));
  EXPECT_HTTP(HasMediaType(ready, "application/json"));
  EXPECT_HTTP(HasJson(ready, "", {{"status", "ready"}}));
}

}  // namespace
}  // namespace acceptance
