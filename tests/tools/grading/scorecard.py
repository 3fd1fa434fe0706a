#!/usr/bin/env python3
"""Turns one grading run into a scorecard for people and results for tools.

Usage: scorecard.py --weights tests/tools/grading/weights.json --run RUN.json OUT_DIR

RUN.json, written by scripts/grade, describes the run:
  name, target        what was graded, in words
  kit_commit          the kit's git commit; suite_version its version
  started_at          ISO 8601
  error               why nothing could be tested (the build failed, ...),
                      or null; log_tail holds the last lines of that log
  junit               path of ctest's JUnit report (absent after an error)
With --performance PERF.json (performance.py's summary) the scorecard gets a
Performance section and results.json a `performance` member; it adds to
the score only the points weights.json's `performance_points` gives it.
With --review ANALYSIS.json (review.py's analysis) the scorecard gets a Code
review section and results.json a `review` member; it adds no points.
With --similarity SIM.json (similarity.py's output) it gets an Integrity
check section and results.json a `similarity` member; it earns no points.
With --timeline TIMELINE.json (timeline.py's) the scorecard gets a Timeline
section and results.json a `timeline` member; it adds no points.

The tests are named <prefix>/<label>/<Suite.Test> (see
tests/harness/cmake/graded_suites.cmake), so the label comes from the name. Writes
OUT_DIR/scorecard.md and OUT_DIR/results.json, the latter modelled on the
Exercism test-runner interface, version 3: an overall status of pass, fail
or error, and per test its name, status and message, with this kit's
stage, label, points and reproduction added. Members beyond that format:
  stages    per stage: complete, not started or partly done, counting the
            tests that earn points (see stage_progress)
  causes    the root causes of the failures, largest first (causes.py):
            summary, fix, tests, labels, points, reproduce, location...;
            a test in one names it by number in its `cause`
"""

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from causes import exchange_fields, group
from performance import earned_points, section_lines
from review import section_lines as review_lines
from similarity import section_lines as similarity_lines
from timeline import section_lines as timeline_lines

# Output that means the server, not the assertion, failed: it could not be
# started, it crashed, or a sanitizer stopped it. Such a test is an error.
# These are the words of tests/harness/support/target_server.cpp.
ERROR_PATTERNS = [
    re.compile(r"(was killed by signal \d+ \(SIG[A-Z0-9?]+\)|exited with code \d+) during the test"),
    re.compile(r"could not start the server under test"),
    re.compile(r"a sanitizer reported"),
    re.compile(r"no server to test"),
]
HUMAN_PARTS = [
    ("Design", "layers, where the rules live, one error vocabulary"),
    ("Code quality", "names, small functions, no duplication, modern C++"),
    ("Tests written", "what the candidate tested on their own, and how"),
    ("Communication", "questions asked, trade-offs explained, the walk-through"),
]


def load_weights(path):
    """(label -> entry, labels in order). An entry's `passed_before`, a
    file relative to the weights file, becomes the set of its tests that pass
    before any work on the label, on what `passed_before_by` names: the
    starter, or any correct stage 1 (tests/suites/meta keeps those lists)."""
    labels = json.loads(Path(path).read_text())["labels"]
    for entry in labels:
        if "passed_before" in entry:
            listed = (Path(path).parent / entry["passed_before"]).read_text().split()
            entry["passed_before"] = set(listed)
    return {entry["label"]: entry for entry in labels}, [e["label"] for e in labels]


def failure_text(output):
    """The lines of the first failure gtest printed, or the tail of the output."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if re.search(r":\d+: Failure$", line) or line.endswith("Failure"):
            block = []
            for follow in lines[i + 1:]:
                if follow.startswith("[  ") or follow.startswith("[ "):
                    break
                block.append(follow)
            return block
    return [line for line in lines if line.strip()][-8:]


def one_line_reason(block):
    """'POST /users: expected status 201, got status 501' and the like."""
    fields = exchange_fields(block)
    if "expected" in fields:
        reason = f"expected {fields['expected']}"
        actual = fields.get("actual")
        if actual == "not so":  # How expectations.cpp words a predicate that failed.
            reason += ", which did not hold"
        elif actual:
            reason += f", got {actual}"
        if "request" in fields:
            reason = f"{fields['request']}: {reason}"
        return shortened(reason)
    text = " ".join(line.strip() for line in block if line.strip())
    return shortened(text) or "failed without a message"


def shortened(text, limit=240):
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def last_output(output):
    """' Its last output: ...' from the server's stderr tail, or ''."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if "stderr (last lines):" in line:
            tail = []
            for follow in lines[i + 1:]:
                if not follow.startswith(" ") or not follow.strip():
                    break
                tail.append(follow.strip())
            return " Its last output: " + shortened(" | ".join(tail[-3:])) if tail else ""
    return ""


def reproduction(block):
    """The shell command that repeats the failing request (curl, or a raw
    request sent some other way), or None."""
    return exchange_fields(block).get("reproduce") or None


def classify(case):
    """(status, message, reproduction, failure block) of one JUnit testcase
    from ctest; the block is [] for a test that passed or was skipped."""
    output = "".join(node.text or "" for node in case.iter("system-out"))
    if case.find("skipped") is not None or case.get("status") in ("notrun", "disabled"):
        skip = re.search(r"Skipped\s*\n?(.*)", output)
        return "skip", (skip.group(1).strip() if skip else "skipped"), None, []
    failure = case.find("failure")
    if failure is None and case.get("status") != "fail":
        return "pass", None, None, []
    block = failure_text(output)
    # Exit code 2 is the contract's answer to a flag it does not know: the
    # extra that needs the flag is missing, which is a failure, not a crash.
    refused = re.search(r"exited with code 2 (before printing|during the test)", output)
    if refused:
        return ("fail", "the server refused the flags this test needs (exit code 2)."
                f"{last_output(output)}", None, [])
    for pattern in ERROR_PATTERNS:
        if pattern.search(output):
            line = next(l.strip() for l in output.splitlines() if pattern.search(l))
            return ("error", f"{shortened(line.rstrip('.'))}.{last_output(output)}",
                    reproduction(block), block)
    message = (failure.get("message") if failure is not None else "") or ""
    if "Timeout" in message:
        return "error", "the test timed out (the server hung?)", None, []
    # GoogleTest reports every failed test as [  FAILED  ]; a test program
    # that ends without saying so crashed or was killed itself.
    if "[  FAILED  ]" not in output:
        return ("error", "the test program itself ended without a verdict (it crashed or was "
                f"killed; see ctest.log): a fault in the suite, not in the graded server."
                f"{last_output(output)}", None, [])
    return "fail", one_line_reason(block), reproduction(block), block


def read_tests(junit_path, weights):
    """The graded tests, and each one's failure block (see classify)."""
    tests, blocks = [], []
    root = ET.parse(junit_path).getroot()
    for case in root.iter("testcase"):
        name = case.get("name", "")
        parts = name.split("/", 2)
        if len(parts) != 3 or parts[1] not in weights:
            continue
        status, message, reproduce, block = classify(case)
        tests.append({
            "name": parts[2].split("  # ")[0],  # Without gtest's "  # GetParam() = ...".
            "label": parts[1],
            "stage": weights[parts[1]]["stage"],
            "status": status,
            "message": message,
            "reproduce": reproduce,
        })
        blocks.append(block)
    return tests, blocks


def score(tests, weights, order):
    """Per label: counts and points; a label's points shared by its tests.

    Tests that pass before any work on the label (its passed_before: what
    the starter or any correct stage 1 passes) earn nothing: the label's
    points are shared by the tests beyond them, and
    each of the others that fails costs one share (never below zero). Each
    test gets max_points, points, and at_stake: what passing it would add."""
    rows = []
    for label in order:
        mine = [t for t in tests if t["label"] == label]
        scored = [t for t in mine if t["status"] != "skip"]
        baseline = weights[label].get("passed_before", set())
        beyond = [t for t in scored if t["name"] not in baseline]
        below = [t for t in scored if t["name"] in baseline]
        # A label whose tests were all skipped counts neither way; when
        # nothing ran at all (the build failed), every label counts in full.
        max_points = weights[label]["points"] if scored or not tests else 0
        share = max_points / len(beyond) if beyond else 0
        for t in mine:
            counts = t["status"] != "skip" and t["name"] not in baseline
            t["max_points"] = round(share, 4) if counts else 0
            if t["status"] == "pass" or t["status"] == "skip":
                t["points"] = t["max_points"]
            else:
                t["points"] = 0 if counts else -round(share, 4)
            t["at_stake"] = round(share, 4) if t["status"] in ("fail", "error") else 0
        passed = sum(t["status"] == "pass" for t in scored)
        beyond_passed = sum(t["status"] == "pass" for t in beyond)
        below_failed = len(below) - sum(t["status"] == "pass" for t in below)
        row = {
            "label": label,
            "stage": weights[label]["stage"],
            "title": weights[label]["title"],
            "passed": passed,
            "total": len(scored),
            "skipped": len(mine) - len(scored),
            "errors": sum(t["status"] == "error" for t in mine),
            "points": round(max(0, share * (beyond_passed - below_failed)), 2),
            "max_points": max_points,
        }
        if baseline:
            row["beyond_baseline"] = {"passed": beyond_passed, "total": len(beyond)}
            row["baseline"] = {"passed": len(below) - below_failed, "total": len(below),
                               "by": weights[label]["passed_before_by"]}
        rows.append(row)
    return rows


def passed_in_words(row):
    """'12 of 35', or for a label with tests that pass before any work on
    it, '0 of 88 beyond what any stage 1 passes (+30 of 30 that it passes)'."""
    extra = f" ({row['skipped']} skipped)" if row["skipped"] else ""
    if "beyond_baseline" not in row:
        return f"{row['passed']} of {row['total']}{extra}"
    beyond, below = row["beyond_baseline"], row["baseline"]
    return (f"{beyond['passed']} of {beyond['total']} beyond what {below['by']} passes "
            f"(+{below['passed']} of {below['total']} that it passes){extra}")


def in_words(row, tests):
    """What a label's results say about the implementation, in a few words."""
    mine = [t for t in tests if t["label"] == row["label"] and t["status"] in ("fail", "error")]
    if row["total"] == 0:
        return "not run (every test skipped)" if row["skipped"] else "no tests"
    if not mine:
        return "complete"
    if row["errors"]:
        return f"{row['errors']} tests ended in an error: the server crashed, hung or did not start"
    if row["passed"] == 0:
        return f"missing or broken: every test fails; the first: {mine[0]['message']}"
    if "beyond_baseline" in row:
        below = row["baseline"]
        regressions = below["total"] - below["passed"]
        regressed = (f"; {regressions} that {below['by']} passes fail, each costing a share"
                     if regressions else "")
        if row["beyond_baseline"]["passed"] == 0:
            return (f"not started: every test beyond what {below['by']} passes fails{regressed}; "
                    f"the first: {mine[0]['message']}")
        return f"partly done{regressed}: {len(mine)} tests fail; the first: {mine[0]['message']}"
    return f"partly done: {len(mine)} tests fail; the first: {mine[0]['message']}"


STAGES = ("1-crud", "2-errors", "3-extras")


def stage_progress(tests):
    """Per stage: complete, not started (no test that earns points passes,
    which leaves out the contract and the tests the starter or any stage 1
    passes), or
    'n of m tests that earn points'."""
    progress = {}
    for stage in STAGES:
        mine = [t for t in tests if t["stage"] == stage and t["status"] != "skip"]
        earning = [t for t in mine if t["max_points"] > 0]
        earned = sum(t["status"] == "pass" for t in earning)
        if not mine:
            state = "not run"
        elif all(t["status"] == "pass" for t in mine):
            state = "complete"
        elif earned == 0:
            state = "not started"
        else:
            state = "partly done"
        progress[stage] = {"state": state, "passed": earned, "total": len(earning)}
    return progress


def first_incomplete_stage(rows):
    for stage in STAGES:
        if any(r["stage"] == stage and (r["passed"] < r["total"] or r["total"] == 0) for r in rows):
            return stage
    return None


def cause_lines(causes, failing):
    """The root causes section of the scorecard."""
    explained = sum(c["tests"] for c in causes)
    lines = [f"## Root causes ({len(causes)}, explaining {explained} of {len(failing)} failing tests)",
             ""]
    if not causes:
        return lines + ["No two failing tests share a cause: see each one below.", ""]
    lines += ["Failing tests grouped by what the server did, largest first. Fixing a cause "
              "turns its tests green unless they also fail for a second reason.", ""]
    for c in causes:
        labels = ", ".join(f"{label} {n}" for label, n in c["labels"].items())
        lines.append(f"{c['number']}. **{c['summary']}**: {c['tests']} tests ({labels}), "
                     f"{c['points']:.1f} points.")
        lines.append(f"   - What to change: {c['fix']}")
        if c["reproduce"]:
            lines.append(f"   - See it: `` {c['reproduce']} ``")
    return lines + [""]


def write_scorecard(out, run, rows, tests, status, causes, stages, perf, perf_points,
                    analysis=None, sim=None, timeline=None):
    main = [r for r in rows if r["stage"] != "interviewer"]
    hidden = [r for r in rows if r["stage"] == "interviewer"]
    points = sum(r["points"] for r in main) + earned_points(perf, perf_points)
    max_points = sum(r["max_points"] for r in main) + perf_points
    lines = [f"# Scorecard: {run['name']}", ""]
    lines += [f"- Target: {run['target']}",
              f"- Graded: {run['started_at']}, kit {run['suite_version']} at commit {run['kit_commit']}",
              f"- Status: **{status}**", ""]
    if run.get("error"):
        lines += ["## Error", "", run["error"], ""]
        if run.get("log_tail"):
            lines += ["```", run["log_tail"].rstrip(), "```", ""]
    lines += [f"## Score: {points:.1f} of {max_points:.0f} points", ""]
    stage = first_incomplete_stage(main)
    lines += [f"First stage not complete: **{stage}**." if stage else "Every stage is complete.", ""]
    for name, p in stages.items():
        counted = "" if p["state"] in ("complete", "not run") else (
            f": {p['passed']} of {p['total']} tests that earn points pass")
        lines.append(f"- Stage {name}: {p['state']}{counted}")
    lines += ["", "Tests that earn no points (the contract and the crud test of /health, which "
              "the starter passes, and the errors tests that any correct stage 1 passes) do not "
              "count as progress.", ""]
    lines += ["| label | stage | passed | points | in words |", "|---|---|--:|--:|---|"]
    for r in main:
        words = in_words(r, tests).replace("|", "\\|")
        lines.append(f"| {r['label']} | {r['stage']} | {passed_in_words(r)} "
                     f"| {r['points']:.1f} of {r['max_points']:.0f} | {words} |")
    lines.append("")
    if perf:
        lines += section_lines(perf, perf_points)
    if timeline:
        lines += timeline_lines(timeline)
    if hidden:
        lines += ["## Interviewer-only tests", "",
                  "Edge cases kept out of the candidate's bundle; scored apart from the total.", ""]
        for r in hidden:
            lines.append(f"{r['passed']} of {r['total']} passed, {r['points']:.1f} of "
                         f"{r['max_points']:.0f} points: {in_words(r, tests)}.")
        lines.append("")
    failing = [t for t in tests if t["status"] in ("fail", "error")]
    if failing:
        lines += cause_lines(causes, failing)
    lines += [f"## Failing tests ({len(failing)})", ""]
    if not failing:
        lines += ["None.", ""]
    for t in failing:
        cause = f" (cause {t['cause']})" if t.get("cause") else ""
        lines.append(f"- **{t['label']}** `{t['name']}` ({t['status']}){cause}: {t['message']}")
        if t.get("reproduce"):
            lines.append(f"  - reproduce: `` {t['reproduce']} ``")
    lines.append("")
    skipped = [t for t in tests if t["status"] == "skip"]
    if skipped:
        lines += [f"## Skipped ({len(skipped)})", "", "They count neither way. Why:", ""]
        for reason, count in Counter(t["message"] for t in skipped).most_common():
            lines.append(f"- {count} {'test' if count == 1 else 'tests'}: {reason}")
        lines.append("")
    if analysis:
        lines += review_lines(analysis)
    if sim:
        lines += similarity_lines(sim)
    lines += ["## Judged by the interviewer", "",
              "Levels: below bar, at bar, strong (see guide/rubric.md).", "",
              "| part | what to look at | level | notes |", "|---|---|---|---|"]
    lines += [f"| {part} | {what} | | |" for part, what in HUMAN_PARTS]
    lines.append("")
    (out / "scorecard.md").write_text("\n".join(lines))
    return points, max_points, stage


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--performance", type=Path)
    parser.add_argument("--review", type=Path)
    parser.add_argument("--similarity", type=Path)
    parser.add_argument("--timeline", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()

    weights, order = load_weights(args.weights)
    run = json.loads(Path(args.run).read_text())
    tests, blocks = ([], []) if run.get("error") else read_tests(run["junit"], weights)
    if not run.get("error") and not tests:
        run["error"] = "ctest ran no graded tests (see the log)"
    rows = score(tests, weights, order)
    causes = group(tests, blocks)
    stages = stage_progress(tests)

    if run.get("error") or any(t["status"] == "error" for t in tests):
        status = "error"
    elif all(t["status"] in ("pass", "skip") for t in tests):
        status = "pass"
    else:
        status = "fail"
    perf = json.loads(args.performance.read_text()) if args.performance else None
    analysis = json.loads(args.review.read_text()) if args.review else None
    sim = json.loads(args.similarity.read_text()) if args.similarity else None
    perf_points = float(json.loads(Path(args.weights).read_text()).get("performance_points", 0))
    timeline = json.loads(args.timeline.read_text()) if args.timeline else None
    points, max_points, stage = write_scorecard(args.out, run, rows, tests, status, causes, stages,
                                                perf, perf_points, analysis, sim, timeline)
    hidden = [r for r in rows if r["stage"] == "interviewer"]
    results = {
        "version": 3,
        "status": status,
        "message": run.get("error"),
        "name": run["name"],
        "target": run["target"],
        "suite_version": run["suite_version"],
        "kit_commit": run["kit_commit"],
        "graded_at": run["started_at"],
        "points": round(points, 2),
        "max_points": max_points,
        "interviewer_points": round(sum(r["points"] for r in hidden), 2),
        "interviewer_max_points": sum(r["max_points"] for r in hidden),
        "first_incomplete_stage": stage,
        "stages": stages,
        "labels": rows,
        "causes": causes,
        "performance": perf,
        "review": analysis,
        "similarity": sim,
        "timeline": timeline,
        "tests": tests,
    }
    (args.out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"{status}: {points:.1f} of {max_points:.0f} points; first stage not complete: {stage or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
