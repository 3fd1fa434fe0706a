// Writing responses: JSON documents, and errors as RFC 9457 problem+json.
// The mapping from ErrorCode to HTTP status lives here and nowhere else.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "domain/api_error.hpp"

namespace user_api {

// Sets a body that httplib sends as given, never compressed. Left to
// itself, httplib 0.11 compresses every text and JSON body for a client
// that accepts br, at brotli's slowest setting: 31 ms of a worker for a
// page of 100 users, 4.4 s for Swagger UI's script, a cheap way to tie up
// the pool. httplib decides from the Content-Type before the post-routing
// handler runs, so the body goes with a type it never compresses and the
// real one waits in a header until RestoreContentType puts it back. (A
// content provider is not compressed either, but stops writing mid-body
// when the server stops.) A proxy in front compresses, if anything should.
void SetUncompressedBody(httplib::Response& res, const std::string& body,
                         const std::string& content_type);

// For the post-routing handler: the real Content-Type of a body set with
// SetUncompressedBody, in place of the stand-in. Nothing else changes.
void RestoreContentType(httplib::Response& res);

// Sets the status and a JSON body (Content-Type: application/json).
void WriteJson(httplib::Response& res, int status, const nlohmann::ordered_json& body);

// Sets the status, the error's headers and a problem+json body
// {"type","title","status","detail"}, plus "errors" for a validation error.
void WriteProblem(httplib::Response& res, const ApiError& error);

// For a response that httplib failed by itself (a malformed request, a body
// over the limit): gives it a problem+json body if it has none.
void FillEmptyErrorBody(httplib::Response& res);

}  // namespace user_api
