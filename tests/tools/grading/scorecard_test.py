#!/usr/bin/python3
"""Tests of scorecard.py: root causes, stage progress and results.json.

    scorecard_test.py [CRUD_SUITE]

Runs scorecard.py on synthetic ctest JUnit reports. Given the path of
crud_suite, also grades redirecting_server.py with it, end to end: its
first cause must be the 307 to /users/. Registered as
kit/scorecard_names_root_causes (label meta) in tests/suites/meta.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
WEIGHTS = HERE / "weights.json"
PASSED_BY_STAGE1 = "Rules/ErrorsCreateTest.AnswersAsSpecified/Age150"


def failure(request, expected, actual, response, headers=(), reproduce=None):
    """GoogleTest's output for a test whose first failure is one exchange,
    as tests/harness/support/expectations.cpp and exchange.cpp write it."""
    lines = ["x_test.cpp:10: Failure", "", f"  expected: {expected}", f"  actual:   {actual}",
             f"  request:  {request}", "            Content-Type: application/json",
             f"  response: {response}"]
    lines += [f"            {header}" for header in headers]
    lines += ["            body: (empty)",
              f"  reproduce: {reproduce or 'curl -i -X ' + request.replace(' ', ' http://h:1', 1)}",
              "", "[  FAILED  ] X.Y (1 ms)"]
    return "\n".join(lines)


def redirected(request):
    return failure(request, "status 201", "status 307", "307",
                   ["location: http://127.0.0.1:9/users/", "server: uvicorn"])


def junit(cases):
    """A ctest JUnit report of (name, output or None for a pass)."""
    suite = ET.Element("testsuite")
    for name, output in cases:
        case = ET.SubElement(suite, "testcase", name=name, classname=name,
                             status="run" if output is None else "fail")
        if output is not None:
            ET.SubElement(case, "failure", message="Failed")
            ET.SubElement(case, "system-out").text = output
    return ET.tostring(suite, encoding="unicode")


def grade(cases):
    """(results.json, scorecard.md) of scorecard.py run on `cases`."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        (out / "junit.xml").write_text(junit(cases))
        (out / "run.json").write_text(json.dumps({
            "name": "synthetic", "target": "a synthetic report", "kit_commit": "test",
            "suite_version": "0", "started_at": "now", "error": None, "log_tail": "",
            "junit": str(out / "junit.xml")}))
        subprocess.run([sys.executable, str(HERE / "scorecard.py"), "--weights", str(WEIGHTS),
                        "--run", str(out / "run.json"), str(out)],
                       check=True, stdout=subprocess.DEVNULL)
        return (json.loads((out / "results.json").read_text()),
                (out / "scorecard.md").read_text())


def cause_section(scorecard):
    return scorecard[scorecard.index("## Root causes"):scorecard.index("## Failing tests")]


class RootCausesTest(unittest.TestCase):
    def test_a_redirect_is_one_cause_that_names_its_location(self):
        cases = [(f"grade/crud/Crud.Create{i}", redirected("POST /users")) for i in range(5)]
        cases += [("grade/errors/Errors.List", redirected("GET /users?limit=2")),
                  ("grade/crud/Crud.Health", None),
                  ("grade/crud/Crud.Alone", failure("GET /health", "status 200", "status 500",
                                                    "500"))]
        results, scorecard = grade(cases)
        first = results["causes"][0]
        self.assertEqual(first["tests"], 6)
        self.assertEqual(first["labels"], {"crud": 5, "errors": 1})
        self.assertEqual(first["response_status"], 307)
        self.assertEqual(first["location"], "http://127.0.0.1:9/users/")
        self.assertIn("without the trailing slash", first["fix"])
        self.assertGreater(first["points"], 0)
        self.assertEqual(len(results["causes"]), 1, "a failure alone is no cause")
        causes = cause_section(scorecard)
        self.assertIn("1. **/users answers 307 with Location: http://127.0.0.1:9/users/ "
                      "(POST, GET)**: 6 tests (crud 5, errors 1)", causes)
        self.assertIn("See it: `` curl -i -X POST", causes)
        self.assertIn("(cause 1)", scorecard[scorecard.index("## Failing tests"):])

    def test_the_same_unexpected_status_on_one_route_is_one_cause(self):
        cases = [(f"grade/crud/Crud.Get{i}", failure(f"GET /users/{i + 7}", "status 200",
                                                     "status 501", "501")) for i in range(3)]
        cases += [(f"grade/crud/Crud.Post{i}", failure("POST /users", "status 201", "status 501",
                                                       "501")) for i in range(4)]
        cases += [(f"grade/errors/Errors.Post{i}", failure("POST /users", "status 422",
                                                           "status 501", "501")) for i in range(2)]
        results, _ = grade(cases)
        summaries = [(c["summary"], c["tests"]) for c in results["causes"]]
        self.assertEqual(summaries, [
            ("POST /users answers 501 where the tests expect 201 or 422", 6),
            ("GET /users/{id} answers 501 where the tests expect 200", 3)])
        self.assertIn("starter's 501", results["causes"][0]["fix"])

    def test_a_missing_header_and_a_crash_are_causes_whatever_the_route(self):
        cases = [(f"grade/extras-logging/Logging.T{i}",
                  failure(f"GET /users/{i}", "header X-Request-ID: abc", "no X-Request-ID header",
                          "200", reproduce="bash -c 'exec 3<>/dev/tcp/h/1'")) for i in range(3)]
        crash = "[ RUN ] X.Y\nthe server was killed by signal 11 (SIGSEGV) during the test.\n"
        cases += [(f"grade/errors/Errors.Crash{i}", crash) for i in range(2)]
        results, _ = grade(cases)
        header, crashed = results["causes"]
        self.assertEqual(header["tests"], 3)
        self.assertIn("Send the X-Request-ID header", header["fix"])
        self.assertTrue(header["reproduce"].startswith("bash -c"), header["reproduce"])
        self.assertEqual(crashed["tests"], 2)
        self.assertIn("SIGSEGV", crashed["summary"])

    def test_results_stay_in_the_exercism_v3_format(self):
        results, _ = grade([("grade/crud/Crud.A", redirected("POST /users")),
                            ("grade/crud/Crud.B", redirected("POST /users")),
                            ("grade/crud/Crud.C", None)])
        self.assertEqual(results["version"], 3)
        self.assertEqual(results["status"], "fail")
        for test in results["tests"]:
            self.assertIsInstance(test["name"], str)
            self.assertIn(test["status"], ("pass", "fail", "error"))
        self.assertEqual([t.get("cause") for t in results["tests"]], [1, 1, None])


class StageProgressTest(unittest.TestCase):
    def test_errors_tests_any_stage1_passes_are_not_stage2_progress(self):
        results, scorecard = grade([
            ("grade/crud/Crud.A", None),
            (f"grade/errors/{PASSED_BY_STAGE1}", None),
            ("grade/errors/Errors.Validation", failure("POST /users", "status 422", "status 201",
                                                       "201")),
        ])
        self.assertEqual(results["stages"]["2-errors"]["state"], "not started")
        errors = next(r for r in results["labels"] if r["label"] == "errors")
        self.assertEqual(errors["points"], 0)
        self.assertEqual(errors["beyond_baseline"], {"passed": 0, "total": 1})
        self.assertIn("- Stage 2-errors: not started", scorecard)
        self.assertIn("0 of 1 beyond what any stage 1 passes (+1 of 1 that it passes)", scorecard)

    def test_a_stage1_test_that_fails_costs_a_share(self):
        results, _ = grade([
            (f"grade/errors/{PASSED_BY_STAGE1}", failure("POST /users", "status 201",
                                                         "status 422", "422")),
            ("grade/errors/Errors.Validation", None),
            ("grade/errors/Errors.Other", None),
        ])
        errors = next(r for r in results["labels"] if r["label"] == "errors")
        self.assertEqual(errors["points"], 15)
        self.assertEqual(results["stages"]["2-errors"]["state"], "partly done")


class RedirectingServerTest(unittest.TestCase):
    """crud_suite against redirecting_server.py, each test's output as ctest
    would report it."""

    def setUp(self):
        if not os.environ.get("CRUD_SUITE"):
            self.skipTest("needs crud_suite (the first argument)")

    def test_the_first_cause_is_the_307_and_it_explains_most_failures(self):
        server = subprocess.Popen([str(HERE / "redirecting_server.py")], stdout=subprocess.PIPE,
                                  text=True)
        try:
            url = server.stdout.readline().split()[-1]
            run = subprocess.run([os.environ["CRUD_SUITE"]], env={**os.environ, "USER_API_URL": url},
                                 capture_output=True, text=True, timeout=120)
        finally:
            server.kill()
            server.wait()
            server.stdout.close()
        results, scorecard = grade(per_test_outputs(run.stdout))
        failing = [t for t in results["tests"] if t["status"] == "fail"]
        first = results["causes"][0]
        self.assertEqual(first["response_status"], 307)
        self.assertEqual(first["location"], url + "/users/")
        self.assertGreater(first["tests"], len(failing) * 3 // 4, first)
        self.assertIn(f"1. **/users answers 307 with Location: {url}/users/", scorecard)


def per_test_outputs(output):
    """[(grade/crud/Suite.Test, its output or None when it passed)] from one
    GoogleTest run's output."""
    cases, name, lines = [], None, []
    for line in output.splitlines():
        if line.startswith("[ RUN      ] "):
            name, lines = line.split("] ", 1)[1], []
        elif name and (line.startswith("[       OK ] ") or line.startswith("[  FAILED  ] ")):
            passed = line.startswith("[       OK ]")
            cases.append((f"grade/crud/{name}", None if passed else "\n".join(lines + [line])))
            name = None
        elif name:
            lines.append(line)
    return cases


if __name__ == "__main__":
    if len(sys.argv) > 1:
        os.environ["CRUD_SUITE"] = sys.argv.pop(1)
    unittest.main()
