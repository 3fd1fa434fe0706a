#!/usr/bin/env bash
# Usage: measure_speed.sh OUT_DIR HARNESS REFERENCE (--program PROGRAM | --url URL)
#
# The figures of the scorecard's Performance section (scripts/grade): the
# load harness (benchmarks/user_api_bench) creates users from CONNECTIONS
# keep-alive connections at once for SECONDS, against the graded server and
# against REFERENCE, the reference stage the candidate reached, ROUNDS times
# each, interleaved (the graded one first in odd rounds, the reference first
# in even ones), so that the machine's drift hits both alike. A PROGRAM and
# REFERENCE each run on a fresh server in a fresh folder, stderr to a file
# (not a pipe, which would take CPU from the run); a URL is measured as it
# is. Writes OUT_DIR/{graded,reference}-ROUND.json (Google Benchmark's
# JSON; missing or partial when a run failed) and OUT_DIR/runs.log, which
# performance.py reads. Exit code 0 even when runs failed: the section says
# so; 2 on a misuse.
set -euo pipefail
source "$(dirname "$0")/../../../scripts/lib.sh"
show_help_if_asked "$@"

CONNECTIONS=16
SECONDS_PER_RUN=2
# Unmeasured, before each run: what a server starts lazily is not its speed.
WARMUP_SECONDS=0.2
ROUNDS=2

[[ $# -eq 5 && ( "$4" == --program || "$4" == --url ) ]] ||
  { echo "usage: measure_speed.sh OUT_DIR HARNESS REFERENCE (--program PROGRAM | --url URL)" >&2; exit 2; }
out="$1" harness="$2" reference="$3" graded="$5"
mkdir -p "$out"
log_file="$out/runs.log"
: >"$log_file"

server_pid=""
server_dir=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
  [[ -z "$server_dir" ]] || rm -rf "$server_dir"
  server_dir=""
}
trap stop_server EXIT

# run WHO PROGRAM_OR_URL ROUND: one harness run into OUT_DIR/WHO-ROUND.json.
run() {
  local who="$1" target="$2" round="$3" url="$2" status=0
  if [[ "$target" != http://* && "$target" != https://* ]]; then
    server_dir="$(mktemp -d)"
    if ! start_listening_server --dir "$server_dir" --name "$who" -- "$target" --port 0 2>>"$log_file"; then
      echo "$who round $round: the server did not start" >>"$log_file"
      stop_server
      return
    fi
    url="$server_url"
  fi
  USER_API_URL="$url" "$harness" --benchmark_filter="^CreateUsers/real_time/threads:$CONNECTIONS\$" \
    --benchmark_min_time="$SECONDS_PER_RUN" --benchmark_min_warmup_time="$WARMUP_SECONDS" \
    --benchmark_out="$out/$who-$round.json" \
    --benchmark_out_format=json >>"$log_file" 2>&1 || status=$?
  echo "$who round $round: harness exit code $status" >>"$log_file"
  stop_server
}

for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then
    run graded "$graded" "$round"
    run reference "$reference" "$round"
  else
    run reference "$reference" "$round"
    run graded "$graded" "$round"
  fi
done
