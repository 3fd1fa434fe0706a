#!/usr/bin/python3
"""Tests of page.py: the grade's page renders in headless Chromium.

    page_test.py ARTIFACTS_DIR

Grades a synthetic ctest report with scorecard.py (a failing test, so the
page has root causes and failures), with the sections the grade adds for a
workspace made by their own tools (a code review of a planted shared map and
swallowed exception, the similarity of the untouched starter, the timeline
of a folder with no recorded runs), adds a chart the scorecard shows, writes
the page, and checks it as a browser sees it: self-contained (every image a
data: URL, no script, no stylesheet to fetch), every section of the
scorecard there in Chromium's DOM with the score and the first stage not
complete, Chromium reporting nothing that failed to load, and a screenshot
kept as ARTIFACTS_DIR/grade-page-screenshot.png. Registered as
kit/grade_page_renders_in_chromium (label meta) in tests/suites/meta.
"""
import json
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from scorecard_test import failure, junit

HERE = Path(__file__).resolve().parent
KIT = HERE.parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(sys.argv.pop(1)) if len(sys.argv) > 1 else Path(tempfile.gettempdir())
CHART = ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120">'
         '<rect width="400" height="120" fill="#eef"/>'
         '<polyline points="10,110 100,80 200,60 300,20" stroke="#00a" fill="none"/></svg>')


PLANTED = """#include <map>
#include <string>
std::map<int, std::string> users;
void Create(int id, const std::string& name) { users[id] = name; }
int main() { try { Create(1, "a"); } catch (...) {} }
"""


def chromium(url, profile, *flags):
    """(exit code, stdout, stderr) of headless Chromium on `url`, offline."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
               f"--user-data-dir={profile}", "--window-size=1280,1600",
               "--virtual-time-budget=5000", *flags, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90)
    return done.returncode, done.stdout, done.stderr


class PageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = Path(tempfile.mkdtemp())
        (cls.folder / "junit.xml").write_text(junit([
            ("stage1/crud/UsersCrudTest.CreateReturns201", failure(
                "POST /users", "status 201", "status 200", "200")),
            ("stage1/contract/ContractTest.HealthAnswers200", None)]))
        (cls.folder / "run.json").write_text(json.dumps({
            "name": "page-test", "target": "a synthetic report", "kit_commit": "abc",
            "suite_version": "1.0", "started_at": "2026-12-06T00:00:00+00:00", "error": None,
            "log_tail": "", "junit": str(cls.folder / "junit.xml")}))
        sources = cls.folder / "planted"
        sources.mkdir()
        (sources / "main.cpp").write_text(PLANTED)
        tools = [("review.py", "--sources", str(sources), "--build", str(cls.folder),
                  "--out", str(cls.folder / "analysis.json")),
                 ("similarity.py", "--candidate", str(KIT / "starter"), "--kit", str(KIT),
                  "--out", str(cls.folder / "similarity.json")),
                 ("timeline.py", str(sources), "--out", str(cls.folder / "timeline.json"))]
        for tool, *arguments in tools:
            subprocess.run([sys.executable, "-B", str(HERE / tool), *arguments], check=True,
                           capture_output=True)
        subprocess.run([sys.executable, "-B", str(HERE / "scorecard.py"), "--weights",
                        str(HERE / "weights.json"), "--run", str(cls.folder / "run.json"),
                        "--review", str(cls.folder / "analysis.json"),
                        "--similarity", str(cls.folder / "similarity.json"),
                        "--timeline", str(cls.folder / "timeline.json"),
                        str(cls.folder)], check=True, capture_output=True)
        (cls.folder / "timeline.svg").write_text(CHART)
        with (cls.folder / "scorecard.md").open("a") as scorecard:
            scorecard.write("\n## Chart\n\n![Passed tests over time](timeline.svg)\n\n"
                            "<details>\n<summary>More</summary>\n\n- *folded* item\n\n</details>\n")
        subprocess.run([sys.executable, "-B", str(HERE / "page.py"), str(cls.folder)], check=True)
        cls.page = (cls.folder / "index.html").read_text()
        cls.url = (cls.folder / "index.html").as_uri()

    def test_loads_nothing_from_elsewhere(self):
        self.assertNotIn("<script", self.page)
        self.assertNotIn("<link", self.page)
        sources = re.findall(r'\bsrc="([^"]*)"', self.page)
        self.assertEqual(len(sources), 1, sources)
        self.assertTrue(all(s.startswith("data:image/svg+xml;base64,") for s in sources), sources)

    def test_every_section_of_the_scorecard_is_in_the_rendered_page(self):
        with tempfile.TemporaryDirectory() as profile:
            code, dom, log = chromium(self.url, profile, "--dump-dom")
        self.assertEqual(code, 0, log[-2000:])
        headings = re.findall(r"^## (.+)$", (self.folder / "scorecard.md").read_text(), re.M)
        for expected in ("Judged by the interviewer", "Timeline", "Code review", "Integrity check"):
            self.assertIn(expected, headings)
        for heading in headings:
            self.assertIn(heading.replace("&", "&amp;"), dom)
        self.assertIn("First stage not complete <b>1-crud</b>", dom)
        self.assertRegex(dom, r"Score <b>[0-9.]+ of [0-9.]+</b>")
        self.assertIn("<em>folded</em>", dom, "Markdown inside <details> is rendered")
        self.assertIn("unguarded_shared_container", dom)
        self.assertIn("recorded runs: graded as before", dom)
        self.assertEqual(len(re.findall(r"<details[^>]*>\s*<summary>", dom)), dom.count("<details"),
                         "each fold is labelled by its summary")
        self.assertIn("Similar to stage 1-crud", dom)
        for failed in ("Failed to load", "net::ERR", "Uncaught"):
            self.assertNotIn(failed, log)

    def test_a_screenshot_is_kept(self):
        shot = (ARTIFACTS / "grade-page-screenshot.png").resolve()
        shot.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory() as profile:
            code, _, log = chromium(self.url, profile, f"--screenshot={shot}")
        self.assertEqual(code, 0, log[-2000:])
        self.assertTrue(shot.is_file(), f"no screenshot at {shot}")
        self.assertEqual(shot.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        self.assertGreater(shot.stat().st_size, 10_000, "the screenshot looks blank")


if __name__ == "__main__":
    unittest.main()
