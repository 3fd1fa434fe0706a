#!/usr/bin/python3
"""Self-test of check_stage_drift.py: a small fake repository (the starter
and three stages) in a temporary folder passes clean and fails, naming the
file and the stage, with one mistake at a time; and a copy of the real
repository's stages fails once one stage's copy of a file is edited.

Run: /usr/bin/python3 -B tests/tools/stage_drift/test_check_stage_drift.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "check_stage_drift.py")
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
ALLOW = "solution/stage-changes.txt"

# The fake repository: listener.cpp is copied unchanged through every stage,
# routes.cpp changes in each, main.cpp in stage 1 only; stage 2 adds
# errors.cpp, which stage 3 drops; stage 3 adds extras.cpp.
LISTENER = "// Binds the listening socket.\nint Bind();\n"
TREE = {
    "starter/src/listener.cpp": LISTENER,
    "starter/src/routes.cpp": "// The routes: 501 for now.\n",
    "starter/src/main.cpp": "int main() {}\n",
    "solution/1-crud/src/listener.cpp": LISTENER,
    "solution/1-crud/src/routes.cpp": "// The routes: CRUD.\n",
    "solution/1-crud/src/main.cpp": "int main() { return Serve(); }\n",
    "solution/2-errors/src/listener.cpp": LISTENER,
    "solution/2-errors/src/routes.cpp": "// The routes: CRUD and errors.\n",
    "solution/2-errors/src/main.cpp": "int main() { return Serve(); }\n",
    "solution/2-errors/src/errors.cpp": "// Errors.\n",
    "solution/3-extras/src/listener.cpp": LISTENER,
    "solution/3-extras/src/routes.cpp": "// The routes: CRUD, errors, extras.\n",
    "solution/3-extras/src/main.cpp": "int main() { return Serve(); }\n",
    "solution/3-extras/src/extras.cpp": "// Extras.\n",
    ALLOW: """\
# The fixture's allow-list.

[1-crud]
src/routes.cpp  # CRUD
src/main.cpp    # serves

[2-errors]
src/routes.cpp  # errors

[3-extras]  # the last stage
src/routes.cpp  # extras
""",
}


# Git, for the checker and the fixtures: no repository above the temporary
# folder (so a fake tree is inside one only when a test makes it one), no
# configuration but the test's own, and an author for commits.
ENV = {name: value for name, value in os.environ.items()
       if name not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
ENV.update(GIT_CEILING_DIRECTORIES=os.path.realpath(tempfile.gettempdir()),
           GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
           GIT_AUTHOR_NAME="Self-test", GIT_AUTHOR_EMAIL="self-test@example.invalid",
           GIT_COMMITTER_NAME="Self-test", GIT_COMMITTER_EMAIL="self-test@example.invalid")


def run(*args):
    result = subprocess.run([sys.executable, "-B", CHECKER, *args], capture_output=True,
                            text=True, timeout=120, env=ENV)
    return result.returncode, result.stdout, result.stderr


STARTER_AT_HEAD = ("note: starter/ has changes against HEAD; the stages are compared with the "
                   "starter as committed there (git show HEAD:starter/src/PATH)")


def problem_lines(stdout):
    """The problem lines: neither diff lines (indented), the note nor the
    closing lines."""
    lines = stdout.splitlines()
    end = next(i for i, line in enumerate(lines) if " files checked, " in line)
    return [line for line in lines[:end] if not line.startswith((" ", "note: "))]


class FakeTreeTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="stage_drift_")
        self.addCleanup(shutil.rmtree, self.root)
        for path, text in TREE.items():
            self.write(path, text)

    def write(self, path, text, mode="w"):
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, mode) as f:
            f.write(text)

    def check(self, *args):
        return run("--root", self.root, *args)

    def assertFails(self, expected_line, *args):
        code, out, err = self.check(*args)
        self.assertEqual(code, 1, out + err)
        self.assertIn(expected_line, problem_lines(out), out)
        return out

    def test_clean_tree_passes(self):
        # Added and dropped files (errors.cpp, extras.cpp) are no problem.
        code, out, err = self.check()
        self.assertEqual((code, err), (0, ""), out + err)
        self.assertEqual(out, "9 files checked, 0 problems\n")

    def test_copy_edited_in_one_stage_fails_naming_file_and_stage(self):
        self.write("solution/2-errors/src/listener.cpp", "// A stray edit.\n", mode="a")
        out = self.assertFails(
            "solution/2-errors/src/listener.cpp: differs from solution/1-crud/src/listener.cpp,"
            " and solution/stage-changes.txt does not list it under [2-errors]")
        # Stage 3 kept the old copy, so it now differs from stage 2's too.
        self.assertIn("solution/3-extras/src/listener.cpp: differs from "
                      "solution/2-errors/src/listener.cpp, and solution/stage-changes.txt does not "
                      "list it under [3-extras]", problem_lines(out))
        self.assertIn("    +// A stray edit.", out.splitlines())
        self.assertIn("9 files checked, 2 problems", out)
        self.assertIn("cp PREVIOUS/src/PATH STAGE/src/PATH", out)

    def test_copy_back_after_a_stage_without_it_is_compared_with_the_last_one(self):
        # Stage 2 drops listener.cpp; stage 3 brings back an edited copy.
        os.remove(os.path.join(self.root, "solution/2-errors/src/listener.cpp"))
        self.write("solution/3-extras/src/listener.cpp", "// A stray edit.\n", mode="a")
        out = self.assertFails(
            "solution/3-extras/src/listener.cpp: differs from solution/1-crud/src/listener.cpp,"
            " and solution/stage-changes.txt does not list it under [3-extras]")
        self.assertIn("    +// A stray edit.", out.splitlines())
        self.assertIn("8 files checked, 1 problem\n", out)
        # Listed under the stage that changes it, it passes.
        self.write(ALLOW, TREE[ALLOW] + "src/listener.cpp  # back, with TLS\n")
        code, out, err = self.check()
        self.assertEqual(code, 0, out + err)
        # Brought back unchanged, it needs no entry: the entry is stale.
        self.write("solution/3-extras/src/listener.cpp", LISTENER)
        self.assertFails(
            "solution/stage-changes.txt:12: src/listener.cpp is listed under [3-extras], but "
            "solution/3-extras/src/listener.cpp is identical to solution/1-crud/src/listener.cpp;"
            " remove the entry")

    def move_listener(self, text, *stages):
        """Moves src/listener.cpp to src/net/listener.cpp in `stages`, with `text`."""
        for stage in stages:
            os.remove(os.path.join(self.root, stage, "src/listener.cpp"))
            self.write(stage + "/src/net/listener.cpp", text)

    def test_moved_copy_is_compared_with_its_old_path(self):
        # Stage 2 moves listener.cpp into src/net/ and edits it; stage 3 copies it.
        self.move_listener(LISTENER + "// A stray edit.\n",
                           "solution/2-errors", "solution/3-extras")
        out = self.assertFails(
            "solution/2-errors/src/net/listener.cpp: moved from solution/1-crud/src/listener.cpp"
            " and differs from it, and solution/stage-changes.txt does not list it under "
            "[2-errors]")
        self.assertIn("    --- solution/1-crud/src/listener.cpp", out.splitlines())
        self.assertIn("    +// A stray edit.", out.splitlines())
        self.assertIn("9 files checked, 1 problem\n", out)
        code, out, err = self.check("--write-allow")
        stage2 = out.split("\n[2-errors]")[1].split("\n[3-extras]")[0]
        self.assertIn("src/net/listener.cpp  # TODO: why", stage2.splitlines())
        # Listed under the stage that moves it, by its new path, it passes.
        self.write(ALLOW, TREE[ALLOW].replace("src/routes.cpp  # errors",
                                              "src/routes.cpp  # errors\n"
                                              "src/net/listener.cpp  # with TLS"))
        code, out, err = self.check()
        self.assertEqual(code, 0, out + err)
        # Moved unchanged, it needs no entry: the entry is stale.
        for stage in ("solution/2-errors", "solution/3-extras"):
            self.write(stage + "/src/net/listener.cpp", LISTENER)
        self.assertFails(
            "solution/stage-changes.txt:9: src/net/listener.cpp is listed under [2-errors], but "
            "solution/2-errors/src/net/listener.cpp, moved from solution/1-crud/src/listener.cpp,"
            " is identical to it; remove the entry")

    def test_move_pairs_only_one_old_path_with_one_new_path_by_basename(self):
        self.move_listener(LISTENER, "solution/2-errors", "solution/3-extras")
        code, out, err = self.check()
        self.assertEqual((code, out, err), (0, "9 files checked, 0 problems\n", ""))
        # Two new listener.cpp in stage 2: which one moved is a guess, so
        # neither is paired and both pass as new.
        for stage in ("solution/2-errors", "solution/3-extras"):
            self.write(stage + "/src/net/listener.cpp", "// TLS.\n")
        self.write("solution/2-errors/src/tls/listener.cpp", "// TLS too.\n")
        code, out, err = self.check()
        self.assertEqual((code, out, err), (0, "8 files checked, 0 problems\n", ""))

    def test_symbolic_links_under_src_are_refused(self):
        # A link to a folder hides its files from a walk; a link to the
        # earlier stage's copy looks identical but is not a copy.
        self.write("vendor/json.hpp", "// JSON.\n")
        os.symlink(os.path.join(self.root, "vendor"),
                   os.path.join(self.root, "solution/2-errors/src/vendor"))
        listener = os.path.join(self.root, "solution/3-extras/src/listener.cpp")
        os.remove(listener)
        os.symlink("../../2-errors/src/listener.cpp", listener)
        out = self.assertFails("solution/2-errors/src/vendor: a symbolic link, which the check "
                               "does not follow; put the folder or file itself there")
        self.assertIn("solution/3-extras/src/listener.cpp: a symbolic link, which the check "
                      "does not follow; put the folder or file itself there", problem_lines(out))
        self.assertIn("8 files checked, 2 problems\n", out)
        code, out, err = self.check("--write-allow")
        self.assertEqual((code, out), (1, ""), err)
        self.assertIn("solution/2-errors/src/vendor: a symbolic link", err)

    def test_backup_files_are_skipped(self):
        for stage, text in (("starter", "// Old.\n"), ("solution/1-crud", "// New.\n")):
            for suffix in ("~", ".orig", ".rej", ".swp"):
                self.write(stage + "/src/listener.cpp" + suffix, text)
            self.write(stage + "/src/.routes.cpp.swp", text)
        code, out, err = self.check()
        self.assertEqual((code, out, err), (0, "9 files checked, 0 problems\n", ""))

    def test_edit_to_the_starter_outside_git_is_an_edit(self):
        # Outside git there is no committed starter to fall back on.
        self.write("starter/src/listener.cpp", "// The candidate's edit.\n", mode="a")
        out = self.assertFails(
            "solution/1-crud/src/listener.cpp: differs from starter/src/listener.cpp,"
            " and solution/stage-changes.txt does not list it under [1-crud]")
        self.assertNotIn("note:", out)

    def test_diff_is_cut_after_twenty_lines(self):
        self.write("solution/1-crud/src/listener.cpp",
                   "".join("// line %d\n" % i for i in range(40)), mode="a")
        out = self.assertFails(
            "solution/1-crud/src/listener.cpp: differs from starter/src/listener.cpp,"
            " and solution/stage-changes.txt does not list it under [1-crud]")
        self.assertIn("    ... 25 more lines: diff -u starter/src/listener.cpp "
                      "solution/1-crud/src/listener.cpp", out)

    def test_listed_file_that_became_identical_is_stale(self):
        self.write("solution/1-crud/src/main.cpp", TREE["starter/src/main.cpp"])
        # Stage 2 now changes main.cpp, and says so.
        allow = TREE[ALLOW].replace("src/routes.cpp  # errors",
                                    "src/routes.cpp  # errors\nsrc/main.cpp  # serves")
        self.write(ALLOW, allow)
        self.assertFails(
            "solution/stage-changes.txt:5: src/main.cpp is listed under [1-crud], but "
            "solution/1-crud/src/main.cpp is identical to starter/src/main.cpp; remove the entry")

    def test_listed_path_that_does_not_exist_is_stale(self):
        self.write(ALLOW, TREE[ALLOW] + "src/gone.cpp  # removed since\n")
        self.assertFails(
            "solution/stage-changes.txt:12: src/gone.cpp is listed under [3-extras], but "
            "solution/3-extras/src/gone.cpp does not exist and no earlier stage has "
            "src/gone.cpp; remove the entry")

    def test_listed_path_added_by_the_stage_is_stale(self):
        self.write(ALLOW, TREE[ALLOW] + "src/extras.cpp  # extras\n")
        self.assertFails(
            "solution/stage-changes.txt:12: src/extras.cpp is listed under [3-extras], but "
            "no earlier stage has src/extras.cpp; remove the entry")

    def test_listed_path_the_stage_dropped_is_stale(self):
        self.write(ALLOW, TREE[ALLOW] + "src/errors.cpp  # dropped\n")
        self.assertFails(
            "solution/stage-changes.txt:12: src/errors.cpp is listed under [3-extras], but "
            "solution/3-extras/src/errors.cpp does not exist; remove the entry")

    def test_entry_without_a_reason_or_with_the_todo_one_fails(self):
        # As --write-allow leaves a new entry, and as a hand leaves one.
        for reason, problem in (("", "without a reason; say why after the path: "
                                     "`src/routes.cpp  # why`"),
                                ("  #", "without a reason; say why after the path: "
                                        "`src/routes.cpp  # why`"),
                                ("  # TODO: why", "with the placeholder reason `# TODO: why`; "
                                                  "replace it with why the stage changes the file"),
                                ("  # todo", "with the placeholder reason `# todo`; "
                                             "replace it with why the stage changes the file")):
            with self.subTest(reason=reason):
                self.write(ALLOW, TREE[ALLOW].replace("src/routes.cpp  # errors",
                                                      "src/routes.cpp" + reason))
                out = self.assertFails("solution/stage-changes.txt:8: src/routes.cpp is listed "
                                       "under [2-errors] " + problem)
                self.assertIn("9 files checked, 1 problem\n", out)

    def test_malformed_allow_list_is_a_usage_error_with_file_and_line(self):
        cases = {
            "src/a.cpp\n[1-crud]\n": ":1: src/a.cpp comes before any section",
            "[1-crud]\n\n[4-more]\n": ":3: unknown section [4-more]",
            "[1-crud]\nsrc/a.cpp and more\n": ":2: expected one path",
            "[1-crud]\n/abs/src/a.cpp\n": ":2: '/abs/src/a.cpp' must be a plain relative path",
            "[1-crud]\nsrc/../a.cpp\n": ":2: 'src/../a.cpp' must be a plain relative path",
            "[1-crud]\nCMakeLists.txt\n": ":2: 'CMakeLists.txt' is not under src/",
            "[1-crud]\nsrc/routes.cpp\nsrc/routes.cpp # again\n": ":3: src/routes.cpp is listed "
                                                                 "under [1-crud] twice (first at "
                                                                 "line 2)",
            "[1-crud]\n[2-errors]\n[1-crud]\n": ":3: section [1-crud] again (first at line 1)",
        }
        for text, message in cases.items():
            with self.subTest(text=text):
                self.write(ALLOW, text)
                code, out, err = self.check()
                self.assertEqual(code, 2, out + err)
                self.assertEqual(out, "")
                self.assertIn("solution/stage-changes.txt" + message, err)

    def test_unreadable_allow_list_and_missing_stage_are_usage_errors(self):
        code, _, err = self.check("--allow", os.path.join(self.root, "nowhere.txt"))
        self.assertEqual(code, 2)
        self.assertIn("nowhere.txt: cannot read the allow-list", err)
        with open(os.path.join(self.root, ALLOW), "wb") as f:
            f.write(b"[1-crud]\nsrc/\xff.cpp\n")
        code, _, err = self.check()
        self.assertEqual(code, 2)
        self.assertIn("solution/stage-changes.txt: cannot read the allow-list", err)
        shutil.rmtree(os.path.join(self.root, "solution/2-errors"))
        code, _, err = self.check()
        self.assertEqual(code, 2)
        self.assertIn("solution/2-errors: no such folder", err)

    def test_write_allow_keeps_reasons_and_marks_new_entries(self):
        self.write("solution/3-extras/src/listener.cpp", "// Now with TLS.\n", mode="a")
        self.write("solution/1-crud/src/main.cpp", TREE["starter/src/main.cpp"])
        self.write("solution/2-errors/src/main.cpp", "int main() { return Serve(true); }\n")
        self.write("solution/3-extras/src/main.cpp", "int main() { return Serve(true); }\n")
        self.write(ALLOW, TREE[ALLOW].replace("src/routes.cpp  # extras", "src/routes.cpp"))
        code, out, err = self.check("--write-allow")
        self.assertEqual((code, err), (0, ""), out + err)
        entries = [line for line in out.splitlines() if line and not line.startswith("#")]
        self.assertEqual(entries, [
            "[1-crud]  # solution/1-crud over starter",
            "src/routes.cpp  # CRUD",
            "[2-errors]  # solution/2-errors over solution/1-crud",
            "src/main.cpp  # TODO: why",
            "src/routes.cpp  # errors",
            "[3-extras]  # solution/3-extras over solution/2-errors",
            "src/listener.cpp  # TODO: why",
            "src/routes.cpp  # TODO: why",
        ])
        # Written over the list itself, which is read first, it checks clean
        # but for the TODO reasons, which a person must replace.
        code, out, err = self.check("--write-allow", os.path.join(self.root, ALLOW))
        self.assertEqual((code, out, err), (0, "", ""))
        code, out, err = self.check()
        self.assertEqual(code, 1, out + err)
        self.assertEqual([line.split(": ", 1)[1] for line in problem_lines(out)], [
            "src/main.cpp is listed under [2-errors] with the placeholder reason `# TODO: why`; "
            "replace it with why the stage changes the file",
            "src/listener.cpp is listed under [3-extras] with the placeholder reason "
            "`# TODO: why`; replace it with why the stage changes the file",
            "src/routes.cpp is listed under [3-extras] with the placeholder reason "
            "`# TODO: why`; replace it with why the stage changes the file",
        ])
        with open(os.path.join(self.root, ALLOW)) as f:
            text = f.read()
        self.write(ALLOW, text.replace("TODO: why", "a reason"))
        code, out, err = self.check()
        self.assertEqual(code, 0, out + err)

    def test_write_allow_refuses_a_redirect_onto_the_list(self):
        with open(os.path.join(self.root, ALLOW), "r+") as f:
            f.truncate()  # As `> solution/stage-changes.txt` leaves it.
            result = subprocess.run([sys.executable, "-B", CHECKER, "--root", self.root,
                                     "--write-allow"], stdout=f, stderr=subprocess.PIPE,
                                    text=True, timeout=120)
        self.assertEqual(result.returncode, 2)
        self.assertIn("the output is the allow-list itself", result.stderr)


@unittest.skipUnless(shutil.which("git"), "needs git")
class GitTreeTest(FakeTreeTest):
    """Every test of the fake tree again, the tree committed to a git
    repository of its own; and what only a checkout has."""

    def setUp(self):
        super().setUp()
        self.git("init", "-q")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "The fixture.")

    def git(self, *args):
        subprocess.run(["git", "-C", self.root, *args], env=ENV, check=True, timeout=60,
                       stdout=subprocess.DEVNULL)

    def test_files_git_ignores_are_skipped_and_untracked_ones_checked(self):
        self.write(".gitignore", "*.log\n/solution/2-errors/src/generated/\n")
        for stage, text in (("solution/1-crud", "one\n"), ("solution/2-errors", "two\n")):
            self.write(stage + "/src/build.log", text)
            self.write(stage + "/src/generated/listener.cpp", text)
        code, out, err = self.check()
        self.assertEqual((code, out, err), (0, "9 files checked, 0 problems\n", ""))
        # Untracked but not ignored: a file of the stage like any other.
        self.write("solution/3-extras/src/build.cpp", "three\n")
        self.write("solution/2-errors/src/build.cpp", "two\n")
        self.assertFails("solution/3-extras/src/build.cpp: differs from "
                         "solution/2-errors/src/build.cpp, and solution/stage-changes.txt does "
                         "not list it under [3-extras]")

    def test_edit_to_the_starter_outside_git_is_an_edit(self):
        self.skipTest("inside git; see test_changed_starter_is_read_as_committed")

    def test_changed_starter_is_read_as_committed(self):
        # A candidate at work on the starter in the kit: an edit, a new file
        # that a later stage has too, and the note that says so.
        self.write("starter/src/listener.cpp", "// The candidate's edit.\n", mode="a")
        self.write("starter/src/extras.cpp", "// The candidate's extras.\n")
        code, out, err = self.check()
        self.assertEqual((code, out, err), (0, STARTER_AT_HEAD + "\n9 files checked, 0 problems\n",
                                            ""))
        code, out, err = self.check("--write-allow")
        self.assertEqual((code, err), (0, STARTER_AT_HEAD + "\n"), out)
        entries = [line for line in out.splitlines() if line and not line.startswith("#")]
        self.assertEqual([line for line in entries if "TODO" in line], [])
        # What stage 1 changes is still seen, against the committed starter.
        self.write("solution/1-crud/src/listener.cpp", "// A stray edit.\n", mode="a")
        out = self.assertFails(
            "solution/1-crud/src/listener.cpp: differs from starter/src/listener.cpp,"
            " and solution/stage-changes.txt does not list it under [1-crud]")
        self.assertIn("    +// A stray edit.", out.splitlines())
        self.assertNotIn("    -// The candidate's edit.", out.splitlines())
        self.assertEqual(out.splitlines()[0], STARTER_AT_HEAD)

    def test_starter_with_only_an_untracked_file_is_read_as_committed(self):
        self.write("starter/src/extras.cpp", "// The candidate's extras.\n")
        code, out, err = self.check()
        self.assertEqual((code, out, err), (0, STARTER_AT_HEAD + "\n9 files checked, 0 problems\n",
                                            ""))

    def test_stage_with_no_file_git_lists_is_a_usage_error(self):
        self.git("rm", "-q", "-r", "--cached", "solution/2-errors")
        self.write(".gitignore", "/solution/2-errors/\n")
        code, out, err = self.check()
        self.assertEqual((code, out), (2, ""), err)
        self.assertIn("solution/2-errors/src: no file to check", err)


def same_bytes(*paths):
    contents = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                contents.append(f.read())
        except OSError:
            return False
    return all(content == contents[0] for content in contents)


class RealRepositoryTest(unittest.TestCase):
    """The real stages, copied, with one stage's copy of a file edited."""

    def edited_file(self, root, before):
        """src/http/listener.cpp, copied unchanged from stage 1 to stage 2 as
        it is today; failing that (someone changed it since, or the real
        tree drifts there, which kit/stages_copy_what_they_do_not_change
        reports), the first other such copy the check has nothing to say
        about yet."""
        stage1, stage2 = (os.path.join(root, "solution", s, "src") for s in ("1-crud", "2-errors"))
        found = []
        for folder, _, names in os.walk(stage2):
            for name in names:
                path = os.path.relpath(os.path.join(folder, name), stage2).replace(os.sep, "/")
                found.append("src/" + path)
        found.sort(key=lambda path: (path != "src/http/listener.cpp", path))
        for path in found:
            rest = path[len("src/"):]
            if same_bytes(os.path.join(stage1, rest), os.path.join(stage2, rest)) and \
                    path not in before:
                return path
        self.skipTest("stages 1 and 2 share no unchanged copy of a file to edit")

    def test_edit_to_one_stage_of_the_real_tree_is_named(self):
        root = tempfile.mkdtemp(prefix="stage_drift_real_")
        self.addCleanup(shutil.rmtree, root)
        ignore = shutil.ignore_patterns("__pycache__", "build")
        for folder in ("starter", "solution"):
            shutil.copytree(os.path.join(REPO, folder), os.path.join(root, folder), ignore=ignore)
        code, before, err = run("--root", root)
        self.assertIn(code, (0, 1), before + err)
        path = self.edited_file(root, before)
        stage2, stage3 = (os.path.join(root, "solution", s, path) for s in ("2-errors", "3-extras"))
        stage3_kept_the_copy = same_bytes(stage2, stage3)
        with open(stage2, "a") as f:
            f.write("// An edit to stage 2's copy only.\n")
        code, after, err = run("--root", root)
        self.assertEqual(code, 1, after + err)
        new = [line for line in problem_lines(after) if line not in problem_lines(before)]
        expected = ["solution/2-errors/%s: differs from solution/1-crud/%s, and "
                    "solution/stage-changes.txt does not list it under [2-errors]" % (path, path)]
        if stage3_kept_the_copy:  # It differs from stage 2's now.
            expected.append("solution/3-extras/%s: differs from solution/2-errors/%s, and "
                            "solution/stage-changes.txt does not list it under [3-extras]" %
                            (path, path))
        self.assertEqual(new, expected, after)


if __name__ == "__main__":
    unittest.main()
