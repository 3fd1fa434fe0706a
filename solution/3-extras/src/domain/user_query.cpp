#include "domain/user_query.hpp"

#include "domain/text.hpp"

namespace user_api {

bool Matches(const UserQuery& query, const User& user) {
  if (query.q && !query.q->empty()) {
    const std::string needle = AsciiLower(*query.q);
    if (AsciiLower(user.name).find(needle) == std::string::npos &&
        AsciiLower(user.email).find(needle) == std::string::npos) {
      return false;
    }
  }
  if (query.email && AsciiLower(*query.email) != user.email) return false;
  if (query.min_age && (!user.age || *user.age < *query.min_age)) return false;
  if (query.max_age && (!user.age || *user.age > *query.max_age)) return false;
  return true;
}

}  // namespace user_api
