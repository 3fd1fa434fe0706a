// The program contract (ctest label `contract`), shared by the starter and
// every stage: flags, the listening line, exit codes and GET /health.
// The starter passes this suite; it is what a candidate starts from.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "acceptance_test.hpp"

namespace acceptance {
namespace {

using ContractTest = AcceptanceTest;

TEST_F(ContractTest, HealthReturnsOk) {
  const Exchange health = api().Get("/health");
  ASSERT_HTTP(HasStatus(health, 200));
  EXPECT_HTTP(HasMediaType(health, "application/json"));
  EXPECT_HTTP(HasJson(health, "/status", "ok"));
}

TEST_F(ContractTest, HealthAcceptsTrailingSlash) {
  const Exchange health = api().Get("/health/");
  ASSERT_HTTP(HasStatus(health, 200));
  EXPECT_HTTP(HasJson(health, "/status", "ok"));
}

TEST_F(ContractTest, UnknownPathReturns404) {
  EXPECT_HTTP(HasStatus(api().Get("/no-such-route"), 404));
}

// Starting the program by hand, for the tests that look at how it exits.
struct ProgramRun {
  std::string exit;  // ExitDescription; "" if it was still running after 10 s.
  std::string out;
  std::string err;

  std::string Output() const { return "\n  stdout: " + out + "\n  stderr: " + err; }
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

TEST_F(ProgramTest, HelpExitsZero) {
  const ProgramRun run = RunProgram({"--help"});
  EXPECT_EQ(run.exit, "exited with code 0")
      << "`PROGRAM --help` should print usage and exit 0" << run.Output();
}

struct BadFlags {
  const char* test_name;
  std::vector<std::string> args;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BadFlags& value, std::ostream* out) { *out << value.test_name; }

class ProgramBadFlagsTest : public ProgramTest, public testing::WithParamInterface<BadFlags> {};

TEST_P(ProgramBadFlagsTest, ExitsWithCode2AndAMessage) {
  const ProgramRun run = RunProgram(GetParam().args);
  std::string command = "PROGRAM";
  for (const std::string& arg : GetParam().args) command += " " + arg;
  EXPECT_EQ(run.exit, "exited with code 2")
      << "`" << command << "` should refuse to start, with exit code 2" << run.Output();
  EXPECT_FALSE(run.err.empty())
      << "`" << command << "` should say on stderr what is wrong";
}

INSTANTIATE_TEST_SUITE_P(
    Flags, ProgramBadFlagsTest,
    testing::Values(BadFlags{"UnknownFlag", {"--no-such-flag"}},
                    BadFlags{"PortNotANumber", {"--port", "eighty"}},
                    BadFlags{"PortTooLarge", {"--port", "65536"}},
                    BadFlags{"PortNegative", {"--port", "-1"}},
                    BadFlags{"PortInHexadecimal", {"--port", "0x50"}},
                    BadFlags{"PortWithPlusSign", {"--port", "+80"}},
                    BadFlags{"PortWithoutValue", {"--port"}},
                    BadFlags{"HostEmpty", {"--host", ""}}),
    [](const testing::TestParamInfo<BadFlags>& param_info) { return param_info.param.test_name; });

// guide/api-spec.md, "The program": when a flag is repeated, the last one
// counts. Port 1 first: a server that takes the first --port, or refuses
// the repeat, does not print a listening line with a free port.
TEST_F(ProgramTest, RepeatedFlagTheLastOneCounts) {
  const std::vector<std::string> args{"--host", "127.0.0.1", "--port", "1", "--port", "0"};
  const std::string command = "PROGRAM --host 127.0.0.1 --port 1 --port 0";
  std::string error;
  const std::unique_ptr<ServerProcess> process = ServerProcess::Spawn(
      ServerProgramFromEnvironment(), args, std::filesystem::temp_directory_path().string(), {},
      error);
  ASSERT_TRUE(process) << "could not start the program: " << error;
  const std::optional<std::string> line = process->WaitForFirstLine(std::chrono::seconds(10));
  process->Stop();
  const std::string output = "\n  stdout: " + process->Stdout() + "\n  stderr: " + process->Stderr();
  ASSERT_TRUE(line) << "`" << command << "` should listen on a free port (the last --port "
                    << "counts), but printed no listening line" << output;
  const std::string prefix = "listening on http://127.0.0.1:";
  ASSERT_TRUE(line->starts_with(prefix)) << "`" << command << "` printed '" << *line
                                         << "', expected '" << prefix << "PORT'" << output;
  EXPECT_NE(line->substr(prefix.size()), "1")
      << "`" << command << "` listened on port 1: the first --port counted, not the last"
      << output;
}

// The port is held with SO_REUSEPORT, as httplib 0.11 holds it by default:
// a server that also sets SO_REUSEPORT would share the port and run.
TEST_F(ProgramTest, PortInUseExitsWithCode1) {
  const int holder = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  int yes = 1;
  ASSERT_EQ(setsockopt(holder, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof yes), 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  ASSERT_EQ(getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));

  const ProgramRun run = RunProgram({"--host", "127.0.0.1", "--port", port});
  close(holder);
  EXPECT_EQ(run.exit, "exited with code 1")
      << "with port " << port << " already taken, the program should exit 1" << run.Output();
  EXPECT_FALSE(run.err.empty()) << "it should say why on stderr";
}

}  // namespace
}  // namespace acceptance
