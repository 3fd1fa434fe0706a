#!/usr/bin/python3
"""An automated code review of a candidate's server sources, for the
scorecard's Code review section and the rubric's code-quality row. It
counts no points and never fails a grade.

    review.py --sources DIR --build BUILD_DIR --out analysis.json [--markdown review.md]

DIR holds the candidate's sources (a workspace's starter/); BUILD_DIR a
compile_commands.json of them (configure with
-DCMAKE_EXPORT_COMPILE_COMMANDS=ON). Only files under DIR are analysed and
reported: never the kit's harness, tests or build tree.

What runs:
  clang-tidy (Debian's, 14)   the curated CHECKS below, on each translation
                unit of DIR in compile_commands.json
  the compiler's warnings     the same clang-tidy parse reports clang's own
                warnings (its clang-diagnostic-* findings) with
                COMPILER_WARNINGS added to the candidate's flags, so each
                file is parsed once, not twice; the two large headers take
                most of the time
  cppcheck      kept because it finds what the two above miss here (members
                left uninitialised by a constructor, a container read out of
                its bounds, conditions always true); only its findings on a
                line the others did not flag are kept
  review_checks.py   this exercise's defects that no tool can see (a
                missing set_tcp_nodelay, a shared container without a lock,
                a swallowed exception, an id parsed with std::stoi):
                heuristics, and said to be
A missing or crashing tool is named in the summary; the rest still runs.
BUILD_DIR/review-cache keeps clang-tidy's output per file, so a second
review of the same workspace analyses only the files that changed.

analysis.json follows the output of Exercism's analyzers
(https://exercism.org/docs/building/tooling/analyzers/interface): a
`summary`, and `comments`, each with a stable id in `comment`, its `params`
and a `type` of essential, actionable or informative. It adds to each
comment `file`, `line` (the first occurrence), `why` (why it matters in this
exercise), `fix` and `count` (occurrences; the others are in
params.also_at), keeps at most three comments in `comments`, most important
first, and puts the rest in `others`, in the same order; `tools` says which
tool ran, was missing or failed. Paths are relative to DIR.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import review_checks

SOURCE_SUFFIXES = {".cpp", ".cc", ".cxx", ".hpp", ".h", ".hh", ".hxx"}
TOP = 3

# The clang-tidy checks, chosen for a multi-threaded HTTP server written in
# an hour:
#   bugprone-*      real bugs: use after move, dangling string_view, a
#                   narrowing conversion, an exception escaping a noexcept
#                   function... (easily-swappable-parameters only flags
#                   style, and every (int, int) signature)
#   concurrency-*   mt-unsafe calls (localtime, strtok, rand) from handlers,
#                   which cpp-httplib runs on a thread pool
#   cert-err*       atoi without error checking, static objects whose
#                   construction may throw, exceptions caught by value
#                   (cert-err33-c only flags unchecked printf and the like)
#   misc-throw-by-value-catch-by-reference   the same for the errors layer
#   performance-*   copies of JSON documents and strings per request
#   readability-function-cognitive-complexity   a handler doing everything
#                   (the guide wants route handlers of a few lines)
#   readability-misleading-indentation   an if that does not guard what it seems
#   modernize-use-nullptr, -make-unique, -make-shared, -use-override,
#   -loop-convert   C++20 was asked for; the rest of modernize-* is taste
#   clang-diagnostic-*   the compiler's warnings (without it, -* hides them)
CHECKS = ",".join([
    "-*", "clang-diagnostic-*", "bugprone-*", "-bugprone-easily-swappable-parameters", "concurrency-*", "cert-err*",
    "-cert-err33-c", "misc-throw-by-value-catch-by-reference", "performance-*",
    "readability-function-cognitive-complexity", "readability-misleading-indentation",
    "modernize-use-nullptr", "modernize-make-unique", "modernize-make-shared",
    "modernize-use-override", "modernize-loop-convert",
])
CHECK_OPTIONS = "{CheckOptions: [{key: readability-function-cognitive-complexity.Threshold, value: 30}]}"
COMPILER_WARNINGS = ["-Wall", "-Wextra", "-Wconversion", "-Wsign-compare",
                     "-Wno-unknown-warning-option"]

# Rank of a tool's finding. Anything not named is actionable, but for
# readability-* and modernize-* (informative).
ESSENTIAL = re.compile(r"^(clang-diagnostic-error|bugprone-use-after-move|bugprone-dangling-handle|"
                       r"bugprone-undefined-memory-manipulation|bugprone-exception-escape|"
                       r"bugprone-infinite-loop|concurrency-mt-unsafe|"
                       r"clang-diagnostic-(return-type|uninitialized|sometimes-uninitialized|"
                       r"dangling.*|return-stack-address|unsequenced|delete-non-virtual-dtor)|"
                       r"cppcheck\.(nullPointer\w*|uninitvar|containerOutOfBounds|"
                       r"danglingLifetime|returnDanglingLifetime|invalidContainer\w*|"
                       r"arrayIndexOutOfBounds|useAfterMove|accessMoved|doubleFree|memleak))$")
INFORMATIVE = re.compile(r"^(readability-|modernize-|cert-err58-cpp|clang-diagnostic-(unused|shadow)"
                         r"|cppcheck\.(shadow|passedByValue|useStlAlgorithm|unusedFunction|"
                         r"missingOverride|constParameter|constVariable|unreadVariable))")
# Within a type: code that does not compile, then the exercise's own checks
# in this order, then the tools' findings, the most frequent first.
PRIORITY = ["compiler.error", "user_api.cpp.unguarded_shared_container",
            "user_api.cpp.missing_tcp_nodelay", "user_api.cpp.swallowed_exception",
            "user_api.cpp.id_parsed_loosely"]

# Why a tool's finding matters in this exercise, and how to fix it, for the
# checks a candidate's server trips most; any other gets the tool's message.
ADVICE = {
    "concurrency-mt-unsafe": (
        "This function keeps hidden global state, and cpp-httplib calls handlers from "
        "several threads at once: two requests can corrupt each other's result.",
        "Use the thread-safe form (localtime_r, gmtime_r, std::mt19937 per thread, "
        "std::string_view splitting instead of strtok)."),
    "bugprone-use-after-move": (
        "A moved-from object is read: its value is unspecified, so the answer may be empty.",
        "Read what you need before the std::move, or do not move."),
    "bugprone-narrowing-conversion": (
        "A value is narrowed (64 to 32 bits, or floating to integer): a large id or limit "
        "wraps silently.",
        "Keep one integer type for ids and counts (std::uint64_t or std::size_t), or check the "
        "range before converting."),
    "bugprone-exception-escape": (
        "An exception can leave a function that must not throw: the server calls "
        "std::terminate and every client loses its connection.",
        "Catch it inside, or drop the noexcept."),
    "cert-err34-c": (
        "atoi and friends return 0 for garbage: /users/abc reads as user 0.",
        "Parse with std::from_chars and check the whole text was consumed."),
    "performance-unnecessary-value-param": (
        "A large object (a JSON document, a string, a user) is copied on each call, on "
        "every request.",
        "Take it by const reference, or std::move it where it is kept."),
    "performance-unnecessary-copy-initialization": (
        "A copy is made of an object that is only read.",
        "Bind a const reference instead."),
    "performance-for-range-copy": (
        "Each element is copied on every loop, for example every user of a listing.",
        "Loop over const auto& instead."),
    "readability-function-cognitive-complexity": (
        "This function does too much to follow: parsing, rules and storage in one place.",
        "Split it into layers: the route parses and formats, a service applies the rules, a "
        "store keeps users."),
    "clang-diagnostic-sign-compare": (
        "A signed and an unsigned integer are compared: a negative value compares as huge, "
        "so a check like `id < users.size()` passes for -1.",
        "Use one unsigned type for ids, sizes and limits, or convert explicitly after "
        "checking the sign."),
    "clang-diagnostic-sign-conversion": (
        "A signed value becomes unsigned (or the reverse) implicitly: a negative id or limit "
        "turns into a huge one.",
        "Use one integer type for ids and sizes, and convert explicitly after checking."),
    "clang-diagnostic-shorten-64-to-32": (
        "A 64-bit value is cut to 32 bits: ids or counts beyond 2^31 wrap.",
        "Keep ids and counts in a 64-bit type end to end."),
    "cppcheck.uninitMemberVar": (
        "A constructor leaves a member uninitialised: the user or response built from it "
        "carries garbage.",
        "Give the member a default member initialiser (`int id = 0;`)."),
}


def relative(path, sources):
    try:
        return str(Path(path).resolve().relative_to(sources))
    except ValueError:
        return str(path)


def source_files(sources):
    """{Path: text} of the candidate's sources under SOURCES, leaving out
    build trees and tests."""
    files = {}
    for path in sorted(sources.rglob("*")):
        skipped = set(path.relative_to(sources).parts) & {"build", "tests", "test"}
        if path.suffix in SOURCE_SUFFIXES and path.is_file() and not skipped:
            files[path.resolve()] = path.read_text(errors="replace")
    return files


def translation_units(build, sources, scratch):
    """Compile commands of the candidate's .cpp files under SOURCES, as a
    database in SCRATCH. A precompiled header made by GCC (CMake's
    cmake_pch.hxx beside its .gch) cannot be read by clang: its header is
    copied into SCRATCH, without the .gch, and included from there."""
    entries = json.loads((build / "compile_commands.json").read_text())
    kept = []
    for entry in entries:
        file = Path(entry["directory"], entry["file"]).resolve()
        if file.suffix not in {".cpp", ".cc", ".cxx"} or sources not in file.parents:
            continue
        if {"build", "tests", "test"} & set(file.relative_to(sources).parts):
            continue
        args = entry.get("arguments") or shlex.split(entry["command"])
        rewritten = []
        for i, arg in enumerate(args):
            if i > 0 and args[i - 1] == "-include" and arg.endswith(".hxx"):
                copy = scratch / f"pch{len(kept)}" / Path(arg).name
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(arg, copy)
                arg = str(copy)
            if arg != "-Winvalid-pch":
                rewritten.append(arg)
        kept.append({"directory": entry["directory"], "file": str(file), "arguments": rewritten})
    (scratch / "compile_commands.json").write_text(json.dumps(kept))
    return [Path(e["file"]) for e in kept]


DIAGNOSTIC = re.compile(r"^(?P<file>/[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>warning|error): "
                        r"(?P<message>.*?)(?: \[(?P<check>[^\]]+)\])?$", re.M)


def run_clang_tidy(units, scratch, sources, jobs, cache):
    """(findings, problem): clang-tidy's and clang's findings on files under
    SOURCES, one per file, line and check; problem is None or why it failed.
    A unit's output is kept in CACHE (a folder, or None), keyed by the
    command, the unit and every header under SOURCES, and reused while they
    stay the same: a regrade analyses only what changed."""
    tool = shutil.which("clang-tidy") or shutil.which("clang-tidy-14")
    if not tool:
        return [], "clang-tidy is not installed (scripts/setup installs it)"
    header_filter = "^" + re.escape(str(sources)) + "/"
    command = [tool, "-p", str(scratch), f"--checks={CHECKS}", f"--config={CHECK_OPTIONS}",
               f"--header-filter={header_filter}", "--quiet"]
    command += [f"--extra-arg={w}" for w in COMPILER_WARNINGS]

    headers = b"".join(p.read_bytes() for p in sorted(sources.rglob("*"))
                       if p.suffix in SOURCE_SUFFIXES - {".cpp", ".cc", ".cxx"} and p.is_file())
    arguments = {e["file"]: e["arguments"] for e in
                 json.loads((scratch / "compile_commands.json").read_text())}

    def one(unit):
        key = hashlib.sha256(json.dumps([command, arguments[str(unit)], str(unit)])
                             .replace(str(scratch), "SCRATCH").encode()
                             + unit.read_bytes() + headers).hexdigest()
        kept = cache / f"{key}.json" if cache else None
        if kept and kept.is_file():
            return subprocess.CompletedProcess([], **json.loads(kept.read_text()))
        done = subprocess.run(command + [str(unit)], capture_output=True, text=True, timeout=600)
        if kept and done.returncode in (0, 1):
            kept.write_text(json.dumps({"returncode": done.returncode, "stdout": done.stdout,
                                        "stderr": done.stderr}))
        return done

    findings, seen, problems = [], set(), []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for unit, done in zip(units, pool.map(one, units)):
            if done.returncode not in (0, 1) or ("error:" in done.stderr and not done.stdout):
                problems.append(f"{unit.name}: clang-tidy exited with {done.returncode}")
            for m in DIAGNOSTIC.finditer(done.stdout):
                file = Path(m["file"]).resolve()
                if sources not in file.parents:
                    continue
                check = m["check"] or "clang-diagnostic-error"
                if m["severity"] == "error":
                    check = "clang-diagnostic-error"
                key = (file, int(m["line"]), check)
                if key in seen:
                    continue
                seen.add(key)
                findings.append({"tool": "clang-tidy", "check": check, "file": file,
                                 "line": int(m["line"]), "message": m["message"]})
    return findings, "; ".join(problems) or None


def run_cppcheck(sources, include_dirs):
    """(findings, problem) of cppcheck over SOURCES, without system headers
    (it needs none to find what it adds)."""
    tool = shutil.which("cppcheck")
    if not tool:
        return [], "cppcheck is not installed (scripts/setup installs it)"
    command = [tool, "--quiet", "--enable=warning,performance,portability", "--language=c++",
               "--std=c++20", "--inline-suppr", "--suppress=missingIncludeSystem",
               "--suppress=missingInclude", "--suppress=unknownMacro",
               "--template={file}\t{line}\t{severity}\t{id}\t{message}", "-j", "1"]
    command += [f"-I{d}" for d in include_dirs] + [str(sources)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return [], "cppcheck took more than 300 s"
    findings = []
    for line in done.stderr.splitlines():
        parts = line.split("\t")
        if len(parts) != 5 or not parts[1].isdigit():
            continue
        file = Path(parts[0]).resolve()
        if sources not in file.parents or {"build", "tests", "test"} & set(file.relative_to(sources).parts):
            continue
        findings.append({"tool": "cppcheck", "check": f"cppcheck.{parts[3]}", "file": file,
                         "line": int(parts[1]), "message": parts[4]})
    problem = None if done.returncode == 0 else f"cppcheck exited with {done.returncode}"
    return findings, problem


def include_dirs(scratch):
    """The -I folders of the compile commands, for cppcheck."""
    dirs = []
    for entry in json.loads((scratch / "compile_commands.json").read_text()):
        args = entry["arguments"]
        for i, arg in enumerate(args):
            value = arg[2:] if arg.startswith("-I") and len(arg) > 2 else (
                args[i + 1] if arg == "-I" and i + 1 < len(args) else None)
            if value and value not in dirs:
                dirs.append(value)
    return dirs


def tool_comment(finding):
    """A tool's finding as a comment of analysis.json."""
    check = finding["check"]
    if check.startswith("clang-diagnostic-"):
        comment = "compiler.error" if check == "clang-diagnostic-error" else \
            "compiler.W" + check[len("clang-diagnostic-"):]
    elif check.startswith("cppcheck."):
        comment = check
    else:
        comment = "clang_tidy." + check
    kind = ("essential" if ESSENTIAL.match(check) else
            "informative" if INFORMATIVE.match(check) else "actionable")
    why, fix = ADVICE.get(check, (None, None))
    source = "the compiler" if check.startswith("clang-diagnostic-") else finding["tool"]
    return {
        "comment": comment, "type": kind, "file": finding["file"], "line": finding["line"],
        "params": {"message": finding["message"], "check": check},
        "why": why or f"{source} says: {finding['message'].rstrip('.')}.",
        "fix": fix or (f"See the documentation of {source}'s {check.split('.')[-1]}."
                       if not check.startswith("clang-diagnostic-") else
                       "Change the code so that the warning goes away; do not silence it."),
    }


def grouped(comments, sources):
    """One comment per id, at its first occurrence, with the count and the
    other places in params.also_at; ranked, most important first."""
    groups = {}
    for c in sorted(comments, key=lambda c: (str(c["file"]), c["line"])):
        key = c["comment"]
        if key not in groups:
            groups[key] = dict(c, file=relative(c["file"], sources), count=1)
            continue
        group = groups[key]
        group["count"] += 1
        group["params"].setdefault("also_at", []).append(f"{relative(c['file'], sources)}:{c['line']}")
    rank = {"essential": 0, "actionable": 1, "informative": 2}

    def order(c):
        priority = PRIORITY.index(c["comment"]) if c["comment"] in PRIORITY else len(PRIORITY)
        return rank[c["type"]], priority, -c["count"], c["file"], c["line"]
    return sorted(groups.values(), key=order)


def summary_text(top, others, tools):
    problems = [f"{name}: {state}" for name, state in tools.items() if state != "ran"]
    counted = top + others
    if not counted:
        text = "No findings."
    else:
        kinds = {k: sum(c["type"] == k for c in counted) for k in ("essential", "actionable", "informative")}
        text = (f"{len(counted)} {'comment' if len(counted) == 1 else 'comments'} ({kinds['essential']} essential, "
                f"{kinds['actionable']} actionable, {kinds['informative']} informative); "
                f"the first: {top[0]['why'].split('. ')[0].rstrip('.')}.")
    if problems:
        text += " Not complete: " + "; ".join(problems) + "."
    return text


def review(sources, build, jobs):
    """The analysis, as a dict ready for analysis.json."""
    sources = sources.resolve()
    if not sources.is_dir():
        return {"summary": f"No review: {sources} is not a folder of sources.", "comments": [],
                "others": [], "tools": {}}
    cache = build.resolve() / "review-cache"
    try:
        cache.mkdir(exist_ok=True)
    except OSError:
        cache = None
    tools = {}
    files = source_files(sources)
    comments = [dict(f) for f in review_checks.findings(files)]
    tools["review_checks.py"] = "ran"
    tool_findings = []
    with tempfile.TemporaryDirectory(prefix="review-") as scratch_dir:
        scratch = Path(scratch_dir)
        units, dirs = [], []
        try:
            units = translation_units(build.resolve(), sources, scratch)
            dirs = include_dirs(scratch)
            if not units:
                tools["clang-tidy"] = f"no compile command for a file under {sources}"
        except (OSError, ValueError, KeyError) as error:
            tools["clang-tidy"] = f"no compile commands ({error})"
        if units:
            try:
                found, problem = run_clang_tidy(units, scratch, sources, jobs, cache)
                tool_findings += found
                tools["clang-tidy"] = problem or "ran"
            except (OSError, subprocess.SubprocessError) as error:
                tools["clang-tidy"] = f"failed ({error})"
        try:
            found, problem = run_cppcheck(sources, dirs)
            flagged = {(f["file"], f["line"]) for f in tool_findings}
            tool_findings += [f for f in found if (f["file"], f["line"]) not in flagged]
            tools["cppcheck"] = problem or "ran"
        except (OSError, subprocess.SubprocessError) as error:
            tools["cppcheck"] = f"failed ({error})"
    comments += [tool_comment(f) for f in tool_findings]
    ranked = grouped(comments, sources)
    top, others = ranked[:TOP], ranked[TOP:]
    return {"summary": summary_text(top, others, tools), "comments": top, "others": others,
            "tools": tools}


def comment_lines(c):
    where = f"`{c['file']}:{c['line']}`" + (f" and {c['count'] - 1} more" if c["count"] > 1 else "")
    return [f"**{c['type']}** `{c['comment']}` at {where}: {c['why']}", f"   - Fix: {c['fix']}"]


def section_lines(analysis):
    """The scorecard's Code review section, as lines of Markdown."""
    lines = ["## Code review", "",
             "clang-tidy, the compiler's warnings, cppcheck and a few checks of this exercise, on "
             "the candidate's sources (tests/tools/grading/review.py). It counts no points: it "
             "feeds the rubric's code-quality row. The exercise's checks are heuristics.", "",
             analysis["summary"], ""]
    for number, c in enumerate(analysis["comments"], 1):
        first, fix = comment_lines(c)
        lines += [f"{number}. {first}", fix]
    if analysis["comments"]:
        lines.append("")
    others = analysis.get("others", [])
    if others:
        lines += [f"<details><summary>{len(others)} more</summary>", ""]
        for c in others:
            first, fix = comment_lines(c)
            lines += [f"- {first}", f" {fix}"]
        lines += ["", "</details>", ""]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    try:
        analysis = review(args.sources, args.build, max(1, args.jobs))
    except Exception as error:  # The review never fails a grade: it says what broke.
        analysis = {"summary": f"The review could not run: {type(error).__name__}: {error}.",
                    "comments": [], "others": [], "tools": {}}
    for c in analysis["comments"] + analysis["others"]:
        c["file"] = str(c["file"])
    args.out.write_text(json.dumps(analysis, indent=2, ensure_ascii=False) + "\n")
    if args.markdown:
        args.markdown.write_text("\n".join(section_lines(analysis)).replace("## Code review", "# Code review", 1))
    print(analysis["summary"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
