// The API's routes: each path pattern with its template and the methods it
// serves. The one source for registering handlers, for 404 and 405, for
// Allow headers, and for the route label of logs and metrics.
#pragma once

#include <string_view>

namespace user_api {

struct Route {
  const char* pattern;    // A regex over the whole decoded path, for httplib;
                          // every route also answers with one trailing slash.
  const char* shape;      // The same path for the request checks, matched
                          // without a regex: "{x}" is one segment.
  const char* name;       // The template logs and metrics show.
  const char* allow;      // The methods served, as the Allow header lists them.
  bool users = false;     // Behind the API key and the rate limit.
};

inline constexpr Route kUsersRoute{R"(/users/?)", "/users", "/users", "GET, POST", true};
inline constexpr Route kUserRoute{R"(/users/([^/]+)/?)", "/users/{id}", "/users/{id}",
                                  "GET, PUT, PATCH, DELETE", true};  // Group 1: the id.
inline constexpr Route kHealthRoute{R"(/health/?)", "/health", "/health", "GET"};
inline constexpr Route kReadyRoute{R"(/ready/?)", "/ready", "/ready", "GET"};
inline constexpr Route kMetricsRoute{R"(/metrics/?)", "/metrics", "/metrics", "GET"};
inline constexpr Route kOpenApiRoute{R"(/openapi\.json/?)", "/openapi.json", "/openapi.json", "GET"};
inline constexpr Route kDocsRoute{R"(/docs/?)", "/docs", "/docs", "GET"};
inline constexpr Route kDocsFileRoute{R"(/docs/([A-Za-z0-9._-]+))", "/docs/{file}", "/docs", "GET"};

// The user routes first: they are the busy ones.
inline constexpr Route kRoutes[] = {kUsersRoute,   kUserRoute, kHealthRoute,
                                    kReadyRoute,   kMetricsRoute, kOpenApiRoute,
                                    kDocsRoute,    kDocsFileRoute};

// The route name of a request that matched none.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

}  // namespace user_api
