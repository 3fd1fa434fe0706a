// A throwaway PostgreSQL server for the store tests, one per test program,
// and a fresh database per test.
//
// Under ctest the program runs inside tests/harness/scripts/with_postgres.sh,
// which starts the cluster before it and stops it after it, even after a
// crash, and names it in USER_API_TEST_PG_DIR. A program run by hand starts its own
// with the same helper (scripts/lib/pg_cluster.sh) on first use and stops
// it when it ends.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "temp_dir.hpp"

namespace user_api {

class PgTestServer {
 public:
  // The server of this program, found or started on the first call. Throws
  // std::runtime_error with the helper's message when it cannot start, for
  // instance when the PostgreSQL server programs are not installed (the
  // message then names scripts/setup); every later call throws the same
  // at once.
  static PgTestServer& Get();

  // The URL of a database on this server.
  std::string Url(const std::string& database) const;

  // Runs one SQL command as the superuser on `database` and returns the
  // first column of its first row ("" when there is none). Throws
  // std::runtime_error when it fails.
  std::string Admin(const std::string& sql, const std::string& database = "postgres") const;

  // Stops the server (fast: sessions are ended) and starts it again on the
  // same port and data, for the tests of a database that goes away.
  void Stop() const;
  void Start() const;

  ~PgTestServer();
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

 private:
  // Uses the cluster in `dir`, or starts one in a folder of its own.
  explicit PgTestServer(std::optional<std::filesystem::path> dir);

  // Runs the cluster helper's `command` on this cluster's folder, with
  // `settings` after it, and returns its output; throws with the output
  // when it fails.
  std::string Helper(const std::string& command, const std::string& settings = "") const;

  std::optional<test_support::TempDir> own_dir_;  // Set when this program started the cluster.
  std::filesystem::path dir_;
  std::string admin_url_;
};

// A database of its own on the test server (PgTestServer::Get), dropped with
// its connections when the object goes out of scope.
class PgTestDatabase {
 public:
  PgTestDatabase();
  ~PgTestDatabase();
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

}  // namespace user_api
