#!/usr/bin/python3
"""Writes report.md and throughput.svg from a scripts/bench results.json.

Usage: make_report.py RUN_DIR

Reads RUN_DIR/results.json (see collect_results.py) and writes into RUN_DIR:
  report.md       the machine, the issue's targets with PASS or MISS, a short
                  reading of the numbers, ratios to the peers, the scaling
                  across instances behind nginx (when the cluster targets
                  ran), per benchmark tables of throughput and latency
                  percentiles (target by client threads), the wrk
                  cross-check and the invalid runs;
  throughput.svg  CreateUsers throughput against client threads, one line per
                  target, drawn by gnuplot with throughput.gnuplot.

Each point is the median over the rounds of that target, benchmark and
thread count. A run with errors (or one that Google Benchmark marked as
failed) is invalid: it is listed, and left out of every median. Python
standard library only.
"""

import json
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
BENCHMARKS = ["CreateUsers", "GetUser", "ListUsers", "Mixed"]
# nginx answering a fixed user (benchmarks/peers/nginx_fixed): no server
# answers for less, so it is the limit beside every figure.
CEILING = "ceiling"
PEERS = ["bare_httplib", "fastapi", CEILING]
# scripts/cluster's targets: N instances behind nginx on one PostgreSQL, and
# one instance on PostgreSQL reached directly (what nginx's hop costs).
CLUSTER_TARGETS = {"cluster-1": 1, "cluster-2": 2, "cluster-3": 3}
DIRECT_POSTGRES = "stage3-postgresql"
GROWS = 1.1               # "More instances add throughput": 10% or more over one.
RATIO_THREADS = 16        # The targets are set at 16 client threads.
CHART_BENCHMARK = "CreateUsers"
PLATEAU = 0.95            # "Stops growing": the first point within 5% of the peak.
P99_LIMIT_US = 5000
ERROR_FREE_UP_TO = 64     # Threads up to which the solution must make no errors.
WRK_RATIO_MIN = 0.9
# The line the harness prints for the interview guide's own test.
GUIDE_LINE = re.compile(r"guide load test: created (\d+) of (\d+) users concurrently in ([\d.]+) ms")


# ---------------------------------------------------------------- the data

class Point:
    """One target, benchmark and thread count: every round's sample."""

    def __init__(self):
        self.valid = []     # Counter dicts of the valid samples.
        self.invalid = []   # (round, reason) of the others.

    def median(self, counter):
        values = [sample[counter] for sample in self.valid if counter in sample]
        return statistics.median(values) if values else None

    def spread(self):
        """(max - min) / median of the rate over valid rounds, or None."""
        rates = [sample["requests_per_second"] for sample in self.valid]
        if len(rates) < 2 or statistics.median(rates) <= 0:
            return None
        return (max(rates) - min(rates)) / statistics.median(rates)


def family_and_threads(entry):
    """("CreateUsers", 16) from an entry named like CreateUsers/real_time/threads:16."""
    name = entry.get("run_name") or entry.get("name", "")
    threads = entry.get("threads")
    if threads is None:
        threads = next((int(part.split(":")[1]) for part in name.split("/")
                        if part.startswith("threads:")), 1)
    return name.split("/")[0], int(threads)


def invalid_reason(entry):
    if entry.get("error_occurred"):
        return "failed: " + entry.get("error_message", "no message")
    if entry.get("errors", 0) > 0:
        return f"{entry['errors']:.0f} failed requests"
    if not entry.get("iterations") or "requests_per_second" not in entry:
        return "no completed requests"
    return None


def iteration_entries(google_benchmark):
    """The per-run entries, without aggregates (mean, median, ...)."""
    for entry in (google_benchmark or {}).get("benchmarks", []):
        if entry.get("run_type", "iteration") == "iteration" and "aggregate_name" not in entry:
            yield entry


def collect_points(runs):
    """{(benchmark, target, threads): Point} over every round."""
    points = {}
    for run in runs:
        for entry in iteration_entries(run["google_benchmark"]):
            family, threads = family_and_threads(entry)
            point = points.setdefault((family, run["target"], threads), Point())
            reason = invalid_reason(entry)
            if reason:
                point.invalid.append((run["round"], reason))
            else:
                point.valid.append(entry)
    return points


class Results:
    """results.json, with the medians looked up by benchmark, target, threads."""

    def __init__(self, results):
        self.machine = results["machine"]
        self.run = results["run"]
        self.runs = results["runs"]
        self.wrk_check = results.get("wrk_check")
        self.points = collect_points(self.runs)
        self.targets = self.run["targets"].split()
        self.benchmarks = [b for b in BENCHMARKS if any(k[0] == b for k in self.points)]
        self.benchmarks += sorted({k[0] for k in self.points} - set(BENCHMARKS))
        self.threads = sorted({k[2] for k in self.points})
        # "stage1:ListUsers fastapi:ListUsers,Mixed": what scripts/bench did not run.
        self.skipped = {target: benchmarks.split(",") for target, _, benchmarks in
                        (item.partition(":") for item in self.run.get("skipped", "").split())}

    def point(self, benchmark, target, threads):
        return self.points.get((benchmark, target, threads))

    def median(self, benchmark, target, threads, counter="requests_per_second"):
        point = self.point(benchmark, target, threads)
        return point.median(counter) if point else None

    def ratio(self, benchmark, target, reference, threads=RATIO_THREADS):
        value = self.median(benchmark, target, threads)
        base = self.median(benchmark, reference, threads)
        return value / base if value is not None and base else None

    def curve(self, benchmark, target):
        """[(threads, median rate)] over the valid points."""
        return [(t, r) for t in self.threads
                if (r := self.median(benchmark, target, t)) is not None]

    def failed_runs(self):
        """Runs with no results, or that ended worse than "some requests failed" (exit 1)."""
        return [run for run in self.runs if run["google_benchmark"] is None or run["exit_code"] > 1]


# ---------------------------------------------------------------- formatting

def rate(value):
    return "–" if value is None else f"{value:,.0f}"


def ms(microseconds):
    if microseconds is None:
        return "–"
    value = microseconds / 1000
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def times(value):
    if value is None:
        return "–"
    return f"{value:.2g}×" if value < 0.1 else f"{value:.2f}×" if value < 10 else f"{value:.1f}×"


def when(run):
    """The run's start as "2026-11-26 15:02" (local time, as in the folder's name)."""
    return run.get("started_at", "?")[:16].replace("T", " ")


def table(header, rows, numeric=True):
    """A Markdown table; with numeric, every column but the first is right-aligned."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("--:" if numeric and i else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def flagged(text, point):
    """The cell text, marked when some rounds were left out as invalid."""
    if point is None:
        return "–"
    if not point.valid:
        return "INVALID"
    return text + (" †" if point.invalid else "")


# ---------------------------------------------------------------- sections

def machine_section(r):
    m, run = r.machine, r.run
    commit = run.get("git_commit", "?")[:12] + (" (with uncommitted changes)" if run.get("git_dirty") == "1" else "")
    rows = [
        ("date", run.get("started_at", "?")),
        ("CPUs (nproc)", str(m.get("nproc"))),
        ("CPU model", str(m.get("cpu_model"))),
        ("memory", f"{m.get('memory_gib')} GiB"),
        ("kernel", str(m.get("kernel"))),
        ("OS", str(m.get("os"))),
        ("compiler", str(m.get("compiler"))),
        ("git commit", commit),
        ("rounds", "1" if run.get("rounds") == "1" else
         f"{run.get('rounds')}, interleaved; each point is the median over them"),
        ("min time per run", f"{run.get('min_time')} s" + (" (--quick)" if run.get("quick") == "1" else "")),
        ("client threads", run.get("thread_counts", "?")),
    ]
    if "load_average_at_start" in run:
        rows.append(("load average (1, 5, 15 min)",
                     f"{run['load_average_at_start']} at the start, "
                     f"{run.get('load_average_at_end', '?')} at the end"))
    return "## Machine and run\n\n" + table(["", ""], [list(row) for row in rows], numeric=False)


def exact_times(value):
    """A ratio to three significant digits, so that 0.797 does not show as 0.80."""
    return "–" if value is None else f"{value:.3g}×"


def goal(description, measured, passed):
    status = "not measured" if passed is None else "PASS" if passed else "MISS"
    return [description, measured, status]


def error_free_goal(r, target):
    points = [(key, p) for key, p in r.points.items()
              if key[1] == target and key[2] <= ERROR_FREE_UP_TO]
    if not points:
        return goal(f"{target}: zero errors, every benchmark, up to {ERROR_FREE_UP_TO} threads", "–", None)
    invalid = sum(len(p.invalid) for _, p in points)
    total = invalid + sum(len(p.valid) for _, p in points)
    top = max(key[2] for key, _ in points)
    measured = f"{invalid} invalid of {total} runs (1 to {top} threads)"
    return goal(f"{target}: zero errors, every benchmark, up to {ERROR_FREE_UP_TO} threads",
                measured, invalid == 0)


def wrk_rates(r):
    """(harness rate, wrk rate, harness errors, wrk errors), each possibly None."""
    check = r.wrk_check or {}
    wrk = check.get("wrk") or {}
    harness_entry = next((e for e in iteration_entries(check.get("harness"))
                          if family_and_threads(e)[0] == CHART_BENCHMARK), None)
    harness = harness_entry.get("requests_per_second") if harness_entry else None
    harness_errors = harness_entry.get("errors") if harness_entry else None
    wrk_errors = (wrk["non_2xx"] + wrk["socket_errors"]) if wrk else None
    return harness, wrk.get("requests_per_second"), harness_errors, wrk_errors


def goals_section(r):
    t = RATIO_THREADS
    create = "CreateUsers"
    rows = []
    for reference, minimum in (("bare_httplib", 0.9), ("fastapi", 10)):
        value = r.ratio(create, "stage3-memory", reference)
        rows.append(goal(f"stage3-memory ≥ {minimum}× {reference} (creates, {t} threads)",
                         exact_times(value), None if value is None else value >= minimum))
    value = r.ratio(create, "stage3-sqlite", "stage3-memory")
    rows.append(goal(f"stage3-sqlite ≥ 0.7× stage3-memory (creates, {t} threads)",
                     exact_times(value), None if value is None else value >= 0.7))
    for target in ("stage3-memory", "stage3-sqlite"):
        p99 = r.median(create, target, t, "p99_us")
        rows.append(goal(f"{target}: p99 ≤ {P99_LIMIT_US / 1000:g} ms (creates, {t} threads)",
                         "–" if p99 is None else f"{ms(p99)} ms", None if p99 is None else p99 <= P99_LIMIT_US))
    for target in ("stage3-memory", "stage3-sqlite"):
        rows.append(error_free_goal(r, target))
    # Issue 18: durable stores close to memory, no collapse under many clients.
    value = r.ratio(create, "stage3-sqlite", "stage3-memory")
    rows.append(goal(f"issue 18: stage3-sqlite ≥ 0.85× stage3-memory (creates, {t} threads)",
                     exact_times(value), None if value is None else value >= 0.85))
    p99 = r.median(create, "stage3-sqlite", t, "p99_us")
    rows.append(goal(f"issue 18: stage3-sqlite p99 ≤ 3 ms (creates, {t} threads)",
                     "–" if p99 is None else f"{ms(p99)} ms", None if p99 is None else p99 <= 3000))
    at_16 = r.median(create, DIRECT_POSTGRES, 16)
    at_64 = r.median(create, DIRECT_POSTGRES, 64)
    value = at_64 / at_16 if at_16 and at_64 else None
    rows.append(goal(f"issue 18: {DIRECT_POSTGRES} creates at 64 threads ≥ 0.9× at 16",
                     exact_times(value), None if value is None else value >= 0.9))
    value = r.ratio("ListUsers", DIRECT_POSTGRES, "stage3-memory")
    rows.append(goal(f"issue 18: {DIRECT_POSTGRES} lists ≥ 0.3× stage3-memory ({t} threads)",
                     exact_times(value), None if value is None else value >= 0.3))
    harness, wrk, harness_errors, wrk_errors = wrk_rates(r)
    value = harness / wrk if harness and wrk else None
    clean = harness_errors == 0 and wrk_errors == 0
    rows.append(goal(f"harness ≥ {WRK_RATIO_MIN}× wrk ({(r.wrk_check or {}).get('target', 'stage3-memory')}, creates)",
                     exact_times(value) + ("" if value is None or clean else " (with errors)"),
                     None if value is None else value >= WRK_RATIO_MIN and clean))
    return ("## The issue's targets\n\nFrom issues 5 and 18, on medians over the rounds. Issue 18's "
            "\"stage3-memory ≥ 1.0× bare_httplib under wrk\" is measured with wrk alone "
            "(benchmarks/README.md).\n\n"
            + table(["target", "measured", "status"], rows, numeric=False))


def scaling_sentence(r, benchmark):
    """Where each target's throughput stops growing, and what more threads do after."""
    knees, changes, still_growing = {}, [], []
    for target in r.targets:
        curve = r.curve(benchmark, target)
        if len(curve) < 2:
            continue
        peak = max(value for _, value in curve)
        knee = next(threads for threads, value in curve if value >= PLATEAU * peak)
        if knee == curve[-1][0]:
            still_growing.append(target)
            continue
        knees.setdefault(knee, []).append(target)
        changes.append((curve[-1][1] / peak - 1, target, curve[-1][0]))
    parts = []
    if knees:
        groups = [f"{knee} for {', '.join(targets)}" for knee, targets in sorted(knees.items())]
        groups[0] = groups[0].replace(" for ", " client threads for ", 1)
        parts.append(f"Throughput stops growing (its first point within {100 - PLATEAU * 100:.0f}% "
                     f"of the peak) at {'; at '.join(groups)}.")
    if changes:
        worst, target, last = min(changes)
        least = min(max(changes)[0], 0)
        if worst <= PLATEAU - 1 and len(changes) == 1:
            parts.append(f"More threads then cost throughput: at {last} threads {target} is "
                         f"{-worst * 100:.0f}% below its peak.")
        elif worst <= PLATEAU - 1:
            parts.append(f"More threads then cost throughput: at {last} threads each is "
                         f"{abs(least) * 100:.0f}% to {-worst * 100:.0f}% below its peak ({target} loses most).")
        else:
            parts.append(f"Up to {last} threads each then stays within {100 - PLATEAU * 100:.0f}% of its peak.")
    if still_growing:
        parts.append(f"Still growing at the last thread count: {', '.join(still_growing)}.")
    return " ".join(parts)


def reading_section(r):
    lines = []
    t = RATIO_THREADS
    for benchmark in r.benchmarks:
        # The ceiling answers without doing the work, so it is a limit to
        # compare with (below), not a contender.
        at_t = sorted(((rate_, target) for target in r.targets if target != CEILING
                       if (rate_ := r.median(benchmark, target, t)) is not None), reverse=True)
        sentences = []
        if len(at_t) == 2:
            (best, leader), (other, runner_up) = at_t
            sentences.append(f"At {t} threads {leader} leads with {rate(best)} req/s, "
                             f"{times(best / other)} {runner_up} ({rate(other)} req/s).")
        elif len(at_t) > 2:
            (best, leader), (second, runner_up) = at_t[0], at_t[1]
            slowest, last = at_t[-1]
            sentences.append(
                f"At {t} threads {leader} leads with {rate(best)} req/s, {times(best / second)} the next, "
                f"{runner_up}; {last} is slowest at {rate(slowest)} req/s (the leader does "
                f"{times(best / slowest)} as much).")
        ceiling = r.median(benchmark, CEILING, t)
        if ceiling and at_t:
            sentences.append(f"The ceiling, nginx's fixed answer, does {rate(ceiling)} req/s: "
                             f"{at_t[0][1]} reaches {times(at_t[0][0] / ceiling)} of it.")
        if scaling := scaling_sentence(r, benchmark):
            sentences.append(scaling)
        top = r.threads[-1] if r.threads else None
        p99s = sorted((p99, target) for target in r.targets
                      if (p99 := r.median(benchmark, target, top, "p99_us")) is not None)
        if len(p99s) >= 2:
            sentences.append(f"At {top} threads p99 ranges from {ms(p99s[0][0])} ms ({p99s[0][1]}) "
                             f"to {ms(p99s[-1][0])} ms ({p99s[-1][1]}).")
        if sentences:
            lines.append(f"- **{benchmark}.** " + " ".join(sentences))

    invalid = [(key, p) for key, p in r.points.items() if p.invalid]
    if invalid:
        where = sorted({f"{key[1]} {key[0]} at {key[2]}" for key, _ in invalid})
        count = sum(len(p.invalid) for _, p in invalid)
        lines.append(f"- **Errors.** {count} run{'s' if count > 1 else ''} had errors and "
                     f"{'are' if count > 1 else 'is'} left out: {', '.join(where[:6])}"
                     f"{' and more' if len(where) > 6 else ''}.")
    else:
        lines.append("- **Errors.** No run had a failed request.")
    failed = r.failed_runs()
    if failed:
        lines.append("- **Failed runs.** " + ", ".join(f"{run['target']} in round {run['round']} "
                                                      f"(exit {run['exit_code']})" for run in failed)
                     + ": see Invalid runs.")
    spreads = sorted((s, key) for key, p in r.points.items() if (s := p.spread()) is not None)
    if spreads:
        median_spread = statistics.median(s for s, _ in spreads)
        widest, (benchmark, target, threads) = spreads[-1]
        lines.append(f"- **Noise.** Between rounds a point's throughput varies by {median_spread * 100:.0f}% "
                     f"(median of max−min over median); the widest is {widest * 100:.0f}% "
                     f"({target} {benchmark} at {threads} threads).")
    elif r.run.get("rounds") == "1":
        lines.append("- **Noise.** One round only: no medians, so differences of a few percent mean nothing.")
    return "## Reading\n\n" + "\n".join(lines)


def cluster_section(r):
    """Throughput by number of instances behind nginx, and what it means."""
    present = [t for t in CLUSTER_TARGETS if t in r.targets]
    if not present:
        return None
    t = RATIO_THREADS
    columns = [DIRECT_POSTGRES] * (DIRECT_POSTGRES in r.targets) + present
    header = ["benchmark"] + [f"{c} (direct)" if c == DIRECT_POSTGRES else
                              f"{CLUSTER_TARGETS[c]} behind nginx" for c in columns]
    rows = []
    for benchmark in r.benchmarks:
        base = r.median(benchmark, present[0], t)
        cells = []
        for c in columns:
            value = r.median(benchmark, c, t)
            ratio = f" ({times(value / base)})" if value is not None and base and c != present[0] \
                and c != DIRECT_POSTGRES else ""
            cells.append(rate(value) + ratio)
        rows.append([benchmark] + cells)
    nproc = r.machine.get("nproc")
    lines = []
    one, last = r.median("CreateUsers", present[0], t), r.median("CreateUsers", present[-1], t)
    if one and last and len(present) > 1:
        growth = last / one
        instances = CLUSTER_TARGETS[present[-1]]
        shared = (f"this machine's {nproc} CPUs run the client, nginx, every instance and "
                  f"PostgreSQL, so another instance shares the same cores instead of adding any")
        spreads = [s for c in present if (p := r.point("CreateUsers", c, t)) and (s := p.spread()) is not None]
        noise = max(spreads) if spreads else None
        measured = (f"Creates at {t} threads: {rate(one)} a second with one instance behind nginx, "
                    f"{rate(last)} with {instances} ({times(growth)}).")
        if growth < GROWS:
            lines.append(f"{measured} More instances add no throughput here: {shared}, and brings "
                         f"its own threads and connections to schedule.")
        elif noise is None:
            lines.append(f"{measured} One round only, so a difference of this size may be noise; "
                         f"{shared}.")
        elif growth - 1 <= noise:
            lines.append(f"{measured} That is within the spread between this run's rounds (up to "
                         f"{noise * 100:.0f}% at these points), so more instances add nothing here "
                         f"that rises above the noise: {shared}.")
        else:
            lines.append(f"{measured} More than the spread between rounds (up to "
                         f"{noise * 100:.0f}% at these points), on {nproc} CPUs shared by the client, "
                         f"nginx, the instances and PostgreSQL: something in one instance, not the "
                         f"cores, limited it.")
    direct = r.median("CreateUsers", DIRECT_POSTGRES, t)
    if direct and one:
        lines.append(f"nginx's hop: one instance behind nginx does {times(one / direct)} the creates "
                     f"of the same instance reached directly ({rate(one)} against {rate(direct)} a "
                     f"second), as nginx takes its share of the same cores.")
    lines.append(
        "On separate machines each instance brings its own cores, so throughput would grow with "
        "instances until PostgreSQL (every write is its transaction, on one server) or nginx is "
        "the limit; this run, on one machine, cannot show where that is.")
    settings = r.run.get("postgresql_settings")
    if settings:
        lines.append(f"PostgreSQL ran with {settings}.")
    return (f"## Instances behind nginx, {t} client threads\n\nRequests per second; in brackets, "
            f"the ratio to one instance behind nginx.\n\n" + table(header, rows) + "\n\n"
            + " ".join(lines))


def ratios_section(r):
    peers = [p for p in PEERS if p in r.targets]
    if not peers:
        return None
    header = ["target"] + [f"{b} ÷ {p}" for b in r.benchmarks for p in peers]
    rows = [[target] + [times(r.ratio(b, target, p)) for b in r.benchmarks for p in peers]
            for target in r.targets]
    return (f"## Throughput relative to the peers, {RATIO_THREADS} client threads\n\n"
            + table(header, rows))


def benchmark_section(r, benchmark):
    threads = [t for t in r.threads if any(r.point(benchmark, x, t) for x in r.targets)]
    skipped = [x for x in r.targets if benchmark in r.skipped.get(x, [])]
    note = f"Not run against {', '.join(skipped)}: {r.run.get('skip_reason')}.\n\n" if skipped else ""
    rates, latencies = [], []
    for target in (x for x in r.targets if x not in skipped):
        points = [r.point(benchmark, target, t) for t in threads]
        rates.append([target] + [flagged(rate(p and p.median("requests_per_second")), p) for p in points])
        latencies.append([target] + [
            flagged(" / ".join(ms(p.median(c)) for c in ("p50_us", "p95_us", "p99_us")), p) if p and p.valid
            else flagged("", p) for p in points])
    header = ["target"] + [str(t) for t in threads]
    return (f"## {benchmark}\n\n{note}Throughput, requests per second, by client threads:\n\n"
            + table(header, rates)
            + "\n\nLatency p50 / p95 / p99, ms, by client threads:\n\n"
            + table(header, latencies))


def guide_section(r):
    """The guide's test (N concurrent creates), median total time per target."""
    rows = []
    for target in r.targets:
        matches = [m for run in r.runs if run["target"] == target
                   if (m := GUIDE_LINE.search(run["console"] or "")) and m.group(1) == m.group(2)]
        if matches:
            users = int(matches[0].group(2))
            total = statistics.median(float(m.group(3)) for m in matches)
            rows.append([target, str(users), f"{total:.1f}", f"{total / users:.3f}"])
    if not rows:
        return None
    return ("## The guide's load test\n\nUsers created all at once, each on its own connection; "
            "the median over the rounds where every create succeeded.\n\n"
            + table(["target", "users", "total ms", "ms per user"], rows))


def wrk_section(r):
    check = r.wrk_check
    if not check:
        return "## Cross-check with wrk\n\nNot run (it needs the stage3-memory target)."
    harness, wrk, harness_errors, wrk_errors = wrk_rates(r)
    wrk_result = check.get("wrk") or {}
    harness_entry = next(iteration_entries(check.get("harness")), {})
    rows = [
        ["user_api_bench", rate(harness), ms(harness_entry.get("p50_us")), ms(harness_entry.get("p99_us")),
         "–" if harness_errors is None else f"{harness_errors:.0f}"],
        ["wrk", rate(wrk), ms(wrk_result.get("p50_us")), ms(wrk_result.get("p99_us")),
         "–" if wrk_errors is None else str(wrk_errors)],
    ]
    ratio = f"{harness / wrk:.2f}" if harness and wrk else "–"
    return (f"## Cross-check with wrk\n\n{check.get('target')}, creates, {check.get('connections')} "
            f"connections, {check.get('duration_s')} s each, one fresh server each, harness first. "
            f"Harness rate ÷ wrk rate: **{ratio}**.\n\n"
            + table(["tool", "req/s", "p50 ms", "p99 ms", "errors"], rows)
            + f"\n\n```\n{check.get('command', '')}\n```")


def invalid_section(r):
    rows = [[target, benchmark, str(threads), str(round_), reason]
            for (benchmark, target, threads), p in sorted(r.points.items())
            for round_, reason in p.invalid]
    rows += [[run["target"], "all", "–", str(run["round"]),
              f"harness exited {run['exit_code']}" + (", no results" if run["google_benchmark"] is None else "")]
             for run in r.failed_runs()]
    if not rows:
        return None
    return ("## Invalid runs\n\nLeft out of every median; † in a table marks a point that lost some "
            "rounds this way, INVALID one that lost all.\n\n"
            + table(["target", "benchmark", "threads", "round", "why"], rows, numeric=False))


def report(r):
    title = f"# User API benchmark, {when(r.run)}"
    sections = [title,
                f"Targets: {', '.join(r.targets)}. Harness: `user_api_bench` (Google Benchmark), "
                "one keep-alive connection per client thread. Chart: [throughput.svg](throughput.svg); "
                "raw outputs: results.json.",
                goals_section(r), reading_section(r), ratios_section(r), cluster_section(r)]
    sections += [benchmark_section(r, b) for b in r.benchmarks]
    sections += [guide_section(r), wrk_section(r), invalid_section(r), machine_section(r)]
    return "\n\n".join(s for s in sections if s) + "\n"


# ---------------------------------------------------------------- the chart

def draw_chart(r, svg_path):
    """Runs throughput.gnuplot on the CHART_BENCHMARK medians."""
    with tempfile.TemporaryDirectory() as scratch:
        data = pathlib.Path(scratch) / "throughput.dat"
        blocks = []
        for target in r.targets:
            curve = r.curve(CHART_BENCHMARK, target)
            if curve:
                blocks.append(f'"{target}"\n' + "\n".join(f"{t} {v:.1f}" for t, v in curve))
        if not blocks:
            sys.exit(f"make_report: no valid {CHART_BENCHMARK} point to draw")
        data.write_text("\n\n\n".join(blocks) + "\n", encoding="utf-8")
        rounds = r.run.get("rounds", "?")
        title = (f"{CHART_BENCHMARK}: throughput against client threads, {when(r.run)}"
                 + (" (1 round)" if rounds == "1" else f" (median of {rounds} rounds)"))
        settings = f"datafile='{data}'; outfile='{svg_path}'; chart_title='{title}'"
        subprocess.run(["gnuplot", "-e", settings, str(HERE / "throughput.gnuplot")], check=True)


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) == 2 else 2)
    run_dir = pathlib.Path(sys.argv[1]).resolve()
    with open(run_dir / "results.json", encoding="utf-8") as file:
        r = Results(json.load(file))
    (run_dir / "report.md").write_text(report(r), encoding="utf-8")
    draw_chart(r, run_dir / "throughput.svg")


if __name__ == "__main__":
    main()
