#!/usr/bin/python3
"""Tests of review.py, the grade's code review, on a real candidate's
workspace (scripts/new-candidate), configured once with compile commands:
the untouched starter gets no shared-map comment (and no missing-nodelay
comment, since it calls set_tcp_nodelay); the starter with a shared
std::map changed by a handler without a lock, and its set_tcp_nodelay call
removed, gets both among the three top comments, with their file and line.
Also that scorecard.py --review renders the section. Registered as
kit/grading_review_self_test (label meta) in tests/suites/meta. About a
minute on two idle cores: the second review reuses the first's cache for
the files it does not change.
"""
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

# A store of users at namespace scope, changed by the POST handler.
SHARED_MAP = "std::map<long, std::string> users_by_id;"
SHARED_MAP_CHANGE = "    users_by_id[static_cast<long>(users_by_id.size()) + 1] = req.body;\n"
NODELAY_CALL = "  server.set_tcp_nodelay(true);\n"


def run(*command, cwd=None):
    return subprocess.run(command, check=True, capture_output=True, text=True, cwd=cwd).stdout


def review(sources, build, out):
    done = subprocess.run(["/usr/bin/python3", "-B", str(HERE / "review.py"), "--sources", str(sources),
                           "--build", str(build), "--out", str(out / "analysis.json"),
                           "--markdown", str(out / "review.md")],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"review.py exited with {done.returncode}: {done.stderr}")
    return json.loads((out / "analysis.json").read_text())


def line_number(path, text):
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


class ReviewTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.TemporaryDirectory(prefix="review-test-")
        scratch = Path(cls.scratch.name)
        workspace = Path(run(str(ROOT / "scripts/new-candidate"), str(scratch / "workspace")).strip())
        cls.starter = workspace / "starter"
        cls.build = scratch / "build"
        run("cmake", "-S", str(workspace), "-B", str(cls.build), "-G", "Ninja",
            "-D", "CMAKE_BUILD_TYPE=Debug", "-D", "BUILD_TESTING=OFF",
            "-D", "CMAKE_EXPORT_COMPILE_COMMANDS=ON")
        main = cls.starter / "src/main.cpp"
        cls.starter_sets_nodelay = NODELAY_CALL in main.read_text()

        cls.untouched_out = scratch / "untouched"
        cls.untouched_out.mkdir()
        cls.untouched = review(cls.starter, cls.build, cls.untouched_out)

        routes = cls.starter / "src/http/http_routes.cpp"
        text = routes.read_text()
        text = text.replace("#include <string>\n", "#include <map>\n#include <string>\n", 1)
        text = text.replace("namespace {\n", f"namespace {{\n\n{SHARED_MAP}\n", 1)
        post = "  server.Post(kUsersPath, [](const Request&, Response& res) {\n"
        assert post in text, "the starter's POST handler changed: update this test"
        text = text.replace(post, post.replace("const Request&", "const Request& req")
                            + SHARED_MAP_CHANGE, 1)
        routes.write_text(text)
        main.write_text(main.read_text().replace(NODELAY_CALL, ""))
        cls.routes, cls.main = routes, main
        cls.planted_out = scratch / "planted"
        cls.planted_out.mkdir()
        cls.planted = review(cls.starter, cls.build, cls.planted_out)

    @classmethod
    def tearDownClass(cls):
        cls.scratch.cleanup()

    def ids(self, analysis):
        return [c["comment"] for c in analysis["comments"] + analysis["others"]]

    def top(self, analysis, comment):
        found = [c for c in analysis["comments"] if c["comment"] == comment]
        self.assertTrue(found, f"{comment} is not among the top comments: {analysis['comments']}")
        return found[0]

    def test_every_tool_ran(self):
        for analysis in (self.untouched, self.planted):
            self.assertEqual(analysis["tools"], {"review_checks.py": "ran", "clang-tidy": "ran",
                                                 "cppcheck": "ran"})

    def test_the_untouched_starter_has_no_shared_map_comment(self):
        self.assertNotIn("user_api.cpp.unguarded_shared_container", self.ids(self.untouched))

    def test_the_untouched_starter_is_told_about_nodelay_only_if_it_lacks_the_call(self):
        told = "user_api.cpp.missing_tcp_nodelay" in self.ids(self.untouched)
        self.assertEqual(told, not self.starter_sets_nodelay)

    def test_a_shared_map_without_a_lock_is_a_top_comment_at_its_declaration(self):
        comment = self.top(self.planted, "user_api.cpp.unguarded_shared_container")
        self.assertEqual(comment["type"], "essential")
        self.assertEqual(comment["file"], "src/http/http_routes.cpp")
        self.assertEqual(comment["line"], line_number(self.routes, SHARED_MAP))
        change = line_number(self.routes, SHARED_MAP_CHANGE.strip())
        self.assertIn(f"http_routes.cpp:{change}", comment["params"]["changed_at"])
        self.assertTrue(comment["why"] and comment["fix"])

    def test_a_missing_set_tcp_nodelay_is_a_top_comment_where_the_server_listens(self):
        comment = self.top(self.planted, "user_api.cpp.missing_tcp_nodelay")
        self.assertEqual(comment["type"], "essential")
        self.assertEqual(comment["file"], "src/main.cpp")
        self.assertEqual(comment["line"], line_number(self.main, "listen_after_bind"))

    def test_at_most_three_comments_on_top_most_important_first(self):
        ranks = {"essential": 0, "actionable": 1, "informative": 2}
        for analysis in (self.untouched, self.planted):
            self.assertLessEqual(len(analysis["comments"]), 3)
            ordered = [ranks[c["type"]] for c in analysis["comments"] + analysis["others"]]
            self.assertEqual(ordered, sorted(ordered))

    def test_the_scorecard_shows_the_review(self):
        run_file = self.planted_out / "run.json"
        run_file.write_text(json.dumps({
            "name": "planted", "target": "a workspace", "kit_commit": "test", "suite_version": "0",
            "started_at": "2026-01-01T00:00:00+00:00", "error": "not graded: a review test",
            "log_tail": "", "junit": ""}))
        out = self.planted_out / "scorecard"
        out.mkdir()
        run("/usr/bin/python3", "-B", str(HERE / "scorecard.py"), "--weights",
            str(HERE / "weights.json"), "--run", str(run_file), "--review",
            str(self.planted_out / "analysis.json"), str(out))
        scorecard = (out / "scorecard.md").read_text()
        section = scorecard[scorecard.index("## Code review"):scorecard.index("## Judged by")]
        self.assertIn("1. **essential**", section)
        self.assertIn("src/http/http_routes.cpp:", section)
        results = json.loads((out / "results.json").read_text())
        self.assertEqual(results["review"], self.planted)
        if self.planted["others"]:
            self.assertIn("<details>", section)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
