// What GET /users asks for: filters and a page, and the answer.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "domain/user.hpp"

namespace user_api {

inline constexpr std::uint64_t kDefaultPageSize = 100;
inline constexpr std::uint64_t kMaxPageSize = 1000;
inline constexpr std::uint64_t kMaxOffset = std::numeric_limits<std::int64_t>::max();

// One query parameter as the client sent it, decoded.
struct QueryParameter {
  std::optional<std::string> value;  // nullopt when absent or unreadable.
  std::string problem;               // Why it could not be read; "" when fine.
};

// The parameters of GET /users before their rules are checked.
struct UserQueryParameters {
  QueryParameter limit{}, offset{}, q{}, email{}, min_age{}, max_age{};
};

struct UserQuery {
  std::uint64_t limit = kDefaultPageSize;  // 1 to kMaxPageSize.
  std::uint64_t offset = 0;                // At most 2^63 - 1.
  // Keep users whose name or email contains this, ignoring ASCII case; an
  // empty string keeps everyone.
  std::optional<std::string> q;
  // Keep the user whose stored email equals this, ignoring ASCII case.
  std::optional<std::string> email;
  // Keep users whose age is at least / at most this; a null age never passes.
  std::optional<int> min_age;
  std::optional<int> max_age;
};

struct UserPage {
  std::vector<User> users;  // At most `limit`, in ascending id order.
  std::uint64_t total = 0;  // How many users pass the filters in all.
};

// True when `user` passes every filter of `query` (pagination aside).
bool Matches(const UserQuery& query, const User& user);

}  // namespace user_api
