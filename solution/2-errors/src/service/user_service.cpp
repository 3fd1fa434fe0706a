#include "service/user_service.hpp"

#include <string>

#include "domain/api_error.hpp"
#include "domain/time.hpp"
#include "service/user_validator.hpp"

namespace user_api {
namespace {

ApiError UserNotFound(UserId id) {
  return ApiError(ErrorCode::kNotFound, "no user with id " + std::to_string(id));
}

User Unwrap(const WriteResult& result, UserId id) {
  switch (result.status) {
    case WriteResult::Status::kOk:
      return result.user;
    case WriteResult::Status::kNotFound:
      throw UserNotFound(id);
    case WriteResult::Status::kEmailTaken:
      break;
  }
  throw ApiError(ErrorCode::kEmailTaken, "another user already has this email");
}

}  // namespace

User UserService::Create(const nlohmann::json& body) {
  const NewUser fields = ValidateNewUser(body);
  return Unwrap(store_.Insert(fields, NowToTheMillisecond()), 0);
}

User UserService::Get(UserId id) const {
  std::optional<User> user = store_.Find(id);
  if (!user) throw UserNotFound(id);
  return *user;
}

std::vector<User> UserService::List() const { return store_.List(); }

User UserService::Update(UserId id, const nlohmann::json& body) {
  const UserPatch patch = ValidateUserPatch(body);
  return Unwrap(store_.Update(id, patch, NowToTheMillisecond()), id);
}

void UserService::Delete(UserId id) {
  if (!store_.Erase(id)) throw UserNotFound(id);
}

}  // namespace user_api
