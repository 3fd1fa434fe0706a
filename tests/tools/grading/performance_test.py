#!/usr/bin/python3
"""Tests of performance.py: the Performance section's figures and hints,
on synthetic harness outputs shaped like Google Benchmark's JSON.
Registered as kit/performance_hints (label meta) in tests/suites/meta.
"""
import json
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import performance  # noqa: E402


def harness_output(rate, p50_us, p99_us, errors=0, threads=16):
    return {"benchmarks": [{
        "name": f"CreateUsers/real_time/threads:{threads}", "run_type": "iteration",
        "threads": threads, "users_per_second": rate, "p50_us": p50_us, "p99_us": p99_us,
        "errors": errors}]}


def measured(graded, reference):
    """performance.measure over two rounds of each, as measure_speed.sh writes them."""
    with tempfile.TemporaryDirectory() as folder:
        for who, runs in (("graded", graded), ("reference", reference)):
            for number, run in enumerate(runs, 1):
                Path(folder, f"{who}-{number}.json").write_text(json.dumps(run))
        return performance.measure(folder, "the reference stage 1")


REFERENCE = [harness_output(20000, 700, 2000), harness_output(22000, 650, 1900)]


class PerformanceTest(unittest.TestCase):
    def test_a_server_like_the_reference_gets_its_ratio_and_no_hint(self):
        perf = measured([harness_output(19000, 720, 2100), harness_output(21000, 690, 2050)],
                        REFERENCE)
        self.assertEqual(perf["ratio"], round(20000 / 21000, 3))
        self.assertEqual(perf["hints"], [])
        self.assertEqual(perf["connections"], 16)
        self.assertEqual(perf["graded"]["p50_ms"], 0.705)

    def test_forty_milliseconds_a_request_names_nagle_and_set_tcp_nodelay(self):
        perf = measured([harness_output(370, 44000, 48000)] * 2, REFERENCE)
        self.assertEqual(len(perf["hints"]), 1)
        self.assertIn("set_tcp_nodelay(true)", perf["hints"][0])
        self.assertIn("44 ms", perf["hints"][0])

    def test_a_slow_server_at_another_latency_is_not_called_nagle(self):
        perf = measured([harness_output(1500, 9000, 20000)] * 2, REFERENCE)
        self.assertEqual(perf["hints"], [])

    def test_requests_waiting_seconds_name_the_worker_pool(self):
        perf = measured([harness_output(6, 1200, 5005000)] * 2, REFERENCE)
        self.assertEqual(len(perf["hints"]), 1)
        self.assertIn("ThreadPool", perf["hints"][0])
        self.assertIn("16 connections", perf["hints"][0])

    def test_failed_requests_leave_no_ratio_and_say_so(self):
        perf = measured([harness_output(20000, 700, 2000, errors=3)] * 2, REFERENCE)
        self.assertIsNone(perf["ratio"])
        self.assertEqual(perf["graded"]["failed_requests"], 6)
        self.assertIn("6 requests failed", perf["hints"][-1])
        self.assertIn("No ratio", "\n".join(performance.section_lines(perf, 0)))

    def test_a_missing_or_broken_run_is_left_out(self):
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "graded-1.json").write_text("{not json")
            Path(folder, "reference-1.json").write_text(json.dumps(REFERENCE[0]))
            perf = performance.measure(folder, "the reference stage 1")
        self.assertIsNone(perf["ratio"])
        self.assertEqual(perf["graded"]["runs"], 0)

    def test_points_follow_the_ratio_up_to_all_of_them(self):
        self.assertEqual(performance.earned_points({"ratio": 0.5}, 4), 2.0)
        self.assertEqual(performance.earned_points({"ratio": 1.7}, 4), 4.0)
        self.assertEqual(performance.earned_points({"ratio": None}, 4), 0.0)
        self.assertEqual(performance.earned_points({"ratio": 0.5}, 0), 0.0)


if __name__ == "__main__":
    unittest.main()
