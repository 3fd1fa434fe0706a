-- The users of the API (guide/api-spec.md, "The User resource").
--
-- id: GENERATED ALWAYS takes ids from the table's own sequence and refuses
-- ids given by hand. A sequence only moves forward, whatever happens to the
-- rows or the transactions that drew from it, so an id is never handed out
-- twice, also after the newest user is deleted and the server restarts.
-- Refused inserts leave gaps, which the API allows.
--
-- email: the service stores emails lowercased; the unique index on the
-- ASCII-lowercased email (lower() under the "C" collation folds A-Z and
-- nothing else, as the spec's rule does) keeps them unique even for a
-- writer that skips the service, and serves the `email` filter.
--
-- Times are kept to the millisecond by the store, like the other stores.
CREATE TABLE users (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text        NOT NULL,
  email      text        NOT NULL,
  age        integer,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email COLLATE "C"));
