// The JSON text of users, as clients see it: the one place that writes it.
#pragma once

#include <string>
#include <vector>

#include "domain/user.hpp"

namespace user_api {

// The user as JSON text: {"id","name","email","age","created_at",
// "updated_at"} in that order, age null when unknown, no spaces, strings
// escaped as nlohmann::json::dump escapes them (UTF-8 kept as it is). The
// text is what clients see and what the ETag hashes. Written directly, not
// through nlohmann::ordered_json: building that document cost more than the
// rest of a create.
std::string UserJson(const User& user);

// Appends UserJson(user) to `out`; a list is these, comma-separated.
void AppendUserJson(std::string& out, const User& user);

// The users as a JSON array of UserJson texts, in the order given.
std::string UserListJson(const std::vector<User>& users);

}  // namespace user_api
