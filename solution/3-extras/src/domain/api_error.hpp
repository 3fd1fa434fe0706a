// The one error vocabulary of the API. The service and the request checks
// raise ApiError; the HTTP layer maps its code to a status in one place
// (http/responses.cpp).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace user_api {

enum class ErrorCode {
  kBadRequest,            // The request itself is malformed.
  kInvalidJson,           // The body is not JSON, or nests too deep.
  kValidationFailed,      // Valid JSON that breaks a rule; see field_errors.
  kNotFound,              // No route has this path, or no user this id.
  kMethodNotAllowed,      // A known path, but not this method.
  kUnauthorized,          // A missing or wrong API key.
  kEmailTaken,            // Another user has this email.
  kPreconditionFailed,    // If-Match does not match the user.
  kLengthRequired,        // No Content-Length, or Transfer-Encoding sent.
  kPayloadTooLarge,       // The body is over the size limit.
  kUriTooLong,            // The path is over the length limit.
  kUnsupportedMediaType,  // Not application/json, or a Content-Encoding.
  kRateLimited,           // The client's rate limit is used up.
  kInternal,              // Anything unexpected; never shows details.
  kServiceUnavailable,    // Storage failed, or a part is not installed.
};

// One failing field of a request body; `field` is "" for the body as a whole.
struct FieldError {
  std::string field;
  std::string message;
};

class ApiError : public std::runtime_error {
 public:
  using Header = std::pair<std::string, std::string>;

  ApiError(ErrorCode code, const std::string& detail, std::vector<FieldError> field_errors = {})
      : std::runtime_error(detail), code_(code), field_errors_(std::move(field_errors)) {}

  // Adds a response header the error needs, such as Allow on a 405.
  ApiError& WithHeader(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  ErrorCode code() const { return code_; }
  // A sentence for the client; never holds internals.
  std::string detail() const { return what(); }
  const std::vector<FieldError>& field_errors() const { return field_errors_; }
  const std::vector<Header>& headers() const { return headers_; }

 private:
  ErrorCode code_;
  std::vector<FieldError> field_errors_;
  std::vector<Header> headers_;
};

}  // namespace user_api
