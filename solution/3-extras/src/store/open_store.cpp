#include "store/open_store.hpp"

#include "store/memory_user_store.hpp"
#include "store/postgres_user_store.hpp"
#include "store/sqlite_user_store.hpp"

namespace user_api {

std::unique_ptr<UserStore> OpenStore(const std::string& db, std::size_t connections) {
  if (db.empty() || db == ":memory:") return std::make_unique<MemoryUserStore>();
  if (IsPostgresUrl(db)) return std::make_unique<PostgresUserStore>(db, connections);
  return std::make_unique<SqliteUserStore>(db);
}

}  // namespace user_api
