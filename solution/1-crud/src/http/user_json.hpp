// Reading the bodies of the create and update requests.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "domain/user.hpp"

namespace user_api {

// Why a request body was refused: the status to answer and a sentence for
// the client.
struct BodyError {
  int status = 0;
  std::string detail;
};

// Reads a create body: an object with string "name" and "email" and an
// optional "age" (an integer or null). On failure returns nullopt and fills
// `error`: 400 when the body is not JSON, 422 when it has the wrong shape.
std::optional<NewUser> ParseNewUser(std::string_view body, BodyError& error);

// Reads an update body: an object with any subset of the create fields.
// Fails like ParseNewUser.
std::optional<UserPatch> ParseUserPatch(std::string_view body, BodyError& error);

}  // namespace user_api
