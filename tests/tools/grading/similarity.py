#!/usr/bin/python3
"""The scorecard's Integrity check: how much of a candidate's code Debian's
similarity tester (sim_c++) finds in each stage of the reference solution,
with the same figures for what is known, so the reader sees the scale.

    similarity.py --candidate DIR --kit KIT_ROOT --out similarity.json [--markdown similarity.md]

DIR holds the candidate's server sources (a workspace's starter/); its .cpp
and .hpp files, at any depth, are compared with each stage's src/ under
KIT_ROOT/solution. sim_c++ compares token streams (identifiers, numbers and
strings made equal, comments and #includes left out), and a match must run
for RUN_LENGTH tokens or more. With new files before `/` and old files
after it, and -S, each token of the new files is matched at most once, so
the matched share of the new files' tokens is exactly the percentage
sim_c++ -p prints per file, summed over the files.

Two figures per stage:
  raw_percent             the share of all the candidate's tokens that the
                          stage holds
  beyond_starter_percent  the same share of the candidate's own code: the
                          lines where sim_c++ finds the untouched starter
                          (KIT_ROOT/starter) are blanked first (line numbers
                          kept), then the rest is compared with the stage.
                          The candidate began from the starter, which shares
                          its main, options and responses with every stage,
                          so that code says nothing about copying; removing
                          it from the candidate (rather than subtracting the
                          starter's own percentage, which is a share of a
                          different total) keeps both figures shares of one
                          thing: the code in front of the reader. Whole
                          lines are blanked, so a few tokens at the edge of a
                          starter match go with it.
The longest matches (at most three a stage) come from the second
comparison, so they show the candidate's own code, not the starter's.

Calibration, by the same code: the untouched starter against each stage
(its beyond-starter figure is 0 by construction), each stage against the
next, and each stage with one of the kit's mutants applied against itself
(the first mutant, in name order, that patches that stage). It takes about
a second (sim_c++ reads the whole kit in milliseconds; most of it is
copying and patching), so it is computed each time rather than cached.

The JSON written to --out (scorecard.py --similarity renders it with
section_lines and copies it into results.json as `similarity`):
  tool, run_length        how it was measured
  candidate               DIR as given; candidate_files, candidate_tokens,
                          own_tokens (left after blanking the starter's)
  stages                  per stage: stage, raw_percent,
                          beyond_starter_percent (null when no code is
                          left), regions: the longest matches, each with
                          tokens, candidate {file, first_line, last_line,
                          excerpt} and stage {the same}, files relative to
                          DIR and to KIT_ROOT
  calibration             entries of kind starter, previous-stage or
                          mutant: subject (in words), stage, raw_percent,
                          beyond_starter_percent
The words are always "similar to stage N: x%", beside the calibration:
similarity is a question to ask the candidate, never a verdict.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

STAGES = ("1-crud", "2-errors", "3-extras")
SOURCE_SUFFIXES = (".cpp", ".hpp")
RUN_LENGTH = 24  # sim_c++'s default minimum run, in tokens.
MAX_REGIONS = 3
EXCERPT_LINES = 8
EXCERPT_WIDTH = 58

FILE_LINE = re.compile(r"^File (?P<name>.+): (?P<tokens>\d+) tokens, \d+ lines$")
# sim_c++ -n: "NEW: line A-B   |OLD: line C-D[TOKENS]".
RUN_LINE = re.compile(r"^(?P<new>.+?): line (?P<new_first>\d+)-(?P<new_last>\d+)\s*\|"
                      r"(?P<old>.+?): line (?P<old_first>\d+)-(?P<old_last>\d+)\s*\[(?P<tokens>\d+)\]\s*$")


def sources(folder):
    """The .cpp and .hpp files under FOLDER, outside hidden folders, by
    path relative to it; {} when it does not exist."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.suffix in SOURCE_SUFFIXES and path.is_file() and not any(
                part.startswith(".") for part in rel.parts):
            found[rel.as_posix()] = path
    return found


def sim_runs(new_files, old_files):
    """(tokens per new file, runs) of sim_c++ -S -n: NEW_FILES against
    OLD_FILES, both lists of paths. Each run is a dict of new, old (the
    paths as given), new_first, new_last, old_first, old_last, tokens."""
    if not new_files:
        return {}, []
    command = ["sim_c++", "-S", "-n", f"-r{RUN_LENGTH}", "-w", "400"]
    command += [str(p) for p in new_files] + ["/"] + [str(p) for p in old_files]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    tokens, runs, in_new = {}, [], True
    for line in output.splitlines():
        file_match = FILE_LINE.match(line)
        if line.startswith("File /: "):
            in_new = False
        elif file_match and in_new:
            tokens[file_match["name"]] = int(file_match["tokens"])
        else:
            run = RUN_LINE.match(line)
            if run:
                runs.append({key: (value if key in ("new", "old") else int(value))
                             for key, value in run.groupdict().items()})
    return tokens, runs


def percent(part, whole):
    return None if not whole else round(100.0 * part / whole, 1)


def blank_lines(files, runs, folder):
    """Copies of FILES (rel -> path) into FOLDER with the new-side lines of
    RUNS blanked; rel -> copy."""
    blanked = {}
    by_path = {str(path): rel for rel, path in files.items()}
    covered = {rel: set() for rel in files}
    for run in runs:
        covered[by_path[run["new"]]].update(range(run["new_first"], run["new_last"] + 1))
    for rel, path in files.items():
        lines = path.read_text(errors="replace").splitlines()
        kept = ["" if number in covered[rel] else line for number, line in enumerate(lines, 1)]
        copy = Path(folder, rel)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text("\n".join(kept) + "\n")
        blanked[rel] = copy
    return blanked


def excerpt(path, first, last):
    lines = path.read_text(errors="replace").splitlines()[first - 1:last]
    return [line.expandtabs(2).rstrip() for line in lines[:EXCERPT_LINES]]


class Comparison:
    """A subject (rel -> path) set against the starter once, then against
    any stage: both figures and the longest matches."""

    def __init__(self, subject, starter, scratch):
        self.subject = subject
        self.tokens_by_file, starter_runs = sim_runs(list(subject.values()), list(starter.values()))
        self.tokens = sum(self.tokens_by_file.values())
        self.own = blank_lines(subject, starter_runs, scratch)
        # A blanked file may keep a few tokens (a short leftover): they count.
        self.own_tokens = sum(sim_runs(list(self.own.values()), [])[0].values())

    def against(self, stage_files, kit_root):
        _, raw_runs = sim_runs(list(self.subject.values()), list(stage_files))
        _, own_runs = sim_runs(list(self.own.values()), list(stage_files))
        rel_of = {str(path): rel for rel, path in self.own.items()}
        regions = []
        for run in sorted(own_runs, key=lambda r: -r["tokens"])[:MAX_REGIONS]:
            rel = rel_of[run["new"]]
            stage_path = Path(run["old"])
            regions.append({
                "tokens": run["tokens"],
                "candidate": {"file": rel, "first_line": run["new_first"], "last_line": run["new_last"],
                              "excerpt": excerpt(self.subject[rel], run["new_first"], run["new_last"])},
                "stage": {"file": stage_path.relative_to(kit_root).as_posix(),
                          "first_line": run["old_first"], "last_line": run["old_last"],
                          "excerpt": excerpt(stage_path, run["old_first"], run["old_last"])},
            })
        return {
            "raw_percent": percent(sum(r["tokens"] for r in raw_runs), self.tokens),
            "beyond_starter_percent": percent(sum(r["tokens"] for r in own_runs), self.own_tokens),
            "regions": regions,
        }


def first_mutant_of(stage, kit_root):
    """The first patch, in name order, of the kit's mutant folders that
    changes STAGE's sources, or None."""
    patches = sorted(list(Path(kit_root, "tests/mutants").glob("*.patch"))
                     + list(Path(kit_root, "tests/tools/mutants").glob("*.patch")),
                     key=lambda p: p.name)
    for patch in patches:
        if f"+++ b/solution/{stage}/" in patch.read_text(errors="replace"):
            return patch
    return None


def mutated_stage(stage, patch, kit_root, scratch):
    """A copy of STAGE's src/ with PATCH applied, rel -> path; None when it
    does not apply."""
    root = Path(scratch, "mutant-" + stage)
    shutil.copytree(Path(kit_root, "solution", stage, "src"), root / "solution" / stage / "src")
    applied = subprocess.run(["patch", "-p1", "--quiet", "--batch", "-d", str(root), "-i", str(patch)],
                             capture_output=True, text=True)
    return sources(root / "solution" / stage / "src") if applied.returncode == 0 else None


def calibration(kit_root, stage_files, starter, scratch):
    """The known points of the scale (see the module's comment)."""
    points = []

    def add(kind, words, subject, stage, name):
        comparison = Comparison(subject, starter, Path(scratch, name))
        figures = comparison.against(stage_files[stage].values(), kit_root)
        points.append({"kind": kind, "subject": words, "stage": stage,
                       "raw_percent": figures["raw_percent"],
                       "beyond_starter_percent": figures["beyond_starter_percent"]})

    for stage in STAGES:
        add("starter", "the untouched starter", starter, stage, f"starter-{stage}")
    for previous, stage in zip(STAGES, STAGES[1:]):
        add("previous-stage", f"stage {previous}", stage_files[previous], stage, f"previous-{stage}")
    for stage in STAGES:
        patch = first_mutant_of(stage, kit_root)
        mutated = mutated_stage(stage, patch, kit_root, scratch) if patch else None
        if mutated:
            add("mutant", f"stage {stage} with mutant {patch.stem}", mutated, stage, f"mutant-{stage}")
    return points


def measure(candidate, kit_root):
    kit_root = Path(kit_root).resolve()
    starter = sources(kit_root / "starter")
    stage_files = {stage: sources(kit_root / "solution" / stage / "src") for stage in STAGES}
    subject = sources(candidate)
    with tempfile.TemporaryDirectory(prefix="similarity-") as scratch:
        comparison = Comparison(subject, starter, Path(scratch, "candidate"))
        stages = [{"stage": stage, **comparison.against(stage_files[stage].values(), kit_root)}
                  for stage in STAGES]
        points = calibration(kit_root, stage_files, starter, scratch)
    return {
        "tool": "sim_c++ (Debian's similarity-tester)",
        "run_length": RUN_LENGTH,
        "candidate": str(candidate),
        "candidate_files": len(subject),
        "candidate_tokens": comparison.tokens,
        "own_tokens": comparison.own_tokens,
        "stages": stages,
        "calibration": points,
    }


def figure(value):
    return "–" if value is None else f"{value:g}%"


def cell(figures):
    """'12% (45%)': beyond the starter, then of all the code."""
    if figures is None:
        return "–"
    return f"{figure(figures['beyond_starter_percent'])} ({figure(figures['raw_percent'])})"


def side_by_side(region):
    left, right = region["candidate"], region["stage"]
    head = (f"{left['file']}:{left['first_line']}-{left['last_line']}",
            f"{right['file']}:{right['first_line']}-{right['last_line']}")
    rows = [head] + list(zip(left["excerpt"], right["excerpt"]))
    text = [f"{a[:EXCERPT_WIDTH]:<{EXCERPT_WIDTH}} | {b[:EXCERPT_WIDTH]}".rstrip() for a, b in rows]
    if max(len(left["excerpt"]), len(right["excerpt"])) < left["last_line"] - left["first_line"] + 1:
        text.append("…")
    return text


def section_lines(sim):
    """The scorecard's Integrity check section, as lines of Markdown."""
    lines = ["## Integrity check", "",
             f"{sim['tool']} compares the candidate's code ({sim['candidate_files']} files, "
             f"{sim['candidate_tokens']} tokens, {sim['own_tokens']} of them beyond what the "
             "starter already held) with each reference stage, token by token: names, numbers "
             "and strings count as equal, and a match runs for at least "
             f"{sim['run_length']} tokens. Each cell: the share of the code beyond the starter "
             "found in the stage, then, in brackets, the share of all the code. The columns "
             "after the candidate's are the same measure on known code, for scale. Similarity "
             "is a question to ask the candidate, not proof.", ""]
    if not sim["candidate_files"]:
        lines += ["No .cpp or .hpp file was found in the candidate's folder.", ""]
    lines += ["| similar to | candidate | untouched starter | previous stage | stage with one mutant |",
              "|---|--:|--:|--:|--:|"]
    for figures in sim["stages"]:
        known = {p["kind"]: p for p in sim["calibration"] if p["stage"] == figures["stage"]}
        lines.append(f"| stage {figures['stage']} | **{cell(figures)}** "
                     f"| {cell(known.get('starter'))} | {cell(known.get('previous-stage'))} "
                     f"| {cell(known.get('mutant'))} |")
    lines.append("")
    for figures in sim["stages"]:
        lines.append(f"- Similar to stage {figures['stage']}: "
                     f"{figure(figures['beyond_starter_percent'])} beyond the starter "
                     f"({figure(figures['raw_percent'])} of all the code).")
    known = [f"{p['subject']} against stage {p['stage']}"
             for p in sim["calibration"] if p["kind"] != "starter"]
    if known:
        lines += ["", "Known code measured: " + "; ".join(known) + "."]
    lines += ["", "<details><summary>Longest matches beyond the starter "
              "(the candidate's file on the left, the stage's on the right)</summary>", ""]
    for figures in sim["stages"]:
        lines += [f"Stage {figures['stage']}:", ""]
        if not figures["regions"]:
            lines += ["No match.", ""]
        for region in figures["regions"]:
            lines += [f"{region['tokens']} tokens:", "", "```text"] + side_by_side(region) + ["```", ""]
    lines += ["</details>", ""]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", required=True, type=Path)
    parser.add_argument("--kit", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    if not args.candidate.is_dir():
        print(f"error: {args.candidate} is not a folder", file=sys.stderr)
        return 2
    if shutil.which("sim_c++") is None:
        print("error: sim_c++ is missing (Debian's similarity-tester; run scripts/setup)", file=sys.stderr)
        return 2
    sim = measure(args.candidate, args.kit)
    args.out.write_text(json.dumps(sim, indent=2, ensure_ascii=False) + "\n")
    if args.markdown:
        args.markdown.write_text("\n".join(section_lines(sim)))
    for figures in sim["stages"]:
        print(f"similar to stage {figures['stage']}: {cell(figures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
