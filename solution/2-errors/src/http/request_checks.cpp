#include "http/request_checks.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>

#include "domain/api_error.hpp"
#include "domain/text.hpp"
#include "http/routes.hpp"
#include "http/user_id.hpp"

namespace user_api {
namespace {

bool HasBody(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

// True when `allow` ("GET, POST") lists `method`; HEAD goes with GET.
bool Allows(std::string_view allow, const std::string& method) {
  std::string_view wanted = method;
  if (method == "HEAD") wanted = "GET";
  for (std::size_t start = 0; start < allow.size();) {
    const std::size_t comma = std::min(allow.find(", ", start), allow.size());
    if (allow.substr(start, comma - start) == wanted) return true;
    start = comma + 2;
  }
  return false;
}

// The media type of a Content-Type value, lowercased, without parameters.
std::string MediaType(const std::string& content_type) {
  const std::string_view type = std::string_view(content_type).substr(0, content_type.find(';'));
  return AsciiLower(std::string(Trim(type, " \t")));
}

// True when `path` has the route's shape: literal segments equal, a "{x}"
// segment any one segment, and one trailing slash allowed. Sets `argument`
// to the segment that matched "{x}".
bool MatchesShape(std::string_view path, std::string_view shape, std::string_view& argument) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  while (!shape.empty() && !path.empty()) {
    const std::size_t brace = shape.find('{');
    if (brace == std::string_view::npos) break;
    if (path.substr(0, brace) != shape.substr(0, brace)) return false;
    path.remove_prefix(brace);
    const std::size_t slash = std::min(path.find('/'), path.size());
    if (slash == 0) return false;
    argument = path.substr(0, slash);
    path.remove_prefix(slash);
    shape.remove_prefix(std::min(shape.find('}') + 1, shape.size()));
  }
  return path == shape;
}

// Matches the request to a route, or throws 404 or 405.
void CheckRoute(const httplib::Request& req) {
  for (const Route& route : kRoutes) {
    std::string_view argument;
    if (!MatchesShape(req.path, route.shape, argument)) continue;
    if (!Allows(route.allow, req.method)) {
      throw ApiError(ErrorCode::kMethodNotAllowed,
                     req.method + " is not served here; use " + route.allow)
          .WithHeader("Allow", route.allow);
    }
    if (!argument.empty() && !ParseUserId(std::string(argument))) {
      throw ApiError(ErrorCode::kNotFound, "user ids are positive integers");
    }
    return;
  }
  throw ApiError(ErrorCode::kNotFound, "no route matches this path");
}

void CheckBodyHeaders(const httplib::Request& req) {
  const bool has_length = req.has_header("Content-Length");
  if (HasBody(req.method) && !has_length) {
    throw ApiError(ErrorCode::kLengthRequired, "send the body with a Content-Length header");
  }
  if (has_length) {
    const std::string length = req.get_header_value("Content-Length");
    std::size_t bytes = 0;
    const char* end = length.data() + length.size();
    auto [ptr, ec] = std::from_chars(length.data(), end, bytes);
    if (length.empty() || ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      throw ApiError(ErrorCode::kBadRequest, "Content-Length must be a number of bytes");
    }
    if (ec == std::errc::result_out_of_range || bytes > kMaxBodyBytes) {
      throw ApiError(ErrorCode::kPayloadTooLarge, "the body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
    }
  }
  if (HasBody(req.method) && MediaType(req.get_header_value("Content-Type")) != "application/json") {
    throw ApiError(ErrorCode::kUnsupportedMediaType, "send the body as application/json");
  }
}

}  // namespace

void CheckRequest(const httplib::Request& req) {
  const std::string_view path_as_sent = std::string_view(req.target).substr(0, req.target.find('?'));
  if (path_as_sent.size() > kMaxPathBytes) {
    throw ApiError(ErrorCode::kUriTooLong, "the path is longer than " + std::to_string(kMaxPathBytes) + " bytes");
  }
  // Chunked bodies would slip past the size limit in httplib 0.11.
  if (req.has_header("Transfer-Encoding")) {
    throw ApiError(ErrorCode::kLengthRequired,
                   "Transfer-Encoding is not accepted; send the body with a Content-Length");
  }
  // httplib would inflate a compressed body past the size limit.
  if (req.has_header("Content-Encoding")) {
    throw ApiError(ErrorCode::kUnsupportedMediaType,
                   "Content-Encoding is not accepted; send the body uncompressed");
  }
  CheckRoute(req);
  CheckBodyHeaders(req);
}

bool LeavesBodyOnTheWire(const httplib::Request& req) {
  if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
      req.method == "DELETE") {
    return false;
  }
  const std::string length = req.get_header_value("Content-Length");
  return length.find_first_not_of('0') != std::string::npos;
}

}  // namespace user_api
