#!/usr/bin/env bash
# Usage: check_candidate_workspace.sh KIT_ROOT
#
# Proves what scripts/new-candidate promises: the workspace is one git
# commit, holds nothing for interviewers only, builds on its own from an
# empty folder, and there `ctest -L crud` fails every test (the starter
# answers 501). Exits non-zero, saying why, when any of it is not so.
set -euo pipefail
root="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { printf 'candidate workspace: %s\n' "$*" >&2; exit 1; }

"$root/scripts/new-candidate" "$work/ws" >/dev/null
cd "$work/ws"

commits="$(git rev-list --count HEAD)"
[[ "$commits" == 1 ]] || fail "expected one commit, found $commits"
for forbidden in solution benchmarks tests/interviewer tests/unit tests/mutants tests/grading \
    tests/weights.json guide/rubric.md guide/interviewer-guide.md guide/solution-walkthrough.md; do
  [[ ! -e "$forbidden" ]] || fail "it holds $forbidden, which is for interviewers only"
done
leaks="$(git grep -l -i -E 'interviewer_suite|InterviewerTest|mutants/' || true)"
[[ -z "$leaks" ]] || fail "these files name interviewer-only material: $leaks"

cmake --preset dev >"$work/configure.log" 2>&1 || { tail -n 30 "$work/configure.log"; fail "configure failed"; }
cmake --build --preset dev >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; fail "build failed"; }
[[ -x build/dev/starter/user_api ]] || fail "the build made no build/dev/starter/user_api"

status=0
ctest --preset dev -L crud -j "$(nproc)" >"$work/ctest.log" 2>&1 || status=$?
summary="$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$work/ctest.log" || true)"
[[ -n "$summary" ]] || { tail -n 30 "$work/ctest.log"; fail "ctest -L crud printed no summary"; }
failed="$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$summary")"
total="$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$summary")"
((status != 0)) || fail "ctest -L crud passed against the starter"
((total >= 25)) || fail "ctest -L crud ran $total tests; at least 25 were expected"
((failed == total)) || fail "$((total - failed)) of $total CRUD tests passed against the starter"
echo "candidate workspace: one commit, nothing for interviewers, builds alone; $failed of $total CRUD tests fail against the starter"
