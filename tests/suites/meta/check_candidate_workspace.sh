#!/usr/bin/env bash
# Usage: check_candidate_workspace.sh KIT_ROOT
#
# Proves what scripts/new-candidate promises: the workspace is one git
# commit, holds nothing for interviewers only, builds on its own from an
# empty folder, and there `ctest -L crud` fails every test but the one on
# /health's body (the starter answers 501 on the user routes), printing a
# line with the reason of each failure (`--preset verbose`: the failure in
# full), while a test program added as the candidate brief says builds and
# runs; scripts/check prints a bar per stage and the first three failures
# with a command that runs one, exits non-zero, and with --watch checks
# again when a file is saved (when inotifywait is installed); each ctest
# run and check is recorded on the hidden ref refs/kit/timeline. Exits
# non-zero, saying why, when any of it is not so.
set -euo pipefail
root="$1"
work="$(mktemp -d)"
watch_pid=""
trap '[[ -z "$watch_pid" ]] || kill -- -"$watch_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { printf 'candidate workspace: %s\n' "$*" >&2; exit 1; }

"$root/scripts/new-candidate" "$work/ws" >/dev/null
cd "$work/ws"

commits="$(git rev-list --count HEAD)"
[[ "$commits" == 1 ]] || fail "expected one commit, found $commits"
for forbidden in solution benchmarks tests/suites/interviewer tests/suites/unit tests/tools \
    guide/rubric.md guide/interviewer-guide.md guide/solution-walkthrough.md; do
  [[ ! -e "$forbidden" ]] || fail "it holds $forbidden, which is for interviewers only"
done
leaks="$(git grep -l -i -E 'interviewer_suite|InterviewerTest|mutants/' || true)"
[[ -z "$leaks" ]] || fail "these files name interviewer-only material: $leaks"

# The brief's "Your own tests" recipe, as a candidate follows it before
# the first configure: its CMake block at the end of starter/CMakeLists.txt
# and a test file that uses the starter's code.
recipe="$(awk '/^## Your own tests/ { found = 1 } found && /^```cmake$/ { inside = 1; next }
               inside && /^```$/ { exit } inside { print }' guide/candidate-brief.md)"
[[ "$recipe" == *my_tests* ]] || fail "guide/candidate-brief.md has no CMake block for my_tests under \"Your own tests\""
printf '\n%s\n' "$recipe" >>starter/CMakeLists.txt
mkdir -p starter/tests
cat >starter/tests/my_store_test.cpp <<'CPP'
#include <gtest/gtest.h>

#include "options.hpp"

TEST(MyTests, ParsesThePort) {
  const user_api::ParsedOptions parsed = user_api::ParseOptions({"--port", "8123"});
  ASSERT_TRUE(parsed.options.has_value()) << parsed.message;
  EXPECT_EQ(parsed.options->port, 8123);
}
CPP

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
# The starter already answers /health as stages 1 and 2 must: the tests
# that pass on it are listed once, in crud_passing_on_starter.txt.
mapfile -t passing_on_starter <"$root/tests/suites/meta/crud_passing_on_starter.txt"
passed="$(grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$work/ctest.log" |
  grep -v -F "${passing_on_starter[@]/#/-e}" || true)"
[[ -z "$passed" ]] || fail "CRUD tests passed against the starter: $passed"
((failed == total - ${#passing_on_starter[@]})) ||
  fail "$((total - failed)) of $total CRUD tests passed against the starter, ${#passing_on_starter[@]} expected (${passing_on_starter[*]})"
# The default preset's output: after each failing test, one line with its
# reason, and never GoogleTest's own full account.
reasons="$(grep -c -E '^    [a-z_]+\.cpp:[0-9]+: .+' "$work/ctest.log" || true)"
((reasons == failed)) || { sed -n 1,20p "$work/ctest.log"; fail "ctest --preset dev printed $reasons one-line reasons for $failed failures"; }
! grep -q -F '[ RUN      ]' "$work/ctest.log" ||
  fail "ctest --preset dev printed GoogleTest's full output; the brief form was expected"
one='starter/crud/UsersCrudTest.CreateReturns201WithTheUser'
ctest --preset verbose -R "^$one\$" >"$work/verbose.log" 2>&1 || true
grep -q 'reproduce: curl' "$work/verbose.log" ||
  { tail -n 30 "$work/verbose.log"; fail "ctest --preset verbose did not show $one in full"; }

status=0
./scripts/check >"$work/check.log" 2>&1 || status=$?
((status == 1)) || { cat "$work/check.log"; fail "scripts/check exited with $status against the starter; 1 was expected"; }
bars="$(grep -c -E '^stage [123]  \[[#.]{30}\] +[0-9]+ of [0-9]+' "$work/check.log" || true)"
((bars == 3)) || { cat "$work/check.log"; fail "scripts/check printed $bars progress bars; one per stage (3) expected"; }
grep -q -E '^stage 1 .* contract ([0-9]+) of \1,' "$work/check.log" ||
  { cat "$work/check.log"; fail "scripts/check did not count every contract test as passing on the starter"; }
grep -q -E '^[0-9]+ of [0-9]+ tests fail; the first 3:$' "$work/check.log" ||
  { cat "$work/check.log"; fail "scripts/check did not announce the first three failures"; }
rerun="$(grep -m1 -E '^      in full: ' "$work/check.log" | sed 's/^      in full: //')"
shown="$(grep -c -E '^      in full: ' "$work/check.log" || true)"
((shown == 3)) || { cat "$work/check.log"; fail "scripts/check showed $shown failures; 3 expected"; }
bash -c "$rerun" >"$work/rerun.log" 2>&1 && fail "the command scripts/check gave passed: $rerun"
grep -q -E '^\[  FAILED  \] [A-Za-z]+Test\.' "$work/rerun.log" ||
  { tail -n 20 "$work/rerun.log"; fail "the command scripts/check gave did not run the failing test: $rerun"; }

if command -v inotifywait >/dev/null; then
  setsid ./scripts/check --watch >"$work/watch.log" 2>&1 &
  watch_pid=$!
  watched() { grep -c '^watching ' "$work/watch.log" || true; }
  for _ in {1..600}; do (($(watched) >= 1)) && break; sleep 0.1; done
  (($(watched) >= 1)) || { cat "$work/watch.log"; fail "scripts/check --watch did not finish its first check"; }
  echo 'saved' >starter/notes.txt
  for _ in {1..600}; do (($(watched) >= 2)) && break; sleep 0.1; done
  (($(watched) >= 2)) || { cat "$work/watch.log"; fail "scripts/check --watch did not check again after a saved file"; }
  kill -- -"$watch_pid"
  watch_pid=""
  watch_note="; --watch checks again on a save"
else
  watch_note="; --watch not tried (no inotifywait)"
fi

ctest --preset dev -R '^my_tests$' >"$work/own.log" 2>&1 ||
  { tail -n 30 "$work/own.log"; fail "the brief's own-tests recipe did not give a passing my_tests"; }
grep -q '100% tests passed, 0 tests failed out of 1$' "$work/own.log" ||
  { tail -n 30 "$work/own.log"; fail "ctest -R my_tests did not run exactly the one test of the recipe"; }
# Each ctest run and check above was recorded on the hidden timeline, and
# the candidate's branch still holds its one commit.
runs="$(git rev-list --count refs/kit/timeline 2>/dev/null || echo 0)"
((runs >= 4)) || fail "the timeline holds $runs runs; the ctest runs and checks above are 4 or more (see .git/kit-timeline.log)"
[[ "$(git rev-list --count HEAD)" == 1 ]] || fail "recording the timeline added a commit to the candidate's branch"
echo "candidate workspace: one commit, nothing for interviewers, builds alone; $failed of $total CRUD tests fail against the starter (all but ${passing_on_starter[*]}), a line each; scripts/check draws 3 bars and shows 3 failures$watch_note; the brief's own-tests recipe works"
