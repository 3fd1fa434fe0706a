// User ids as they appear in paths.
#pragma once

#include <charconv>
#include <optional>
#include <string>

#include "domain/user.hpp"

namespace user_api {

// An id is one or more ASCII digits with a value from 1 to 2^63 - 1;
// anything else names no user.
inline std::optional<UserId> ParseUserId(const std::string& text) {
  UserId id = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (ec != std::errc() || ptr != end || id <= 0) return std::nullopt;
  return id;
}

}  // namespace user_api
