#include "http/http_routes.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <string_view>

#include "domain/storage_error.hpp"
#include "http/conditional.hpp"
#include "http/list_query.hpp"
#include "http/responses.hpp"
#include "http/routes.hpp"
#include "http/user_id.hpp"
#include "http/user_json.hpp"
#include "http/user_representation.hpp"
#include "observability/log.hpp"
#include "domain/api_error.hpp"

namespace user_api {
namespace {

using httplib::Request;
using httplib::Response;

// The id of /users/{id}; CheckRequest has refused malformed ones already.
UserId PathUserId(const Request& req) { return ParseUserId(req.matches[1]).value(); }

// If-Match as a store precondition; none when the header is absent.
Precondition IfMatch(const Request& req) {
  if (!req.has_header("If-Match")) return nullptr;
  return [header = req.get_header_value("If-Match")](const User& current) {
    return TagListMatches(header, EntityTag(current), /*weak=*/false);
  };
}

// The user with its ETag; the representation is serialised once for both.
void WriteUser(Response& res, int status, const User& user) {
  const std::string body = UserJson(user);
  res.set_header("ETag", EntityTagOf(body));
  res.status = status;
  SetUncompressedBody(res, body, "application/json");
}

void CreateUser(ServerParts& parts, const Request& req, Response& res) {
  const User user = parts.users.Create(ParseJsonBody(req.body));
  parts.metrics.RecordUserCreated();
  res.set_header("Location", "/users/" + std::to_string(user.id));
  WriteUser(res, 201, user);
}

void ListUsers(ServerParts& parts, const Request& req, Response& res) {
  const UserQuery query = ParseUserQuery(req);
  const UserPage page = parts.users.List(query);
  res.set_header("X-Total-Count", std::to_string(page.total));
  if (const std::string links = PageLinks(query, page.total); !links.empty()) {
    res.set_header("Link", links);
  }
  res.status = 200;
  SetUncompressedBody(res, UserListJson(page.users), "application/json");
}

void GetUser(ServerParts& parts, const Request& req, Response& res) {
  const User user = parts.users.Get(PathUserId(req));
  const std::string tag = EntityTag(user);
  if (req.has_header("If-None-Match") &&
      TagListMatches(req.get_header_value("If-None-Match"), tag, /*weak=*/true)) {
    res.status = 304;
    res.set_header("ETag", tag);
    return;
  }
  WriteUser(res, 200, user);
}

void UpdateUser(ServerParts& parts, const Request& req, Response& res) {
  WriteUser(res, 200, parts.users.Update(PathUserId(req), ParseJsonBody(req.body), IfMatch(req)));
}

void DeleteUser(ServerParts& parts, const Request& req, Response& res) {
  parts.users.Delete(PathUserId(req), IfMatch(req));
  res.status = 204;
}

// /health reports on the storage check; it is plain JSON even on 503,
// since monitors read it.
void GetHealth(ServerParts& parts, const Request&, Response& res) {
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - parts.started);
  nlohmann::ordered_json body = {{"status", "ok"},
                                 {"storage", parts.users.storage_kind()},
                                 {"users", nullptr},
                                 {"uptime_seconds", uptime.count()},
                                 {"version", USER_API_VERSION}};
  try {
    body["users"] = parts.users.Count();
    WriteJson(res, 200, body);
  } catch (const StorageError& error) {
    Log(LogLevel::kError, "storage check failed",
        {{"request_id", CurrentRequest().request_id}, {"error", error.what()}});
    body["status"] = "unavailable";
    WriteJson(res, 503, body);
  }
}

void GetReady(ServerParts& parts, const Request&, Response& res) {
  bool ready = !parts.shutting_down.load();
  try {
    if (ready) parts.users.Count();
  } catch (const StorageError&) {
    ready = false;
  }
  WriteJson(res, ready ? 200 : 503, {{"status", ready ? "ready" : "not_ready"}});
}

void GetMetrics(ServerParts& parts, const Request&, Response& res) {
  res.status = 200;
  SetUncompressedBody(res, parts.metrics.Render(parts.users.Count()),
                      "text/plain; version=0.0.4; charset=utf-8");
}

// The API ignores Range (guide/api-spec.md, Conventions), but httplib 0.11
// cuts every 2xx body to the byte ranges a Range header asks for, and
// keeps the status: a create would answer 201 with six bytes of its user.
// So the ranges it parsed are dropped before routing. httplib hands its
// handlers its own Request, which is not const, so this is defined
// behaviour.
void IgnoreRangeHeader(const Request& req) {
  const_cast<Request&>(req).ranges.clear();
}

// Pre-routing: drops any byte ranges, starts the request's context, then
// runs the checks. A refused request may still have its body on the wire,
// and so may a GET with one, so the connection is closed after the answer.
httplib::Server::HandlerResponse BeginRequest(const ServerParts& parts, const Request& req,
                                              Response& res) {
  IgnoreRangeHeader(req);
  RequestContext& context = CurrentRequest();
  context = RequestContext{true, std::chrono::steady_clock::now(),
                           AcceptOrMakeRequestId(req.get_header_value("X-Request-ID")),
                           std::string(kUnmatchedRoute), std::nullopt};
  try {
    CheckRequest(req, parts.gate, context);
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

// The method as the log and the metrics show it. httplib 0.11 fills
// req.method from the request line before it checks it, so a line that it
// refuses as malformed (a body left on the connection, with its emails; a
// TLS handshake) can put any text there: the log must not hold it, and
// each new text would add metrics series without bound. A method httplib
// does not serve is shown as "unknown".
const std::string& MethodLabel(const std::string& method) {
  static const std::string kUnknown = "unknown";
  static constexpr std::string_view kServed[] = {"GET",     "HEAD",    "POST",  "PUT",   "DELETE",
                                                 "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI"};
  return std::find(std::begin(kServed), std::end(kServed), method) != std::end(kServed) ? method
                                                                                      : kUnknown;
}

// Post-routing, just before the response is written: every response gets
// its real Content-Type back (SetUncompressedBody) and its request id, is
// counted and is logged, whoever produced it.
void FinishRequest(ServerParts& parts, const Request& req, Response& res) {
  RequestContext& context = CurrentRequest();
  if (!context.begun) {  // httplib refused the request before routing.
    context = RequestContext{true, std::chrono::steady_clock::now(), AcceptOrMakeRequestId(""),
                             std::string(kUnmatchedRoute), std::nullopt};
  }
  RestoreContentType(res);
  res.set_header("X-Request-ID", context.request_id);
  if (context.rate_limit) {
    res.set_header("RateLimit-Limit", std::to_string(context.rate_limit->limit));
    res.set_header("RateLimit-Remaining", std::to_string(context.rate_limit->remaining));
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - context.start;
  const std::string& method = MethodLabel(req.method);
  parts.metrics.RecordRequest(method, context.route, res.status, elapsed.count());
  LogRequest(context.request_id, method, context.route, res.status, elapsed.count() * 1000,
             req.remote_addr);
  context.begun = false;
}

// The one exception handler: an ApiError becomes its problem response; a
// storage failure a 503; anything else a generic 500. The cause goes to the
// log with the request id, never to the client.
void HandleException(const Request&, Response& res, std::exception_ptr exception) {
  const std::string& request_id = CurrentRequest().request_id;
  try {
    std::rethrow_exception(exception);
  } catch (const ApiError& error) {
    return WriteProblem(res, error);
  } catch (const StorageError& error) {
    Log(LogLevel::kError, "storage failed", {{"request_id", request_id}, {"error", error.what()}});
    return WriteProblem(res, ApiError(ErrorCode::kServiceUnavailable,
                                      "the storage is unavailable; try again later"));
  } catch (const std::exception& error) {
    Log(LogLevel::kError, "internal error", {{"request_id", request_id}, {"error", error.what()}});
  } catch (...) {
    Log(LogLevel::kError, "internal error", {{"request_id", request_id}});
  }
  WriteProblem(res, ApiError(ErrorCode::kInternal, "the server failed to handle this request"));
}

}  // namespace

void RegisterRoutes(httplib::Server& server, ServerParts& parts) {
  server.set_pre_routing_handler(
      [&parts](const Request& req, Response& res) { return BeginRequest(parts, req, res); });
  server.set_post_routing_handler(
      [&parts](const Request& req, Response& res) { FinishRequest(parts, req, res); });
  server.set_exception_handler(HandleException);
  // httplib calls this for every status >= 400, also for responses that
  // already have a body; it fills in only the library's own empty ones.
  server.set_error_handler([](const Request&, Response& res) { FillEmptyErrorBody(res); });

  // Binds a handler that takes the parts.
  auto with = [&parts](void (*handler)(ServerParts&, const Request&, Response&)) {
    return [&parts, handler](const Request& req, Response& res) { handler(parts, req, res); };
  };
  // httplib tries a method's handlers in order: the busy routes first.
  server.Post(kUsersRoute.pattern, with(CreateUser));
  server.Get(kUserRoute.pattern, with(GetUser));
  server.Get(kUsersRoute.pattern, with(ListUsers));
  server.Put(kUserRoute.pattern, with(UpdateUser));
  server.Patch(kUserRoute.pattern, with(UpdateUser));
  server.Delete(kUserRoute.pattern, with(DeleteUser));
  server.Get(kHealthRoute.pattern, with(GetHealth));
  server.Get(kReadyRoute.pattern, with(GetReady));
  server.Get(kMetricsRoute.pattern, with(GetMetrics));
  server.Get(kOpenApiRoute.pattern, [](const Request&, Response& res) { Docs::ServeOpenApi(res); });
  server.Get(kDocsRoute.pattern, [&parts](const Request&, Response& res) { parts.docs.ServePage(res); });
  server.Get(kDocsFileRoute.pattern, [&parts](const Request& req, Response& res) {
    parts.docs.ServeFile(req.matches[1], res);
  });
}

}  // namespace user_api
