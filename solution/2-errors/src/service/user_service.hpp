// The rules of the User API, independent of HTTP: validation, uniqueness
// and the times a user is stamped with. Failures are thrown as ApiError.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "domain/user.hpp"
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

  // Returns every user in ascending id order.
  std::vector<User> List() const;

  // Applies a partial update from a request body. Throws ApiError:
  // kValidationFailed, then kNotFound, then kEmailTaken.
  User Update(UserId id, const nlohmann::json& body);

  // Deletes the user. Throws ApiError kNotFound.
  void Delete(UserId id);

 private:
  UserStore& store_;
};

}  // namespace user_api
