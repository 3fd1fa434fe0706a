#include "target_server.hpp"

#include <httplib.h>

#include <algorithm>
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
constexpr std::size_t kMaxHealthBodyShown = 500;
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

// Polls GET /health until it answers 200. Stops at the first complete
// answer that is not 2xx (a 401 from a server that wants a key, a 404):
// waiting would not change it. Returns "" or what went wrong.
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
      last = "status " + std::to_string(result->status) + ", body: " +
             (result->body.empty() ? "(empty)" : result->body.substr(0, kMaxHealthBodyShown));
      if (result->status < 200 || result->status > 299) {
        return "GET " + base_url + "/health answered " + last +
               "; it must answer 200 once the server listens (never behind an API key or a "
               "rate limit), so the harness stopped waiting";
      }
    } else {
      last = httplib::to_string(result.error());
    }
    std::this_thread::sleep_for(kHealthPollInterval);
  }
  return "GET " + base_url + "/health did not answer 200 within " +
         std::to_string(kHealthTimeout.count()) + " s; last: " + last;
}


constexpr const char* kSanitizerMarkers[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                             "runtime error:", "WARNING: ThreadSanitizer"};
constexpr std::size_t kReportLines = 25;

// The first lines of the first sanitizer report in `output`, or "". The
// start of a report names the error and where it happened; its end is a
// legend.
std::string SanitizerReport(const std::string& output) {
  std::size_t first = std::string::npos;
  for (const char* marker : kSanitizerMarkers) first = std::min(first, output.find(marker));
  if (first == std::string::npos) return "";
  const std::size_t start = output.rfind('\n', first) == std::string::npos ? 0 : output.rfind('\n', first) + 1;
  std::size_t end = start;
  for (std::size_t lines = 0; lines < kReportLines && end != std::string::npos; ++lines) {
    end = output.find('\n', end + 1);
  }
  return output.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The part of the server's stderr that explains a failure best.
std::string TellingOutput(const ServerProcess& process, std::size_t tail_lines) {
  const std::string report = SanitizerReport(process.Stderr());
  if (!report.empty()) return "  sanitizer report (first lines):\n" + report + "\n";
  return "  stderr (last lines):\n" + process.StderrTail(tail_lines);
}

}  // namespace

std::string ServerProgramFromEnvironment() { return EnvOrEmpty("USER_API_SERVER"); }

std::string SharedServerUrlFromEnvironment() { return EnvOrEmpty("USER_API_URL"); }

std::string DescribeOptions(const StartOptions& options) {
  std::string text;
  for (const auto& [name, value] : options.environment) {
    text += (text.empty() ? "" : " ") + name + "=" + value;
  }
  for (const std::string& arg : options.extra_args) text += (text.empty() ? "" : " ") + arg;
  return text;
}

std::unique_ptr<TargetServer> TargetServer::Start(const StartOptions& options, std::string& error) {
  std::unique_ptr<TargetServer> target(new TargetServer());
  if (std::string url = SharedServerUrlFromEnvironment(); !url.empty()) {
    target->base_url_ = WithoutTrailingSlash(url);
    error = WaitUntilHealthy(target->base_url_, nullptr);
    if (!error.empty()) error = "USER_API_URL is set, but " + error;
    return error.empty() ? std::move(target) : nullptr;
  }

  target->program_ = ServerProgramFromEnvironment();
  if (target->program_.empty()) {
    error =
        "no server to test: set USER_API_SERVER to a server program (it is started with "
        "--port 0) or USER_API_URL to the base URL of a running server";
    return nullptr;
  }
  target->workdir_ = MakeWorkdir(error);
  if (target->workdir_.empty()) return nullptr;
  error = target->Launch(options);
  return error.empty() ? std::move(target) : nullptr;
}

std::string TargetServer::Launch(const StartOptions& options) {
  options_ = options;
  exit_expected_ = false;
  std::vector<std::string> args{"--port", "0"};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  command_ = program_;
  for (const std::string& arg : args) command_ += " " + arg;
  for (auto it = options.environment.rbegin(); it != options.environment.rend(); ++it) {
    command_ = it->first + "=" + it->second + " " + command_;
  }

  std::string error;
  process_ = ServerProcess::Spawn(program_, args, workdir_, options.environment, error);
  if (!process_) return error;

  auto describe_failure = [&](const std::string& what) {
    // After an exit, what it wrote may still be in the pipes.
    if (process_->HasExited()) process_->WaitForOutputEnd(std::chrono::milliseconds(500));
    return "could not start the server under test: " + what + "\n  command: " + command_ +
           "\n  data directory: " + workdir_ + "\n  stdout: " + process_->Stdout() + "\n" +
           TellingOutput(*process_, kTailLines);
  };

  const std::optional<std::string> line = process_->WaitForFirstLine(kListenTimeout);
  if (!line) {
    const std::string exit = process_->WaitForExit(std::chrono::milliseconds(100))
                                 .value_or("printed no complete line within " +
                                           std::to_string(kListenTimeout.count()) + " s");
    return describe_failure("the server " + exit +
                            " before printing 'listening on http://HOST:PORT'");
  }
  static const std::regex kListening(R"(listening on (https?://\S+))");
  std::smatch match;
  if (!std::regex_match(*line, match, kListening)) {
    return describe_failure(
        "the first line on stdout must be 'listening on http://HOST:PORT', got '" + *line + "'");
  }
  base_url_ = WithoutTrailingSlash(match[1]);
  // A server listening on every interface is reached through loopback.
  base_url_ = std::regex_replace(base_url_, std::regex(R"(//(0\.0\.0\.0|\[::\]))"),
                                 "//127.0.0.1");
  if (std::string unhealthy = WaitUntilHealthy(base_url_, process_.get()); !unhealthy.empty()) {
    return describe_failure(unhealthy);
  }
  return "";
}

std::string TargetServer::Restart() { return Restart(options_); }

std::string TargetServer::Restart(const StartOptions& options) {
  if (!spawned()) return "cannot restart a server reached by USER_API_URL";
  if (process_) {
    if (process_->HasExited() && !exit_expected_) {
      problems_ += (problems_.empty() ? "" : "; ") + std::string("the server ") +
                   process_->ExitDescription() + " during the test, before a restart";
    }
    process_->Stop();
    earlier_stderr_ += process_->Stderr();
    process_.reset();
  }
  return Launch(options);
}

bool TargetServer::Signal(int signal) {
  if (!process_) return false;
  exit_expected_ = true;
  return process_->Signal(signal);
}

std::optional<std::string> TargetServer::WaitForExit(std::chrono::milliseconds timeout) {
  if (!process_) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<std::string> exit = process_->WaitForExit(timeout);
  if (!exit) return std::nullopt;
  // The pipes close at the exit unless a child of the server holds them.
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  process_->WaitForOutputEnd(std::max(left, std::chrono::milliseconds(200)));
  return exit;
}

std::string TargetServer::Stderr() const { return process_ ? process_->Stderr() : ""; }

std::string TargetServer::StderrOfAllRuns() const { return earlier_stderr_ + Stderr(); }

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
  if (!process_) return problems_;
  std::string problem = problems_;
  problems_.clear();
  if (process_->HasExited() && !exit_expected_) {
    problem += (problem.empty() ? "" : "; ") + std::string("the server ") +
               process_->ExitDescription() + " during the test";
  }
  process_->Stop();
  const std::string output = earlier_stderr_ + process_->Stderr();
  for (const char* marker : kSanitizerMarkers) {
    if (output.find(marker) != std::string::npos) {
      problem += (problem.empty() ? "" : "; ") + std::string("a sanitizer reported '") + marker +
                 "' on the server's stderr";
    }
  }
  if (!problem.empty()) {
    problem += "\n" + TellingOutput(*process_, kTailLines * 3);
  }
  process_.reset();
  return problem;
}

}  // namespace acceptance
