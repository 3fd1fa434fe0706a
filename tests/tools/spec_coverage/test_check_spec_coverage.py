#!/usr/bin/python3
"""Self-test of check_spec_coverage.py: each way the check must fail, on a
small spec, a fake ctest listing and a fake suite program."""
import json
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

CHECK = Path(__file__).resolve().parent / "check_spec_coverage.py"

SPEC = """\
# Spec

## Rule ids

| area | section | stage |
|---|---|---|
| `CREATE` | [Create](#create) | 1 |
| `PAGE` | [Pages](#pages) | 3 |

## Create

- [CREATE-1] Success is 201.
- [CREATE-2, stage 2] Emails are lowercased.
- [CREATE-3, stages 1-2] The list holds every user.
- [CREATE-4, reviewed] Compared in constant time.

## Pages

- [PAGE-1] limit is 1 to 1000.
"""

# What a suite with USER_API_LIST_RULES writes, by gtest name.
SUITE_RULES = {
    "Crud.Create": ["CREATE-1", "CREATE-3"],
    "Errors.Lowercase": ["CREATE-2"],
    "Extras.Limit": ["PAGE-1"],
}

FAKE_SUITE = """\
#!/usr/bin/python3
import json, os, sys
rules = json.loads(os.environ["FAKE_RULES"])
with open(os.environ["USER_API_LIST_RULES"], "w") as out:
    for test, ids in rules.items():
        out.write(json.dumps({"test": test, "rules": ids}) + "\\n")
"""


def gtest(name, suite, test, labels):
    return {"name": name, "command": [str(suite), f"--gtest_filter={test}"],
            "properties": [{"name": "LABELS", "value": labels}]}


def default_tests(suite):
    tests = []
    for stage in (1, 2, 3):
        tests.append(gtest(f"stage{stage}/Crud.Create", suite, "Crud.Create", ["crud"]))
    for stage in (2, 3):
        tests.append(gtest(f"stage{stage}/Errors.Lowercase", suite, "Errors.Lowercase", ["errors"]))
    tests.append(gtest("stage3/Extras.Limit", suite, "Extras.Limit", ["extras-pagination"]))
    return tests


class SpecCoverageTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        (self.dir / "guide").mkdir()
        self.spec = self.dir / "guide" / "api-spec.md"
        self.spec.write_text(SPEC)
        self.suite = self.dir / "fake_suite"
        self.suite.write_text(FAKE_SUITE)
        self.suite.chmod(0o755)
        self.rules = dict(SUITE_RULES)
        self.tests = default_tests(self.suite)

    def run_check(self):
        listing = self.dir / "ctest.json"
        listing.write_text(json.dumps({"tests": self.tests}))
        env = {"FAKE_RULES": json.dumps(self.rules), "PATH": "/usr/bin:/bin"}
        result = subprocess.run(
            [sys.executable, "-B", str(CHECK), "--spec", str(self.spec), "--build-dir", str(self.dir),
             "--ctest-json", str(listing), "--out", str(self.dir / "out"), "--root", str(self.dir)],
            capture_output=True, text=True, env=env)
        return result.returncode, result.stdout + result.stderr

    def assert_fails_with(self, text):
        code, output = self.run_check()
        self.assertEqual(code, 1, output)
        self.assertIn(text, output)

    def test_everything_covered_passes_and_writes_the_matrix(self):
        code, output = self.run_check()
        self.assertEqual(code, 0, output)
        self.assertIn("5 rules (1 reviewed)", output)
        self.assertIn("stage 3: 3 of 3 rules have a test", output)
        matrix = (self.dir / "out" / "spec-coverage.md").read_text()
        self.assertIn("| CREATE-3 | 1 | 1 | - |", matrix)
        self.assertIn("| CREATE-4 | reviewed | reviewed | reviewed |", matrix)
        data = json.loads((self.dir / "out" / "spec-coverage.json").read_text())
        self.assertEqual(data["rules"]["PAGE-1"]["tests"]["3"], ["stage3/Extras.Limit"])

    def test_a_rule_missing_on_one_stage_fails(self):
        self.tests = [t for t in self.tests if t["name"] != "stage3/Errors.Lowercase"]
        self.assert_fails_with("[CREATE-2] (api-spec.md line 13) has no black-box test run against stage 3")

    def test_a_rule_of_stages_1_and_2_is_not_due_on_stage_3(self):
        self.rules["Crud.Create"] = ["CREATE-1"]
        self.tests.append(gtest("stage1/Crud.List", self.suite, "Crud.List", ["crud"]))
        self.tests.append(gtest("stage2/Crud.List", self.suite, "Crud.List", ["crud"]))
        self.rules["Crud.List"] = ["CREATE-3"]
        code, output = self.run_check()
        self.assertEqual(code, 0, output)

    def test_an_unknown_id_fails(self):
        self.rules["Extras.Limit"] = ["PAGE-1", "PAGE-9"]
        self.assert_fails_with("stage3/Extras.Limit: cites [PAGE-9], which the spec does not define")

    def test_a_suite_test_without_ids_fails(self):
        self.rules["Extras.Other"] = []
        self.tests.append(gtest("stage3/Extras.Other", self.suite, "Extras.Other", ["extras-search"]))
        self.assert_fails_with("stage3/Extras.Other: cites no rule")

    def test_a_test_the_suite_does_not_list_is_an_error(self):
        self.tests.append(gtest("stage3/Gone.Test", self.suite, "Gone.Test", ["crud"]))
        code, output = self.run_check()
        self.assertEqual(code, 2, output)
        self.assertIn("does not list Gone.Test", output)

    def test_meta_and_unit_tests_do_not_count(self):
        self.tests = [t for t in self.tests if t["name"] != "stage3/Extras.Limit"]
        self.tests.append(gtest("stage3/Unit.Limit", self.suite, "Extras.Limit", ["unit"]))
        self.tests.append(gtest("stage3/Meta.Limit", self.suite, "Extras.Limit", ["meta"]))
        self.assert_fails_with("[PAGE-1] (api-spec.md line 19) has no black-box test run against stage 3")

    def test_cluster_tests_count_for_stage_3(self):
        self.tests = [t for t in self.tests if t["name"] != "stage3/Extras.Limit"]
        self.tests.append(gtest("cluster/Extras.Limit", self.suite, "Extras.Limit", ["cluster"]))
        code, output = self.run_check()
        self.assertEqual(code, 0, output)

    def test_a_script_cites_with_spec_rules_lines(self):
        self.tests = [t for t in self.tests if t["name"] != "stage3/Extras.Limit"]
        script = self.dir / "faults.py"
        script.write_text("# spec-rules: PAGE-1\n")
        self.tests.append({"name": "stage3/faults", "command": ["/usr/bin/python3", str(script)],
                           "properties": [{"name": "LABELS", "value": ["faults"]}]})
        code, output = self.run_check()
        self.assertEqual(code, 0, output)

    def test_a_repeated_id_fails(self):
        self.spec.write_text(SPEC + "- [PAGE-1] again.\n")
        self.assert_fails_with("[PAGE-1] is defined again (first on line 19)")

    def test_an_area_outside_the_table_fails(self):
        self.spec.write_text(SPEC + "- [AUTH-1] a key.\n")
        self.assert_fails_with("area AUTH is not in the Rule ids table")

    def test_a_malformed_suffix_fails(self):
        self.spec.write_text(SPEC + "- [PAGE-2, from stage 3] offsets.\n")
        self.assert_fails_with("the suffix must be `stage N`, `stages N-M` or `reviewed`")

    def test_a_spec_without_the_table_fails(self):
        self.spec.write_text(textwrap.dedent("""\
            # Spec

            - [CREATE-1] Success is 201.
            """))
        self.assert_fails_with("no `## Rule ids` section")


if __name__ == "__main__":
    unittest.main()
