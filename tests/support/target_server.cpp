#include "target_server.hpp"

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>

namespace acceptance {
namespace {

// Generous enough for a sanitizer build on a loaded two-core machine.
constexpr auto kListenTimeout = std::chrono::seconds(20);
constexpr auto kHealthTimeout = std::chrono::seconds(20);
constexpr auto kHealthPollInterval = std::chrono::milliseconds(10);
constexpr std::size_t kTailLines = 20;

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string MakeWorkdir(std::string& error) {
  std::string pattern = (std::filesystem::temp_directory_path() / "user-api-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    error = "could not create a temporary directory for the server";
    return "";
  }
  return pattern;
}

// Polls GET /health until it answers 200. Returns "" or what went wrong.
std::string WaitUntilHealthy(const std::string& base_url, ServerProcess* process) {
  const auto deadline = std::chrono::steady_clock::now() + kHealthTimeout;
  std::string last = "no answer yet";
  while (std::chrono::steady_clock::now() < deadline) {
    if (process && process->HasExited()) {
      return "the server " + process->ExitDescription() + " while the harness polled GET /health";
    }
    httplib::Client client(base_url);
    client.set_connection_timeout(1);
    client.set_read_timeout(5);
    if (httplib::Result result = client.Get("/health")) {
      if (result->status == 200) return "";
      last = "status " + std::to_string(result->status) + ", body: " + result->body;
    } else {
      last = httplib::to_string(result.error());
    }
    std::this_thread::sleep_for(kHealthPollInterval);
  }
  return "GET " + base_url + "/health did not answer 200 within " +
         std::to_string(kHealthTimeout.count()) + " s; last: " + last;
}

}  // namespace

std::string ServerProgramFromEnvironment() { return EnvOrEmpty("USER_API_SERVER"); }

std::unique_ptr<TargetServer> TargetServer::Start(const StartOptions& options, std::string& error) {
  std::unique_ptr<TargetServer> target(new TargetServer());
  if (std::string url = EnvOrEmpty("USER_API_URL"); !url.empty()) {
    target->base_url_ = WithoutTrailingSlash(url);
    error = WaitUntilHealthy(target->base_url_, nullptr);
    if (!error.empty()) error = "USER_API_URL is set, but " + error;
    return error.empty() ? std::move(target) : nullptr;
  }

  const std::string program = ServerProgramFromEnvironment();
  if (program.empty()) {
    error =
        "no server to test: set USER_API_SERVER to a server program (it is started with "
        "--port 0) or USER_API_URL to the base URL of a running server";
    return nullptr;
  }
  target->workdir_ = MakeWorkdir(error);
  if (target->workdir_.empty()) return nullptr;

  std::vector<std::string> args{"--port", "0"};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  std::string command = program;
  for (const std::string& arg : args) command += " " + arg;

  target->process_ =
      ServerProcess::Spawn(program, args, target->workdir_, options.environment, error);
  if (!target->process_) return nullptr;

  auto describe_failure = [&](const std::string& what) {
    return "could not start the server under test: " + what + "\n  command: " + command +
           "\n  stdout: " + target->process_->Stdout() + "\n  stderr (last lines):\n" +
           target->process_->StderrTail(kTailLines);
  };

  const std::optional<std::string> line = target->process_->WaitForFirstLine(kListenTimeout);
  if (!line) {
    const std::string exit = target->process_->WaitForExit(std::chrono::milliseconds(100))
                                 .value_or("printed no complete line within " +
                                           std::to_string(kListenTimeout.count()) + " s");
    error = describe_failure("the server " + exit +
                             " before printing 'listening on http://HOST:PORT'");
    return nullptr;
  }
  static const std::regex kListening(R"(listening on (https?://\S+))");
  std::smatch match;
  if (!std::regex_match(*line, match, kListening)) {
    error = describe_failure("the first line on stdout must be 'listening on http://HOST:PORT', got '" +
                             *line + "'");
    return nullptr;
  }
  target->base_url_ = WithoutTrailingSlash(match[1]);
  // A server listening on every interface is reached through loopback.
  target->base_url_ = std::regex_replace(target->base_url_, std::regex(R"(//(0\.0\.0\.0|\[::\]))"),
                                         "//127.0.0.1");
  if (std::string unhealthy = WaitUntilHealthy(target->base_url_, target->process_.get());
      !unhealthy.empty()) {
    error = describe_failure(unhealthy);
    return nullptr;
  }
  return target;
}

TargetServer::~TargetServer() {
  Finish();
  if (!workdir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(workdir_, ignored);
  }
}

std::string TargetServer::OutputTail() const {
  if (!process_) return "(the server was reached by URL; its output is not available here)";
  return process_->StderrTail(kTailLines);
}

std::string TargetServer::Finish() {
  if (!process_) return "";
  std::string problem;
  if (process_->HasExited()) {
    problem = "the server " + process_->ExitDescription() + " during the test";
  }
  process_->Stop();
  const std::string output = process_->Stderr();
  for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                             "runtime error:", "WARNING: ThreadSanitizer"}) {
    if (output.find(marker) != std::string::npos) {
      problem += (problem.empty() ? "" : "; ") + std::string("a sanitizer reported '") + marker +
                 "' on the server's stderr";
    }
  }
  if (!problem.empty()) {
    problem += "\n  server stderr (last lines):\n" + process_->StderrTail(kTailLines * 3);
  }
  process_.reset();
  return problem;
}

}  // namespace acceptance
