#!/usr/bin/env bash
# Usage: send_requests.sh [--gtest_brief=1]
#
# The "suite" of the conformance self-test: sends one request to each route
# of nonconforming_server.py through USER_API_URL, as an acceptance suite
# would, and fails only when one gets no answer. Takes and ignores the
# flag that run_suites_against_one_server.sh gives every suite.
set -euo pipefail
: "${USER_API_URL:?USER_API_URL must name the server}"
status=0
for request in "GET /health" "GET /users/1" "GET /users" "DELETE /users/1"; do
  code="$(curl -s -o /dev/null -w '%{http_code}' -X "${request%% *}" "$USER_API_URL${request#* }")" ||
    { echo "no answer to $request" >&2; status=1; continue; }
  echo "$request: $code"
done
exit "$status"
