#include "domain/user.hpp"

namespace user_api {

void ApplyPatch(const UserPatch& patch, Timestamp now, User& user) {
  if (patch.empty()) return;
  if (patch.name) user.name = *patch.name;
  if (patch.email) user.email = *patch.email;
  if (patch.age) user.age = *patch.age;
  user.updated_at = now;
}

}  // namespace user_api
