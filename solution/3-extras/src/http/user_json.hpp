// Request bodies as JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "domain/user.hpp"

namespace user_api {

// How deep a request body may nest arrays and objects; `{"a":1}` is 1.
inline constexpr int kMaxJsonDepth = 32;

// Parses a request body as JSON of any type (the service judges its shape).
// Throws ApiError kInvalidJson when it is not JSON or nests deeper than
// kMaxJsonDepth; a too-deep body is refused before it is built, since
// copying or printing a deep nlohmann::json recurses.
nlohmann::json ParseJsonBody(std::string_view body);

}  // namespace user_api
