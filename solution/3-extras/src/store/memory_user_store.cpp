#include "store/memory_user_store.hpp"

#include <algorithm>
#include <iterator>

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

UserPage MemoryUserStore::List(const UserQuery& query) const {
  std::lock_guard lock(mutex_);
  UserPage page;
  const bool filtered = query.q || query.email || query.min_age || query.max_age;
  if (!filtered) {
    // The common case costs the page, not the store: the total is the size.
    page.total = users_.size();
    auto it = users_.begin();
    std::advance(it, std::min<std::uint64_t>(query.offset, users_.size()));
    for (; it != users_.end() && page.users.size() < query.limit; ++it) {
      page.users.push_back(it->second);
    }
    return page;
  }
  for (const auto& [id, user] : users_) {
    if (!Matches(query, user)) continue;
    if (page.total >= query.offset && page.users.size() < query.limit) page.users.push_back(user);
    ++page.total;
  }
  return page;
}

std::uint64_t MemoryUserStore::Count() const {
  std::lock_guard lock(mutex_);
  return users_.size();
}

WriteResult MemoryUserStore::Update(UserId id, const UserPatch& patch, Timestamp now,
                                   const Precondition& precondition) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(id);
  if (it == users_.end()) return {WriteResult::Status::kNotFound, {}};
  User& user = it->second;
  if (precondition && !precondition(user)) return {WriteResult::Status::kPreconditionFailed, user};
  if (patch.email && *patch.email != user.email) {
    if (email_ids_.contains(*patch.email)) return {WriteResult::Status::kEmailTaken, {}};
    email_ids_.erase(user.email);
    email_ids_.emplace(*patch.email, id);
  }
  ApplyPatch(patch, now, user);
  return {WriteResult::Status::kOk, user};
}

WriteResult MemoryUserStore::Erase(UserId id, const Precondition& precondition) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(id);
  if (it == users_.end()) return {WriteResult::Status::kNotFound, {}};
  if (precondition && !precondition(it->second)) {
    return {WriteResult::Status::kPreconditionFailed, it->second};
  }
  const User removed = it->second;
  email_ids_.erase(removed.email);
  users_.erase(it);
  return {WriteResult::Status::kOk, removed};
}

}  // namespace user_api
