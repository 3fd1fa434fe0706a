// The HTTP layer: binds routes to handlers that parse requests, call the
// service and format responses.
#pragma once

#include <httplib.h>

namespace user_api {

// Registers /health and the /users routes.
void RegisterRoutes(httplib::Server& server);

}  // namespace user_api
