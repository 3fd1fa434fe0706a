#include "in_process_app.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <utility>

#include "http/docs.hpp"
#include "http/http_routes.hpp"
#include "http/request_checks.hpp"
#include "observability/metrics.hpp"
#include "service/user_service.hpp"
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

// Stage 3 as main.cpp wires it, on an in-memory store. The routes hold on
// to server_parts, which holds on to the service and the metrics, so
// starting over makes those two anew in the same place, in their optionals:
// since C++20 the references then refer to the new objects (they are
// "transparently replaceable", [basic.life]). Registering the routes again
// instead would cost more than serving most inputs: it compiles a regex for
// each.
struct InProcessApp::Parts {
  Parts()
      : service(std::in_place, *store),
        metrics(std::in_place),
        server_parts{*service, *metrics, docs, {}, std::chrono::steady_clock::now(), shutting_down} {
    // As main.cpp's ConfigureServer: the backstop on the body's size.
    server.set_payload_max_length(user_api::kMaxBodyBytes);
    user_api::RegisterRoutes(server, server_parts);
  }

  void Reset(const InProcessSettings& settings) {
    service.reset();
    store = std::make_unique<user_api::MemoryUserStore>();
    service.emplace(*store);
    metrics.emplace();
    limiter.reset();
    if (settings.rate_limit > 0) limiter.emplace(settings.rate_limit);
    server_parts.gate = user_api::GateSettings{settings.api_key, limiter ? &*limiter : nullptr};
  }

  std::unique_ptr<user_api::MemoryUserStore> store = std::make_unique<user_api::MemoryUserStore>();
  std::optional<user_api::UserService> service;
  std::optional<user_api::Metrics> metrics;
  const user_api::Docs docs{kDocsDir};
  std::optional<user_api::RateLimiter> limiter;
  std::atomic<bool> shutting_down{false};
  user_api::ServerParts server_parts;
  StreamServer server;
};

InProcessApp::InProcessApp(const InProcessSettings& settings) : parts_(std::make_unique<Parts>()) {
  Reset(settings);
}

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

std::string InProcessApp::RenderMetrics() const {
  return parts_->metrics->Render(parts_->service->Count());
}

}  // namespace fuzz
