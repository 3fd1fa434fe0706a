#!/usr/bin/env bash
# Usage: check_candidate_workspace.sh KIT_ROOT
#
# Proves what scripts/new-candidate promises: the workspace is one git
# commit, holds nothing for interviewers only, builds on its own from an
# empty folder, and there `ctest -L crud` fails every test but the one on
# /health's body (the starter answers 501 on the user routes), while a test program added as the candidate brief says
# builds and runs. Exits non-zero, saying why, when any of it is not so.
set -euo pipefail
root="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
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
# The starter already answers /health as stages 1 and 2 must.
passing_on_starter='UsersBeforeExtrasTest.HealthBodyIsExactlyStatusOk'
passed="$(grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$work/ctest.log" | grep -v "$passing_on_starter" || true)"
[[ -z "$passed" ]] || fail "CRUD tests passed against the starter: $passed"
((failed == total - 1)) || fail "$((total - failed)) of $total CRUD tests passed against the starter, one expected ($passing_on_starter)"
ctest --preset dev -R '^my_tests$' >"$work/own.log" 2>&1 ||
  { tail -n 30 "$work/own.log"; fail "the brief's own-tests recipe did not give a passing my_tests"; }
grep -q '100% tests passed, 0 tests failed out of 1$' "$work/own.log" ||
  { tail -n 30 "$work/own.log"; fail "ctest -R my_tests did not run exactly the one test of the recipe"; }
echo "candidate workspace: one commit, nothing for interviewers, builds alone; $failed of $total CRUD tests fail against the starter (all but $passing_on_starter); the brief's own-tests recipe works"
