#include "http/responses.hpp"

namespace user_api {
namespace {

struct ProblemKind {
  ErrorCode code;
  int status;
  const char* type;
  const char* title;
};

// One row per error code: the whole mapping to HTTP.
constexpr ProblemKind kProblemKinds[] = {
    {ErrorCode::kBadRequest, 400, "/problems/bad-request", "Bad Request"},
    {ErrorCode::kInvalidJson, 400, "/problems/invalid-json", "Bad Request"},
    {ErrorCode::kNotFound, 404, "/problems/not-found", "Not Found"},
    {ErrorCode::kUnauthorized, 401, "/problems/unauthorized", "Unauthorized"},
    {ErrorCode::kMethodNotAllowed, 405, "/problems/method-not-allowed", "Method Not Allowed"},
    {ErrorCode::kEmailTaken, 409, "/problems/email-taken", "Conflict"},
    {ErrorCode::kLengthRequired, 411, "/problems/length-required", "Length Required"},
    {ErrorCode::kPreconditionFailed, 412, "/problems/precondition-failed", "Precondition Failed"},
    {ErrorCode::kPayloadTooLarge, 413, "/problems/payload-too-large", "Content Too Large"},
    {ErrorCode::kUriTooLong, 414, "/problems/uri-too-long", "URI Too Long"},
    {ErrorCode::kUnsupportedMediaType, 415, "/problems/unsupported-media-type",
     "Unsupported Media Type"},
    {ErrorCode::kValidationFailed, 422, "/problems/validation-failed", "Unprocessable Content"},
    {ErrorCode::kRateLimited, 429, "/problems/rate-limited", "Too Many Requests"},
    {ErrorCode::kInternal, 500, "/problems/internal-error", "Internal Server Error"},
    {ErrorCode::kServiceUnavailable, 503, "/problems/service-unavailable", "Service Unavailable"},
};

const ProblemKind& KindOf(ErrorCode code) {
  for (const ProblemKind& kind : kProblemKinds) {
    if (kind.code == code) return kind;
  }
  return KindOf(ErrorCode::kInternal);
}

nlohmann::ordered_json ProblemBody(int status, const char* type, const char* title,
                                   const std::string& detail) {
  return {{"type", type}, {"title", title}, {"status", status}, {"detail", detail}};
}

}  // namespace

// Where SetUncompressedBody keeps the real Content-Type. Never sent:
// RestoreContentType removes it before the headers are written.
constexpr const char* kHeldContentType = "X-User-Api-Held-Content-Type";
// A type httplib 0.11 never compresses.
constexpr const char* kStandInContentType = "application/octet-stream";

void SetUncompressedBody(httplib::Response& res, const std::string& body,
                         const std::string& content_type) {
  res.set_content(body, kStandInContentType);
  res.set_header(kHeldContentType, content_type);
}

void RestoreContentType(httplib::Response& res) {
  const auto held = res.headers.find(kHeldContentType);
  if (held == res.headers.end()) return;
  std::string content_type = held->second;
  res.headers.erase(held);
  // httplib may have given the response a type of its own since (a
  // multipart of byte ranges, or one that a range made 416): it stands.
  if (res.get_header_value("Content-Type") != kStandInContentType) return;
  res.headers.erase("Content-Type");
  res.set_header("Content-Type", content_type);
}

void WriteJson(httplib::Response& res, int status, const nlohmann::ordered_json& body) {
  res.status = status;
  SetUncompressedBody(res, body.dump(), "application/json");
}

void WriteProblem(httplib::Response& res, const ApiError& error) {
  const ProblemKind& kind = KindOf(error.code());
  nlohmann::ordered_json body = ProblemBody(kind.status, kind.type, kind.title, error.detail());
  if (error.code() == ErrorCode::kValidationFailed) {
    nlohmann::ordered_json& errors = body["errors"] = nlohmann::ordered_json::array();
    for (const FieldError& field_error : error.field_errors()) {
      errors.push_back({{"field", field_error.field}, {"message", field_error.message}});
    }
  }
  for (const auto& [name, value] : error.headers()) res.set_header(name, value);
  res.status = kind.status;
  res.headers.erase(kHeldContentType);  // A body set before the error is replaced.
  res.set_content(body.dump(), "application/problem+json");
}

void FillEmptyErrorBody(httplib::Response& res) {
  if (!res.body.empty()) return;
  for (const ProblemKind& kind : kProblemKinds) {
    // The first row of a status is its generic kind (400: bad-request).
    if (kind.status == res.status) {
      const std::string detail = "the server could not handle this request as sent";
      res.set_content(ProblemBody(res.status, kind.type, kind.title, detail).dump(),
                      "application/problem+json");
      return;
    }
  }
  res.set_content(ProblemBody(res.status, "about:blank", "Error", "the request failed").dump(),
                  "application/problem+json");
}

}  // namespace user_api
