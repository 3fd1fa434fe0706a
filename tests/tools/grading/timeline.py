#!/usr/bin/python3
"""The scorecard's Timeline section: how a candidate's work went, from the
test runs scripts/record-run recorded in their workspace.

    timeline.py WORKSPACE --out timeline.json [--svg timeline.svg] [--markdown timeline.md]
                [--weights weights.json]

Reads the workspace's hidden ref refs/kit/timeline: one commit per run (a
snapshot of the source tree; the run's data as JSON in the message, after
a summary line). timeline.json holds:
  runs          per run: number, time, minutes (since the first run),
                source (ctest, check, build-failed), passed and failed
                (that run's counts), labels (per label: passed, failed,
                skipped), passing (tests whose latest result, in this run
                or an earlier one, is a pass), changed_lines and
                changed_files (git diff --shortstat from the run before,
                or from the workspace as written), tests_edited
  stages        per stage (weights.json's: 1-crud, 2-errors, 3-extras):
                first_green_run and minutes_to_green, or null. A stage is
                green once the latest result of each of its tests is a
                pass, and every label weights.json gives the stage has run
  regressions   tests that passed and then failed: test, label,
                passed_in_run, failed_in_run, fixed_in_run (or null)
  largest_jumps the (at most three) largest changes between two runs
  tests_edited  edited (bool), first_run, files (changed paths of tests/
                against the workspace as written, in the last edited run)
  chart         the SVG's file name, relative to timeline.json, or null
  summary       one sentence; "no recorded runs: graded as before" when
                the workspace has none
scorecard.py --timeline renders it (section_lines) and copies it into
results.json. Needs git, and gnuplot for --svg.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REF = "refs/kit/timeline"
STAGES = ("1-crud", "2-errors", "3-extras")
NO_HISTORY = "no recorded runs: graded as before"
JUMPS_SHOWN = 3


def git(workspace, *args, stdin=None):
    return subprocess.run(["git", "-C", str(workspace), *args], input=stdin, capture_output=True,
                          text=True, check=False)


def read_runs(workspace):
    """[(commit, data)] oldest first; [] without the ref, or when WORKSPACE
    is not the top of its own git repository (a copy of starter/ inside
    another). A message without JSON data is left out."""
    top = git(workspace, "rev-parse", "--show-toplevel").stdout.strip()
    if not top or Path(top).resolve() != Path(workspace).resolve():
        return []
    if git(workspace, "rev-parse", "-q", "--verify", REF).returncode != 0:
        return []
    log = git(workspace, "log", "--reverse", "-z", "--format=%H%x01%B", REF).stdout
    runs = []
    for entry in filter(None, log.split("\0")):
        commit, _, message = entry.partition("\x01")
        try:
            runs.append((commit.strip(), json.loads(message.split("\n\n", 1)[1])))
        except (IndexError, ValueError):
            continue
    return runs


def written_commit(workspace):
    """The workspace as scripts/new-candidate wrote it: its root commit."""
    roots = git(workspace, "rev-list", "--max-parents=0", "HEAD").stdout.split()
    return roots[-1] if roots else None


def shortstat(workspace, before, after):
    """(files, lines) changed from BEFORE to AFTER."""
    if not before:
        return 0, 0
    text = git(workspace, "diff", "--shortstat", before, after).stdout
    numbers = {kind: int(n) for n, kind in re.findall(r"(\d+) (file|insertion|deletion)", text)}
    return numbers.get("file", 0), numbers.get("insertion", 0) + numbers.get("deletion", 0)


def tests_trees(workspace, commits):
    """The tree id of tests/ in each commit (None when it has none)."""
    out = git(workspace, "cat-file", "--batch-check",
              stdin="".join(f"{c}:tests\n" for c in commits)).stdout.splitlines()
    return [parts[0] if len(parts) == 3 and parts[1] == "tree" else None
            for parts in (line.split() for line in out)]


def label_stages(weights_path):
    labels = json.loads(Path(weights_path).read_text())["labels"]
    return {entry["label"]: entry["stage"] for entry in labels}


def build(workspace, weights_path):
    """The timeline of WORKSPACE, as described in the module's docstring."""
    recorded = read_runs(workspace)
    if not recorded:
        return {"runs": [], "stages": {s: None for s in STAGES}, "regressions": [],
                "largest_jumps": [], "tests_edited": None, "chart": None, "summary": NO_HISTORY}
    stage_of = label_stages(weights_path)
    written = written_commit(workspace)
    commits = [commit for commit, _ in recorded]
    trees = tests_trees(workspace, ([written] if written else []) + commits)
    written_tree = trees.pop(0) if written else None
    stage_labels = {s: {label for label, of in stage_of.items() if of == s} for s in STAGES}

    latest, last_pass, regressions, open_regressions = {}, {}, [], {}
    stages = {s: None for s in STAGES}
    runs, seen_so_far = [], set()
    start = recorded[0][1]["epoch"]
    previous = written
    for number, ((commit, data), tree) in enumerate(zip(recorded, trees), 1):
        labels = data.get("labels", {})
        for label, result in labels.items():
            seen_so_far.add(label)
            for test in result.get("passed_tests", []):
                key = (label, test)
                if key in open_regressions:
                    open_regressions.pop(key)["fixed_in_run"] = number
                latest[key], last_pass[key] = "passed", number
            for test in result.get("failed_tests", []):
                key = (label, test)
                if latest.get(key) == "passed":
                    regression = {"test": test, "label": label, "passed_in_run": last_pass[key],
                                  "failed_in_run": number, "fixed_in_run": None}
                    regressions.append(regression)
                    open_regressions[key] = regression
                latest[key] = "failed"
        minutes = round((data["epoch"] - start) / 60, 1)
        for stage in STAGES:
            mine = [outcome for (label, _), outcome in latest.items() if stage_of.get(label) == stage]
            if (stages[stage] is None and mine and all(o == "passed" for o in mine)
                    and stage_labels[stage] <= seen_so_far):
                stages[stage] = {"first_green_run": number, "minutes_to_green": minutes}
        files, lines = shortstat(workspace, previous, commit)
        previous = commit
        edited = (data.get("tests_sha256") != data.get("tests_sha256_written")
                  or (written_tree is not None and tree != written_tree))
        runs.append({
            "number": number, "commit": commit, "time": data.get("time"), "minutes": minutes,
            "source": data.get("source"),
            "passed": sum(r.get("passed", 0) for r in labels.values()),
            "failed": sum(r.get("failed", 0) for r in labels.values()),
            "labels": {l: {k: r.get(k, 0) for k in ("passed", "failed", "skipped")}
                       for l, r in labels.items()},
            "passing": {s: sum(o == "passed" for (l, _), o in latest.items() if stage_of.get(l) == s)
                        for s in STAGES},
            "changed_files": files, "changed_lines": lines, "tests_edited": edited,
        })
    jumps = sorted((r for r in runs if r["changed_lines"]), key=lambda r: -r["changed_lines"])
    largest = [{"to_run": r["number"], "from_run": r["number"] - 1 or None, "minutes": r["minutes"],
                "changed_lines": r["changed_lines"], "changed_files": r["changed_files"]}
               for r in jumps[:JUMPS_SHOWN]]
    edited_runs = [r for r in runs if r["tests_edited"]]
    tests_edited = {"edited": bool(edited_runs), "first_run": None, "files": []}
    if edited_runs and written:
        tests_edited["first_run"] = edited_runs[0]["number"]
        tests_edited["files"] = git(workspace, "diff", "--name-status", written,
                                    edited_runs[-1]["commit"], "--", "tests").stdout.splitlines()
    span = runs[-1]["minutes"]
    return {"runs": runs, "stages": stages, "regressions": regressions, "largest_jumps": largest,
            "tests_edited": tests_edited, "chart": None,
            "summary": f"{len(runs)} recorded runs over {span:g} minutes"}


def draw(timeline, svg_path):
    """The chart: tests passing over time, per stage and in all, one point per run."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder, "runs.dat")
        data.write_text("".join(
            f"{r['minutes']} {' '.join(str(r['passing'][s]) for s in STAGES)} "
            f"{sum(r['passing'].values())}\n" for r in timeline["runs"]))
        arrows = []
        for stage, green in timeline["stages"].items():
            if green:
                x = green["minutes_to_green"]
                arrows += [f"set arrow from {x}, graph 0 to {x}, graph 1 nohead dashtype 2 lc rgb '#888888'",
                           f"set label 'stage {stage} green' at {x}, graph 0.97 rotate by 90 right "
                           "offset -0.8,0 textcolor rgb '#555555'"]
        script = "\n".join([
            f"set terminal svg size 800,400 font 'sans,11' background rgb 'white'",
            f"set output '{svg_path}'",
            "set xlabel 'minutes since the first run'",
            "set ylabel 'tests passing (latest result of each)'",
            "set key top left", "set grid", "set yrange [0:*]",
            "set offsets 0, graph 0.03, graph 0.05, 0",
            *arrows,
            f"plot '{data}' using 1:2 with steps lw 2 title 'stage 1 (contract, crud)', "
            f"'' using 1:3 with steps lw 2 title 'stage 2 (errors)', "
            f"'' using 1:4 with steps lw 2 title 'stage 3 (extras)', "
            f"'' using 1:5 with lines lw 2 lc rgb 'black' title 'all', "
            f"'' using 1:5 with points pt 7 ps 0.8 lc rgb 'black' notitle",
        ])
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)


def section_lines(timeline):
    """The scorecard's Timeline section, as lines of Markdown."""
    lines = ["## Timeline", ""]
    if not timeline["runs"]:
        return lines + [NO_HISTORY[0].upper() + NO_HISTORY[1:] + " (the candidate never ran the "
                        "tests in the workspace, or its history was removed).", ""]
    runs = timeline["runs"]
    sources = {}
    for r in runs:
        sources[r["source"]] = sources.get(r["source"], 0) + 1
    lines += [f"{timeline['summary'].capitalize()} ({', '.join(f'{n} by {s}' for s, n in sources.items())}), "
              f"from {runs[0]['time']} to {runs[-1]['time']}, as the candidate's workspace recorded "
              "them (refs/kit/timeline): a record to ask about, not proof.", ""]
    if timeline.get("chart"):
        lines += [f"![tests passing over time]({timeline['chart']})", ""]
    for stage, green in timeline["stages"].items():
        reached = (f"green after {green['minutes_to_green']:g} minutes (run {green['first_green_run']})"
                   if green else "never green")
        lines.append(f"- Stage {stage}: {reached}")
    lines.append("")
    regressions = timeline["regressions"]
    lines.append(f"Regressions (tests that passed, then failed): {len(regressions) or 'none'}.")
    for g in regressions:
        fixed = f", passing again in run {g['fixed_in_run']}" if g["fixed_in_run"] else ", still failing"
        lines.append(f"- **{g['label']}** `{g['test']}`: passed in run {g['passed_in_run']}, failed "
                     f"in run {g['failed_in_run']}{fixed}")
    lines.append("")
    if timeline["largest_jumps"]:
        lines.append("Largest changes between two runs:")
        for j in timeline["largest_jumps"]:
            since = f"run {j['from_run']}" if j["from_run"] else "the workspace as written"
            files = f"{j['changed_files']} file" + ("s" if j["changed_files"] != 1 else "")
            lines.append(f"- {j['changed_lines']} lines in {files}, from {since} to "
                         f"run {j['to_run']} ({j['minutes']:g} minutes in)")
        lines.append("")
    edited = timeline["tests_edited"]
    if edited["edited"]:
        lines.append(f"**The tests were edited**: tests/ differs from the workspace as written from "
                     f"run {edited['first_run']} on:")
        kinds = {"A": "added", "D": "deleted", "M": "changed"}
        lines += [f"- `{f.split(chr(9))[-1]}` {kinds.get(f[0], 'changed')}"
                  for f in edited["files"]] or ["- (restored since)"]
    else:
        lines.append("The tests were not edited: tests/ is as written in every run.")
    return lines + [""]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--svg", type=Path)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--weights", type=Path, default=HERE / "weights.json")
    args = parser.parse_args()
    timeline = build(args.workspace, args.weights)
    if args.svg and timeline["runs"]:
        draw(timeline, args.svg.resolve())
        svg, beside = args.svg.resolve(), args.out.resolve().parent
        timeline["chart"] = svg.name if svg.parent == beside else str(svg)
    args.out.write_text(json.dumps(timeline, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text("\n".join(section_lines(timeline)))
    print(timeline["summary"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
