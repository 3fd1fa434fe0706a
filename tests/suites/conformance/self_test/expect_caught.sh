#!/usr/bin/env bash
# Usage: expect_caught.sh PRISM DESCRIPTION OUT_DIR
#
# The conformance check's self-test: runs responses_conform.sh on
# nonconforming_server.py, whose answers break DESCRIPTION in three known
# ways (a renamed body field, a missing required header, an undocumented
# status) and conform otherwise, with send_requests.sh as the suite. Passes
# when the check fails and its report names each of the three, with the
# method, path and status, and does not blame GET /health, the answer that
# conforms. Proves that Prism's verdicts reach the report, so that a run
# over the real server that reports nothing means something.
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 PRISM DESCRIPTION OUT_DIR" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"

status=0
report="$("$here/../responses_conform.sh" "$1" "$2" "$3" 4 100 \
  "$here/nonconforming_server.py" "$here/send_requests.sh" 2>&1)" || status=$?
printf '%s\n' "$report"
echo "== the self-test's verdict"

problems=()
((status == 1)) || problems+=("the check exited $status; expected 1, for the three violations")
# expect_line WHAT TEXT...: a line of the report holds every TEXT.
expect_line() {
  local what="$1" line
  shift
  while IFS= read -r line; do
    local text found=1
    for text in "$@"; do [[ "$line" == *"$text"* ]] || found=0; done
    ((found == 0)) || return 0
  done <<<"$report"
  problems+=("the report does not name $what (a line with: $*)")
}
expect_line "the answer to GET /users/1" "GET /users/{id} answered 200"
expect_line "the renamed field" "response.body:" "'created_at'"
expect_line "the answer to GET /users" "GET /users answered 200"
expect_line "the missing header" "response.header:" "'x-request-id'"
expect_line "the undocumented status" "DELETE /users/{id} answered 418"
if [[ "$report" == *"GET /health answered"* ]]; then
  problems+=("the report blames GET /health, whose answer conforms")
fi

if ((${#problems[@]} > 0)); then
  printf 'FAIL: %s\n' "${problems[@]}"
  exit 1
fi
echo "the check failed as it should, naming each of the three violations and nothing else"
