#!/usr/bin/python3
"""Self-test of check_failure_reasons.py: plain reasons pass, and each kind
of raw or empty reason fails it, on small synthetic GoogleTest reports."""
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

CHECK = Path(__file__).resolve().parent / "check_failure_reasons.py"

PLAIN = ("/src/tests/suites/acceptance/crud_test.cpp:40\n\n  expected: status 201\n"
         "  actual:   status 501\n  request:  POST /users\n")
PROSE = ("/src/tests/suites/acceptance/contract_test.cpp:123\n"
         "\n`user_api --port 70000` should refuse to start with exit code 2; it exited with "
         "code 0\n")
RAW = {
    "value of": "/src/tests/harness/support/acceptance_test.cpp:64\n"
                "Value of: server_\n  Actual: false\nExpected: true\nno server",
    "which is": "/src/tests/suites/acceptance/contract_test.cpp:123\nExpected equality of "
                "these values:\n  run.exit\n    Which is: \"exited with code 0\"\n",
    "expected ge": "/src/tests/suites/acceptance/extras/shutdown_test.cpp:104\n"
                   "Expected: (created.size()) >= (40u), actual: 3 vs 40\n",
    "empty actual": "/src/tests/suites/acceptance/crud_test.cpp:50\n\n  expected: a name\n"
                    "  actual:   \n",
    "quoted empty actual": "/src/tests/suites/acceptance/crud_test.cpp:51\n\n"
                           "  expected: a request id\n  actual:   ''\n",
    "no reason": "/src/tests/suites/acceptance/crud_test.cpp:52\n\n",
    "failed only": "/src/tests/suites/acceptance/crud_test.cpp:53\nFailed\n",
}


def report(*messages):
    tests = [{"name": f"Case{i}", "failures": [{"failure": m, "type": ""}]}
             for i, m in enumerate(messages)]
    tests.append({"name": "Passes"})
    return {"tests": len(tests), "testsuites": [{"name": "UsersTest", "testsuite": tests}]}


class CheckFailureReasonsTest(unittest.TestCase):
    def run_check(self, *reports):
        with tempfile.TemporaryDirectory() as folder:
            paths = []
            for i, content in enumerate(reports):
                path = Path(folder) / f"suite.{i}.json"
                path.write_text(content if isinstance(content, str) else json.dumps(content))
                paths.append(str(path))
            return subprocess.run([sys.executable, "-B", str(CHECK), *paths],
                                  capture_output=True, text=True, check=False)

    def test_plain_reasons_pass(self):
        result = self.run_check(report(PLAIN, PROSE), report())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("2 failure reasons in 2 reports: all plain text", result.stdout)

    def test_each_raw_or_empty_reason_fails(self):
        for kind, message in RAW.items():
            with self.subTest(kind):
                result = self.run_check(report(PLAIN, message))
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                self.assertIn("1 of 2 failure reasons", result.stdout)
                site = message.split("\n")[0].replace("/src/", "")
                self.assertIn(f"{site}: 1 failure, in UsersTest.Case1", result.stdout)

    def test_names_the_offending_line(self):
        result = self.run_check(report(RAW["which is"]))
        self.assertIn('raw GoogleTest expression: Which is: "exited with code 0"', result.stdout)
        result = self.run_check(report(RAW["quoted empty actual"]))
        self.assertIn("empty actual value: actual:   ''", result.stdout)

    def test_groups_failures_by_source_line(self):
        result = self.run_check(report(RAW["value of"], RAW["value of"]), report(RAW["value of"]))
        self.assertEqual(result.returncode, 1)
        self.assertIn("acceptance_test.cpp:64: 3 failures, in UsersTest.Case0, UsersTest.Case1",
                      result.stdout)

    def test_unreadable_report_is_an_error(self):
        for content in ("not json", json.dumps({"tests": 0})):
            with self.subTest(content):
                self.assertEqual(self.run_check(content).returncode, 2)
        self.assertEqual(subprocess.run([sys.executable, "-B", str(CHECK), "/nonexistent.json"],
                                        capture_output=True, check=False).returncode, 2)


if __name__ == "__main__":
    unittest.main()
