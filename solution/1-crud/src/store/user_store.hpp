// The storage interface. The service depends on it; implementations are
// swapped without touching the layers above.
#pragma once

#include <optional>
#include <vector>

#include "domain/user.hpp"

namespace user_api {

// Every method is safe to call from several threads at once, and each call is
// atomic: no caller sees a half-applied change.
class UserStore {
 public:
  virtual ~UserStore() = default;

  // Stores a new user under the next id, which is greater than every id ever
  // assigned by this store (ids are never reused), and returns it.
  virtual User Insert(const NewUser& fields, Timestamp now) = 0;

  // Returns the user, or nullopt when there is none with this id.
  virtual std::optional<User> Find(UserId id) const = 0;

  // Returns every user in ascending id order.
  virtual std::vector<User> List() const = 0;

  // Applies the patch (see ApplyPatch) and returns the updated user, or
  // nullopt when there is no user with this id.
  virtual std::optional<User> Update(UserId id, const UserPatch& patch, Timestamp now) = 0;

  // Removes the user; returns false when there was none with this id.
  virtual bool Erase(UserId id) = 0;
};

}  // namespace user_api
