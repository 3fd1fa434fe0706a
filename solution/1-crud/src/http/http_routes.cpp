#include "http/http_routes.hpp"

#include <charconv>
#include <optional>
#include <string>

#include "http/responses.hpp"
#include "http/user_json.hpp"
#include "http/user_representation.hpp"

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

// An id is a positive integer that fits in 63 bits; anything else names no
// user.
std::optional<UserId> ParseUserId(const std::string& text) {
  UserId id = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (ec != std::errc() || ptr != end || id <= 0) return std::nullopt;
  return id;
}

void WriteUserNotFound(httplib::Response& res, const std::string& id) {
  WriteProblem(res, 404, "no user with id " + id);
}

// Sets the status and a body that is JSON text already (UserJson).
void WriteJsonText(httplib::Response& res, int status, const std::string& json) {
  res.status = status;
  res.set_content(json, "application/json");
}

void GetHealth(const httplib::Request&, httplib::Response& res) {
  WriteJson(res, 200, {{"status", "ok"}});
}

void CreateUser(UserService& users, const httplib::Request& req, httplib::Response& res) {
  BodyError error;
  std::optional<NewUser> fields = ParseNewUser(req.body, error);
  if (!fields) return WriteProblem(res, error.status, error.detail);
  const User user = users.Create(*fields);
  res.set_header("Location", "/users/" + std::to_string(user.id));
  WriteJsonText(res, 201, UserJson(user));
}

void ListUsers(UserService& users, const httplib::Request&, httplib::Response& res) {
  WriteJsonText(res, 200, UserListJson(users.List()));
}

void GetUser(UserService& users, const httplib::Request& req, httplib::Response& res) {
  const std::string& raw_id = req.matches[1];
  std::optional<UserId> id = ParseUserId(raw_id);
  std::optional<User> user = id ? users.Get(*id) : std::nullopt;
  if (!user) return WriteUserNotFound(res, raw_id);
  WriteJsonText(res, 200, UserJson(*user));
}

void UpdateUser(UserService& users, const httplib::Request& req, httplib::Response& res) {
  const std::string& raw_id = req.matches[1];
  std::optional<UserId> id = ParseUserId(raw_id);
  if (!id) return WriteUserNotFound(res, raw_id);
  BodyError error;
  std::optional<UserPatch> patch = ParseUserPatch(req.body, error);
  if (!patch) return WriteProblem(res, error.status, error.detail);
  std::optional<User> user = users.Update(*id, *patch);
  if (!user) return WriteUserNotFound(res, raw_id);
  WriteJsonText(res, 200, UserJson(*user));
}

void DeleteUser(UserService& users, const httplib::Request& req, httplib::Response& res) {
  const std::string& raw_id = req.matches[1];
  std::optional<UserId> id = ParseUserId(raw_id);
  if (!id || !users.Delete(*id)) return WriteUserNotFound(res, raw_id);
  res.status = 204;
}

}  // namespace

void RegisterRoutes(httplib::Server& server, UserService& users) {
  using httplib::Request;
  using httplib::Response;
  server.set_pre_routing_handler([](const Request& req, Response&) {
    IgnoreRangeHeader(req);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.Get(kHealthPath, GetHealth);
  server.Post(kUsersPath, [&users](const Request& req, Response& res) { CreateUser(users, req, res); });
  server.Get(kUsersPath, [&users](const Request& req, Response& res) { ListUsers(users, req, res); });
  server.Get(kUserPath, [&users](const Request& req, Response& res) { GetUser(users, req, res); });
  server.Put(kUserPath, [&users](const Request& req, Response& res) { UpdateUser(users, req, res); });
  server.Delete(kUserPath, [&users](const Request& req, Response& res) { DeleteUser(users, req, res); });
}

}  // namespace user_api
