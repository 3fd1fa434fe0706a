// The API's routes: each path pattern with the methods it serves. The one
// source for registering handlers, for 404 and 405, and for Allow headers.
#pragma once

namespace user_api {

struct Route {
  const char* pattern;  // A regex over the whole decoded path, for httplib;
                        // every route also answers with one trailing slash.
  const char* shape;    // The same path for the request checks, matched
                        // without a regex: "{x}" is one segment.
  const char* allow;    // The methods served, as the Allow header lists them.
};

inline constexpr Route kHealthRoute{R"(/health/?)", "/health", "GET"};
inline constexpr Route kUsersRoute{R"(/users/?)", "/users", "GET, POST"};
inline constexpr Route kUserRoute{R"(/users/([^/]+)/?)", "/users/{id}",
                                  "GET, PUT, DELETE"};  // Group 1: the id.

inline constexpr Route kRoutes[] = {kHealthRoute, kUsersRoute, kUserRoute};

}  // namespace user_api
