// The framework's ceiling: cpp-httplib with the solution's settings and no
// rules at all. POST /users parses the body and keeps it in a map; GET
// /users/{id} and GET /users (the first 100) read it back. No validation,
// no error format, no layers: what the reference solution would cost if it
// did nothing but move JSON.
//
// Follows the program contract: --host H, --port P (0 for a free port), the
// listening line first on stdout.
#include <httplib.h>
#include <sys/socket.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8000;
};

bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--host") {
      options.host = argv[i + 1];
    } else if (flag == "--port") {
      options.port = std::atoi(argv[i + 1]);
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) {
    std::cerr << "usage: bare_httplib_server [--host HOST] [--port PORT]\n";
    return 2;
  }
  std::mutex mutex;
  std::map<std::int64_t, std::string> users;  // Guarded by mutex; id -> JSON.
  std::int64_t last_id = 0;                    // Guarded by mutex.

  httplib::Server server;
  // The same settings as the solution's main.cpp and http/listener.cpp.
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(10000);
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  socket_t listening = INVALID_SOCKET;
  server.set_socket_options([&listening](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listening = sock;
  });

  server.Get(R"(/health/?)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  server.Post(R"(/users/?)", [&](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json user = nlohmann::json::parse(req.body, nullptr, false);
    if (!user.is_object()) {
      res.status = 400;
      return;
    }
    std::lock_guard lock(mutex);
    user["id"] = ++last_id;
    users[last_id] = user.dump();
    res.status = 201;
    res.set_content(users[last_id], "application/json");
  });
  server.Get(R"(/users/(\d+)/?)", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    auto it = users.find(std::atoll(req.matches[1].str().c_str()));
    if (it == users.end()) {
      res.status = 404;
      return;
    }
    res.set_content(it->second, "application/json");
  });
  server.Get(R"(/users/?)", [&](const httplib::Request&, httplib::Response& res) {
    std::string body = "[";
    std::lock_guard lock(mutex);
    int count = 0;
    for (auto it = users.begin(); it != users.end() && count < 100; ++it, ++count) {
      body += (count ? "," : "") + it->second;
    }
    res.set_content(body + "]", "application/json");
  });

  const int port = options.port == 0 ? server.bind_to_any_port(options.host)
                                     : (server.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port < 0) {
    std::cerr << "bare_httplib_server: cannot listen on " << options.host << ":" << options.port << "\n";
    return 1;
  }
  ::listen(listening, SOMAXCONN);
  std::cout << "listening on http://" << options.host << ":" << port << std::endl;
  return server.listen_after_bind() ? 0 : 1;
}
