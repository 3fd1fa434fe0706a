// The API's routes: each path pattern with the methods it serves. The one
// source for registering handlers, for 404 and 405, and for Allow headers.
#pragma once

namespace user_api {

struct Route {
  const char* pattern;  // A regex over the whole decoded path; every route
                        // also answers with one trailing slash.
  const char* allow;    // The methods served, as the Allow header lists them.
};

inline constexpr Route kHealthRoute{R"(/health/?)", "GET"};
inline constexpr Route kUsersRoute{R"(/users/?)", "GET, POST"};
inline constexpr Route kUserRoute{R"(/users/([^/]+)/?)", "GET, PUT, DELETE"};  // Group 1: the id.

inline constexpr Route kRoutes[] = {kHealthRoute, kUsersRoute, kUserRoute};

}  // namespace user_api
