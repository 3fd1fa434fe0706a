// Bearer-token authentication with one API key (guide/api-spec.md,
// "Authentication").
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

namespace user_api {

// Compares in time that depends only on the lengths, not on where the
// first difference is, so a client cannot find the key byte by byte.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Throws ApiError kUnauthorized, with WWW-Authenticate, unless the request's
// Authorization header is `Bearer <key>` (scheme in any case).
void CheckBearerToken(const httplib::Request& req, const std::string& key);

}  // namespace user_api
