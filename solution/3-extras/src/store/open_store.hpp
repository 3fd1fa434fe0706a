// The store that the --db flag names.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "store/user_store.hpp"

namespace user_api {

// One worker per open connection: httplib holds a worker for as long as a
// keep-alive connection stays open, so the pool bounds concurrent clients.
// The PostgreSQL store gets as many connections, so a request never waits
// for one.
inline constexpr std::size_t kWorkerThreads = 64;

// No --db, or ":memory:", keeps users in memory; a postgresql:// or
// postgres:// URL names a PostgreSQL database; anything else is a SQLite
// file. Throws StorageError when the database cannot be opened.
std::unique_ptr<UserStore> OpenStore(const std::string& db);

}  // namespace user_api
