#!/usr/bin/python3
"""Checks that every rule of guide/api-spec.md has a black-box test for every
stage that must implement it, and that every test cites rules that exist.

Usage: check_spec_coverage.py --spec SPEC --build-dir BUILD [--out DIR]
                              [--ctest-json FILE]

The rules: each `[AREA-N]` in SPEC is a rule, defined once. It holds from
the stage its area's row in the "Rule ids" table gives, unless the brackets
narrow it: `[AREA-N, stage 3]` (stage 3 on), `[AREA-N, stages 1-2]` (only
those), `[AREA-N, reviewed]` (checked by a reviewer; no test needed).

The tests: what `ctest --show-only=json-v1` lists in BUILD (or FILE). A test
counts for stage N when its name starts with `stageN/` (stage 3 for
`cluster/`) and it is not
labelled meta, unit, unit-postgresql or benchmark. Its rules are
- for a GoogleTest program named *_suite (an acceptance suite), those the
  program lists with USER_API_LIST_RULES (tests/harness/support/spec_rules.hpp)
  for the test its --gtest_filter names;
- for any other test, those on the `spec-rules:` lines of the files under
  the source tree that its command names (a script of checks).

It fails (exit code 1) when a rule has no test for a stage that must
implement it, when a test cites an id the spec does not define, when an
acceptance suite's test cites no rule, or when the spec's ids are malformed
or repeated. It writes DIR/spec-coverage.md, the matrix rule -> stage ->
tests, and DIR/spec-coverage.json (DIR defaults to BUILD/tests); the counts
go to stdout. Exit code 2 means it could not run (no build, a suite that
would not list its rules).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

STAGES = (1, 2, 3)
NOT_BLACK_BOX = {"meta", "unit", "unit-postgresql", "benchmark"}
ID = r"[A-Z]{2,8}-[0-9]+"
RULE = re.compile(r"\[(" + ID + r")((?:, [^\]\n]*)?)\]")
CITED_IN_FILE = re.compile(r"spec-rules:((?:\s+" + ID + r")+)")
# The name prefixes of the tests that run against a stage: stageN/, and
# cluster/ (stage 3 instances behind nginx).
STAGE_NAME = re.compile(r"^(?:stage([1-3])|(cluster))/")


class Rule:
    def __init__(self, rule_id, stages, reviewed, line):
        self.id = rule_id
        self.stages = stages
        self.reviewed = reviewed
        self.line = line


def area_stages(text):
    """The area -> first stage table of the "Rule ids" section."""
    section = re.search(r"^## Rule ids\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    areas = {}
    if not section:
        return areas
    for row in section.group(1).splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`?[A-Z]{2,8}`?", cells[0]) and cells[-1] in "123":
            areas[cells[0].strip("`")] = int(cells[-1])
    return areas


def load_spec(path):
    """Returns ({id: Rule}, [problem])."""
    text = Path(path).read_text(encoding="utf-8")
    areas = area_stages(text)
    problems = []
    if not areas:
        problems.append(f"{path}: no `## Rule ids` section with a table | area | section | stage |")
    rules = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in RULE.finditer(line):
            rule_id, suffix = match.group(1), match.group(2)
            where = f"{path}:{number}"
            if rule_id in rules:
                problems.append(f"{where}: [{rule_id}] is defined again (first on line {rules[rule_id].line})")
                continue
            area = rule_id.split("-")[0]
            if area not in areas:
                problems.append(f"{where}: [{rule_id}]: area {area} is not in the Rule ids table")
                continue
            stages, reviewed = set(range(areas[area], 4)), False
            suffix = suffix[2:] if suffix else ""
            if suffix == "reviewed":
                reviewed = True
            elif m := re.fullmatch(r"stage ([1-3])", suffix):
                stages = set(range(int(m.group(1)), 4))
            elif m := re.fullmatch(r"stages ([1-3])-([1-3])", suffix):
                stages = set(range(int(m.group(1)), int(m.group(2)) + 1))
            elif suffix:
                problems.append(f"{where}: [{rule_id}, {suffix}]: the suffix must be `stage N`, "
                                "`stages N-M` or `reviewed`")
                continue
            rules[rule_id] = Rule(rule_id, stages, reviewed, number)
    return rules, problems


def ctest_listing(build_dir, ctest_json):
    if ctest_json:
        return json.loads(Path(ctest_json).read_text())["tests"]
    result = subprocess.run(["ctest", "--show-only=json-v1"], cwd=build_dir,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ctest --show-only=json-v1 in {build_dir} failed:\n{result.stderr}")
    return json.loads(result.stdout)["tests"]


def suite_rules(program, cache):
    """{gtest name: [ids]} of one acceptance suite program."""
    if program not in cache:
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "rules.jsonl"
            env = dict(os.environ, USER_API_LIST_RULES=str(out))
            run = subprocess.run([program], env=env, capture_output=True, text=True, timeout=60)
            if run.returncode != 0 or not out.exists():
                raise RuntimeError(f"{program} did not list its rules (USER_API_LIST_RULES), "
                                   f"exit code {run.returncode}:\n{run.stderr[-2000:]}")
            cache[program] = {}
            for line in out.read_text().splitlines():
                entry = json.loads(line)
                cache[program][entry["test"]] = entry["rules"]
    return cache[program]


def file_rules(command, root):
    """Ids on `spec-rules:` lines of the source files a command names."""
    ids = []
    for argument in command:
        path = Path(argument)
        try:
            inside = path.is_file() and path.resolve().is_relative_to(root)
        except OSError:
            inside = False
        if inside and path.suffix in (".py", ".sh"):
            for match in CITED_IN_FILE.finditer(path.read_text(encoding="utf-8", errors="replace")):
                ids += match.group(1).split()
    return ids


def stage_of(name_match):
    return int(name_match.group(1)) if name_match.group(1) else 3


def black_box_tests(listing, root):
    """[(ctest name, stage, [ids], is_acceptance_suite)]."""
    tests, cache = [], {}
    for test in listing:
        stage = STAGE_NAME.match(test["name"])
        labels = set()
        for prop in test.get("properties", []):
            if prop["name"] == "LABELS":
                labels.update(prop["value"])
        if not stage or labels & NOT_BLACK_BOX or not test.get("command"):
            continue
        command = test["command"]
        filters = [a.split("=", 1)[1] for a in command if a.startswith("--gtest_filter=")]
        if Path(command[0]).name.endswith("_suite") and filters:
            rules = suite_rules(command[0], cache).get(filters[0])
            if rules is None:
                raise RuntimeError(f"{test['name']}: {command[0]} does not list {filters[0]}")
            tests.append((test["name"], stage_of(stage), rules, True))
        else:
            tests.append((test["name"], stage_of(stage), file_rules(command, root), False))
    return tests


def check(rules, tests):
    """Returns ([problem], {id: {stage: [test]}})."""
    problems = []
    matrix = {rule_id: {s: [] for s in STAGES} for rule_id in rules}
    for name, stage, ids, acceptance in tests:
        if acceptance and not ids:
            problems.append(f"{name}: cites no rule; name the ids it checks "
                            "(SPEC_TEST_F(Fixture, Test, \"ID\", ...), see spec_rules.hpp)")
        for rule_id in ids:
            if rule_id not in rules:
                problems.append(f"{name}: cites [{rule_id}], which the spec does not define")
            else:
                matrix[rule_id][stage].append(name)
    for rule_id, rule in rules.items():
        if rule.reviewed:
            continue
        for stage in sorted(rule.stages):
            if not matrix[rule_id][stage]:
                problems.append(f"[{rule_id}] (api-spec.md line {rule.line}) has no black-box test "
                                f"run against stage {stage}")
    return problems, matrix


def write_matrix(out_dir, rules, matrix, tests):
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# Spec coverage: rule -> stage -> tests", "",
             "Written by kit/spec_coverage (tests/tools/spec_coverage). A cell is the",
             "number of black-box tests that cite the rule and run against that stage;",
             "`-` means the stage need not implement it, `reviewed` that a reviewer",
             "checks it. The list under the table names the tests.", "",
             "| rule | stage 1 | stage 2 | stage 3 |", "|---|--:|--:|--:|"]
    for rule_id, rule in rules.items():
        cells = []
        for stage in STAGES:
            if stage not in rule.stages:
                cells.append("-")
            elif rule.reviewed:
                cells.append("reviewed")
            else:
                cells.append(str(len(matrix[rule_id][stage])))
        lines.append(f"| {rule_id} | " + " | ".join(cells) + " |")
    lines += ["", "## Tests per rule", ""]
    for rule_id in rules:
        for stage in STAGES:
            for name in matrix[rule_id][stage]:
                lines.append(f"- {rule_id} stage {stage}: `{name}`")
    (out_dir / "spec-coverage.md").write_text("\n".join(lines) + "\n")
    data = {"rules": {rule_id: {"stages": sorted(rule.stages), "reviewed": rule.reviewed,
                                "line": rule.line,
                                "tests": {str(s): matrix[rule_id][s] for s in STAGES}}
                      for rule_id, rule in rules.items()},
            "tests": {name: ids for name, _, ids, _ in tests}}
    (out_dir / "spec-coverage.json").write_text(json.dumps(data, indent=1) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", required=True)
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--out")
    parser.add_argument("--ctest-json", help="read this instead of running ctest")
    parser.add_argument("--root", help="source tree (default: the spec's parent's parent)")
    args = parser.parse_args()
    root = Path(args.root or Path(args.spec).resolve().parent.parent).resolve()
    rules, problems = load_spec(args.spec)
    try:
        tests = black_box_tests(ctest_listing(args.build_dir, args.ctest_json), root)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    coverage_problems, matrix = check(rules, tests)
    problems += coverage_problems
    out_dir = Path(args.out or Path(args.build_dir) / "tests")
    write_matrix(out_dir, rules, matrix, tests)
    reviewed = sum(rule.reviewed for rule in rules.values())
    cited = sum(1 for _, _, ids, _ in tests if ids)
    print(f"{len(rules)} rules ({reviewed} reviewed), {len(tests)} black-box tests "
          f"({cited} cite rules); matrix: {out_dir / 'spec-coverage.md'}")
    for stage in STAGES:
        due = [r for r in rules.values() if stage in r.stages and not r.reviewed]
        covered = sum(1 for r in due if matrix[r.id][stage])
        print(f"stage {stage}: {covered} of {len(due)} rules have a test")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problems. Each rule needs a test that cites it and runs against "
              "every stage that must implement it: see tests/README.md, \"Citing the spec\".")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
