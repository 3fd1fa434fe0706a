#!/usr/bin/python3
"""Tests of the timeline: scripts/record-run in a workspace written by
scripts/new-candidate, fed the files it reads (ctest's run log, the check's
GoogleTest JSON) with real edits between runs, then timeline.py and
scorecard.py --timeline on what it recorded. Registered as
kit/grading_timeline_self_test (label meta) in tests/suites/meta.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
KIT = HERE.parents[2]
sys.path.insert(0, str(HERE))
import timeline  # noqa: E402

START = 1_800_000_000  # The first run's clock (KIT_TIMELINE_NOW).
CRUD = ["UsersCrudTest.CreateReturns201", "UsersCrudTest.GetReturnsUser", "UsersCrudTest.DeleteReturns204"]
CONTRACT = ["ContractTest.PrintsListeningLine", "ContractTest.HealthAnswers200"]


def ctest_log(outcomes):
    """ctest's LastTest.log for {ctest name: passed|failed|skipped}."""
    blocks = ["Start testing: Dec 06 10:00 UTC", "-" * 58]
    for i, (name, outcome) in enumerate(outcomes.items(), 1):
        status = {"passed": ["Test Passed."], "failed": ["Test Failed."],
                  "skipped": ["Test Pass Reason:", "Skip regular expression found in output."]}[outcome]
        blocks += [f"{i}/{len(outcomes)} Testing: {name}", f"{i}/{len(outcomes)} Test: {name}",
                   'Command: "/x/crud_suite"', "Output:", "-" * 58,
                   "Test Failed." if outcome == "passed" else "Test Passed.",  # Output that looks like a verdict.
                   "<end of output>", "Test time =   0.01 sec", "-" * 58, *status, "-" * 58, ""]
    return "\n".join(blocks + ["End testing: Dec 06 10:00 UTC", ""])


def gtest_json(suites):
    """GoogleTest's JSON (--gtest_output=json) for {suite: {test: outcome}}."""
    report = {"tests": 0, "name": "AllTests", "testsuites": []}
    for suite, tests in suites.items():
        entries = []
        for test, outcome in tests.items():
            entry = {"name": test, "file": "x.cpp", "line": 1, "status": "RUN",
                     "result": "SKIPPED" if outcome == "skipped" else "COMPLETED",
                     "timestamp": "2026-12-06T10:00:00Z", "time": "0s", "classname": suite}
            if outcome == "failed":
                entry["failures"] = [{"failure": "crud_test.cpp:10\nexpected 201", "type": ""}]
            entries.append(entry)
        report["testsuites"].append({"name": suite, "tests": len(entries), "testsuite": entries})
    # GoogleTest's own layout: a key a line, nested two spaces a level.
    return json.dumps(report, indent=2)


class RecordedWorkspace:
    """A workspace from scripts/new-candidate and the runs recorded in it."""

    def __init__(self, folder):
        self.path = Path(folder) / "workspace"
        subprocess.run([KIT / "scripts/new-candidate", self.path], check=True, capture_output=True)

    def git(self, *args):
        return subprocess.run(["git", "-C", self.path, *args], check=True, capture_output=True,
                              text=True).stdout

    def candidate_view(self):
        return self.git("status", "--porcelain"), self.git("rev-parse", "HEAD"), \
            self.git("ls-files", "--stage"), self.git("log", "--oneline")

    def record(self, minutes, *args):
        before = self.candidate_view()
        environment = dict(os.environ, KIT_TIMELINE_NOW=str(START + int(minutes * 60)))
        subprocess.run([self.path / "scripts/record-run", *args], check=True, env=environment)
        errors = self.path / ".git/kit-timeline.log"
        assert not errors.exists(), errors.read_text()
        assert self.candidate_view() == before, "recording changed the candidate's git view"

    def record_ctest(self, minutes, outcomes):
        folder = self.path / "build/dev/Testing/Temporary"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "LastTest.log.tmp").write_text(ctest_log(outcomes))
        self.record(minutes, "ctest", self.path / "build/dev")
        (folder / "LastTest.log.tmp").unlink()

    def record_check(self, minutes, suites):
        results = self.path / "build/dev/check/results"
        for suite, by_fixture in suites.items():
            (results / suite).mkdir(parents=True, exist_ok=True)
            (results / suite / "url.log").write_text("")
            (results / suite / "url.json").write_text(gtest_json(by_fixture))
        self.record(minutes, "check", results)

    def append(self, relative, text):
        with open(self.path / relative, "a") as out:
            out.write(text)


def ctest_names(label, tests, outcome):
    return {f"starter/{label}/{t}": outcome for t in tests}


def split(names):
    return {name.split(".")[0]: {} for name in names}


def by_fixture(names_outcomes):
    suites = {}
    for name, outcome in names_outcomes.items():
        suite, test = name.split(".", 1)
        suites.setdefault(suite, {})[test] = outcome
    return suites


class TimelineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        ws = cls.workspace = RecordedWorkspace(cls.folder.name)
        passing_contract = ctest_names("contract", CONTRACT, "passed")
        # 1: the starter, untouched: the contract passes, no crud test does.
        ws.record_ctest(0, {**passing_contract, **ctest_names("crud", CRUD, "failed")})
        # 2: create and get written.
        ws.append("starter/src/main.cpp", "\n// create and get\n" + "int created = 1;\n" * 40)
        ws.record_ctest(10, {**passing_contract, **ctest_names("crud", CRUD[:2], "passed"),
                             f"starter/crud/{CRUD[2]}": "failed"})
        # 3: by scripts/check: stage 1 green; an errors test fails, an extra skipped.
        ws.append("starter/src/main.cpp", "// delete\n" + "int deleted = 1;\n" * 5)
        ws.record_check(20, {
            "contract": by_fixture({t: "passed" for t in CONTRACT}),
            "crud": by_fixture({t: "passed" for t in CRUD}),
            "errors": by_fixture({"UsersErrorsTest.RejectsEmptyName": "failed"}),
            "extras": by_fixture({"PaginationTest.FirstPage": "failed", "AuthTest.KeyRequired": "skipped"}),
        })
        # 4: a regression, on purpose: get breaks while errors are written.
        ws.append("starter/src/main.cpp", "// validation\n" + "int validated = 1;\n" * 200)
        ws.record_ctest(25, {**passing_contract, f"starter/crud/{CRUD[0]}": "passed",
                             f"starter/crud/{CRUD[1]}": "failed", f"starter/crud/{CRUD[2]}": "passed",
                             "starter/errors/UsersErrorsTest.RejectsEmptyName": "passed"})
        # 5: get fixed, and a public test edited.
        ws.append("tests/suites/acceptance/crud_test.cpp", "\n// Edited by the candidate.\n")
        ws.record_ctest(31.5, {**passing_contract, **ctest_names("crud", CRUD, "passed"),
                               "starter/errors/UsersErrorsTest.RejectsEmptyName": "passed"})
        out = Path(cls.folder.name) / "grade"
        out.mkdir()
        subprocess.run([sys.executable, HERE / "timeline.py", ws.path, "--out", out / "timeline.json",
                        "--svg", out / "timeline.svg", "--markdown", out / "timeline.md"],
                       check=True, capture_output=True)
        cls.out = out
        cls.timeline = json.loads((out / "timeline.json").read_text())

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def test_five_runs_are_five_points_in_the_json_and_the_chart(self):
        self.assertEqual([r["number"] for r in self.timeline["runs"]], [1, 2, 3, 4, 5])
        self.assertEqual([r["minutes"] for r in self.timeline["runs"]], [0, 10, 20, 25, 31.5])
        self.assertEqual([r["source"] for r in self.timeline["runs"]],
                         ["ctest", "ctest", "check", "ctest", "ctest"])
        svg = (self.out / "timeline.svg").read_text()
        self.assertEqual(svg.count("<use xlink:href='#gpPt6' transform='translate("), 5)
        self.assertEqual(self.timeline["chart"], "timeline.svg")

    def test_counts_per_label_come_from_both_sources(self):
        first, third = self.timeline["runs"][0], self.timeline["runs"][2]
        self.assertEqual(first["labels"]["crud"], {"passed": 0, "failed": 3, "skipped": 0})
        self.assertEqual(first["labels"]["contract"], {"passed": 2, "failed": 0, "skipped": 0})
        # The check's extras take the label of their fixture.
        self.assertEqual(third["labels"]["extras-pagination"], {"passed": 0, "failed": 1, "skipped": 0})
        self.assertEqual(third["labels"]["extras-auth"], {"passed": 0, "failed": 0, "skipped": 1})
        self.assertEqual((third["passed"], third["failed"]), (5, 2))

    def test_stage_one_is_green_from_the_first_run_where_contract_and_crud_all_pass(self):
        self.assertEqual(self.timeline["stages"]["1-crud"], {"first_green_run": 3, "minutes_to_green": 20})
        self.assertEqual(self.timeline["stages"]["2-errors"], {"first_green_run": 4, "minutes_to_green": 25})
        self.assertIsNone(self.timeline["stages"]["3-extras"])

    def test_the_planted_regression_is_found_by_name(self):
        self.assertEqual(self.timeline["regressions"], [
            {"test": CRUD[1], "label": "crud", "passed_in_run": 3, "failed_in_run": 4, "fixed_in_run": 5}])

    def test_the_edit_of_tests_is_flagged_from_its_run(self):
        self.assertEqual([r["tests_edited"] for r in self.timeline["runs"]], [False] * 4 + [True])
        edited = self.timeline["tests_edited"]
        self.assertTrue(edited["edited"])
        self.assertEqual(edited["first_run"], 5)
        self.assertEqual(edited["files"], ["M\ttests/suites/acceptance/crud_test.cpp"])

    def test_the_largest_jump_is_the_two_hundred_lines_before_run_four(self):
        jump = self.timeline["largest_jumps"][0]
        self.assertEqual((jump["from_run"], jump["to_run"], jump["changed_lines"]), (3, 4, 201))
        self.assertEqual(len(self.timeline["largest_jumps"]), 3)

    def test_the_snapshot_holds_the_sources_of_its_run(self):
        fourth = self.timeline["runs"][3]["commit"]
        source = self.workspace.git("show", f"{fourth}:starter/src/main.cpp")
        self.assertIn("int validated = 1;", source)
        test = self.workspace.git("show", f"{fourth}:tests/suites/acceptance/crud_test.cpp")
        self.assertFalse("Edited by the candidate" in test)
        last = self.timeline["runs"][4]["commit"]
        test = self.workspace.git("show", f"{last}:tests/suites/acceptance/crud_test.cpp")
        self.assertTrue("Edited by the candidate" in test)

    def test_the_timeline_is_hidden_from_status_and_log_but_not_log_all(self):
        self.assertEqual(self.workspace.git("log", "--oneline").count("\n"), 1)
        self.assertIn("ctest: 6 passed, 0 failed", self.workspace.git("log", "--all", "--oneline"))
        self.assertNotIn("kit-timeline", self.workspace.git("status", "--porcelain", "--ignored"))

    def test_the_scorecard_gets_a_timeline_section_and_member(self):
        run = self.out / "run.json"
        run.write_text(json.dumps({"name": "w", "target": "w", "kit_commit": "x", "suite_version": "1",
                                   "started_at": "now", "error": "not built", "log_tail": ""}))
        subprocess.run([sys.executable, HERE / "scorecard.py", "--weights", HERE / "weights.json",
                        "--run", run, "--timeline", self.out / "timeline.json", self.out],
                       check=True, capture_output=True)
        card = (self.out / "scorecard.md").read_text()
        self.assertIn("## Timeline", card)
        self.assertIn("- Stage 1-crud: green after 20 minutes (run 3)", card)
        self.assertIn("passed in run 3, failed in run 4, passing again in run 5", card)
        self.assertIn("**The tests were edited**", card)
        self.assertIn("![tests passing over time](timeline.svg)", card)
        results = json.loads((self.out / "results.json").read_text())
        self.assertEqual(len(results["timeline"]["runs"]), 5)


class NoHistoryTest(unittest.TestCase):
    def test_a_workspace_never_run_says_so_and_a_kit_checkout_records_nothing(self):
        with tempfile.TemporaryDirectory() as folder:
            ws = RecordedWorkspace(folder)
            out = Path(folder) / "timeline.json"
            subprocess.run([sys.executable, HERE / "timeline.py", ws.path, "--out", out,
                            "--svg", Path(folder) / "t.svg", "--markdown", Path(folder) / "t.md"],
                           check=True, capture_output=True)
            self.assertEqual(json.loads(out.read_text())["summary"], "no recorded runs: graded as before")
            self.assertIn("No recorded runs: graded as before", (Path(folder) / "t.md").read_text())
            self.assertFalse((Path(folder) / "t.svg").exists())
            # Without kit.testsSha256 (the kit's own checkout), nothing is recorded.
            ws.git("config", "--unset", "kit.testsSha256")
            ws.record_ctest(0, {"starter/crud/UsersCrudTest.A": "passed"})
            self.assertNotIn("refs/kit/timeline", ws.git("for-each-ref"))


if __name__ == "__main__":
    unittest.main()
