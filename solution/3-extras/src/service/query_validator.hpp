// The rules for the query of GET /users (guide/api-spec.md, "List users"):
// what the parameters that http/list_query.cpp read must hold. A pure
// function: no I/O, no shared state.
#pragma once

#include "domain/user_query.hpp"

namespace user_api {

// Reads the parameters of GET /users: limit (1 to kMaxPageSize, default
// kDefaultPageSize), offset (0 to kMaxOffset, default 0), each a plain
// decimal integer; q and email as given; min_age and max_age (kMinAge to
// kMaxAge), min_age not above max_age. Throws ApiError kValidationFailed
// listing every bad parameter in that order, a parameter's own problem
// (repeated, not UTF-8) first.
UserQuery ValidateUserQuery(const UserQueryParameters& parameters);

}  // namespace user_api
