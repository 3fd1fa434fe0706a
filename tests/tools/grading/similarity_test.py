#!/usr/bin/python3
"""Tests of similarity.py, the Integrity check, on workspace-like folders
made from this kit: a copy of stage 1 in place of the starter ranks at the
top of the calibration, the untouched starter shows nothing beyond itself,
and one planted stage 1 file is found under another name. Needs Debian's
similarity-tester. Registered as kit/grading_similarity_self_test (label
meta) in tests/suites/meta.
"""
import json
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
KIT = HERE.parents[2]
SIMILARITY = HERE / "similarity.py"
SCORECARD = HERE / "scorecard.py"


def measured(starter_src, folder):
    """similarity.py's JSON for a workspace whose starter/src is a copy of
    STARTER_SRC, and the Markdown beside it."""
    starter = Path(folder, "workspace", "starter")
    starter.mkdir(parents=True)
    shutil.copy(KIT / "starter" / "CMakeLists.txt", starter)
    shutil.copytree(starter_src, starter / "src")
    out, markdown = Path(folder, "similarity.json"), Path(folder, "similarity.md")
    subprocess.run([sys.executable, "-B", str(SIMILARITY), "--candidate", str(starter), "--kit", str(KIT),
                    "--out", str(out), "--markdown", str(markdown)], check=True, capture_output=True)
    return json.loads(out.read_text()), markdown.read_text()


def stage(sim, name):
    return next(s for s in sim["stages"] if s["stage"] == name)


def calibrated(sim, kind, key):
    return [p[key] for p in sim["calibration"] if p["kind"] == kind]


class SimilarityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        root = Path(cls.folder.name)
        cls.copy, cls.copy_md = measured(KIT / "solution" / "1-crud" / "src", root / "copy")
        cls.starter, _ = measured(KIT / "starter" / "src", root / "starter")
        planted = root / "planted-src"
        shutil.copytree(KIT / "starter" / "src", planted)
        shutil.copy(KIT / "solution/1-crud/src/store/memory_user_store.cpp", planted / "users.cpp")
        cls.planted, _ = measured(planted, root / "planted")

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def test_calibration_holds_every_known_point(self):
        kinds = [p["kind"] for p in self.copy["calibration"]]
        self.assertEqual(kinds.count("starter"), 3)
        self.assertEqual(kinds.count("previous-stage"), 2)
        self.assertEqual(kinds.count("mutant"), 3)
        for mutant in (p for p in self.copy["calibration"] if p["kind"] == "mutant"):
            self.assertGreaterEqual(mutant["beyond_starter_percent"], 95, mutant)

    def test_a_copy_of_stage_1_is_at_the_top_of_the_calibration(self):
        one = stage(self.copy, "1-crud")
        for key in ("raw_percent", "beyond_starter_percent"):
            self.assertGreaterEqual(one[key], max(calibrated(self.copy, "previous-stage", key)), key)
            self.assertGreater(one[key], max(calibrated(self.copy, "starter", key)), key)
            self.assertEqual(one[key], max(s[key] for s in self.copy["stages"]), key)
        self.assertEqual(len(one["regions"]), 3)
        longest = one["regions"][0]
        self.assertEqual(longest["stage"]["file"], "solution/1-crud/src/" + longest["candidate"]["file"][4:])
        self.assertEqual(longest["candidate"]["excerpt"], longest["stage"]["excerpt"])

    def test_the_untouched_starter_shows_nothing_beyond_itself(self):
        for figures in self.starter["stages"]:
            self.assertLessEqual(figures["beyond_starter_percent"] or 0, 1, figures)
            self.assertEqual(figures["regions"], [], figures)
            self.assertLess(figures["raw_percent"], min(calibrated(self.starter, "previous-stage",
                                                                   "raw_percent")) + 1e-9)
        self.assertEqual([s["raw_percent"] for s in self.starter["stages"]],
                         calibrated(self.starter, "starter", "raw_percent"))

    def test_a_planted_stage_1_file_is_found_under_its_new_name(self):
        one = stage(self.planted, "1-crud")
        self.assertGreaterEqual(one["beyond_starter_percent"], 80)
        self.assertLess(one["raw_percent"], one["beyond_starter_percent"])
        self.assertEqual(one["regions"][0]["candidate"]["file"], "src/users.cpp")
        self.assertEqual(one["regions"][0]["stage"]["file"], "solution/1-crud/src/store/memory_user_store.cpp")

    def test_the_scorecard_gets_an_integrity_check_section(self):
        self.assertIn("| stage 1-crud | **", self.copy_md)
        with tempfile.TemporaryDirectory() as folder:
            run, sim = Path(folder, "run.json"), Path(folder, "similarity.json")
            run.write_text(json.dumps({
                "name": "copy", "target": "a copy of stage 1", "kit_commit": "test",
                "suite_version": "0", "started_at": "2026-01-01T00:00:00+00:00",
                "error": "not built in this test", "log_tail": "", "junit": ""}))
            sim.write_text(json.dumps(self.copy))
            subprocess.run([sys.executable, "-B", str(SCORECARD), "--weights", str(HERE / "weights.json"),
                            "--run", str(run), "--similarity", str(sim), folder],
                           check=True, capture_output=True)
            scorecard = Path(folder, "scorecard.md").read_text()
            results = json.loads(Path(folder, "results.json").read_text())
        section = scorecard[scorecard.index("## Integrity check"):scorecard.index("## Judged by")]
        self.assertIn(f"Similar to stage 1-crud: {stage(self.copy, '1-crud')['beyond_starter_percent']:g}%",
                      section)
        self.assertIn("<details>", section)
        self.assertIn("src/domain/text.cpp", section)
        self.assertEqual(results["similarity"], self.copy)


if __name__ == "__main__":
    unittest.main()
