#!/usr/bin/python3
"""Checks that each stage of the solution copies, byte for byte, the files it
does not change, so that `diff -ruN PREVIOUS CURRENT` shows only the stage's
own work.

Usage: check_stage_drift.py --root REPO [--allow FILE] [--write-allow [OUT]]

The snapshots, in order: starter, solution/1-crud, solution/2-errors,
solution/3-extras. Each file under a stage's src/ must be identical to the
copy of the latest earlier stage that has the same path (the stage before
it, or, when that one does not have the file, the one before that), unless
the allow-list names it in the stage's section.

The files of a stage: in a git checkout, those under its src/ that git
tracks or that are untracked but not ignored (git ls-files --cached --others
--exclude-standard); elsewhere, every file there. Backups (*~, *.orig,
*.rej, *.swp) are skipped either way. In a git checkout where starter/ has
changes against HEAD (a candidate at work on the starter in the full kit:
`git diff HEAD -- starter` is not empty, or there is an untracked file there
that git does not ignore), the starter is read as committed at HEAD, and a
first line, `note: ...`, says so. Outside git the tree is all there is.

A file the stage moved to another folder is compared with its old copy too:
a path the stage before has and the stage does not, and a path the stage has
and no earlier stage does, are paired when they share a basename and are
the only such paths with it. A problem there reads `moved from OLD`; an
entry names the new path. Any other file that no earlier stage has is fine:
the diff shows it whole.

An allow-list entry is stale, and a problem too, when the file is identical
to its earlier copy, when the stage does not have it, or when no earlier
stage does. A symbolic link under a stage's src/ is a problem as well: the
check does not follow it, and the files behind it would drop out unseen.

The allow-list (default: solution/stage-changes.txt under REPO):

  # A comment; blank lines are allowed too.
  [1-crud]
  src/http/http_routes.cpp  # the five user routes
  src/main.cpp  # wires store -> service -> routes
  [2-errors]
  ...

One section per stage after the starter, one path per line relative to the
stage's folder (under src/), each followed by `# why`. An entry without a
reason, or with one that starts with TODO (what --write-allow writes for a
new entry), is a problem too: a person must say why the stage changes it.

--write-allow prints a fresh allow-list for the tree as it is: every file
that differs today, with the reason of each entry the current list already
has and `# TODO: why` for the others. Given OUT, it writes there instead;
OUT may be the allow-list itself, which is read first:

  check_stage_drift.py --root . --write-allow solution/stage-changes.txt

The check fails until each `# TODO: why` is replaced with the reason.

Exit status: 0 when clean, 1 when a problem was found (--write-allow: a
symbolic link under src/, and nothing written), 2 on a usage error
(a missing stage folder or one without a file to check, an unreadable or
malformed allow-list).
"""

import argparse
import difflib
import functools
import os
import posixpath
import re
import subprocess
import sys

# The snapshots, in order: each stage after the first against those before it.
STAGES = ("starter", "solution/1-crud", "solution/2-errors", "solution/3-extras")
DEFAULT_ALLOW = "solution/stage-changes.txt"
DIFF_LINES = 20
TODO_REASON = "TODO: why"
BACKUPS = ("~", ".orig", ".rej", ".swp")  # Editors' and patch's leftovers, never checked.
PLACEHOLDER_RE = re.compile(r"TODO\b", re.IGNORECASE)

HEADER = """\
# What each stage of the solution changes in src/ against the stages before
# it ([1-crud] against starter): one path per line, relative to the stage's
# folder, with `# why` (no reason, or a TODO, fails the check). Every other
# file must be a byte-identical copy of the latest earlier stage's file with
# the same path, or of its old path when the stage moved it to another
# folder, so that `diff -ruN` shows only the stage's own work; and every
# path listed must really differ. The check is
# tests/tools/stage_drift/check_stage_drift.py (ctest
# kit/stages_copy_what_they_do_not_change, label meta). To rewrite this list
# for the tree as it is, keeping the reasons it has (a new entry gets
# `# TODO: why`, for you to replace):
#   tests/tools/stage_drift/check_stage_drift.py --root . --write-allow solution/stage-changes.txt
"""

# --help: the docstring less its usage line, which argparse writes.
HELP = "\n\n".join(part for part in __doc__.split("\n\n") if not part.startswith("Usage:"))

SECTION_RE = re.compile(r"\[([^\]\s]*)\]")
ENTRY_RE = re.compile(r"(\S+)(?:\s+#\s*(.*))?")


class UsageError(Exception):
    pass


class Entry:
    def __init__(self, path, reason, line):
        self.path = path
        self.reason = reason
        self.line = line


def section_of(stage):
    return posixpath.basename(stage)


def entry_problem(path):
    """Why `path` cannot be an allow-list entry, or None."""
    if "\\" in path or path.startswith("/") or posixpath.normpath(path) != path:
        return "'%s' must be a plain relative path like src/main.cpp" % path
    if not path.startswith("src/"):
        return "'%s' is not under src/, the only folder checked" % path
    return None


def parse_allow(text, shown):
    """The allow-list as {section: {path: Entry}}; raises UsageError with
    FILE:LINE on the first malformed line."""
    sections = {section_of(stage): None for stage in STAGES[1:]}
    names = ", ".join("[%s]" % name for name in sections)
    seen_at = {}
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = "%s:%d" % (shown, number)
        if not line or line.startswith("#"):
            continue
        section = SECTION_RE.fullmatch(line.split("#", 1)[0].strip())
        if section:
            current = section.group(1)
            if current not in sections:
                raise UsageError("%s: unknown section [%s]; the sections are %s" %
                                 (where, current, names))
            if sections[current] is not None:
                raise UsageError("%s: section [%s] again (first at line %d)" %
                                 (where, current, seen_at[current]))
            sections[current] = {}
            seen_at[current] = number
            continue
        entry = ENTRY_RE.fullmatch(line)
        if not entry:
            raise UsageError("%s: expected one path, optionally followed by '# why': %s" %
                             (where, line))
        if current is None:
            raise UsageError("%s: %s comes before any section; put it under one of %s" %
                             (where, entry.group(1), names))
        path, reason = entry.group(1), (entry.group(2) or "").strip()
        problem = entry_problem(path)
        if problem:
            raise UsageError("%s: %s" % (where, problem))
        if path in sections[current]:
            raise UsageError("%s: %s is listed under [%s] twice (first at line %d)" %
                             (where, path, current, sections[current][path].line))
        sections[current][path] = Entry(path, reason, number)
    return {name: entries or {} for name, entries in sections.items()}


def read_allow(path, shown, missing_ok=False):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        if missing_ok:
            return {section_of(stage): {} for stage in STAGES[1:]}
        raise UsageError("%s: cannot read the allow-list: no such file" % shown)
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError("%s: cannot read the allow-list: %s" % (shown, error))
    return parse_allow(text, shown)


def git(folder, *args):
    """`git -C FOLDER ARGS`, run: its CompletedProcess (bytes), or None when
    there is no git to run."""
    try:
        return subprocess.run(["git", "-C", folder, *args], capture_output=True)
    except OSError:
        return None


def in_checkout(root):
    result = git(root, "rev-parse", "--is-inside-work-tree")
    return bool(result) and result.returncode == 0 and result.stdout.strip() == b"true"


def src_files(root, stage, use_git):
    """The files under STAGE/src, as paths relative to STAGE ('src/...'),
    and the symbolic links there, which are not followed. In a git checkout
    (use_git), the files git tracks and the untracked ones it does not
    ignore; elsewhere, every file. Backups (BACKUPS) are left out."""
    top = os.path.join(root, stage, "src")
    if not os.path.isdir(top):
        raise UsageError("%s/src: no such folder; the stages are %s" % (stage, ", ".join(STAGES)))
    if use_git:
        result = git(top, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        if result is None or result.returncode != 0:
            raise UsageError("%s/src: git ls-files failed: %s" % (
                stage, os.fsdecode(result.stderr).strip() if result else "no git to run"))
        names = sorted({os.fsdecode(name) for name in result.stdout.split(b"\0") if name})
    else:
        names = []
        for folder, folders, files in os.walk(top):
            inside = os.path.relpath(folder, top)
            names += [os.path.normpath(os.path.join(inside, name)) for name in files]
            names += [os.path.normpath(os.path.join(inside, name)) for name in folders
                      if os.path.islink(os.path.join(folder, name))]
    found, links = set(), set()
    for name in names:
        full = os.path.join(top, name)
        path = "src/" + name.replace(os.sep, "/")
        if path.endswith(BACKUPS):
            continue
        if os.path.islink(full):
            links.add(path)
        elif os.path.isfile(full):  # Not one git tracks but the tree lost, or a submodule.
            found.add(path)
    if not found and not links:
        raise UsageError("%s/src: no file to check%s" % (
            stage, " (git ls-files lists none that git tracks or does not ignore)"
            if use_git else ""))
    return found, links


def link_problem(name):
    return "%s: a symbolic link, which the check does not follow; put the folder or file " \
        "itself there" % name


def read_bytes(root, stage, path):
    with open(os.path.join(root, stage, path), "rb") as f:
        return f.read()


def diff_head(before, after, before_name, after_name):
    """The first DIFF_LINES lines of a unified diff, indented, and a line
    saying how many were left out."""
    lines = list(difflib.unified_diff(
        before.decode("utf-8", "replace").splitlines(),
        after.decode("utf-8", "replace").splitlines(),
        before_name, after_name, lineterm=""))
    if not lines:  # Only line endings differ, which splitlines hides.
        lines = ["(the files differ only in line endings or a final newline)"]
    shown = ["    " + line for line in lines[:DIFF_LINES]]
    if len(lines) > DIFF_LINES:
        shown.append("    ... %d more lines: diff -u %s %s" %
                     (len(lines) - DIFF_LINES, before_name, after_name))
    return shown


class Stage:
    """What compare() found for one stage after the starter: `sources`, for
    each of its files with an earlier copy, (the stage of that copy, its path
    there, which differs for a moved file), and `differing`, for each of
    those that differ, (before, after)."""

    def __init__(self, stage, sources, differing):
        self.stage = stage
        self.earlier = STAGES[:STAGES.index(stage)]
        self.sources = sources
        self.differing = differing


def moves(gone, new):
    """{new path: old path} for the files a stage moved to another folder:
    a path the stage before has and this one does not (`gone`), and one no
    earlier stage has (`new`), with the same basename, when it is the only
    one on each side."""
    def by_name(paths):
        named = {}
        for path in paths:
            named.setdefault(posixpath.basename(path), []).append(path)
        return named
    old, now = by_name(gone), by_name(new)
    return {now[name][0]: old[name][0] for name in now
            if len(now[name]) == 1 and len(old.get(name, ())) == 1}


def starter_changed(root):
    """Whether the starter in ROOT, a git checkout, has changes against HEAD:
    to a tracked file, or an untracked file git does not ignore (backups
    aside)."""
    diff = git(root, "diff", "--quiet", "HEAD", "--", STAGES[0])
    if diff.returncode != 0:
        return diff.returncode == 1  # Else no HEAD, say: nothing to fall back on.
    others = git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", STAGES[0])
    return others.returncode == 0 and any(
        name and not name.endswith(BACKUPS) for name in os.fsdecode(others.stdout).split("\0"))


def at_head(root, stage):
    """STAGE/src as committed at HEAD: (files, links, read), or None when
    HEAD has no file there."""
    listing = git(root, "ls-tree", "-r", "-z", "HEAD", "--", stage + "/src/")
    if listing.returncode != 0:
        return None
    blobs, links = {}, set()
    for line in os.fsdecode(listing.stdout).split("\0"):
        if not line:
            continue
        meta, name = line.split("\t", 1)
        mode, kind, oid = meta.split()
        path = name[len(stage) + 1:]
        if path.endswith(BACKUPS):
            continue
        if mode == "120000":
            links.add(path)
        elif kind == "blob":
            blobs[path] = oid

    def read(path):
        blob = git(root, "cat-file", "blob", blobs[path])
        if blob.returncode != 0:
            raise UsageError("%s/%s at HEAD: git cat-file failed: %s" %
                             (stage, path, os.fsdecode(blob.stderr).strip()))
        return blob.stdout
    return (set(blobs), links, read) if blobs else None


class Comparison:
    """What compare() found: `files` and `links` of each stage, a Stage for
    each stage after the first, and a `note` to print, or None."""

    def __init__(self, files, links, stages, note):
        self.files = files
        self.links = links
        self.stages = stages
        self.note = note


def compare(root):
    """Each file is compared with the copy of the latest earlier stage that
    has the same path, so a stage without the file does not hide a drifted
    copy of it in the next; then a moved file with its old copy. In a git
    checkout where the starter has changes (a candidate at work on it in the
    kit), the starter is read as committed at HEAD."""
    use_git = in_checkout(root)
    snapshots = {}
    for stage in STAGES:
        found, links = src_files(root, stage, use_git)
        snapshots[stage] = (found, links, functools.partial(read_bytes, root, stage))
    note = None
    if use_git and starter_changed(root):
        committed = at_head(root, STAGES[0])
        if committed:
            snapshots[STAGES[0]] = committed
            note = ("note: %s/ has changes against HEAD; the stages are compared with the "
                    "starter as committed there (git show HEAD:%s/src/PATH)" % ((STAGES[0],) * 2))
    files = {stage: snapshots[stage][0] for stage in STAGES}
    links = [stage + "/" + path for stage in STAGES for path in sorted(snapshots[stage][1])]
    found = []
    for index, stage in enumerate(STAGES[1:], 1):
        sources = {}
        for path in files[stage]:
            earlier = next((s for s in reversed(STAGES[:index]) if path in files[s]), None)
            if earlier:
                sources[path] = (earlier, path)
        new = [path for path in files[stage] if path not in sources]
        gone = [path for path in files[STAGES[index - 1]] if path not in files[stage]]
        for path, old in moves(gone, new).items():
            sources[path] = (STAGES[index - 1], old)
        differing = {}
        for path, (earlier, earlier_path) in sources.items():
            before = snapshots[earlier][2](earlier_path)
            after = snapshots[stage][2](path)
            if before != after:
                differing[path] = (before, after)
        found.append(Stage(stage, sources, differing))
    return Comparison(files, links, found, note)


def check(root, allow, shown):
    """Prints one line per problem (a drift with the head of its diff);
    returns the number of problems."""
    compared = compare(root)
    files, links, found = compared.files, compared.links, compared.stages
    if compared.note:
        print(compared.note)
    checked, problems = 0, len(links)
    for name in links:
        print(link_problem(name))
    for result in found:
        stage, sources = result.stage, result.sources
        section = section_of(stage)
        listed = allow[section]
        checked += len(sources)
        for path, (before, after) in sorted(result.differing.items()):
            if path in listed:
                continue
            problems += 1
            earlier, earlier_path = sources[path]
            before_name, after_name = earlier + "/" + earlier_path, stage + "/" + path
            how = ("moved from %s and differs from it" if earlier_path != path
                   else "differs from %s") % before_name
            print("%s: %s, and %s does not list it under [%s]" %
                  (after_name, how, shown, section))
            print("\n".join(diff_head(before, after, before_name, after_name)))
        for path, entry in sorted(listed.items(), key=lambda item: item[1].line):
            where = "%s:%d: %s is listed under [%s]" % (shown, entry.line, path, section)
            missing = []
            if path not in files[stage]:
                missing.append("%s/%s does not exist" % (stage, path))
            if path not in sources and not any(path in files[s] for s in result.earlier):
                missing.append("no earlier stage has %s" % path)
            if missing:
                problems += 1
                print("%s, but %s; remove the entry" % (where, " and ".join(missing)))
            elif path not in result.differing:
                problems += 1
                earlier, earlier_path = sources[path]
                how = ("%s/%s, moved from %s/%s, is identical to it" if earlier_path != path
                       else "%s/%s is identical to %s/%s")
                print("%s, but %s; remove the entry" %
                      (where, how % (stage, path, earlier, earlier_path)))
            elif not entry.reason:
                problems += 1
                print("%s without a reason; say why after the path: `%s  # why`" %
                      (where, path))
            elif PLACEHOLDER_RE.match(entry.reason):
                problems += 1
                print("%s with the placeholder reason `# %s`; replace it with why the stage "
                      "changes the file" % (where, entry.reason))
    print("%d files checked, %d problem%s" % (checked, problems, "" if problems == 1 else "s"))
    if problems:
        print("To fix: where a stage should not change a file, copy the earlier stage's file\n"
              "over it (cp PREVIOUS/src/PATH STAGE/src/PATH); where it should, list the path\n"
              "with `  # why` under the stage's section in %s.\n"
              "Delete stale entries. From the repository, this rewrites the list for the tree\n"
              "as it is, keeping the reasons it has and writing `# %s` for a new entry,\n"
              "which you then replace with the reason:\n  %s --root . --write-allow %s" %
              (shown, TODO_REASON, shown_path(root, __file__), shown))
    return problems


def fresh_allow(root, allow):
    """The allow-list text for the tree as it is, keeping known reasons; or
    None, with a line on stderr for each symbolic link under src/."""
    compared = compare(root)
    if compared.note:
        print(compared.note, file=sys.stderr)
    for name in compared.links:
        print(link_problem(name), file=sys.stderr)
    if compared.links:
        return None
    out = [HEADER]
    for previous, result in zip(STAGES, compared.stages):
        section = section_of(result.stage)
        out.append("\n[%s]  # %s over %s\n" % (section, result.stage, previous))
        for path in sorted(result.differing):
            known = allow[section].get(path)
            out.append("%s  # %s\n" % (path, known.reason if known and known.reason
                                       else TODO_REASON))
    return "".join(out)


def shown_path(root, path):
    """`path` relative to the repository when inside it, else absolute."""
    inside = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    if inside == ".." or inside.startswith(".." + os.sep):
        return os.path.abspath(path)
    return inside.replace(os.sep, "/")


def same_file(stream, path):
    try:
        return os.path.samestat(os.fstat(stream.fileno()), os.stat(path))
    except (OSError, ValueError, AttributeError):
        return False


def main(argv):
    parser = argparse.ArgumentParser(
        prog="check_stage_drift.py", description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, metavar="REPO",
                        help="the repository, which holds starter/ and solution/")
    parser.add_argument("--allow", metavar="FILE",
                        help="the allow-list (default: REPO/%s)" % DEFAULT_ALLOW)
    parser.add_argument("--write-allow", nargs="?", const="-", metavar="OUT",
                        help="print a fresh allow-list for the tree as it is, to OUT if given")
    args = parser.parse_args(argv)

    root = args.root
    allow_path = args.allow or os.path.join(root, DEFAULT_ALLOW)
    shown = shown_path(root, allow_path)
    try:
        if not os.path.isdir(root):
            raise UsageError("%s: no such folder (--root)" % root)
        for stage in STAGES:
            if not os.path.isdir(os.path.join(root, stage)):
                raise UsageError("%s: no such folder under %s; the stages are %s" %
                                 (stage, root, ", ".join(STAGES)))
        if args.write_allow is None:
            return 1 if check(root, read_allow(allow_path, shown), shown) else 0
        if args.write_allow == "-" and same_file(sys.stdout, allow_path):
            raise UsageError("%s: the output is the allow-list itself, which the shell emptied "
                             "before it could be read; restore it (git checkout -- %s) and run "
                             "--write-allow %s instead of redirecting" % (shown, shown, shown))
        text = fresh_allow(root, read_allow(allow_path, shown, missing_ok=True))
        if text is None:
            return 1
        if args.write_allow == "-":
            sys.stdout.write(text)
        else:
            with open(args.write_allow, "w", encoding="utf-8") as f:
                f.write(text)
        return 0
    except UsageError as error:
        print("check_stage_drift.py: %s" % error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
