#include "store/memory_user_store.hpp"

namespace user_api {

WriteResult MemoryUserStore::Insert(const NewUser& fields, Timestamp now) {
  std::lock_guard lock(mutex_);
  if (email_ids_.contains(fields.email)) return {WriteResult::Status::kEmailTaken, {}};
  User user{++last_id_, fields.name, fields.email, fields.age, now, now};
  users_.emplace(user.id, user);
  email_ids_.emplace(user.email, user.id);
  return {WriteResult::Status::kOk, user};
}

std::optional<User> MemoryUserStore::Find(UserId id) const {
  std::lock_guard lock(mutex_);
  auto it = users_.find(id);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

std::vector<User> MemoryUserStore::List() const {
  std::lock_guard lock(mutex_);
  std::vector<User> users;
  users.reserve(users_.size());
  for (const auto& [id, user] : users_) users.push_back(user);
  return users;
}

WriteResult MemoryUserStore::Update(UserId id, const UserPatch& patch, Timestamp now) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(id);
  if (it == users_.end()) return {WriteResult::Status::kNotFound, {}};
  User& user = it->second;
  if (patch.email && *patch.email != user.email) {
    if (email_ids_.contains(*patch.email)) return {WriteResult::Status::kEmailTaken, {}};
    email_ids_.erase(user.email);
    email_ids_.emplace(*patch.email, id);
  }
  ApplyPatch(patch, now, user);
  return {WriteResult::Status::kOk, user};
}

bool MemoryUserStore::Erase(UserId id) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(id);
  if (it == users_.end()) return false;
  email_ids_.erase(it->second.email);
  users_.erase(it);
  return true;
}

}  // namespace user_api
