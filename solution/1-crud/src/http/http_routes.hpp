// The HTTP layer: binds routes to handlers that parse requests, call the
// service and format responses.
#pragma once

#include <httplib.h>

#include "service/user_service.hpp"

namespace user_api {

// Registers /health and the /users routes. `users` must outlive `server`.
void RegisterRoutes(httplib::Server& server, UserService& users);

}  // namespace user_api
