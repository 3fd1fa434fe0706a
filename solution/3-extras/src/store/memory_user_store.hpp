// A UserStore kept in memory, guarded by one mutex. Data lives as long as the
// process does.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/user_store.hpp"

namespace user_api {

class MemoryUserStore final : public UserStore {
 public:
  const char* kind() const override { return "memory"; }
  WriteResult Insert(const NewUser& fields, Timestamp now) override;
  std::optional<User> Find(UserId id) const override;
  UserPage List(const UserQuery& query) const override;
  std::uint64_t Count() const override;
  WriteResult Update(UserId id, const UserPatch& patch, Timestamp now,
                     const Precondition& precondition) override;
  WriteResult Erase(UserId id, const Precondition& precondition) override;

 private:
  mutable std::mutex mutex_;
  std::map<UserId, User> users_;                      // Guarded by mutex_; ordered by id.
  std::unordered_map<std::string, UserId> email_ids_;  // Guarded by mutex_; one per user.
  UserId last_id_ = 0;                                // Guarded by mutex_.
};

}  // namespace user_api
