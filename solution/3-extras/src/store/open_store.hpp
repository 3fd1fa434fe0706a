// The store that the --db flag names.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "store/user_store.hpp"

namespace user_api {

// No --db, or ":memory:", keeps users in memory; a postgresql:// or
// postgres:// URL names a PostgreSQL database, with a pool of at most
// `connections`; anything else is a SQLite file. Throws StorageError when
// the database cannot be opened.
std::unique_ptr<UserStore> OpenStore(const std::string& db, std::size_t connections);

}  // namespace user_api
