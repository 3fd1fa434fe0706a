#!/usr/bin/python3
"""Merges the raw outputs of one scripts/bench run into RUN_DIR/results.json.

Usage: collect_results.py RUN_DIR

Reads what scripts/bench left in RUN_DIR/raw/:
  settings.tsv   KEY<TAB>VALUE lines describing the run (date, commit, ...)
  runs.tsv       one line per harness run:
                 ROUND<TAB>TARGET<TAB>EXIT_CODE<TAB>OUTPUT_JSON<TAB>CONSOLE_LOG
  wrk.tsv        (optional) KEY<TAB>VALUE lines of the wrk cross-check, whose
                 values ending in .json or .txt name files in raw/ to embed
and adds a description of this machine. results.json then holds all of it,
each Google Benchmark output as the harness wrote it, so raw/ can go.
Python standard library only.
"""

import json
import os
import pathlib
import platform
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD_DIR = ROOT / "build" / "release"


def read_tsv(path):
    with open(path, encoding="utf-8") as file:
        return [line.rstrip("\n").split("\t") for line in file if line.strip()]


def read_json(path):
    """The parsed file, or None when it is missing or not JSON (a crash)."""
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError):
        return None


def read_text(path):
    try:
        return pathlib.Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def proc_field(path, key):
    """The value of the first 'key: value' line of a /proc file."""
    for line in (read_text(path) or "").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return None


def os_name():
    for line in (read_text("/etc/os-release") or "").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.system()


def compiler_version():
    """The first line of --version of the compiler the release build uses."""
    compiler = "c++"
    for line in (read_text(BUILD_DIR / "CMakeCache.txt") or "").splitlines():
        if line.startswith("CMAKE_CXX_COMPILER:"):
            compiler = line.split("=", 1)[1]
    try:
        output = subprocess.run([compiler, "--version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return None
    return (output.splitlines() or [None])[0]


def describe_machine():
    mem_kib = proc_field("/proc/meminfo", "MemTotal")
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": proc_field("/proc/cpuinfo", "model name"),
        "memory_gib": round(int(mem_kib.split()[0]) / 2**20, 1) if mem_kib else None,
        "kernel": platform.release(),
        "os": os_name(),
        "compiler": compiler_version(),
    }


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) == 2 else 2)
    run_dir = pathlib.Path(sys.argv[1])
    raw = run_dir / "raw"

    runs = []
    for round_number, target, exit_code, output, console in read_tsv(raw / "runs.tsv"):
        runs.append({
            "round": int(round_number),
            "target": target,
            "exit_code": int(exit_code),
            "console": read_text(raw / console),
            "google_benchmark": read_json(raw / output),
        })

    wrk_check = None
    if (raw / "wrk.tsv").exists():
        wrk_check = {}
        for key, value in read_tsv(raw / "wrk.tsv"):
            if value.endswith(".json"):
                wrk_check[key] = read_json(raw / value)
            elif value.endswith(".txt"):
                wrk_check[key] = read_text(raw / value)
            else:
                wrk_check[key] = value

    results = {
        "machine": describe_machine(),
        "run": dict(read_tsv(raw / "settings.tsv")),
        "runs": runs,
        "wrk_check": wrk_check,
    }
    with open(run_dir / "results.json", "w", encoding="utf-8") as file:
        json.dump(results, file, indent=1)
        file.write("\n")


if __name__ == "__main__":
    main()
