#!/usr/bin/python3
"""Checks that every failure reason in GoogleTest JSON reports reads as plain
text a candidate can act on: the expected and the actual value, in words.

Usage: check_failure_reasons.py REPORT.json...

A failure fails the check when its message
- holds raw GoogleTest output: `Value of:`, `Which is:`, `Expected equality
  of these values`, `Expected: (` (EXPECT_GE and the like) or `Actual: it
  throws`;
- shows an empty actual value: a line `actual:` with nothing after it, or
  with only '' or "";
- or says nothing beyond where it failed.

It prints each offending source line (file:line) once, with how many
failures it gave, a few of the tests and the offending lines of the first.
Exit code 0: every reason is plain; 1: some are not; 2: a report could not
be read (missing, not JSON, not a GoogleTest report).
"""
import json
import re
import sys
from collections import defaultdict

RAW_PATTERNS = [
    ("raw GoogleTest expression", re.compile(r"Value of:|Which is:|Expected equality of these "
                                             r"values|Expected: \(|Actual: it throws")),
    ("empty actual value", re.compile(r"^\s*actual:\s*(''|\"\")?\s*$", re.IGNORECASE)),
]
LOCATION = re.compile(r"^(?P<file>.+?):(?P<line>\d+)$")
SHOWN_TESTS = 3


def short_path(path):
    """The path from `tests/` on, when it has one, else as given."""
    index = path.rfind("/tests/")
    return path[index + 1:] if index >= 0 else path


def problems_in(message):
    """(site, [(kind, offending line)]) of one gtest failure message; site is
    'file:line' from its first line."""
    lines = message.split("\n")
    site = lines[0]
    match = LOCATION.match(site)
    if match:
        site = f"{short_path(match['file'])}:{match['line']}"
        body = lines[1:]
    else:
        body = lines
    found = []
    for line in body:
        for kind, pattern in RAW_PATTERNS:
            if pattern.search(line):
                found.append((kind, line.strip()))
                break
    if not any(line.strip() for line in body) or [l.strip() for l in body if l.strip()] == [
            "Failed"]:
        found.append(("no reason", "(the failure says nothing beyond where it happened)"))
    return site, found


def failures_of(report_path):
    """(test name, failure message) of every failure in one report."""
    with open(report_path, encoding="utf-8") as stream:
        report = json.load(stream)
    if not isinstance(report, dict) or "testsuites" not in report:
        raise ValueError("not a GoogleTest JSON report (no testsuites)")
    for suite in report["testsuites"]:
        for test in suite.get("testsuite", []):
            for failure in test.get("failures", []):
                yield f"{suite['name']}.{test['name']}", failure.get("failure", "")


def main(paths):
    if not paths:
        print("usage: check_failure_reasons.py REPORT.json...", file=sys.stderr)
        return 2
    by_site = defaultdict(list)  # site -> [(report, test, problems)]
    read = 0
    for path in paths:
        try:
            for test, message in failures_of(path):
                read += 1
                site, found = problems_in(message)
                if found:
                    by_site[site].append((path, test, found))
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"cannot read the report {path}: {error}", file=sys.stderr)
            return 2
    if not by_site:
        print(f"{read} failure reasons in {len(paths)} reports: all plain text")
        return 0
    count = sum(len(hits) for hits in by_site.values())
    print(f"{count} of {read} failure reasons in {len(paths)} reports are not plain text, from "
          f"{len(by_site)} source line{'s' if len(by_site) > 1 else ''}. Say in words what was expected and what came instead "
          "(EXPECT_PLAIN, EXPECT_HTTP in tests/harness/support/expectations.hpp):")
    for site, hits in sorted(by_site.items(), key=lambda item: (-len(item[1]), item[0])):
        tests = sorted({test for _, test, _ in hits})
        more = f" and {len(tests) - SHOWN_TESTS} more" if len(tests) > SHOWN_TESTS else ""
        report, _, found = hits[0]
        failures = "1 failure" if len(hits) == 1 else f"{len(hits)} failures"
        print(f"\n{site}: {failures}, in {', '.join(tests[:SHOWN_TESTS])}{more}")
        print(f"  first in {report}:")
        for kind, line in found:
            print(f"    {kind}: {line}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
