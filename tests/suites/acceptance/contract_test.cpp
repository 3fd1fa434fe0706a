// The program contract (ctest label `contract`), shared by the starter and
// every stage: flags, the listening line, exit codes and GET /health.
// The starter passes this suite; it is what a candidate starts from.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "acceptance_test.hpp"
#include "table_rows.hpp"

namespace acceptance {
namespace {

using acceptance::PrintTo;  // Rows print with their rules (table_rows.hpp).
using ContractTest = AcceptanceTest;

SPEC_TEST_F(ContractTest, HealthReturnsOk, "CONV-1") {
  const Exchange health = api().Get("/health");
  ASSERT_HTTP(HasStatus(health, 200));
  EXPECT_HTTP(HasMediaType(health, "application/json"));
  EXPECT_HTTP(HasJson(health, "/status", "ok"));
}

SPEC_TEST_F(ContractTest, HealthAcceptsTrailingSlash, "CONV-3 CONV-1") {
  const Exchange health = api().Get("/health/");
  ASSERT_HTTP(HasStatus(health, 200));
  EXPECT_HTTP(HasMediaType(health, "application/json"));
  EXPECT_HTTP(HasJson(health, "/status", "ok"));
}

SPEC_TEST_F(ContractTest, UnknownPathReturns404, "ROUTE-1") {
  EXPECT_HTTP(HasStatus(api().Get("/no-such-route"), 404));
}

// Paths that name no route, whatever the method: unknown ones, and the
// forms of /health that differ from its own (the user routes' forms are in
// the crud suite). An answer with a body is a problem document.
class ContractUnroutedTest : public AcceptanceTest,
                             public testing::WithParamInterface<RouteCase> {};

SPEC_TEST_P(ContractUnroutedTest, Returns404, "ROUTE-1 CONV-1") {
  const RouteCase& unrouted = GetParam();
  const Exchange answer = unrouted.method == "GET" || unrouted.method == "DELETE"
                              ? api().Send(unrouted.method, unrouted.path)
                              : api().Send(unrouted.method, unrouted.path,
                                           {{"Content-Type", "application/json"}}, "{}");
  EXPECT_HTTP(HasStatus(answer, 404));
  if (!answer.body.empty()) {
    EXPECT_HTTP(HasMediaType(answer, "application/problem+json"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, ContractUnroutedTest,
    testing::Values(RouteCase{"Root", "GET", "/", "ROUTE-1"},
                    RouteCase{"UnknownWithGet", "GET", "/no-such-route", "ROUTE-1"},
                    RouteCase{"UnknownWithPost", "POST", "/no-such-route", "ROUTE-1"},
                    RouteCase{"UnknownWithPut", "PUT", "/no-such-route", "ROUTE-1"},
                    RouteCase{"UnknownWithPatch", "PATCH", "/no-such-route", "ROUTE-1"},
                    RouteCase{"UnknownWithDelete", "DELETE", "/no-such-route", "ROUTE-1"},
                    RouteCase{"Singular", "GET", "/user", "ROUTE-1"},
                    RouteCase{"LongerName", "GET", "/usersx", "ROUTE-1"},
                    RouteCase{"BelowAUser", "GET", "/users/1/name", "ROUTE-1"},
                    RouteCase{"BelowHealth", "GET", "/health/status", "ROUTE-1"},
                    RouteCase{"HealthWithTwoSlashes", "GET", "/health//", "CONV-4"},
                    RouteCase{"HealthCapitalised", "GET", "/Health", "CONV-5"},
                    RouteCase{"HealthInCapitals", "GET", "/HEALTH", "CONV-5"},
                    RouteCase{"HealthWithSlashInCapitals", "GET", "/HEALTH/", "CONV-5"}),
    CaseName<RouteCase>);

// Starting the program by hand, for the tests that look at how it exits.
struct ProgramRun {
  std::string exit;  // ExitDescription; "" if it was still running after 10 s.
  std::string out;
  std::string err;

  std::string Output() const { return "\n  stdout: " + out + "\n  stderr: " + err; }
  // How it ended, in words that follow "it": "exited with code 1".
  std::string Ended() const { return exit.empty() ? "was still running after 10 s" : exit; }
};

ProgramRun RunProgram(const std::vector<std::string>& args) {
  std::string error;
  std::unique_ptr<ServerProcess> process = ServerProcess::Spawn(
      ServerProgramFromEnvironment(), args, std::filesystem::temp_directory_path().string(), {},
      error);
  if (!process) return {"could not be started: " + error, "", ""};
  std::string exit = process->WaitForExit(std::chrono::seconds(10)).value_or("");
  process->Stop();
  return {exit, process->Stdout(), process->Stderr()};
}

class ProgramTest : public testing::Test {
 protected:
  void SetUp() override {
    if (ServerProgramFromEnvironment().empty()) {
      GTEST_SKIP() << "needs USER_API_SERVER: these tests start the program themselves";
    }
  }
};

SPEC_TEST_F(ProgramTest, HelpExitsZero, "PROG-6") {
  const ProgramRun run = RunProgram({"--help"});
  EXPECT_PLAIN(run.exit == "exited with code 0")
      << "`PROGRAM --help` should print usage and exit 0; it " << run.Ended() << run.Output();
  EXPECT_PLAIN(!run.out.empty()) << "`PROGRAM --help` should print its usage on stdout; stdout "
                                 << "was empty" << run.Output();
}

struct BadFlags {
  const char* name;
  std::vector<std::string> args;
  const char* rules;
};

class ProgramBadFlagsTest : public ProgramTest, public testing::WithParamInterface<BadFlags> {};

SPEC_TEST_P(ProgramBadFlagsTest, ExitsWithCode2AndAMessage, "PROG-14") {
  const ProgramRun run = RunProgram(GetParam().args);
  std::string command = "PROGRAM";
  for (const std::string& arg : GetParam().args) command += " " + arg;
  EXPECT_PLAIN(run.exit == "exited with code 2")
      << "`" << command << "` should refuse to start, with exit code 2; it " << run.Ended()
      << run.Output();
  EXPECT_PLAIN(!run.err.empty())
      << "`" << command << "` should say on stderr what is wrong; stderr was empty";
}

INSTANTIATE_TEST_SUITE_P(
    Flags, ProgramBadFlagsTest,
    testing::Values(BadFlags{"UnknownFlag", {"--no-such-flag"}, "PROG-14"},
                    BadFlags{"PositionalArgument", {"--port", "0", "extra"}, "PROG-14"},
                    BadFlags{"PortNotANumber", {"--port", "eighty"}, "PROG-3 PROG-4"},
                    BadFlags{"PortTooLarge", {"--port", "65536"}, "PROG-3"},
                    BadFlags{"PortFarTooLarge", {"--port", "70000"}, "PROG-3"},
                    BadFlags{"PortOverflowing64Bits", {"--port", "18446744073709551616"}, "PROG-3"},
                    BadFlags{"PortNegative", {"--port", "-1"}, "PROG-3 PROG-4"},
                    BadFlags{"PortInHexadecimal", {"--port", "0x50"}, "PROG-4"},
                    BadFlags{"PortWithPlusSign", {"--port", "+80"}, "PROG-4"},
                    BadFlags{"PortWithSpace", {"--port", " 80"}, "PROG-4"},
                    BadFlags{"PortWithFraction", {"--port", "80.0"}, "PROG-4"},
                    BadFlags{"PortEmpty", {"--port", ""}, "PROG-4"},
                    BadFlags{"PortWithoutValue", {"--port"}, "PROG-14"},
                    BadFlags{"PortTooLargeAfterEquals", {"--port=65536"}, "PROG-7 PROG-3"},
                    BadFlags{"PortEmptyAfterEquals", {"--port="}, "PROG-7 PROG-4"},
                    BadFlags{"RepeatedPortLastOneBad", {"--port", "0", "--port", "65536"},
                             "PROG-8 PROG-3"},
                    BadFlags{"HostEmpty", {"--host", ""}, "PROG-2"},
                    BadFlags{"HostEmptyAfterEquals", {"--host=", "--port", "0"}, "PROG-2 PROG-7"},
                    BadFlags{"HostWithoutValue", {"--host"}, "PROG-14"}),
    CaseName<BadFlags>);

// guide/api-spec.md, "The program": when a flag is repeated, the last one
// counts. Port 1 first: a server that takes the first --port, or refuses
// the repeat, does not print a listening line with a free port.
SPEC_TEST_F(ProgramTest, RepeatedFlagTheLastOneCounts, "PROG-8 PROG-5") {
  const std::vector<std::string> args{"--host", "127.0.0.1", "--port", "1", "--port", "0"};
  const std::string command = "PROGRAM --host 127.0.0.1 --port 1 --port 0";
  std::string error;
  const std::unique_ptr<ServerProcess> process = ServerProcess::Spawn(
      ServerProgramFromEnvironment(), args, std::filesystem::temp_directory_path().string(), {},
      error);
  ASSERT_PLAIN(process) << "could not start the program: " << error;
  const std::optional<std::string> line = process->WaitForFirstLine(std::chrono::seconds(10));
  process->Stop();
  const std::string output = "\n  stdout: " + process->Stdout() + "\n  stderr: " + process->Stderr();
  ASSERT_PLAIN(line) << "`" << command << "` should listen on a free port (the last --port "
                    << "counts), but printed no listening line" << output;
  const std::string prefix = "listening on http://127.0.0.1:";
  ASSERT_PLAIN(line->starts_with(prefix)) << "`" << command << "` printed '" << *line
                                          << "', expected '" << prefix << "PORT'" << output;
  EXPECT_PLAIN(line->substr(prefix.size()) != "1")
      << "`" << command << "` listened on port 1: the first --port counted, not the last"
      << output;
}

// True when this machine can listen on the IPv6 loopback address ::1.
bool CanBindIpv6Loopback() {
  const int probe = socket(AF_INET6, SOCK_STREAM, 0);
  if (probe < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  const bool bound = bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(probe);
  return bound;
}

// Command lines the program serves with: its first line names the host as
// given (an IPv6 address in brackets) and the port it bound, and /health
// answers there while it runs, so the line was not held in a buffer.
struct GoodFlags {
  const char* name;
  std::vector<std::string> args;
  std::string host;  // As the listening line writes it.
  std::string port;  // The port it must bind; "" for one the kernel chooses.
  const char* rules;
};

class ProgramListensTest : public ProgramTest, public testing::WithParamInterface<GoodFlags> {};

SPEC_TEST_P(ProgramListensTest, PrintsTheAddressAndServesThere, "PROG-12 PROG-13") {
  const GoodFlags& flags = GetParam();
  if (flags.host == "[::1]" && !CanBindIpv6Loopback()) {
    GTEST_SKIP() << "this machine cannot listen on the IPv6 loopback address ::1";
  }
  std::string command = "PROGRAM";
  for (const std::string& arg : flags.args) command += " '" + arg + "'";
  std::string error;
  const std::unique_ptr<ServerProcess> process = ServerProcess::Spawn(
      ServerProgramFromEnvironment(), flags.args, std::filesystem::temp_directory_path().string(),
      {}, error);
  ASSERT_PLAIN(process) << "could not start the program: " << error;
  const std::optional<std::string> line = process->WaitForFirstLine(std::chrono::seconds(10));
  auto output = [&] {
    return "\n  stdout: " + process->Stdout() + "\n  stderr: " + process->Stderr();
  };
  if (!line && !flags.port.empty() && process->HasExited() &&
      process->ExitDescription() == "exited with code 1") {
    GTEST_SKIP() << "port " << flags.port << " is taken on this machine: `" << command
                 << "` exited 1" << output();
  }
  ASSERT_PLAIN(line) << "`" << command << "` should serve, but printed no listening line within "
                     << "10 s" << output();
  const std::string prefix = "listening on http://" + flags.host + ":";
  ASSERT_PLAIN(line->starts_with(prefix))
      << "`" << command << "` printed '" << *line << "', expected '" << prefix << "PORT'"
      << output();
  const std::string port = line->substr(prefix.size());
  const bool in_range = !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string::npos &&
                        std::stoi(port) >= 1 && std::stoi(port) <= 65535;
  ASSERT_PLAIN(in_range) << "`" << command << "` printed '" << *line
                         << "': PORT should be the port bound, 1 to 65535" << output();
  if (!flags.port.empty()) {
    EXPECT_PLAIN(port == flags.port) << "`" << command << "` should listen on port " << flags.port
                                     << "; it listened on port " << port << output();
  }
  const ApiClient client("http://" + flags.host + ":" + port,
                         [&] { return process->StderrTail(10); });
  EXPECT_HTTP(HasStatus(client.Get("/health"), 200));
}

INSTANTIATE_TEST_SUITE_P(
    Flags, ProgramListensTest,
    testing::Values(
        GoodFlags{"DefaultHost", {"--port", "0"}, "127.0.0.1", "", "PROG-1 PROG-5"},
        GoodFlags{"HostGiven", {"--host", "127.0.0.1", "--port", "0"}, "127.0.0.1", "",
                  "PROG-1 PROG-5"},
        GoodFlags{"AnotherHost", {"--host", "127.0.0.2", "--port", "0"}, "127.0.0.2", "",
                  "PROG-1"},
        GoodFlags{"Ipv6Host", {"--host", "::1", "--port", "0"}, "[::1]", "", "PROG-1"},
        GoodFlags{"ValuesAfterEquals", {"--host=127.0.0.2", "--port=0"}, "127.0.0.2", "",
                  "PROG-7"},
        GoodFlags{"RepeatedHost", {"--host", "127.0.0.2", "--host", "127.0.0.1", "--port", "0"},
                  "127.0.0.1", "", "PROG-8"},
        GoodFlags{"DefaultPort", {"--host", "127.0.0.1"}, "127.0.0.1", "8000", "PROG-3"},
        GoodFlags{"PortBelowUpperLimit", {"--host", "127.0.0.1", "--port", "65534"}, "127.0.0.1",
                  "65534", "PROG-3"},
        GoodFlags{"PortAtUpperLimit", {"--host", "127.0.0.1", "--port", "65535"}, "127.0.0.1",
                  "65535", "PROG-3"}),
    CaseName<GoodFlags>);

// The port is held with SO_REUSEPORT, as httplib 0.11 holds it by default:
// a server that also sets SO_REUSEPORT would share the port and run.
SPEC_TEST_F(ProgramTest, PortInUseExitsWithCode1, "PROG-16") {
  const int holder = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_PLAIN(holder >= 0) << "could not open a socket to hold a port: " << strerror(errno);
  int yes = 1;
  ASSERT_PLAIN(setsockopt(holder, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof yes) == 0)
      << "could not set SO_REUSEPORT on the socket that holds a port: " << strerror(errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_PLAIN(bind(holder, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
               listen(holder, 1) == 0 &&
               getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length) == 0)
      << "could not hold a port on 127.0.0.1 for the test: " << strerror(errno);
  const std::string port = std::to_string(ntohs(address.sin_port));

  const ProgramRun run = RunProgram({"--host", "127.0.0.1", "--port", port});
  close(holder);
  EXPECT_PLAIN(run.exit == "exited with code 1") << "with port " << port
                                                 << " already taken, the program should exit 1; it "
                                                 << run.Ended() << run.Output();
  EXPECT_PLAIN(!run.err.empty()) << "with port " << port
                                 << " already taken, the program should say why on stderr; stderr "
                                    "was empty";
}

}  // namespace
}  // namespace acceptance
