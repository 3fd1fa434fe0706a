"""The scorecard's Performance section: figures from measure_speed.sh's runs,
the ratio to the reference stage, and hints when the figures show a trap
that is known in this exercise.

    performance.py RUNS_DIR REFERENCE_NAME   (prints the summary as JSON)

RUNS_DIR holds graded-N.json and reference-N.json, Google Benchmark's
output of the harness's CreateUsers at one thread count. The summary:
  connections, seconds, rounds   how it was measured
  graded, reference   per server: creates_per_second, p50_ms, p99_ms (the
                      medians over the rounds), failed_requests, runs (the
                      rounds that gave figures)
  reference_name      which reference stage, in words
  ratio               graded ÷ reference creates a second, or null
  hints               sentences, each naming what to change
scorecard.py renders it (section_lines) and copies it into results.json.
"""

import json
import statistics
import sys
from pathlib import Path

# Nagle's algorithm holds a response's second small write until the first
# is acknowledged, and the client delays that ACK by 40 ms (Linux's delayed
# ACK): every request on a keep-alive connection then takes about 40 ms.
NAGLE_MS = (30.0, 60.0)
# A request that waits this long while the median is short waited for a
# worker, not for work.
WORKER_WAIT_MS = 1000.0


def read_runs(runs_dir, who):
    """The figures of each of WHO's runs that produced one."""
    runs = []
    for path in sorted(Path(runs_dir).glob(f"{who}-*.json")):
        try:
            entries = [b for b in json.loads(path.read_text()).get("benchmarks", [])
                       if b.get("run_type", "iteration") == "iteration"]
        except (OSError, ValueError):
            continue
        for entry in entries[:1]:
            runs.append({
                "creates_per_second": entry.get("users_per_second", 0.0),
                "p50_ms": entry.get("p50_us", 0.0) / 1000,
                "p99_ms": entry.get("p99_us", 0.0) / 1000,
                "errors": int(entry.get("errors", 0)),
                "threads": int(entry.get("threads", 0)),
            })
    return runs


def summarise(runs):
    """Medians over the runs without errors; the errors of all of them."""
    clean = [r for r in runs if r["errors"] == 0]
    failed = sum(r["errors"] for r in runs)
    if not clean:
        return {"creates_per_second": None, "p50_ms": None, "p99_ms": None,
                "failed_requests": failed, "runs": len(runs)}
    return {
        "creates_per_second": round(statistics.median(r["creates_per_second"] for r in clean), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in clean), 3),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in clean), 3),
        "failed_requests": failed,
        "runs": len(clean),
    }


def hints(graded, reference, connections):
    """Plain sentences for the traps the figures show; [] when none."""
    found = []
    p50, p99 = graded["p50_ms"], graded["p99_ms"]
    ref_p50 = reference["p50_ms"]
    if p50 is not None and NAGLE_MS[0] <= p50 <= NAGLE_MS[1] and (ref_p50 is None or ref_p50 < 10):
        found.append(
            f"Each create takes about {p50:.0f} ms"
            + ("" if ref_p50 is None else f", the reference's {ref_p50:.1f} ms") + ": that is "
            "Nagle's algorithm meeting the client's delayed ACK (httplib writes a response's "
            "headers and body apart, and the body waits for an acknowledgement the client "
            "holds back 40 ms). Call `server.set_tcp_nodelay(true)` before `listen`.")
    if p50 is not None and p99 is not None and p99 >= WORKER_WAIT_MS and p50 * 10 <= p99:
        found.append(
            f"Some creates wait {p99 / 1000:.1f} s while most take {p50:.1f} ms: connections are "
            "waiting for a worker thread. httplib gives a keep-alive connection a worker for as "
            f"long as it stays open, so with fewer workers than the {connections} connections "
            "here the rest wait until one closes. Give the pool more threads than the clients "
            "you expect: `server.new_task_queue = [] { return new httplib::ThreadPool(64); };`.")
    if graded["failed_requests"]:
        found.append(f"{graded['failed_requests']} requests failed under load (not 201, or no "
                     "answer), though the suites passed stage 1: look for a race on the shared "
                     "store (a map without its mutex) or a crash (runs.log).")
    return found


def measure(runs_dir, reference_name):
    graded_runs = read_runs(runs_dir, "graded")
    reference_runs = read_runs(runs_dir, "reference")
    graded = summarise(graded_runs)
    reference = summarise(reference_runs)
    connections = max((r["threads"] for r in graded_runs + reference_runs), default=0)
    ratio = None
    if graded["creates_per_second"] and reference["creates_per_second"]:
        ratio = round(graded["creates_per_second"] / reference["creates_per_second"], 3)
    return {
        "connections": connections,
        "rounds": max(graded["runs"], reference["runs"]),
        "graded": graded,
        "reference": reference,
        "reference_name": reference_name,
        "ratio": ratio,
        "hints": hints(graded, reference, connections),
    }


def earned_points(perf, points):
    """What the section earns of `points`: in proportion to the ratio to
    the reference, all of them at 1.0 or more; none without a ratio."""
    if not points or not perf or perf.get("ratio") is None:
        return 0.0
    return round(points * min(1.0, perf["ratio"]), 2)


def cell(value, digits):
    return "–" if value is None else f"{value:,.{digits}f}"


def section_lines(perf, points):
    """The scorecard's Performance section, as lines of Markdown."""
    counted = ("It counts no points (`performance_points` in tests/tools/grading/weights.json "
               "can give it some)." if not points
               else f"It earns {earned_points(perf, points):.1f} of {points:g} points, in "
                    "proportion to the ratio up to 1.0.")
    lines = ["## Performance", "",
             f"Concurrent creates from {perf['connections']} keep-alive connections, by the kit's "
             f"load harness, against the graded server and {perf['reference_name']}, "
             f"interleaved over {perf['rounds']} rounds on this machine in this run; medians. "
             f"Only ratios mean something: absolute figures depend on the machine. {counted}", "",
             "| server | creates a second | p50 ms | p99 ms | failed requests |",
             "|---|--:|--:|--:|--:|"]
    for name, key in (("graded", "graded"), (perf["reference_name"], "reference")):
        s = perf[key]
        lines.append(f"| {name} | {cell(s['creates_per_second'], 0)} | {cell(s['p50_ms'], 2)} "
                     f"| {cell(s['p99_ms'], 2)} | {s['failed_requests']} |")
    lines.append("")
    if perf["ratio"] is None:
        lines.append("No ratio: a server gave no figures without failed requests (see "
                     "performance/runs.log).")
    else:
        lines.append(f"Graded ÷ reference: **{perf['ratio']:.3g}×** creates a second.")
    lines.append("")
    for hint in perf["hints"]:
        lines.append(f"- Hint: {hint}")
    if perf["hints"]:
        lines.append("")
    return lines


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(measure(sys.argv[1], sys.argv[2]), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
