// The rules for the bodies of create and update requests (guide/api-spec.md,
// "Validation rules"). Pure functions: no I/O, no shared state.
#pragma once

#include <nlohmann/json.hpp>

#include "domain/user.hpp"
#include "domain/user_limits.hpp"

namespace user_api {

// Reads a create body: name and email required, age optional. Returns the
// fields trimmed, with the email lowercased. Throws ApiError
// kValidationFailed listing every failing field, in the order "", name,
// email, age, then unknown members by name.
NewUser ValidateNewUser(const nlohmann::json& body);

// Reads an update body: any subset of name, email and age ("age": null
// clears the age). Throws like ValidateNewUser.
UserPatch ValidateUserPatch(const nlohmann::json& body);

}  // namespace user_api
