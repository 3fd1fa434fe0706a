#include "http/http_routes.hpp"

#include <string>

#include "http/responses.hpp"

namespace user_api {
namespace {

// Every route also answers with one trailing slash.
constexpr const char* kHealthPath = R"(/health/?)";
constexpr const char* kUsersPath = R"(/users/?)";
constexpr const char* kUserPath = R"(/users/([^/]+)/?)";

// The API ignores Range (guide/api-spec.md, Conventions), but httplib 0.11
// cuts every 2xx body to the byte ranges a Range header asks for, and
// keeps the status: a create would answer 201 with six bytes of its user.
// So the ranges it parsed are dropped before routing. httplib hands its
// handlers its own Request, which is not const, so this is defined
// behaviour.
void IgnoreRangeHeader(const httplib::Request& req) {
  const_cast<httplib::Request&>(req).ranges.clear();
}

// A worked example of a handler: set the status and a JSON body.
void GetHealth(const httplib::Request&, httplib::Response& res) {
  WriteJson(res, 200, {{"status", "ok"}});
}

// Answers 501 for a route you have not written yet.
void NotImplemented(httplib::Response& res, const std::string& route, const std::string& anchor) {
  WriteProblem(res, 501, "TODO: implement " + route + ", see guide/api-spec.md#" + anchor);
}

}  // namespace

void RegisterRoutes(httplib::Server& server) {
  using httplib::Request;
  using httplib::Response;
  // One pre-routing handler per server: if you set your own, call
  // IgnoreRangeHeader from it.
  server.set_pre_routing_handler([](const Request& req, Response&) {
    IgnoreRangeHeader(req);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.Get(kHealthPath, GetHealth);
  // TODO: replace each handler below. The id of /users/{id} is req.matches[1].
  server.Post(kUsersPath, [](const Request&, Response& res) {
    NotImplemented(res, "POST /users", "create-a-user");
  });
  server.Get(kUsersPath, [](const Request&, Response& res) {
    NotImplemented(res, "GET /users", "list-users");
  });
  server.Get(kUserPath, [](const Request&, Response& res) {
    NotImplemented(res, "GET /users/{id}", "get-a-user");
  });
  server.Put(kUserPath, [](const Request&, Response& res) {
    NotImplemented(res, "PUT /users/{id}", "update-a-user");
  });
  server.Delete(kUserPath, [](const Request&, Response& res) {
    NotImplemented(res, "DELETE /users/{id}", "delete-a-user");
  });
}

}  // namespace user_api
