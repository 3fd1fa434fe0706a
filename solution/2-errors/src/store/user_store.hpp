// The storage interface. The service depends on it; implementations are
// swapped without touching the layers above.
#pragma once

#include <optional>
#include <vector>

#include "domain/user.hpp"

namespace user_api {

// The outcome of a write. `user` is the stored user when status is kOk.
struct WriteResult {
  enum class Status { kOk, kNotFound, kEmailTaken };
  Status status = Status::kOk;
  User user;
};

// Every method is safe to call from several threads at once, and each call is
// atomic: no caller sees a half-applied change, and no two users ever share
// an email (emails are compared as stored; the service lowercases them).
class UserStore {
 public:
  virtual ~UserStore() = default;

  // Stores a new user under the next id, which is greater than every id ever
  // assigned by this store (ids are never reused). kEmailTaken, storing
  // nothing and using no id, when another user has the email.
  virtual WriteResult Insert(const NewUser& fields, Timestamp now) = 0;

  // Returns the user, or nullopt when there is none with this id.
  virtual std::optional<User> Find(UserId id) const = 0;

  // Returns every user in ascending id order.
  virtual std::vector<User> List() const = 0;

  // Applies the patch (see ApplyPatch). kNotFound when there is no user with
  // this id; kEmailTaken, changing nothing, when the patch sets an email that
  // another user has.
  virtual WriteResult Update(UserId id, const UserPatch& patch, Timestamp now) = 0;

  // Removes the user; returns false when there was none with this id.
  virtual bool Erase(UserId id) = 0;
};

}  // namespace user_api
