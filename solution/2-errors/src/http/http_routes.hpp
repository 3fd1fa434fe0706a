// The HTTP layer: binds routes to handlers that parse requests, call the
// service and format responses, and installs the one place where errors
// become responses.
#pragma once

#include <httplib.h>

#include "service/user_service.hpp"

namespace user_api {

// Registers /health and the /users routes, the request checks (run before
// any body is read), and the exception and error handlers. `users` must
// outlive `server`.
void RegisterRoutes(httplib::Server& server, UserService& users);

}  // namespace user_api
