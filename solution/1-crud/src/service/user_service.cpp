#include "service/user_service.hpp"

#include "domain/time.hpp"

namespace user_api {

User UserService::Create(const NewUser& fields) {
  return store_.Insert(fields, NowToTheMillisecond());
}

std::optional<User> UserService::Get(UserId id) const { return store_.Find(id); }

std::vector<User> UserService::List() const { return store_.List(); }

std::optional<User> UserService::Update(UserId id, const UserPatch& patch) {
  return store_.Update(id, patch, NowToTheMillisecond());
}

bool UserService::Delete(UserId id) { return store_.Erase(id); }

}  // namespace user_api
