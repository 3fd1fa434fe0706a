// Binding the server's listening socket, with two defaults of httplib 0.11
// corrected (both are compiled into the Debian library).
#pragma once

#include <httplib.h>

#include <string>

namespace user_api {

// Binds `host:port`; port 0 takes any free port. Returns the bound port, or
// -1 when the address is in use or not available.
//
// - httplib sets SO_REUSEPORT, which lets a second server bind a port that
//   is already in use; this binds with SO_REUSEADDR only, so it fails.
// - httplib listens with a backlog of 5, so a burst of connections is
//   dropped; this raises it to SOMAXCONN once bound.
int BindServer(httplib::Server& server, const std::string& host, int port);

}  // namespace user_api
