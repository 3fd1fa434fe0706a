#!/usr/bin/env bash
# Usage: with_postgres.sh restart_on_postgresql.sh SERVER
#
# What guide/api-spec.md's Persistence section promises, on PostgreSQL:
# users, updates and deletes survive a restart of SERVER (stage 3) on the
# same database, and so does the id sequence: after a restart a new id is
# greater than every id before it, also when the newest user was deleted
# just before. The second and third starts apply no migration. Runs inside
# tests/harness/scripts/with_postgres.sh, whose database (USER_API_DB) the
# server uses. Then a database that cannot be reached: exit code 1, with a
# message that leaves the password out.
# spec-rules: DB-9 DB-10 DB-11 DB-12
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: with_postgres.sh $0 SERVER" >&2; exit 2; }
server="$1"
: "${USER_API_DB:?run this inside tests/harness/scripts/with_postgres.sh}"
# This script is tests/suites/postgresql/restart_on_postgresql.sh in the kit.
source "$(dirname "$0")/../../../scripts/lib.sh"
pg_cluster="$ROOT/scripts/lib/pg_cluster.sh"

workdir="$(mktemp -d)"
pid=""
trap '[[ -z "$pid" ]] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$workdir"' EXIT

fail() {
  echo "FAILED: $*" >&2
  echo "the server's log (last lines):" >&2
  tail -n 20 "$workdir/stderr" >&2
  exit 1
}

# start_server [FLAG...]: sets pid and url; the server's stderr log is
# appended to.
start_server() {
  start_listening_server --name "the server" --dir "$workdir" --timeout 20 \
    --pid-var pid --url-var url -- "$server" --port 0 "$@" || exit 1
}

stop_server() {
  kill -TERM "$pid"
  local code=0
  wait "$pid" || code=$?
  pid=""
  [[ $code -eq 0 ]] || fail "the server exited with code $code after SIGTERM, not 0"
}

# send METHOD PATH [BODY]: sets `status` and `body`, and `sent` to a curl
# command that repeats the request.
send() {
  local args=(-s -X "$1" "$url$2")
  [[ $# -lt 3 ]] || args+=(-H 'Content-Type: application/json' --data "$3")
  sent="curl ${args[*]}"
  status="$(curl -o "$workdir/body" -w '%{http_code}' "${args[@]}")"
  body="$(cat "$workdir/body")"
}

# expect STATUS WHAT: the last answer had STATUS.
expect() {
  [[ "$status" == "$1" ]] || fail "$2: expected $1, got $status $body ($sent)"
}

id_of() { /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' <<<"$body"; }

create() {
  send POST /users "{\"name\": \"$1\", \"email\": \"$1@restart.test\"}"
  expect 201 "creating $1"
  id_of
}

migrations() {
  "$pg_cluster" psql "$USER_API_TEST_PG_DIR" --tuples-only --no-align \
    --command 'SELECT count(*), max(applied_at) FROM schema_migrations'
}

start_server
send GET /health
expect 200 "GET /health"
[[ "$body" == *'"storage":"postgresql"'* ]] || fail "/health does not say \"storage\":\"postgresql\": $body"

kept="$(create kept)"
changed="$(create changed)"
erased="$(create erased)"
newest="$(create newest)"
send PATCH "/users/$changed" '{"name": "renamed", "age": 41}'
expect 200 "renaming user $changed"
send DELETE "/users/$erased"
expect 204 "deleting user $erased"
send DELETE "/users/$newest"
expect 204 "deleting the newest user, $newest"
send GET "/users/$kept"
kept_body="$body"
send GET "/users/$changed"
changed_body="$body"
migrated="$(migrations)"
stop_server

echo "== restart 1: users $kept and $changed kept, $erased and $newest deleted"
start_server
send GET "/users/$kept"
expect 200 "GET user $kept after the restart"
[[ "$body" == "$kept_body" ]] || fail "user $kept changed across the restart: $kept_body, then $body"
send GET "/users/$changed"
expect 200 "GET user $changed after the restart"
[[ "$body" == "$changed_body" ]] || fail "user $changed lost its update: $changed_body, then $body"
for gone in "$erased" "$newest"; do
  send GET "/users/$gone"
  expect 404 "GET deleted user $gone after the restart"
done
send POST /users '{"name": "again", "email": "kept@restart.test"}'
expect 409 "a create with a taken email after the restart"
next="$(create next)"
((next > newest)) || fail "after the restart the new id $next is not greater than $newest, deleted before it"
[[ "$(migrations)" == "$migrated" ]] || fail "the restart applied migrations: $migrated, then $(migrations)"
send DELETE "/users/$next"
expect 204 "deleting the newest user, $next"
stop_server

echo "== restart 2: the newest user, $next, deleted just before; the URL as postgres://"
[[ "$USER_API_DB" == postgresql://* ]] || fail "USER_API_DB is not a postgresql:// URL: $USER_API_DB"
start_server --db "postgres://${USER_API_DB#postgresql://}"
last="$(create last)"
((last > next)) || fail "after the second restart the new id $last is not greater than $next"
send GET /health
expect 200 "GET /health"
[[ "$body" == *'"users":3'* ]] || fail "/health should count 3 users (kept, changed, last): $body"
[[ "$(migrations)" == "$migrated" ]] || fail "the second restart applied migrations"
stop_server
echo "ids $kept < $newest < $next < $last, across two restarts; migrations applied once"

echo "== a database that cannot be reached"
password="unreachable-pw-$$"
code=0
timeout 30 "$server" --port 0 --db "postgresql://kit:$password@127.0.0.1:1/none?connect_timeout=5" \
  >/dev/null 2>"$workdir/unreachable" || code=$?
[[ $code -eq 1 ]] || fail "a server whose database cannot be reached exited with code $code, not 1"
[[ -s "$workdir/unreachable" ]] || fail "a server whose database cannot be reached wrote no message"
if grep -q -- "$password" "$workdir/unreachable"; then
  fail "the message holds the database password: $(cat "$workdir/unreachable")"
fi
echo "exit code 1: $(head -c 300 "$workdir/unreachable")"
