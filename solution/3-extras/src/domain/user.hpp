// The User resource and the two requests that change it. Plain values with no
// knowledge of HTTP or storage; every layer speaks in these types.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace user_api {

using UserId = std::int64_t;
using Timestamp = std::chrono::system_clock::time_point;

struct User {
  UserId id = 0;
  std::string name;
  std::string email;
  std::optional<int> age;
  Timestamp created_at;
  Timestamp updated_at;
};

// The fields a client supplies to create a user.
struct NewUser {
  std::string name;
  std::string email;
  std::optional<int> age;
};

// A partial update. A field without a value is left as it is; `age` holding
// an empty inner optional clears the age.
struct UserPatch {
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::optional<int>> age;

  // True when the patch names no field at all (the request body was `{}`).
  bool empty() const { return !name && !email && !age; }
};

// Applies `patch` to `user`. Moves `updated_at` to `now` unless the patch is
// empty: an empty update changes nothing.
void ApplyPatch(const UserPatch& patch, Timestamp now, User& user);

}  // namespace user_api
