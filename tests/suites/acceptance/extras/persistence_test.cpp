// Stage 3 acceptance suite, persistence (ctest label `extras-persistence`):
// the server runs with --db users.db (SQLite), and what it acknowledged
// survives a restart and kill -9, as guide/api-spec.md specifies it.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "program_run.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class PersistenceTest : public AcceptanceTest {
 protected:
  StartOptions ServerOptions() const override { return {{"--db", "users.db"}, {}}; }
};

SPEC_TEST_F(PersistenceTest, DatabaseFileIsCreatedInTheDataDirectory, "DB-2 DB-3 HEALTH-3") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_PLAIN(std::filesystem::is_regular_file(server().workdir() + "/users.db"))
      << "--db users.db should create users.db in the working directory " << server().workdir()
      << "; there is no such file";
  EXPECT_HTTP(HasJson(api().Get("/health"), "/storage", "sqlite"));
}

SPEC_TEST_F(PersistenceTest, RestartKeepsUsersUpdatesAndDeletes, "DB-5") {
  const Exchange removed = CreateUser();
  const Exchange renamed = CreateUser({{"name", "Old Name"}});
  const Exchange patched = CreateUser({{"age", 33}});
  const Exchange untouched = CreateUser({{"name", "Zo\u00eb \u674e"}, {"age", nullptr}});
  for (const Exchange* user : {&removed, &renamed, &patched, &untouched}) {
    ASSERT_HTTP(HasStatus(*user, 201));
  }
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(removed.Json())), 204));
  const Exchange renamed_now = api().Put(UserPath(renamed.Json()), {{"name", "New Name"}});
  ASSERT_HTTP(HasStatus(renamed_now, 200));
  const Exchange patched_now = api().Patch(UserPath(patched.Json()), {{"age", nullptr}});
  ASSERT_HTTP(HasStatus(patched_now, 200));

  ASSERT_PLAIN(RestartServer());
  EXPECT_HTTP(HasStatus(api().Get(UserPath(removed.Json())), 404));
  for (const Exchange* user : {&renamed_now, &patched_now, &untouched}) {
    const Exchange fetched = api().Get(UserPath(user->Json()));
    ASSERT_HTTP(HasStatus(fetched, 200));
    EXPECT_HTTP(HasJson(fetched, "", user->Json()));
  }
}

SPEC_TEST_F(PersistenceTest, RestartKeepsTheIdSequenceAfterDeletingTheNewest, "DB-6") {
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange newest = CreateUser();
  ASSERT_HTTP(HasStatus(newest, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(newest.Json())), 204));
  ASSERT_PLAIN(RestartServer());
  const Exchange next = CreateUser();
  ASSERT_HTTP(HasStatus(next, 201));
  EXPECT_HTTP(Holds(next, IdOf(next) > IdOf(newest),
                    "an id greater than " + std::to_string(IdOf(newest)) +
                        ", the newest id before the restart, although that user was deleted"));
}

SPEC_TEST_F(PersistenceTest, KillNineLosesNoAcknowledgedChange, "DB-7 DB-6") {
  constexpr int kThreads = 5;
  constexpr int kPerThread = 10;
  std::vector<Exchange> created(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        created[static_cast<std::size_t>(t * kPerThread + i)] = CreateUser();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Exchange& user : created) ASSERT_HTTP(HasStatus(user, 201));
  // The last changes come right before the kill: updates and deletes too.
  std::vector<json> expected;
  for (std::size_t i = 0; i < created.size(); ++i) {
    if (i % 10 == 8) {
      const Exchange updated = api().Patch(UserPath(created[i].Json()), {{"age", 99}});
      ASSERT_HTTP(HasStatus(updated, 200));
      expected.push_back(updated.Json());
    } else if (i % 10 == 9) {
      ASSERT_HTTP(HasStatus(api().Delete(UserPath(created[i].Json())), 204));
      expected.push_back({{"id", created[i].Json()["id"]}, {"deleted", true}});
    } else {
      expected.push_back(created[i].Json());
    }
  }
  ASSERT_PLAIN(server().Signal(SIGKILL))
      << "could not send SIGKILL to the server: it was no longer running";
  ASSERT_PLAIN(server().WaitForExit(seconds(10)))
      << "the server should die of kill -9; it was still running 10 s later";

  ASSERT_PLAIN(RestartServer());
  int lost = 0;
  for (const json& user : expected) {
    const Exchange fetched = api().Get(UserPath(user));
    if (user.contains("deleted")) {
      EXPECT_HTTP(HasStatus(fetched, 404));
    } else {
      EXPECT_HTTP(HasStatus(fetched, 200));
      EXPECT_HTTP(HasJson(fetched, "", user));
    }
    lost += fetched.status != (user.contains("deleted") ? 404 : 200);
  }
  EXPECT_PLAIN(lost == 0) << lost << " of " << expected.size()
                     << " acknowledged changes were lost after kill -9 and a restart";
  std::int64_t highest = 0;
  for (const Exchange& user : created) highest = std::max(highest, IdOf(user));
  const Exchange next = CreateUser();
  ASSERT_HTTP(HasStatus(next, 201));
  EXPECT_HTTP(Holds(next, IdOf(next) > highest,
                    "after kill -9 and a restart, an id greater than " + std::to_string(highest) +
                        ", the highest assigned before (that user was deleted)"));
}

SPEC_TEST_F(PersistenceTest, DatabaseKeepsEmailsUniqueAcrossRestart, "DB-8 DB-5") {
  const Exchange first = CreateUser();
  const Exchange second = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(second, 201));
  ASSERT_PLAIN(RestartServer());
  const std::string email = first.Json()["email"];
  const Exchange duplicate = CreateUser({{"email", Upper(email)}});
  EXPECT_HTTP(HasProblem(duplicate, 409));
  EXPECT_HTTP(HasJson(duplicate, "/type", "/problems/email-taken"));
  EXPECT_HTTP(HasProblem(api().Put(UserPath(second.Json()), {{"email", email}}), 409));
  EXPECT_PLAIN(Unchanged(api(), second.Json()));
}

SPEC_TEST_F(PersistenceTest, WithoutDbUsersLastOnlyAsLongAsTheProcess, "DB-1 HEALTH-3") {
  for (const StartOptions& memory : {StartOptions{}, StartOptions{{"--db", ":memory:"}, {}}}) {
    SCOPED_TRACE(DescribeOptions(memory).empty() ? "no --db" : DescribeOptions(memory));
    ASSERT_PLAIN(RestartServer(memory));
    EXPECT_HTTP(HasJson(api().Get("/health"), "/storage", "memory"));
    const Exchange created = CreateUser();
    ASSERT_HTTP(HasStatus(created, 201));
    ASSERT_PLAIN(RestartServer(memory));
    EXPECT_HTTP(HasStatus(api().Get(UserPath(created.Json())), 404));
  }
  EXPECT_PLAIN(!std::filesystem::exists(server().workdir() + "/:memory:"))
      << "--db :memory: must not create a file named ':memory:'; the working directory "
      << server().workdir() << " has one";
}

SPEC_TEST_F(PersistenceTest, UnusableDatabaseExitsWithCode1, "DB-4") {
  const std::string workdir = server().workdir();
  std::filesystem::create_directory(workdir + "/a-directory");
  std::ofstream(workdir + "/not-a-database.db") << std::string(4096, 'x');
  for (const char* path : {"no-such-directory/users.db", "a-directory", "not-a-database.db"}) {
    const std::vector<std::string> args{"--port", "0", "--db", path};
    const ServerProcess::Outcome run = RunProgramToExit(args, workdir);
    EXPECT_PLAIN(run.exit == "exited with code 1")
        << "a database that cannot be opened or used is a startup failure, exit code 1"
        << DescribeRun(args, run);
    EXPECT_PLAIN(!run.err.empty()) << "it should say why on stderr; stderr was empty"
                                   << DescribeRun(args, run);
  }
}

}  // namespace
}  // namespace acceptance
