// The query string of GET /users and the Link header of its pages
// (guide/api-spec.md, "List users").
#pragma once

#include <httplib.h>

#include <cstdint>
#include <string>

#include "domain/user_query.hpp"

namespace user_api {

// Reads limit, offset, q, email, min_age and max_age as sent, decoded;
// ignores other parameters. Judges syntax only: a parameter given more than
// once, or not UTF-8, carries its problem; what the values mean is for
// ValidateUserQuery (service/query_validator.hpp). Never throws ApiError.
UserQueryParameters ReadUserQueryParameters(const httplib::Request& req);

// The query of GET /users: ReadUserQueryParameters, then the service's
// rules (ValidateUserQuery), which throw ApiError kValidationFailed.
UserQuery ParseUserQuery(const httplib::Request& req);

// The Link header for a page of `total` matching users: rel="next" and/or
// rel="prev" with the query kept; "" when there is neither.
std::string PageLinks(const UserQuery& query, std::uint64_t total);

}  // namespace user_api
