#!/usr/bin/env bash
# Usage: run_suites_against_one_server.sh SERVER SUITE...
#        run_suites_against_one_server.sh SERVER --ctest BUILD_DIR TEST_REGEX JOBS
#        run_suites_against_one_server.sh --url URL SUITE...
#
# Starts SERVER once (--port 0), runs every SUITE against it through
# USER_API_URL, as an interviewer does with a long-running server, then
# checks that the server still answers GET /health and did not crash.
# Proves that the suites need neither a fresh server nor an empty store.
# With --ctest, runs the tests of BUILD_DIR that match TEST_REGEX, JOBS at
# a time, against the one server instead: the same tests that run with a
# fresh server each elsewhere in the run must pass here too (those that
# must start the server themselves skip).
# With --url, starts nothing and runs the suites against the server at URL
# (several instances behind a load balancer, say), which must still answer
# GET /health after them.
set -euo pipefail
# This script is tests/harness/scripts/run_suites_against_one_server.sh in the kit.
source "$(dirname "$0")/../../../scripts/lib.sh"
[[ $# -ge 2 ]] || { echo "usage: $0 (SERVER | --url URL) (SUITE... | --ctest BUILD_DIR TEST_REGEX JOBS)" >&2; exit 2; }

pid=""
if [[ "$1" == --url ]]; then
  url="$2"
  shift 2
else
  server="$1"
  shift
  workdir="$(mktemp -d)"
  trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$workdir"' EXIT
  start_listening_server --name "the server" --dir "$workdir" --timeout 20 \
    --pid-var pid --url-var url -- "$server" --port 0 || exit 1
fi

status=0
if [[ "$1" == --ctest ]]; then
  [[ $# -eq 4 ]] || { echo "--ctest needs BUILD_DIR TEST_REGEX JOBS" >&2; exit 2; }
  echo "== ctest -R '$3' -j $4 against $url"
  # Not the meta checks (this is one), nor the unit tests (no server).
  USER_API_URL="$url" ctest --test-dir "$2" -R "$3" -LE '^(meta|unit|benchmark)$' -j "$4" \
    --output-on-failure || status=1
else
  for suite in "$@"; do
    echo "== $(basename "$suite") against $url"
    env -u USER_API_SERVER USER_API_URL="$url" "$suite" --gtest_brief=1 || status=1
  done
fi

if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
  echo "the server died during the suites; its stderr:" >&2
  tail -n 40 "$workdir/stderr" >&2
  exit 1
fi
if ! curl -sf "$url/health" >/dev/null; then
  echo "the server no longer answers GET /health after the suites" >&2
  exit 1
fi
if [[ -n "$pid" ]] && grep -q "Sanitizer" "$workdir/stderr"; then
  echo "a sanitizer reported on the server's stderr:" >&2
  tail -n 40 "$workdir/stderr" >&2
  exit 1
fi
echo "the server is still up and healthy after all suites"
exit "$status"
