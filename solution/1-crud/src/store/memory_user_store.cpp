#include "store/memory_user_store.hpp"

namespace user_api {

User MemoryUserStore::Insert(const NewUser& fields, Timestamp now) {
  std::lock_guard lock(mutex_);
  User user{++last_id_, fields.name, fields.email, fields.age, now, now};
  users_.emplace(user.id, user);
  return user;
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

std::optional<User> MemoryUserStore::Update(UserId id, const UserPatch& patch, Timestamp now) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(id);
  if (it == users_.end()) return std::nullopt;
  ApplyPatch(patch, now, it->second);
  return it->second;
}

bool MemoryUserStore::Erase(UserId id) {
  std::lock_guard lock(mutex_);
  return users_.erase(id) == 1;
}

}  // namespace user_api
