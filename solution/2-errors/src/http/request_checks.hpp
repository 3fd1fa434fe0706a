// The checks every request passes before its body is read (guide/
// api-spec.md, "Request-format checks" and "Precedence"): length limits,
// encodings, routing with 404 and 405, and the body's headers.
#pragma once

#include <httplib.h>

#include <cstddef>

namespace user_api {

inline constexpr std::size_t kMaxPathBytes = 512;
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

// Throws ApiError for the first check the request fails, in the contract's
// order: 414, 411 for Transfer-Encoding, 415 for Content-Encoding, 404 for
// an unknown path, 405 (with Allow), 404 for a malformed user id, then for
// POST, PUT and PATCH: 411 without Content-Length, 413, 415 for a
// Content-Type other than application/json.
void CheckRequest(const httplib::Request& req);

// True when the request has a body that httplib 0.11 leaves unread: it
// reads one only for POST, PUT, PATCH and DELETE. Such a body would be read
// as the next request on the connection, so the answer must close it.
bool LeavesBodyOnTheWire(const httplib::Request& req);

}  // namespace user_api
