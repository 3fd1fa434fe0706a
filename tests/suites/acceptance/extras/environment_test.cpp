// Stage 3 acceptance suite, environment variables (ctest label
// `extras-environment`): USER_API_HOST, USER_API_PORT, USER_API_DB,
// USER_API_KEY, USER_API_RATE_LIMIT and USER_API_DOCS_DIR stand in for
// their flags, as guide/api-spec.md specifies them (The program). Every
// test starts the program itself, so every test skips against a shared
// server.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "acceptance_test.hpp"
#include "program_run.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using std::chrono::seconds;

// A TCP port that is free on 127.0.0.1 right now, or 0.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// A loopback address no other test uses, so that a program that falls back
// to the default port 8000 there collides with nothing.
std::string RareLoopbackAddress() {
  std::random_device random;
  return "127.77." + std::to_string(1 + random() % 254) + "." + std::to_string(1 + random() % 254);
}

// The port of the "listening on http://HOST:PORT" line in `out`, or "".
std::string ListeningPort(const std::string& out) {
  static const std::regex kListening(R"(listening on http://.*:([0-9]+)\r?\n)");
  std::smatch match;
  return std::regex_search(out, match, kListening) ? match[1].str() : "";
}

class EnvironmentTest;

// What EnvironmentTest::Shown says when the server shows no rate limit, or
// no docs folder of the test's.
constexpr const char* kNoRateLimit = "no RateLimit-Limit header";
constexpr const char* kNoMarker = "no /docs/marker.txt";

// One variable, two good values for it (one through the variable, another
// through its flag) and what the server shows of each.
struct VariableCase {
  const char* variable;
  const char* flag;
  const char* value;       // Through the variable; "{port}" is a free port.
  const char* shown;       // What the server shows of it.
  const char* flag_value;  // Through the flag; "{port2}" is another free port.
  const char* flag_shown;
  const char* absent_shown;  // With neither.
  const char* rules;
};

void PrintTo(const VariableCase& value, std::ostream* out) {
  *out << value.variable << " [" << value.rules << "]";
}

class EnvironmentTest : public AcceptanceTest,
                        public testing::WithParamInterface<VariableCase> {
 protected:
  void SetUp() override {
    AcceptanceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    REQUIRE_OWN_SERVER("starts the program with environment variables");
    port_ = std::to_string(FreePort());
    port2_ = std::to_string(FreePort());
    host_ = RareLoopbackAddress();
    for (const char* which : {"env", "flag"}) {
      const std::string dir = server().workdir() + "/" + which + "-docs";
      std::filesystem::create_directory(dir);
      std::ofstream(dir + "/marker.txt") << which;
    }
  }

  std::string Filled(const std::string& text) const {
    return ReplaceAll(ReplaceAll(text, "{port2}", port2_), "{port}", port_);
  }

  // Starts the program with `args` and `environment` (and nothing else: no
  // --port 0 for the port's case) and returns what it shows of the setting
  // under test, or why it did not start.
  std::string Observe(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& environment) {
    const VariableCase& c = GetParam();
    if (std::string(c.variable) == "USER_API_PORT") {
      std::vector<std::string> with_host{"--host", host_};
      with_host.insert(with_host.end(), args.begin(), args.end());
      const ServerProcess::Outcome run =
          RunProgramUntilStarted(with_host, server().workdir(), environment);
      const std::string port = ListeningPort(run.out);
      return port.empty() ? "no listening line; " + DescribeRun(with_host, run) : port;
    }
    // Each run on a data directory without the databases of the last one.
    server().Signal(SIGTERM);
    server().WaitForExit(seconds(10));
    for (const char* file : {"env.db", "flag.db"}) {
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(server().workdir() + "/" + file + suffix);
      }
    }
    const testing::AssertionResult started = RestartServer({args, environment});
    if (!started) return std::string("no start: ") + started.message();
    return Shown(c.variable);
  }

  // What the running server shows of `variable`'s setting.
  std::string Shown(const std::string& variable) {
    if (variable == "USER_API_HOST") {
      static const std::regex kHost(R"(^[a-z]+://(.*):[0-9]+$)");
      std::smatch match;
      return std::regex_match(api().base_url(), match, kHost) ? match[1].str() : api().base_url();
    }
    if (variable == "USER_API_DB") {
      std::string shown = api().Get("/health").Json().value("storage", "?");
      for (const char* file : {"env.db", "flag.db"}) {
        if (std::filesystem::exists(server().workdir() + "/" + file)) shown += std::string(" ") + file;
      }
      return shown;
    }
    if (variable == "USER_API_KEY") {
      if (api().Get("/users?limit=1").status == 200) return "none";
      for (const char* key : {"env-key", "flag-key"}) {
        const Exchange answer = api()
                                    .WithHeaders({{"Authorization", std::string("Bearer ") + key}})
                                    .Get("/users?limit=1");
        if (answer.status == 200) return key;
      }
      return "neither key opens GET /users";
    }
    if (variable == "USER_API_RATE_LIMIT") {
      const std::string limit = api().Get("/users?limit=1").Header("RateLimit-Limit");
      return limit.empty() ? kNoRateLimit : limit;
    }
    const Exchange marker = api().Get("/docs/marker.txt");  // USER_API_DOCS_DIR
    return marker.status == 200 ? marker.body : kNoMarker;
  }

  std::string port_;
  std::string port2_;
  std::string host_;
};

// The variable counts when its flag is absent, the flag wins when both are
// given, and a variable set but empty counts as absent.
SPEC_TEST_P(EnvironmentTest, VariableStandsInForItsFlag, "PROG-9 PROG-10 PROG-11") {
  const VariableCase& c = GetParam();
  const std::string value = Filled(c.value);
  const std::vector<std::string> flag{c.flag, Filled(c.flag_value)};
  const std::string with_variable = Observe({}, {{c.variable, value}});
  EXPECT_PLAIN(with_variable == Filled(c.shown))
      << "started with " << c.variable << "=" << value << " and no " << c.flag
      << ": the variable must count, so the server should show " << Filled(c.shown)
      << "; it showed " << with_variable;
  const std::string with_both = Observe(flag, {{c.variable, value}});
  EXPECT_PLAIN(with_both == Filled(c.flag_shown))
      << "started with " << c.variable << "=" << value << " and " << flag[0] << " " << flag[1]
      << ": the flag must win, so the server should show " << Filled(c.flag_shown)
      << "; it showed " << with_both;
  const std::string with_empty = Observe({}, {{c.variable, ""}});
  EXPECT_PLAIN(with_empty == Filled(c.absent_shown))
      << "started with " << c.variable << "= (empty) and no " << c.flag
      << ": an empty variable counts as absent, so the default holds and the server should show "
      << Filled(c.absent_shown) << "; it showed " << with_empty;
}

INSTANTIATE_TEST_SUITE_P(
    Variables, EnvironmentTest,
    testing::Values(
        VariableCase{"USER_API_HOST", "--host", "127.0.0.2", "127.0.0.2", "127.0.0.3",
                     "127.0.0.3", "127.0.0.1", "PROG-1"},
        VariableCase{"USER_API_PORT", "--port", "{port}", "{port}", "{port2}", "{port2}", "8000",
                     "PROG-3"},
        VariableCase{"USER_API_DB", "--db", "env.db", "sqlite env.db", "flag.db",
                     "sqlite flag.db", "memory", "DB-1 DB-2"},
        VariableCase{"USER_API_KEY", "--api-key", "env-key", "env-key", "flag-key", "flag-key",
                     "none", "AUTH-1"},
        VariableCase{"USER_API_RATE_LIMIT", "--rate-limit", "3", "3", "7", "7", kNoRateLimit,
                     "RATE-1"},
        VariableCase{"USER_API_DOCS_DIR", "--docs-dir", "env-docs", "env", "flag-docs", "flag",
                     kNoMarker, "DOCS-8"}),
    [](const testing::TestParamInfo<VariableCase>& param_info) {
      return ReplaceAll(param_info.param.variable, "USER_API_", "");
    });

// A bad value in a variable, and whether the program needs --port 0 so as
// not to take the default port if it ignored the variable.
struct BadValueCase {
  const char* name;
  const char* variable;
  std::string value;
  const char* flag;       // The variable's flag.
  const char* good_flag;  // A good value for it.
  const char* rules;
};

void PrintTo(const BadValueCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << "]";
}

class BadVariableEnvironmentTest : public AcceptanceTest,
                                   public testing::WithParamInterface<BadValueCase> {};

// A bad value in a variable stops the program with code 2 and a message
// naming the variable; with the flag given, the variable is not read.
SPEC_TEST_P(BadVariableEnvironmentTest, BadValueExitsWith2NamingTheVariable, "PROG-15 PROG-11") {
  REQUIRE_OWN_SERVER("starts the program with environment variables");
  const BadValueCase& c = GetParam();
  const std::map<std::string, std::string> environment{{c.variable, c.value}};
  const std::string port = std::string(c.variable) == "USER_API_PORT" ? "" : "0";
  std::vector<std::string> args{"--host", RareLoopbackAddress()};
  if (!port.empty()) args.insert(args.end(), {"--port", port});
  const ServerProcess::Outcome run = RunProgramToExit(args, server().workdir(), environment);
  const std::string shown = std::string(c.variable) + "=" + c.value + " " + DescribeRun(args, run);
  EXPECT_PLAIN(run.exit == "exited with code 2")
      << "a bad value in " << c.variable << " must stop the program with code 2\n  ran " << shown;
  EXPECT_PLAIN(run.err.find(c.variable) != std::string::npos)
      << "the message on stderr must name the variable " << c.variable
      << "; stderr does not\n  ran " << shown;

  std::vector<std::string> with_flag{"--port", "0", c.flag, c.good_flag};
  const ServerProcess::Outcome flagged =
      RunProgramUntilStarted(with_flag, server().workdir(), environment);
  EXPECT_PLAIN(!ListeningPort(flagged.out).empty())
      << c.flag << " " << c.good_flag << " is given, so " << c.variable
      << " must not be read: the program should start\n  ran " << c.variable << "=" << c.value
      << " " << DescribeRun(with_flag, flagged);
}

INSTANTIATE_TEST_SUITE_P(
    Values, BadVariableEnvironmentTest,
    testing::Values(
        BadValueCase{"PortNotANumber", "USER_API_PORT", "abc", "--port", "0", "PROG-3"},
        BadValueCase{"PortInHex", "USER_API_PORT", "0x50", "--port", "0", "PROG-4"},
        BadValueCase{"PortOf65536", "USER_API_PORT", "65536", "--port", "0", "PROG-3"},
        BadValueCase{"KeyWithSpace", "USER_API_KEY", "has space", "--api-key", "k", "AUTH-6"},
        BadValueCase{"KeyOf257Characters", "USER_API_KEY", std::string(257, 'k'), "--api-key",
                     "k", "AUTH-6"},
        BadValueCase{"RateLimitZero", "USER_API_RATE_LIMIT", "0", "--rate-limit", "5", "RATE-1"},
        BadValueCase{"RateLimitOf1000001", "USER_API_RATE_LIMIT", "1000001", "--rate-limit", "5",
                     "RATE-1"},
        BadValueCase{"RateLimitNotANumber", "USER_API_RATE_LIMIT", "many", "--rate-limit", "5",
                     "RATE-1"}),
    [](const testing::TestParamInfo<BadValueCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace acceptance
