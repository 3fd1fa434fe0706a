// Writing responses: JSON documents, and errors as RFC 9457 problem+json.
// The mapping from ErrorCode to HTTP status lives here and nowhere else.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "domain/api_error.hpp"

namespace user_api {

// Sets the status and a JSON body (Content-Type: application/json).
void WriteJson(httplib::Response& res, int status, const nlohmann::ordered_json& body);

// Sets the status, the error's headers and a problem+json body
// {"type","title","status","detail"}, plus "errors" for a validation error.
void WriteProblem(httplib::Response& res, const ApiError& error);

// For a response that httplib failed by itself (a malformed request, a body
// over the limit): gives it a problem+json body if it has none.
void FillEmptyErrorBody(httplib::Response& res);

}  // namespace user_api
