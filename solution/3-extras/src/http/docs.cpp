#include "http/docs.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "openapi_json.hpp"  // Generated from guide/openapi.yaml.
#include "http/responses.hpp"
#include "domain/api_error.hpp"

namespace user_api {
namespace {

// The package's own index.html points at a demo API on another host, so
// the page is ours and loads only files from /docs/.
constexpr const char* kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>User API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});
  </script>
</body>
</html>
)html";

std::string MediaTypeOf(const std::string& name) {
  const std::string extension = std::filesystem::path(name).extension().string();
  if (extension == ".js") return "text/javascript";
  if (extension == ".css") return "text/css";
  if (extension == ".html") return "text/html";
  if (extension == ".png") return "image/png";
  if (extension == ".json" || extension == ".map") return "application/json";
  return "application/octet-stream";
}

}  // namespace

void Docs::ServeOpenApi(httplib::Response& res) {
  res.status = 200;
  SetUncompressedBody(res, std::string(kOpenApiJson), "application/json");
}

void Docs::ServePage(httplib::Response& res) const {
  if (!std::filesystem::exists(std::filesystem::path(dir_) / "swagger-ui-bundle.js")) {
    throw ApiError(ErrorCode::kServiceUnavailable,
                   "Swagger UI is not installed: the swagger-ui-dist package is missing (run "
                   "scripts/setup, or start the server with --docs-dir)");
  }
  res.status = 200;
  SetUncompressedBody(res, kPage, "text/html; charset=utf-8");
}

void Docs::ServeFile(const std::string& name, httplib::Response& res) const {
  std::ifstream file(std::filesystem::path(dir_) / name, std::ios::binary);
  if (name.starts_with(".") || !file) {
    throw ApiError(ErrorCode::kNotFound, "no such file in the docs");
  }
  std::ostringstream content;
  content << file.rdbuf();
  res.status = 200;
  SetUncompressedBody(res, content.str(), MediaTypeOf(name));
}

}  // namespace user_api
