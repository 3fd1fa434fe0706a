// A UserStore kept in a PostgreSQL database (--db postgresql://...): users,
// their changes and the id sequence live in the server, so several
// instances of the API can share them, and every write that returns kOk is
// committed first.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "store/postgres_pool.hpp"
#include "store/user_store.hpp"

namespace user_api {

// True when `db` names a PostgreSQL database: a URL that starts with
// postgresql:// or postgres://.
bool IsPostgresUrl(std::string_view db);

// A pool of connections (see PgPool), each call on one connection it
// borrows for the call's length. The database does what the memory and
// SQLite stores do under their mutex: a unique index keeps emails unique, a
// row lock (SELECT ... FOR UPDATE) holds a user still while a precondition
// is checked and the write is made, and an identity column hands out ids.
// So calls run in parallel, here and in other processes on the same
// database.
//
// Besides the UserStore contract: the unique index is on the email with
// A-Z lowercased, so two emails that differ only in ASCII case count as
// taken even from a writer that skips the service (which lowercases them
// anyway). Ids skip the values drawn by refused inserts.
class PostgresUserStore final : public UserStore {
 public:
  // Connects to the database at `url` (a libpq URL: user, password, host,
  // port, database and settings such as connect_timeout) and applies the
  // migrations it has not had yet (migrations/postgresql/, built into the
  // program), holding a lock that makes instances starting together take
  // turns, on a connection of its own that it then closes. The pool opens
  // up to `pool_size` connections as calls need them: a server that
  // answers one client at a time holds one, not `pool_size`, which matters
  // when several instances share a server's max_connections. Throws
  // StorageError, naming the server but not the password, when it cannot
  // connect or a migration fails.
  PostgresUserStore(const std::string& url, std::size_t pool_size);
  ~PostgresUserStore() override;

  PostgresUserStore(const PostgresUserStore&) = delete;
  PostgresUserStore& operator=(const PostgresUserStore&) = delete;

  const char* kind() const override { return "postgresql"; }
  WriteResult Insert(const NewUser& fields, Timestamp now) override;
  std::optional<User> Find(UserId id) const override;
  UserPage List(const UserQuery& query) const override;
  std::uint64_t Count() const override;
  WriteResult Update(UserId id, const UserPatch& patch, Timestamp now,
                     const Precondition& precondition) override;
  WriteResult Erase(UserId id, const Precondition& precondition) override;

 private:
  // Borrowing a connection changes no state a caller can see, so the const
  // methods borrow too.
  mutable PgPool pool_;
};

}  // namespace user_api
