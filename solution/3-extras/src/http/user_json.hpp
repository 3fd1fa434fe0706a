// The JSON form of users and of request bodies.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "domain/user.hpp"

namespace user_api {

// How deep a request body may nest arrays and objects; `{"a":1}` is 1.
inline constexpr int kMaxJsonDepth = 32;

// The user as JSON text: {"id","name","email","age","created_at",
// "updated_at"} in that order, age null when unknown, no spaces, strings
// escaped as nlohmann::json::dump escapes them (UTF-8 kept as it is). The
// text is what clients see and what the ETag hashes. Written directly, not
// through nlohmann::ordered_json: building that document cost more than the
// rest of a create.
std::string UserJson(const User& user);

// Appends UserJson(user) to `out`; a list is these, comma-separated.
void AppendUserJson(std::string& out, const User& user);

// Parses a request body as JSON of any type (the service judges its shape).
// Throws ApiError kInvalidJson when it is not JSON or nests deeper than
// kMaxJsonDepth; a too-deep body is refused before it is built, since
// copying or printing a deep nlohmann::json recurses.
nlohmann::json ParseJsonBody(std::string_view body);

}  // namespace user_api
