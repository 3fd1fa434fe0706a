#!/usr/bin/python3
"""Self-test of check_docs.py: each check passes on a clean page and fails,
with the right FILE:LINE, on a page with one mistake. The pages are written
to a temporary repository; runnable blocks run against fixtures/fake_server.py.

Run: /usr/bin/python3 -B tests/tools/docs_check/test_check_docs.py
"""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "check_docs.py")
FAKE_SERVER = os.path.join(HERE, "fixtures", "fake_server.py")
LABELS = "contract,crud,errors,extras-auth,unit"

# The fixture repository: what the pages may name.
TREE = {
    ".gitignore": "/build/\n/data/\n",
    "scripts/demo": "#!/bin/sh\n",
    "starter/src/main.cpp": "",
    "starter/src/options.hpp": "",
    "starter/src/options.cpp": "",
    "guide/other.md": "# Other page\n\n## A heading\n\ntext\n\n## A heading\n",
}

CLEAN_PAGE = """\
# The page

See [the other page](guide/other.md), [a heading](guide/other.md#a-heading),
[its twin](guide/other.md#a-heading-1), [below](#the-section), the
[starter](starter/) and [the web](https://example.test/nowhere).

## The section

`starter/src/main.cpp:12`, `starter/src/options.{hpp,cpp}`, `starter/src/*.cpp`,
`scripts/demo`, `build/dev/anything` (ignored), `data/users.db`,
`starter/src/NN-name.cpp` (a placeholder), `starter/src/<file>.cpp`.
Labels `crud`, `errors` and `unit`; label `extras-<feature>`; `-L extras`.

```sh
./scripts/demo --port 8000    # a script
./build/dev/starter/user_api  # ignored
ctest --preset dev -L 'crud|errors' && ctest -L auth
curl -L https://example.test/x   # curl's -L is not a label
```
"""


def write_tree(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)


class CheckDocsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="check-docs-test-")
        self.root = self.tmp.name
        write_tree(self.root, TREE)

    def tearDown(self):
        self.tmp.cleanup()

    def check(self, page, *options):
        """Writes PAGE as README.md and checks it; returns (exit code, output)."""
        write_tree(self.root, {"README.md": textwrap.dedent(page)})
        out = subprocess.run(
            [sys.executable, "-B", CHECKER, "--root", self.root, "--labels", LABELS, *options,
             os.path.join(self.root, "README.md")],
            capture_output=True, text=True, timeout=120)
        return out.returncode, out.stdout + out.stderr

    def assert_problem(self, page, expected, *options):
        code, output = self.check(page, *options)
        self.assertEqual(code, 1, output)
        self.assertIn(expected, output)
        return output

    def test_clean_page_passes(self):
        code, output = self.check(CLEAN_PAGE, "--skip-run")
        self.assertEqual(code, 0, output)
        self.assertIn("no problems", output)

    def test_each_mistake_is_reported_at_its_line(self):
        cases = [
            ("broken link", "text\n\n[x](guide/missing.md)\n",
             "README.md:3: broken link `guide/missing.md`: guide/missing.md does not exist"),
            ("missing anchor", "[x](guide/other.md#no-such-heading)\n",
             "README.md:1: link `guide/other.md#no-such-heading`: no heading in guide/other.md has the anchor"),
            ("missing anchor in the page", "# Title\n\n[x](#titel)\n",
             "README.md:3: link `#titel`: no heading in this page has the anchor #titel (did you mean #title?)"),
            ("missing path", "one\ntwo `starter/src/gone.cpp:3`.\n",
             "README.md:2: `starter/src/gone.cpp:3`: starter/src/gone.cpp does not exist"),
            ("half of a brace list", "`starter/src/options.{hpp,ipp}`\n",
             "README.md:1: `starter/src/options.{hpp,ipp}`: starter/src/options.ipp does not exist"),
            ("glob matching nothing", "`starter/src/*.rs`\n",
             "README.md:1: `starter/src/*.rs`: nothing matches starter/src/*.rs"),
            ("missing script", "```sh\n./scripts/demo\n./scripts/gone --help\n```\n",
             "README.md:3: `./scripts/gone`: scripts/gone does not exist"),
            ("unknown label in prose", "Run the tests with\nlabels `crud` and `crd`.\n",
             "README.md:2: label `crd` does not exist (did you mean `crud`?)"),
            ("-L matching no label in a block", "```sh\nctest --preset dev -L 'nope|nada'\n```\n",
             "README.md:2: `-L nope|nada` matches no ctest label"),
            ("-L matching no label in a code span", "Select with `ctest --label-regex '^extra$'`.\n",
             "README.md:1: `--label-regex ^extra$` matches no ctest label"),
        ]
        for name, page, expected in cases:
            with self.subTest(name):
                self.assert_problem(page, expected, "--skip-run")

    def test_labels_come_from_a_build_folder(self):
        build = os.path.join(self.root, "build", "empty")
        os.makedirs(build)
        write_tree(build, {"CTestTestfile.cmake":
                           'add_test(t "true")\nset_tests_properties(t PROPERTIES LABELS "crud")\n'})
        write_tree(self.root, {"README.md": "label `crud`, and labels `errors`.\n"})
        out = subprocess.run([sys.executable, "-B", CHECKER, "--root", self.root, "--build-dir", build,
                              "--skip-run", os.path.join(self.root, "README.md")],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("README.md:1: label `errors` does not exist", out.stdout)
        self.assertNotIn("`crud`", out.stdout)

    def test_usage_errors_exit_2(self):
        for options in (["--program", "stage9=/bin/true"], ["--program", "stage1"],
                        ["--build-dir", os.path.join(self.root, "no-build")]):
            with self.subTest(options=options):
                code, output = self.check("text\n", *options)
                self.assertEqual(code, 2, output)


RUNNABLE_PAGE = """\
# Statuses

<!-- docs-check: run stage2 -->

```sh
# Created: 201, then a conflict: 409
curl -i -X POST http://127.0.0.1:8000/status/201 \\
     -H 'Content-Type: application/json' -d '{"a": 1}'
# => {"path":"/status/201",
#     "status":201}
curl -si localhost:8000/status/409
# A comment over two lines: 200 for the first,
# and 404 for the second
curl -i http://127.0.0.1:8000/health
curl -i http://127.0.0.1:8000/nowhere
curl --include http://127.0.0.1:8000/status/204   # 204 on its own line
```
"""


class RunnableBlocksTest(unittest.TestCase):
    """Blocks marked <!-- docs-check: run PROGRAM --> against the fake server."""

    setUp = CheckDocsTest.setUp
    tearDown = CheckDocsTest.tearDown
    check = CheckDocsTest.check
    assert_problem = CheckDocsTest.assert_problem

    def run_page(self, page, program="stage2"):
        return self.check(page, "--program", f"{program}={FAKE_SERVER}")

    def test_a_block_that_holds_passes(self):
        code, output = self.run_page(RUNNABLE_PAGE)
        self.assertEqual(code, 0, output)
        self.assertIn("1 runnable blocks (5 commands run)", output)

    def test_no_marked_block_is_fine(self):
        code, output = self.run_page("```sh\ncurl http://127.0.0.1:8000/users\n```\n")
        self.assertEqual(code, 0, output)
        self.assertIn("0 runnable blocks", output)

    def test_a_wrong_status_shows_the_response_and_the_server_log(self):
        page = RUNNABLE_PAGE.replace("# and 404 for the second", "# and 410 for the second")
        output = self.assert_problem(
            page, "README.md:15: `curl -i http://127.0.0.1:8000/nowhere` answered 404, expected 410",
            "--program", f"stage2={FAKE_SERVER}")
        self.assertIn('{"path": "/nowhere", "status": 404}', output)  # the response
        self.assertIn('"GET /nowhere HTTP/1.1" 404', output)          # the server's stderr

    def test_block_mistakes_are_reported_at_their_line(self):
        cases = [
            ("no expected status", RUNNABLE_PAGE.replace("# Created: 201, then a conflict: 409", "# Create"),
             "README.md:7: no expected status for `curl -i -X POST http://127.0.0.1:8000/status/201"),
            ("a command that is not curl -i", RUNNABLE_PAGE.replace("curl -si localhost", "curl -s localhost"),
             "README.md:11: block at line 5 is not runnable: `curl -s localhost:8000/status/409` is not a `curl -i`"),
            ("a status left over", RUNNABLE_PAGE.replace("409\n", "409, then 410\n", 1),
             "README.md:6: expected status 410 has no command to apply to"),
            ("an unknown program", RUNNABLE_PAGE.replace("run stage2", "run stage4"),
             "README.md:3: docs-check marker names `stage4`"),
            ("a marker away from its block", RUNNABLE_PAGE.replace("-->\n\n", "-->\n\ntext\n"),
             "README.md:3: docs-check marker is not followed by a ```sh block"),
            ("a program not given", RUNNABLE_PAGE.replace("run stage2", "run stage3"),
             "README.md:5: the block runs against stage3, but no --program stage3=PATH was given"),
        ]
        for name, page, expected in cases:
            with self.subTest(name):
                self.assert_problem(page, expected, "--program", f"stage2={FAKE_SERVER}")

    def test_a_server_that_does_not_start_is_reported(self):
        self.assert_problem(RUNNABLE_PAGE, "README.md:5: cannot run the block: stage2 did not start",
                            "--program", "stage2=/bin/false")


if __name__ == "__main__":
    unittest.main(verbosity=2)
