// The rules of the User API, independent of HTTP: validation, uniqueness
// and the times a user is stamped with. Failures are thrown as ApiError;
// a failing store throws StorageError through.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "domain/user.hpp"
#include "domain/user_query.hpp"
#include "store/user_store.hpp"

namespace user_api {

// Safe to call from several threads at once (the store serialises writes).
class UserService {
 public:
  explicit UserService(UserStore& store) : store_(store) {}

  // Creates a user from a request body, with created_at == updated_at ==
  // now. Throws ApiError: kValidationFailed (every failing field, see
  // ValidateNewUser), then kEmailTaken.
  User Create(const nlohmann::json& body);

  // Returns the user. Throws ApiError kNotFound.
  User Get(UserId id) const;

  // Returns a page of the users that pass the query's filters.
  UserPage List(const UserQuery& query) const;

  // The number of stored users: the storage check of /health.
  std::uint64_t Count() const { return store_.Count(); }

  // "memory", "sqlite" or "postgresql".
  const char* storage_kind() const { return store_.kind(); }

  // Applies a partial update from a request body if `precondition` passes
  // on the current user. Throws ApiError: kValidationFailed, then
  // kNotFound, then kPreconditionFailed, then kEmailTaken.
  User Update(UserId id, const nlohmann::json& body, const Precondition& precondition);

  // Deletes the user if `precondition` passes. Throws ApiError kNotFound,
  // then kPreconditionFailed.
  void Delete(UserId id, const Precondition& precondition);

 private:
  UserStore& store_;
};

}  // namespace user_api
