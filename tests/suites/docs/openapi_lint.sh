#!/usr/bin/env bash
# Usage: openapi_lint.sh REDOCLY CONFIG DESCRIPTION
#
# ctest's guide/openapi_lint: `REDOCLY lint --config CONFIG DESCRIPTION`,
# which fails on any error of the rules CONFIG chooses. REDOCLY is the
# Redocly CLI that scripts/setup installs into .deps/; when it is missing the
# test fails and says to run scripts/setup, since a lint that does not run
# checks nothing.
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 REDOCLY CONFIG DESCRIPTION" >&2; exit 2; }
redocly="$1" config="$2" description="$3"

if [[ ! -x "$redocly" ]]; then
  echo "error: Redocly CLI is not installed: $redocly is missing." >&2
  echo "Run scripts/setup, which installs it into .deps/node_modules/." >&2
  exit 1
fi
# No usage data and no check for a newer release: the tests reach no host
# but this machine.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec "$redocly" lint --config "$config" "$description"
