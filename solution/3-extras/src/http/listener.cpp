#include "http/listener.hpp"

#include <sys/socket.h>

namespace user_api {

int BindServer(httplib::Server& server, const std::string& host, int port) {
  socket_t listening = INVALID_SOCKET;
  server.set_socket_options([&listening](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listening = sock;
  });
  const int bound = port == 0 ? server.bind_to_any_port(host)
                              : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) return -1;
  // Calling listen() again on a listening socket only changes its backlog.
  ::listen(listening, SOMAXCONN);
  return bound;
}

}  // namespace user_api
