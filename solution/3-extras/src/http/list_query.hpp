// The query string of GET /users and the Link header of its pages
// (guide/api-spec.md, "List users").
#pragma once

#include <httplib.h>

#include <cstdint>
#include <string>

#include "domain/user_query.hpp"

namespace user_api {

// Reads limit, offset, q, email, min_age and max_age; ignores other
// parameters. Throws ApiError kValidationFailed listing every bad parameter
// (in that order): not a plain decimal integer, out of range, repeated,
// not UTF-8, or min_age above max_age.
UserQuery ParseUserQuery(const httplib::Request& req);

// The Link header for a page of `total` matching users: rel="next" and/or
// rel="prev" with the query kept; "" when there is neither.
std::string PageLinks(const UserQuery& query, std::uint64_t total);

}  // namespace user_api
