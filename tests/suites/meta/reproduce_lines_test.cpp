// The reproduce lines of failure messages (ReproduceCommand) run where the
// candidate is. For a request of each kind the suites send, the line is
// pasted into an interactive bash whose PATH holds only bash, curl, printf,
// cat and timeout (what a candidate's machine has after scripts/setup):
// - against a listener that records what arrives, it must send the bytes
//   the test sent (for a request sent by ApiClient::Send, the same request
//   line and body: curl writes its own headers);
// - against the server (USER_API_SERVER, a fresh one per sample), it must
//   exit 0 and show the status the test saw.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "acceptance_test.hpp"
#include "reproduce_command.hpp"
#include "temp_dir.hpp"

namespace acceptance {
namespace {

namespace fs = std::filesystem;

// The programs a line may run: bash and curl, and the coreutils it needs.
constexpr const char* kTools[] = {"bash", "curl", "printf", "cat", "timeout"};

// A request of one kind: written by hand (`raw`), or sent by
// ApiClient::Send (`method`, `path`, `headers`, `body`).
struct Sample {
  std::string name;
  std::string tool;  // What the line must send it with: "curl" or "bash".
  std::string raw;
  std::string method = "";
  std::string path = "";
  httplib::Headers headers = {};
  std::string body = "";
  std::string source = "";  // The local address to send from; "" for any.
};

void PrintTo(const Sample& sample, std::ostream* out) { *out << sample.name; }

const std::string kHead = "Host: localhost\r\nConnection: close\r\n";
const std::string kJson = "Content-Type: application/json\r\n";
const std::string kMissingUser = kMissingUserPath;

// By hand: each kind of request the suites write themselves, on routes
// where the answer does not change when it is sent again.
Sample Raw(std::string name, std::string tool, std::string raw) {
  return Sample{std::move(name), std::move(tool), std::move(raw)};
}

// Through ApiClient::Send.
Sample Sent(std::string name, std::string method, std::string path, httplib::Headers headers,
            std::string body) {
  return Sample{std::move(name), "curl", "", std::move(method), std::move(path),
                std::move(headers), std::move(body)};
}

// The sample sent from 127.0.0.2 (Linux routes 127.0.0.0/8 to loopback).
Sample FromAnotherAddress(Sample sample) {
  sample.source = "127.0.0.2";
  return sample;
}

const Sample kSamples[] = {
    Raw("TargetWithSpace", "curl", "GET /users extra HTTP/1.1\r\n" + kHead + "\r\n"),
    Raw("RequestLineWithoutVersion", "bash", "GET /users\r\n" + kHead + "\r\n"),
    Raw("UnknownVersion", "bash", "GET /users HTTP/9.9\r\n" + kHead + "\r\n"),
    Raw("UnknownMethod", "curl", "BREW /users HTTP/1.1\r\n" + kHead + "\r\n"),
    Raw("Head", "curl", "HEAD /health HTTP/1.1\r\n" + kHead + "\r\n"),
    Raw("DotSegments", "curl", "GET /users/../health HTTP/1.1\r\n" + kHead + "\r\n"),
    Raw("NoHost", "bash", "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"),
    Raw("HeaderWithEmptyValue", "bash", "GET /health HTTP/1.1\r\n" + kHead + "X-Empty:\r\n\r\n"),
    Raw("HeaderOf9000Bytes", "bash",
        "GET /health HTTP/1.1\r\n" + kHead + "X-Long: " + std::string(9000, 'a') + "\r\n\r\n"),
    Raw("RequestLineOf8193Bytes", "bash",
        "GET /health?q=" + std::string(8193 - 25, 'q') + " HTTP/1.1\r\n" + kHead + "\r\n"),
    // No Connection: close, so the server keeps the connection open after
    // its answer; the long repeat makes it a bash line, which must end.
    Raw("KeptOpen", "bash",
        "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Filler: " + std::string(100, 'f') +
            "\r\n\r\n"),
    Raw("NoContentLength", "curl", "POST /users HTTP/1.1\r\n" + kHead + kJson + "\r\n"),
    Raw("NoContentLengthOrType", "curl", "PUT " + kMissingUser + " HTTP/1.1\r\n" + kHead + "\r\n"),
    Raw("ContentLengthNotANumber", "curl",
        "POST /users HTTP/1.1\r\n" + kHead + kJson + "Content-Length: ten\r\n\r\n"),
    Raw("BodyLeftUnsent", "curl",
        "POST /users HTTP/1.1\r\n" + kHead + kJson + "Content-Length: 99999999999\r\n\r\n"),
    Raw("Chunked", "curl",
        "POST /users HTTP/1.1\r\n" + kHead + kJson +
            "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n0\r\n\r\n"),
    Raw("ChunkedEmptyInCapitals", "curl",
        "GET /health HTTP/1.1\r\n" + kHead + "Transfer-Encoding: Chunked\r\n\r\n0\r\n\r\n"),
    Raw("ChunkedInTwoChunks", "bash",
        "POST /users HTTP/1.1\r\n" + kHead + kJson +
            "Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"),
    Raw("TransferEncodingGzip", "curl",
        "POST /users HTTP/1.1\r\n" + kHead + kJson +
            "Transfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}"),
    Raw("BodyAsTextPlain", "curl",
        "POST /users HTTP/1.1\r\n" + kHead +
            "Content-Type: text/plain\r\nContent-Length: 20\r\n\r\n{\"name\":\"it's 100%\"}"),
    Raw("BodyWithoutContentType", "curl",
        "GET /health HTTP/1.1\r\n" + kHead + "Content-Length: 8\r\n\r\nnot json"),
    Raw("BodyWithInvalidUtf8", "curl",
        "PUT " + kMissingUser + " HTTP/1.1\r\n" + kHead + kJson +
            "Content-Length: 12\r\n\r\n{\"name\":\"\xff\"}"),
    Raw("BodyOverLimit", "curl",
        "POST /users HTTP/1.1\r\n" + kHead + kJson + "Content-Length: 65537\r\n\r\n{}" +
            std::string(65535, ' ')),
    Raw("BodyWithoutContentLength", "bash",
        "DELETE " + kMissingUser + " HTTP/1.1\r\n" + kHead + "\r\n{}"),
    Sent("Get", "GET", "/users/abc", {}, ""),
    FromAnotherAddress(Sent("GetFromAnotherAddress", "GET", "/users/abc", {}, "")),
    FromAnotherAddress(Raw("RequestLineWithoutVersionFromAnotherAddress", "bash",
                           "GET /users\r\n" + kHead + "\r\n")),
    Sent("GetWithDotSegments", "GET", "/users/../health", {}, ""),
    Sent("GetWithEmptyHeader", "GET", "/health", {{"X-Empty", ""}}, ""),
    Sent("PutJson", "PUT", kMissingUser, {{"Content-Type", "application/json"}}, R"({"age":1})"),
    Sent("PostWithoutBody", "POST", "/users", {{"Content-Type", "application/json"}}, ""),
    Sent("PutWithoutContentType", "PUT", kMissingUser, {}, R"({"age":1})"),
    Sent("PutWithInvalidUtf8", "PUT", kMissingUser, {{"Content-Type", "application/json"}},
         "{\"name\":\"\xc3\x28\"}"),
};

// The first program named `name` on this process's PATH, or "".
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path == nullptr ? "" : path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / name;
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// True once `received` holds a whole request: its head, then as many
// bytes as its Content-Length says (none without one).
bool IsWholeRequest(const std::string& received) {
  const std::size_t head_end = received.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  static const std::regex kLength(R"(\r\nContent-Length: *(\d+))", std::regex::icase);
  std::smatch length;
  const std::string head = received.substr(0, head_end);
  const std::size_t body = std::regex_search(head, length, kLength) ? std::stoul(length[1]) : 0;
  return received.size() >= head_end + 4 + body;
}

// Listens on 127.0.0.1 for one connection (until the line ends) and records
// what arrives, until `expected` bytes, or a whole request when `expected`
// is npos (or 3 s of silence, or the client closes); then answers 204 and
// closes.
class Recorder {
 public:
  explicit Recorder(std::size_t expected) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_, 1) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, expected] { Record(expected); });
  }
  ~Recorder() {
    Received();
    close(listener_);
  }
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // "" when it could not listen.
  std::string base_url() const {
    return port_ == 0 ? "" : "http://127.0.0.1:" + std::to_string(port_);
  }
  // What arrived; call it once the line has ended: it stops waiting for a
  // connection, and waits for a connection made to end.
  std::string Received() {
    line_ended_ = true;
    if (thread_.joinable()) thread_.join();
    return received_;
  }

 private:
  void Record(std::size_t expected) {
    for (pollfd waiting{listener_, POLLIN, 0}; poll(&waiting, 1, 100) != 1;) {
      if (line_ended_) return;
    }
    const int connection = accept(listener_, nullptr, nullptr);
    if (connection < 0) return;
    char chunk[65536];
    pollfd reading{connection, POLLIN, 0};
    const auto done = [&] {
      return expected == std::string::npos ? IsWholeRequest(received_)
                                           : received_.size() >= expected;
    };
    while (!done() && poll(&reading, 1, 3000) == 1) {
      const ssize_t n = recv(connection, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      received_.append(chunk, static_cast<std::size_t>(n));
    }
    const std::string answer = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    send(connection, answer.data(), answer.size(), MSG_NOSIGNAL);
    close(connection);
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string received_;
  std::atomic<bool> line_ended_ = false;
};

// What `line` sends the request with: "bash" (its /dev/tcp), "curl", or
// "something else".
std::string ToolOf(const std::string& line) {
  if (line.find("| bash -c 'exec 3<>/dev/tcp/") != std::string::npos) return "bash";
  if (line.starts_with("curl -i ") || line.find("| curl -i ") != std::string::npos) return "curl";
  return "something else";
}

// What a pasted line did.
struct Pasted {
  int exit_code = -1;
  std::string out;  // Its standard output.
  std::string err;  // The shell's prompts and the line's standard error.
};

std::string Explained(const std::string& line, const Pasted& pasted) {
  return "  line:      " + line + "\n  exit code: " + std::to_string(pasted.exit_code) +
         "\n  stdout:\n" + pasted.out + "\n  stderr:\n" + pasted.err + "\n";
}

class ReproduceLinesTest : public AcceptanceTest, public testing::WithParamInterface<Sample> {
 protected:
  void SetUp() override {
    AcceptanceTest::SetUp();
    const fs::path tools = dir_.path() / "bin";
    fs::create_directory(tools);
    for (const char* tool : kTools) {
      const std::string found = FindOnPath(tool);
      ASSERT_FALSE(found.empty()) << tool << " is not on PATH";
      fs::create_symlink(found, tools / tool);
    }
  }

  Exchange SendSample() const {
    const Sample& sample = GetParam();
    const ApiClient client = sample.source.empty() ? api() : api().FromSourceAddress(sample.source);
    return sample.raw.empty()
               ? client.Send(sample.method, sample.path, sample.headers, sample.body)
               : client.SendRaw(sample.raw);
  }

  // Pastes `line` into an interactive bash (history expansion and all)
  // whose PATH holds only kTools.
  Pasted Paste(const std::string& line) const {
    const fs::path script = dir_.path() / "line";
    std::ofstream(script) << line << "\n";
    const fs::path tools = dir_.path() / "bin";
    const std::string command = "timeout 60 env -i PATH='" + tools.string() + "' HOME='" +
                                dir_.path().string() + "' '" + (tools / "bash").string() +
                                "' --norc --noprofile -i <'" + script.string() + "' >'" +
                                (dir_.path() / "out").string() + "' 2>'" +
                                (dir_.path() / "err").string() + "'";
    const int status = std::system(command.c_str());
    Pasted pasted;
    pasted.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pasted.out = ReadFile(dir_.path() / "out");
    pasted.err = ReadFile(dir_.path() / "err");
    return pasted;
  }

 private:
  test_support::TempDir dir_{"reproduce_lines"};
};

TEST_P(ReproduceLinesTest, SendsTheRequestAndShowsTheStatus) {
  const Sample& sample = GetParam();
  const Exchange sent = SendSample();
  ASSERT_TRUE(sent.ok()) << "the sample got no answer: " << sent.error;
  const std::string line = ReproduceCommand(sent);
  EXPECT_EQ(ToolOf(line), sample.tool)
      << "the line sends the request with another tool than expected:\n  " << line;

  // The same bytes, to a recorder.
  Exchange recorded_exchange = sent;
  const std::string expected =
      sample.raw.empty() ? sample.method + " " + sample.path + " HTTP/1.1\r\n" : sample.raw;
  Recorder recorder(sample.raw.empty() ? std::string::npos : sample.raw.size());
  ASSERT_FALSE(recorder.base_url().empty()) << "cannot listen on 127.0.0.1";
  recorded_exchange.base_url = recorder.base_url();
  const std::string recorded_line = ReproduceCommand(recorded_exchange);
  const Pasted to_recorder = Paste(recorded_line);
  const std::string received = recorder.Received();
  if (sample.raw.empty()) {
    EXPECT_EQ(received.substr(0, received.find("\r\n") + 2), expected)
        << "the line sent another request line\n" << Explained(recorded_line, to_recorder);
    const std::size_t head_end = received.find("\r\n\r\n");
    EXPECT_EQ(head_end == std::string::npos ? "" : received.substr(head_end + 4), sample.body)
        << "the line sent another body\n" << Explained(recorded_line, to_recorder);
  } else {
    EXPECT_EQ(received, expected) << "the line sent other bytes\n"
                                  << Explained(recorded_line, to_recorder);
  }

  // The same answer, from the server.
  const Pasted pasted = Paste(line);
  EXPECT_EQ(pasted.exit_code, 0) << Explained(line, pasted);
  static const std::regex kStatusLine(R"(HTTP/1\.[01] (\d{3})[^\r\n]*)");
  std::smatch status;
  const bool answered = std::regex_search(pasted.out, status, kStatusLine,
                                          std::regex_constants::match_continuous);
  EXPECT_TRUE(answered && std::stoi(status[1]) == sent.status)
      << "expected: output that starts with the status line of " << sent.status
      << ", as the test saw\n"
      << Explained(line, pasted);
}

std::string SampleName(const testing::TestParamInfo<Sample>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Kinds, ReproduceLinesTest, testing::ValuesIn(kSamples), SampleName);

}  // namespace
}  // namespace acceptance
