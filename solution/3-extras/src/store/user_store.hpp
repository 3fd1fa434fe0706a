// The storage interface. The service depends on it; implementations are
// swapped without touching the layers above.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "domain/user.hpp"
#include "domain/user_query.hpp"

namespace user_api {

// The outcome of a write. `user` is the stored user when status is kOk.
struct WriteResult {
  enum class Status { kOk, kNotFound, kEmailTaken, kPreconditionFailed };
  Status status = Status::kOk;
  User user;
};

// A check on the current state of a user that a write must pass, evaluated
// atomically with the write (If-Match). An empty function always passes.
// It runs while the store holds its lock (for SQLite, a write transaction;
// for PostgreSQL, a transaction holding the user's row lock): it must be
// quick and must not call back into the store. An exception it throws
// passes through unchanged, and the write is undone.
using Precondition = std::function<bool(const User& current)>;

// Times are kept to the millisecond: a store may round `now` down to it and
// returns the value it stored.
//
// Every method is safe to call from several threads at once, and each call is
// atomic: no caller sees a half-applied change, and no two users ever share
// an email (emails are compared as stored; the service lowercases them).
// Every method throws StorageError when the storage underneath fails.
class UserStore {
 public:
  virtual ~UserStore() = default;

  // "memory", "sqlite" or "postgresql", for /health.
  virtual const char* kind() const = 0;

  // Stores a new user under the next id, which is greater than every id ever
  // assigned by this store (ids are never reused, also across restarts of a
  // persistent store). kEmailTaken, storing nothing, when another user has
  // the email. A returned kOk is durable for a persistent store.
  virtual WriteResult Insert(const NewUser& fields, Timestamp now) = 0;

  // Returns the user, or nullopt when there is none with this id.
  virtual std::optional<User> Find(UserId id) const = 0;

  // Returns the page of users that pass the query's filters, in ascending id
  // order, and how many pass in all.
  virtual UserPage List(const UserQuery& query) const = 0;

  // The number of stored users.
  virtual std::uint64_t Count() const = 0;

  // Applies the patch (see ApplyPatch) if `precondition` passes on the
  // current user. kNotFound when there is no user with this id, then
  // kPreconditionFailed, then kEmailTaken when the patch sets an email that
  // another user has; any failure changes nothing.
  virtual WriteResult Update(UserId id, const UserPatch& patch, Timestamp now,
                             const Precondition& precondition) = 0;

  // Removes the user if `precondition` passes: kOk (with the removed user),
  // kNotFound or kPreconditionFailed.
  virtual WriteResult Erase(UserId id, const Precondition& precondition) = 0;
};

}  // namespace user_api
