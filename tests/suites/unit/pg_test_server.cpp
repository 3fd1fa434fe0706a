#include "pg_test_server.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <stdio.h>   // popen
#include <stdlib.h>  // getenv
#include <unistd.h>  // getpid

#include <atomic>
#include <mutex>
#include <stdexcept>

#ifndef USER_API_PG_CLUSTER
#error "USER_API_PG_CLUSTER must name scripts/lib/pg_cluster.sh"
#endif

namespace user_api {
namespace {

// A cluster that is thrown away need not wait for the disk.
constexpr const char* kFastSettings = "fsync=off synchronous_commit=off full_page_writes=off";

std::string ShellQuoted(const std::string& word) {
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string TrimmedEnd(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Runs a shell command; returns its exit status and what it wrote to
// stdout and stderr.
std::pair<int, std::string> Run(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string output;
  char buffer[4096];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  return {pclose(pipe), output};
}

std::mutex server_mutex;
std::unique_ptr<PgTestServer> server;  // Guarded by server_mutex.
std::string server_failure;            // Guarded by server_mutex.

// Stops a cluster this program started when the tests are done.
class StopServerAtTheEnd : public testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard lock(server_mutex);
    server.reset();
  }
};
testing::Environment* const stop_server_at_the_end =
    testing::AddGlobalTestEnvironment(new StopServerAtTheEnd);

}  // namespace

PgTestServer& PgTestServer::Get() {
  std::lock_guard lock(server_mutex);
  if (server) return *server;
  if (!server_failure.empty()) throw std::runtime_error(server_failure);
  try {
    const char* given = getenv("USER_API_TEST_PG_DIR");
    server.reset(new PgTestServer(given && *given ? std::optional<std::filesystem::path>(given)
                                                  : std::nullopt));
  } catch (const std::exception& error) {
    server_failure = std::string("no PostgreSQL server for the tests: ") + error.what();
    throw std::runtime_error(server_failure);
  }
  return *server;
}

PgTestServer::PgTestServer(std::optional<std::filesystem::path> dir) {
  if (dir) {
    dir_ = *dir;
    admin_url_ = TrimmedEnd(Helper("url"));
  } else {
    own_dir_.emplace("user_api_pg");
    dir_ = own_dir_->path();
    const std::string output = TrimmedEnd(Helper("start", kFastSettings));
    admin_url_ = output.substr(output.rfind('\n') + 1);  // The URL is the last line.
  }
}

PgTestServer::~PgTestServer() {
  if (!own_dir_) return;
  try {
    Helper("stop");
  } catch (const std::exception& error) {
    ADD_FAILURE() << "could not stop the test's PostgreSQL server: " << error.what();
  }
}

std::string PgTestServer::Helper(const std::string& command, const std::string& settings) const {
  const std::string line = ShellQuoted(USER_API_PG_CLUSTER) + " " + command + " " +
                           ShellQuoted(dir_.string()) + " " + settings;
  const auto [status, output] = Run(line);
  if (status != 0) throw std::runtime_error(line + " failed:\n" + output);
  return output;
}

std::string PgTestServer::Url(const std::string& database) const {
  return admin_url_.substr(0, admin_url_.rfind('/') + 1) + database;
}

std::string PgTestServer::Admin(const std::string& sql, const std::string& database) const {
  PGconn* conn = PQconnectdb(Url(database).c_str());
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  std::string value;
  if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) value = PQgetvalue(result, 0, 0);
  const std::string error = PQerrorMessage(conn);
  PQclear(result);
  PQfinish(conn);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error("\"" + sql + "\" failed: " + error);
  }
  return value;
}

void PgTestServer::Stop() const { Helper("stop"); }

void PgTestServer::Start() const { Helper("start"); }

PgTestDatabase::PgTestDatabase() {
  static std::atomic<int> count = 0;
  name_ = "test_" + std::to_string(getpid()) + "_" + std::to_string(++count);
  const PgTestServer& server = PgTestServer::Get();
  server.Admin("CREATE DATABASE " + name_);
  url_ = server.Url(name_);
}

PgTestDatabase::~PgTestDatabase() {
  try {
    PgTestServer::Get().Admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& error) {
    ADD_FAILURE() << "could not drop the test database " << name_ << ": " << error.what();
  }
}

}  // namespace user_api
