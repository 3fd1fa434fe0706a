#include "in_process_app.hpp"

#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <utility>

#include "app.hpp"
#include "store/memory_user_store.hpp"

namespace fuzz {
namespace {

// No swagger-ui-dist there: /docs answers 503 and its files 404, without
// reading megabytes of JavaScript for each request.
constexpr const char* kDocsDir = "/nonexistent/swagger-ui-dist";

// Lends out httplib's processing of one request read from a stream.
class StreamServer : public httplib::Server {
 public:
  using httplib::Server::process_request;
};

// One connection: reads from the client's bytes, collects what the server
// writes.
class ConnectionStream final : public httplib::Stream {
 public:
  explicit ConnectionStream(std::string_view input) : input_(input) {}

  bool has_more() const { return read_ < input_.size(); }
  std::size_t read_so_far() const { return read_; }

  // What the server wrote since the last call.
  std::string TakeWritten() { return std::exchange(written_, {}); }

  bool is_readable() const override { return has_more(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, input_.size() - read_);
    std::copy_n(input_.data() + read_, n, ptr);
    read_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    written_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "192.0.2.7";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8000;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  std::string_view input_;
  std::size_t read_ = 0;
  std::string written_;
};

// Points `stderr`, where the server logs, at a buffer while it lives.
class LogCapture {
 public:
  LogCapture() : saved_(stderr), capture_(open_memstream(&buffer_, &size_)) {
    if (!capture_) throw std::runtime_error("open_memstream failed");
    stderr = capture_;
  }
  ~LogCapture() {
    stderr = saved_;
    std::fclose(capture_);
    std::free(buffer_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The lines logged since the last call; a last line without its newline
  // is kept as it is.
  std::vector<std::string> TakeLines() {
    std::fflush(capture_);
    std::vector<std::string> lines;
    const std::string_view text(buffer_, size_);
    while (taken_ < text.size()) {
      const auto end = std::min(text.find('\n', taken_), text.size());
      lines.emplace_back(text.substr(taken_, end - taken_));
      taken_ = end + 1;
    }
    return lines;
  }

 private:
  FILE* saved_;
  char* buffer_ = nullptr;
  std::size_t size_ = 0;
  FILE* capture_;
  std::size_t taken_ = 0;
};

}  // namespace

// Stage 3's App (app.hpp), as main.cpp serves it, on an in-memory store.
// The routes hold on to the App, so starting over makes a new App in the
// same place, in its optional: since C++20 the references then refer to
// the new object (it is "transparently replaceable", [basic.life]).
// Installing the routes again instead would cost more than serving most
// inputs: httplib compiles a regex for each.
struct InProcessApp::Parts {
  explicit Parts(const InProcessSettings& settings)
      : app(std::in_place, OptionsFor(settings), std::make_unique<user_api::MemoryUserStore>()) {
    app->Install(server);
  }

  void Reset(const InProcessSettings& settings) {
    app.reset();
    app.emplace(OptionsFor(settings), std::make_unique<user_api::MemoryUserStore>());
  }

  static user_api::Options OptionsFor(const InProcessSettings& settings) {
    user_api::Options options;
    options.api_key = settings.api_key;
    options.rate_limit = settings.rate_limit;
    options.docs_dir = kDocsDir;
    return options;
  }

  std::optional<user_api::App> app;
  StreamServer server;
};

InProcessApp::InProcessApp(const InProcessSettings& settings)
    : parts_(std::make_unique<Parts>(settings)) {}
InProcessApp::~InProcessApp() = default;

void InProcessApp::Reset(const InProcessSettings& settings) { parts_->Reset(settings); }

std::vector<Exchange> InProcessApp::ServeConnection(std::string_view bytes,
                                                    std::size_t max_requests) {
  ConnectionStream connection(bytes);
  LogCapture log;
  std::vector<Exchange> exchanges;
  // As httplib's process_server_socket_core, with "the socket has more to
  // read" for its keep-alive wait.
  for (std::size_t left = max_requests; left > 0 && connection.has_more(); --left) {
    bool connection_closed = false;
    Exchange exchange;
    const std::size_t start = connection.read_so_far();
    const bool keep_going = parts_->server.process_request(
        connection, /*close_connection=*/left == 1, connection_closed,
        [&exchange](httplib::Request& req) {
          exchange.parsed = true;
          exchange.method = req.method;
          exchange.path = req.path;
        });
    exchange.request = std::string(bytes.substr(start, connection.read_so_far() - start));
    exchange.response = connection.TakeWritten();
    exchange.log_lines = log.TakeLines();
    if (!exchange.response.empty() || !exchange.log_lines.empty()) {
      exchanges.push_back(std::move(exchange));
    }
    if (!keep_going || connection_closed) break;
  }
  return exchanges;
}

std::string InProcessApp::RenderMetrics() const { return parts_->app->RenderMetrics(); }

}  // namespace fuzz
