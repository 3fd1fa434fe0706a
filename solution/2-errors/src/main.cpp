// The stage-2 server: reads the flags, wires store -> service -> routes and
// serves until killed. The first line on stdout is the listening line that
// the acceptance harness waits for.
#include <httplib.h>

#include <iostream>
#include <string>
#include <vector>

#include "http/http_routes.hpp"
#include "http/listener.hpp"
#include "http/request_checks.hpp"
#include "options.hpp"
#include "service/user_service.hpp"
#include "store/memory_user_store.hpp"

namespace {

// One worker per open connection: httplib holds a worker for as long as a
// keep-alive connection stays open, so the pool bounds concurrent clients.
constexpr std::size_t kWorkerThreads = 64;
constexpr std::size_t kKeepAliveMaxRequests = 10000;

void ConfigureServer(httplib::Server& server) {
  // Without TCP_NODELAY, httplib 0.11 waits about 40 ms before each response
  // on a keep-alive connection (Nagle's algorithm meets delayed ACKs).
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  // A backstop: CheckRequest refuses a larger Content-Length before reading.
  server.set_payload_max_length(user_api::kMaxBodyBytes);
}

std::string FormatAddress(const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

int main(int argc, char** argv) {
  const user_api::ParsedOptions parsed =
      user_api::ParseOptions(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.options) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message;
    return parsed.exit_code;
  }
  const user_api::Options& options = *parsed.options;

  user_api::MemoryUserStore store;
  user_api::UserService service(store);
  httplib::Server server;
  ConfigureServer(server);
  user_api::RegisterRoutes(server, service);

  const int port = user_api::BindServer(server, options.host, options.port);
  if (port < 0) {
    std::cerr << "user_api: cannot listen on " << FormatAddress(options.host, options.port)
              << ": the address is in use or not available\n";
    return 1;
  }
  std::cout << "listening on http://" << FormatAddress(options.host, port) << std::endl;
  return server.listen_after_bind() ? 0 : 1;
}
