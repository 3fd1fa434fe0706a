#include "http/http_routes.hpp"

#include <exception>
#include <iostream>
#include <string>

#include "http/request_checks.hpp"
#include "http/responses.hpp"
#include "http/routes.hpp"
#include "http/user_id.hpp"
#include "http/user_json.hpp"
#include "http/user_representation.hpp"
#include "domain/api_error.hpp"

namespace user_api {
namespace {

// The id of /users/{id}; CheckRequest has refused malformed ones already.
UserId PathUserId(const httplib::Request& req) { return ParseUserId(req.matches[1]).value(); }

// Sets the status and a body that is JSON text already (UserJson).
void WriteJsonText(httplib::Response& res, int status, const std::string& json) {
  res.status = status;
  res.set_content(json, "application/json");
}

void GetHealth(const httplib::Request&, httplib::Response& res) {
  WriteJson(res, 200, {{"status", "ok"}});
}

void CreateUser(UserService& users, const httplib::Request& req, httplib::Response& res) {
  const User user = users.Create(ParseJsonBody(req.body));
  res.set_header("Location", "/users/" + std::to_string(user.id));
  WriteJsonText(res, 201, UserJson(user));
}

void ListUsers(UserService& users, const httplib::Request&, httplib::Response& res) {
  WriteJsonText(res, 200, UserListJson(users.List()));
}

void GetUser(UserService& users, const httplib::Request& req, httplib::Response& res) {
  WriteJsonText(res, 200, UserJson(users.Get(PathUserId(req))));
}

void UpdateUser(UserService& users, const httplib::Request& req, httplib::Response& res) {
  WriteJsonText(res, 200, UserJson(users.Update(PathUserId(req), ParseJsonBody(req.body))));
}

void DeleteUser(UserService& users, const httplib::Request& req, httplib::Response& res) {
  users.Delete(PathUserId(req));
  res.status = 204;
}

// The API ignores Range (guide/api-spec.md, Conventions), but httplib 0.11
// cuts every 2xx body to the byte ranges a Range header asks for, and
// keeps the status: a create would answer 201 with six bytes of its user.
// So the ranges it parsed are dropped before routing. httplib hands its
// handlers its own Request, which is not const, so this is defined
// behaviour.
void IgnoreRangeHeader(const httplib::Request& req) {
  const_cast<httplib::Request&>(req).ranges.clear();
}

// Runs before the body is read. A refused request may still have its body
// on the wire, and so may a GET with one, so the connection is closed after
// the answer.
httplib::Server::HandlerResponse RefuseBadRequests(const httplib::Request& req,
                                                   httplib::Response& res) {
  IgnoreRangeHeader(req);
  try {
    CheckRequest(req);
    if (LeavesBodyOnTheWire(req) && req.get_header_value("Connection") != "close") {
      res.set_header("Connection", "close");
    }
    return httplib::Server::HandlerResponse::Unhandled;
  } catch (const ApiError& error) {
    WriteProblem(res, error);
    // httplib adds the header itself when the client asked to close.
    if (req.get_header_value("Connection") != "close") res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  }
}

// The one exception handler: an ApiError becomes its problem response;
// anything else is logged and answered with a generic 500. Without this
// handler httplib would send e.what() to the client in a header.
void HandleException(const httplib::Request& req, httplib::Response& res,
                     std::exception_ptr exception) {
  try {
    std::rethrow_exception(exception);
  } catch (const ApiError& error) {
    return WriteProblem(res, error);
  } catch (const std::exception& error) {
    std::cerr << "internal error in " << req.method << " " << req.path << ": " << error.what()
              << std::endl;
  } catch (...) {
    std::cerr << "internal error in " << req.method << " " << req.path << std::endl;
  }
  WriteProblem(res, ApiError(ErrorCode::kInternal, "the server failed to handle this request"));
}

}  // namespace

void RegisterRoutes(httplib::Server& server, UserService& users) {
  using httplib::Request;
  using httplib::Response;
  server.set_pre_routing_handler(RefuseBadRequests);
  server.set_exception_handler(HandleException);
  // httplib calls this for every status >= 400, also for responses that
  // already have a body; it fills in only the library's own empty ones.
  server.set_error_handler([](const Request&, Response& res) { FillEmptyErrorBody(res); });

  server.Get(kHealthRoute.pattern, GetHealth);
  server.Post(kUsersRoute.pattern, [&users](const Request& req, Response& res) { CreateUser(users, req, res); });
  server.Get(kUsersRoute.pattern, [&users](const Request& req, Response& res) { ListUsers(users, req, res); });
  server.Get(kUserRoute.pattern, [&users](const Request& req, Response& res) { GetUser(users, req, res); });
  server.Put(kUserRoute.pattern, [&users](const Request& req, Response& res) { UpdateUser(users, req, res); });
  server.Delete(kUserRoute.pattern, [&users](const Request& req, Response& res) { DeleteUser(users, req, res); });
}

}  // namespace user_api
