#!/usr/bin/env bash
# Usage: responses_conform.sh PRISM DESCRIPTION OUT_DIR MIN_FORWARDED MIN_SHARE SERVER SUITE...
#
# Checks every response the SUITEs receive from SERVER against DESCRIPTION
# (guide/openapi.yaml): the status is documented for the operation, the
# body is valid against its schema, the required headers are there.
# Starts SERVER once (--port 0), Prism's validation proxy (PRISM proxy
# DESCRIPTION, --errors=false: it reports, never rewrites an answer) on a
# free port in front of it, and violation_recorder.py in front of Prism;
# runs each SUITE by URL against the recorder
# (run_suites_against_one_server.sh --url); then report_violations.py
# judges what the recorder kept of each answer: Prism's sl-violations
# header, with the method, path and status it belongs to.
# The header, not Prism's log: the log writes each violation on a line of
# its own, as text for people, with neither the method, the path nor the
# status, so only the order of lines ties it to a request, and the suites
# send requests concurrently (100 creates at once). The header is JSON
# and travels on the very answer it judges.
# Fails when a violation is located in a response, or when fewer than
# MIN_FORWARDED requests, or less than MIN_SHARE percent of those the suites
# sent, reached SERVER through Prism. Violations in requests (the errors
# suite sends bad ones on purpose) and the suites' own failures are
# reported but do not fail it: Prism re-encodes JSON bodies and refuses
# some malformed requests, so some tests fail through it, and every suite
# runs against SERVER directly elsewhere.
# OUT_DIR (emptied first) keeps the logs of SERVER, Prism, the recorder and
# the suites, and the record, for a look after a failure. A SUITE may be
# any program that reads USER_API_URL and takes --gtest_brief=1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# This script is tests/suites/conformance/responses_conform.sh in the kit.
source "$here/../../../scripts/lib.sh"
[[ $# -ge 7 ]] ||
  { echo "usage: $0 PRISM DESCRIPTION OUT_DIR MIN_FORWARDED MIN_SHARE SERVER SUITE..." >&2; exit 2; }
prism="$1" description="$2" out="$3" min_forwarded="$4" min_share="$5" server="$6"
shift 6

if [[ ! -x "$prism" ]]; then
  echo "error: Prism is not installed: $prism is missing." >&2
  echo "Run scripts/setup, which installs it into .deps/node_modules/." >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
server_pid="" prism_pid="" recorder_pid=""
stop_all() {
  local pid
  for pid in "$recorder_pid" "$prism_pid" "$server_pid"; do
    [[ -n "$pid" ]] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT
started=$SECONDS

start_listening_server --name "the server" --stdout "$out/server.stdout" \
  --stderr "$out/server.stderr" --timeout 20 --pid-var server_pid --url-var server_url \
  -- "$server" --port 0 || exit 1

# start_prism: Prism on a free port, until it answers GET /health; another
# port when the one chosen was taken meanwhile. Prism prints no
# `listening on` line of the kit's form, so it is polled.
start_prism() {
  local attempt _
  for attempt in 1 2 3; do
    prism_port="$(free_port)"
    "$prism" proxy "$description" "$server_url" --port "$prism_port" --host 127.0.0.1 \
      --errors=false --cors=false >>"$out/prism.log" 2>&1 </dev/null &
    prism_pid=$!
    for _ in $(seq 600); do
      if curl -sf -o /dev/null "http://127.0.0.1:$prism_port/health"; then
        return 0
      fi
      kill -0 "$prism_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$prism_pid" 2>/dev/null || true
    wait "$prism_pid" 2>/dev/null || true
    prism_pid=""
    echo "Prism did not answer on port $prism_port (attempt $attempt); its log:" >&2
    tail -n 20 "$out/prism.log" | sed 's/^/  /' >&2
  done
  return 1
}
start_prism || { echo "error: Prism's proxy did not start" >&2; exit 1; }

start_listening_server --name "the violation recorder" --stdout "$out/recorder.stdout" \
  --stderr "$out/recorder.stderr" --pid-var recorder_pid --url-var recorder_url \
  -- /usr/bin/python3 -B "$here/violation_recorder.py" \
  "http://127.0.0.1:$prism_port" "$out/record.jsonl" || exit 1
echo "== server $server_url, Prism http://127.0.0.1:$prism_port, recorder $recorder_url" \
  "(started in $(elapsed $((SECONDS - started))))"

# The suites' own report goes to a file: its failures are not the verdict.
suites_status=0
"$here/../../harness/scripts/run_suites_against_one_server.sh" --url "$recorder_url" "$@" \
  >"$out/suites.log" 2>&1 || suites_status=$?
grep -E '^(== |\[==========\]|\[  (PASSED  |FAILED  |SKIPPED )\] [0-9]+ tests?\.)' "$out/suites.log" || true
echo "== the suites took $(elapsed $((SECONDS - started))) in all through Prism"
if ((suites_status != 0)); then
  echo "Some suite tests failed through Prism, which re-encodes JSON bodies and refuses" \
    "some malformed requests; they are not judged here (the suites run against the" \
    "server directly elsewhere). Their report: $out/suites.log"
  grep -E '^\[  FAILED  \] [^0-9]' "$out/suites.log" | sed 's/^/  /' || true
fi
echo "== the responses against $description"
stop_all
trap - EXIT
/usr/bin/python3 -B "$here/report_violations.py" "$out/record.jsonl" \
  --min-forwarded "$min_forwarded" --min-share "$min_share" --server "$server" --prism "$prism" \
  --description "$description" --prism-log "$out/prism.log" \
  --suites-log "$out/suites.log"
