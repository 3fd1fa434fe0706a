// The rules of the User API, independent of HTTP. Stage 1 has few: the
// service stamps times and delegates to the store.
#pragma once

#include <optional>
#include <vector>

#include "domain/user.hpp"
#include "store/user_store.hpp"

namespace user_api {

// Safe to call from several threads at once (the store serialises writes).
class UserService {
 public:
  explicit UserService(UserStore& store) : store_(store) {}

  // Creates a user with created_at == updated_at == now.
  User Create(const NewUser& fields);

  // Returns the user, or nullopt when there is none with this id.
  std::optional<User> Get(UserId id) const;

  // Returns every user in ascending id order.
  std::vector<User> List() const;

  // Applies a partial update; nullopt when there is no user with this id.
  std::optional<User> Update(UserId id, const UserPatch& patch);

  // Deletes the user; false when there was none with this id.
  bool Delete(UserId id);

 private:
  UserStore& store_;
};

}  // namespace user_api
