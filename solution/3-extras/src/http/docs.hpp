// The API description (/openapi.json, embedded at build time from
// guide/openapi.yaml) and Swagger UI (/docs, from the swagger-ui-dist
// package on disk).
#pragma once

#include <httplib.h>

#include <string>

namespace user_api {

// Serves the files of one swagger-ui-dist directory. Read-only after
// construction, so safe to use from several threads at once.
class Docs {
 public:
  explicit Docs(std::string dir) : dir_(std::move(dir)) {}

  // GET /openapi.json.
  static void ServeOpenApi(httplib::Response& res);

  // GET /docs: a page that runs Swagger UI on /openapi.json. Throws
  // ApiError kServiceUnavailable when the package is not installed.
  void ServePage(httplib::Response& res) const;

  // GET /docs/FILE, where `name` has no slash (the route allows none).
  // Throws ApiError kNotFound when there is no such file.
  void ServeFile(const std::string& name, httplib::Response& res) const;

 private:
  std::string dir_;
};

}  // namespace user_api
