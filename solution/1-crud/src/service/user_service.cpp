#include "service/user_service.hpp"

namespace user_api {
namespace {

// Times are kept to the millisecond, the precision the API shows, so that a
// stored time and the time a client reads are the same value.
Timestamp Now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

User UserService::Create(const NewUser& fields) { return store_.Insert(fields, Now()); }

std::optional<User> UserService::Get(UserId id) const { return store_.Find(id); }

std::vector<User> UserService::List() const { return store_.List(); }

std::optional<User> UserService::Update(UserId id, const UserPatch& patch) {
  return store_.Update(id, patch, Now());
}

bool UserService::Delete(UserId id) { return store_.Erase(id); }

}  // namespace user_api
