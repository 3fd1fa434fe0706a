#!/usr/bin/env bash
# Usage: with_postgres.sh COMMAND [ARGUMENT...]
#
# Runs COMMAND with a throwaway PostgreSQL cluster of its own
# (scripts/lib/pg_cluster.sh, in a temporary folder), and exits with
# COMMAND's code. COMMAND finds the cluster in its environment:
#   USER_API_TEST_PG_DIR  the cluster's folder, for pg_cluster.sh stop/start
#   USER_API_TEST_PG_URL  the URL of its `postgres` database
#   USER_API_DB           the same URL, so that a stage 3 server that COMMAND
#                         starts keeps its users there
# The cluster is stopped and its folder removed when COMMAND ends, however it
# ends (but for a SIGKILL of this script), so a crashing test leaves no
# server behind. Nothing in the cluster waits for the disk: it is thrown away.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 COMMAND [ARGUMENT...]" >&2; exit 2; }
helper="$(cd "$(dirname "$0")/../../../scripts/lib" && pwd)/pg_cluster.sh"

dir="$(mktemp -d "${TMPDIR:-/tmp}/user_api_pg.XXXXXX")"
trap '! "$helper" status "$dir" 2>/dev/null || "$helper" stop "$dir"; rm -rf "$dir"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
started=$SECONDS
USER_API_TEST_PG_URL="$("$helper" start "$dir" fsync=off synchronous_commit=off full_page_writes=off)"
echo "== PostgreSQL at $USER_API_TEST_PG_URL (started in $((SECONDS - started)) s)"
export USER_API_TEST_PG_DIR="$dir" USER_API_TEST_PG_URL USER_API_DB="$USER_API_TEST_PG_URL"

status=0
"$@" || status=$?
exit "$status"
