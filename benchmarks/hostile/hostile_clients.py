#!/usr/bin/python3
"""Hostile clients against one server: the p99 of a well-behaved probe under each attack.

Usage: hostile_clients.py (SERVER | --url URL) [SECONDS] [BOUND_MS]
                          [--attacks NAME,...] [--pause SECONDS]

Starts SERVER --port 0 (in memory), or uses the server already running at
URL (such as nginx in front of several instances: scripts/cluster). Then
for each attack in turn (and a baseline without one) runs the attack for
SECONDS (default 12: longer than httplib's 5 s read and keep-alive
timeouts) while a probe sends GET /health, one request per new connection,
one after another, each with a 10 s timeout. A probe that times out or
fails counts as 10 s. After each attack it waits --pause seconds (default
6) for the server's timeouts to free what the attack held. Prints one line
per attack with the probe's count, p50, p99 and max, and whether the p99 is
under BOUND_MS (default 100).

Exit code 1 if the server died (or, by URL, no longer answers /health), or
if the p99 broke the bound. Started from SERVER, the attacks that are known
gaps of httplib 0.11 (KNOWN_GAPS; see guide/solution-walkthrough.md, "Gaps
that application code cannot close") are reported, not failed; by URL every
attack must keep within the bound, since a front is there to close them.
Standard library only.
"""

import argparse
import os
import random
import select
import socket
import subprocess
import sys
import threading
import time

PROBE_TIMEOUT = 10.0
WORKERS = 64  # The server's pool (solution/3-extras/src/main.cpp).
# Attacks that hold workers for as long as the attacker likes: httplib 0.11
# has no limit on header count, no whole-request deadline and no cap on
# connections per client. nginx in front is the defence (scripts/cluster).
KNOWN_GAPS = {"slowloris", "idle_keep_alive"}


def connect(host, port, timeout=10.0):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s):
    """Reads one response with a Content-Length body; returns its status line."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("connection closed before a response")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head.split(b"\r\n")[0].decode(errors="replace")


def health_answers(host, port):
    try:
        with connect(host, port, PROBE_TIMEOUT) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
            return " 200 " in read_response(s) + " "
    except OSError:
        return False


def probe(host, port, stop, samples):
    while not stop.is_set():
        started = time.monotonic()
        ok = health_answers(host, port)
        elapsed = time.monotonic() - started
        samples.append(elapsed if ok else PROBE_TIMEOUT)
        time.sleep(0.01)


def attack_slowloris(host, port, stop, connections=WORKERS + 36):
    # Each connection sends a request line, then one header line every 2 s:
    # every recv of httplib's 5 s read timeout is satisfied, so it never ends.
    socks = []
    for _ in range(connections):
        try:
            s = connect(host, port)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: slow\r\n")
            socks.append(s)
        except OSError:
            pass
    while not stop.wait(2.0):
        for s in list(socks):
            try:
                s.sendall(b"X-Slow-%d: a\r\n" % random.getrandbits(16))
            except OSError:
                socks.remove(s)
    for s in socks:
        s.close()


def attack_idle_keep_alive(host, port, stop, connections=WORKERS + 36):
    # Ordinary keep-alive clients that send a request every 3 s, inside the
    # 5 s keep-alive timeout: each holds a worker while it idles.
    socks = []
    while not stop.is_set():
        while len(socks) < connections and not stop.is_set():
            try:
                socks.append(connect(host, port, 1.0))
            except OSError:
                break
        for s in list(socks):
            try:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: idle\r\n\r\n")
            except OSError:
                socks.remove(s)
                s.close()
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline and socks:
            readable, _, _ = select.select(socks, [], [], 0.1)
            for s in readable:
                try:
                    if not s.recv(65536):
                        socks.remove(s)
                        s.close()
                except OSError:
                    socks.remove(s)
                    s.close()
        stop.wait(2.5)
    for s in socks:
        s.close()


def _loop(stop, threads, body):
    def run():
        while not stop.is_set():
            try:
                body()
            except OSError:
                time.sleep(0.01)
    ts = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for t in ts:
        t.start()
    stop.wait()
    for t in ts:
        t.join(PROBE_TIMEOUT + 1)


def attack_header_flood(host, port, stop):
    # Requests with 10,000 headers each (about 150 kB), back to back on 4
    # connections: httplib 0.11 has no limit on their number.
    request = (b"GET /health HTTP/1.1\r\nHost: flood\r\n" +
               b"".join(b"X-Flood-%d: v\r\n" % i for i in range(10000)) + b"\r\n")

    def once():
        with connect(host, port) as s:
            s.sendall(request)
            read_response(s)
    _loop(stop, 4, once)


def attack_long_request_line(host, port, stop):
    # 1 MB request targets on 8 connections: httplib answers 414 only when
    # its read of the line ends (a 5 s timeout), holding a worker till then.
    request = b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: long\r\n\r\n"

    def once():
        with connect(host, port) as s:
            try:
                s.sendall(request)
            except OSError:
                pass
            s.settimeout(10)
            try:
                s.recv(4096)
            except OSError:
                pass
    _loop(stop, 8, once)


def attack_pipelined_garbage(host, port, stop):
    # Random bytes, with CRLFs so that they look like many pipelined
    # requests, on 4 connections.
    def once():
        with connect(host, port) as s:
            junk = b"".join(os.urandom(random.randint(1, 200)) + b"\r\n\r\n" for _ in range(200))
            try:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + junk)
                s.settimeout(2)
                while s.recv(65536):
                    pass
            except OSError:
                pass
    _loop(stop, 4, once)


ATTACKS = {
    "baseline": lambda host, port, stop: stop.wait(),
    # Fewer attackers than workers: the rest of the pool serves the probe.
    "slowloris_32": lambda host, port, stop: attack_slowloris(host, port, stop, 32),
    "idle_keep_alive_32": lambda host, port, stop: attack_idle_keep_alive(host, port, stop, 32),
    # More attackers than workers (100): known gaps.
    "slowloris": attack_slowloris,
    "idle_keep_alive": attack_idle_keep_alive,
    "header_flood": attack_header_flood,
    "long_request_line": attack_long_request_line,
    "pipelined_garbage": attack_pipelined_garbage,
}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def parse_args():
    parser = argparse.ArgumentParser(
        usage="%(prog)s (SERVER | --url URL) [SECONDS] [BOUND_MS] [--attacks NAME,...] "
              "[--pause SECONDS]",
        description="Hostile clients against one server (see the module's docstring).")
    parser.add_argument("words", nargs="*", metavar="SERVER SECONDS BOUND_MS")
    parser.add_argument("--url", help="attack the server running at this http:// URL instead")
    parser.add_argument("--attacks", default=",".join(ATTACKS),
                        help="comma-separated, from: " + ", ".join(ATTACKS))
    parser.add_argument("--pause", type=float, default=6.0)
    args = parser.parse_args()
    words = list(args.words)
    args.server = None if args.url is not None else (words.pop(0) if words else None)
    if args.server is None and args.url is None:
        parser.error("give either SERVER or --url URL")
    if len(words) > 2:
        parser.error("too many arguments: after SERVER or --url URL come SECONDS and BOUND_MS")
    try:
        args.seconds = float(words[0]) if words else 12.0
        args.bound_ms = float(words[1]) if len(words) > 1 else 100.0
    except ValueError:
        parser.error("SECONDS and BOUND_MS must be numbers")
    unknown = [name for name in args.attacks.split(",") if name not in ATTACKS]
    if unknown:
        parser.error(f"unknown attack {unknown[0]!r}; choose from {', '.join(ATTACKS)}")
    return args


def main():
    args = parse_args()
    server = None
    if args.url is not None:
        address = args.url.split("://", 1)[-1].rstrip("/")
        host, port = address.rsplit(":", 1)
        excused = set()
    else:
        log = open(os.devnull, "wb")
        server = subprocess.Popen([args.server, "--port", "0"], stdout=subprocess.PIPE, stderr=log)
        line = server.stdout.readline().decode()
        host, port = line.split("http://")[1].strip().rsplit(":", 1)
        excused = KNOWN_GAPS
    port = int(port)
    failed = False
    print(f"{'attack':<20} {'probes':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  verdict "
          f"(bound: p99 < {args.bound_ms:.0f} ms)")
    try:
        for name in args.attacks.split(","):
            stop, samples = threading.Event(), []
            attacker = threading.Thread(target=ATTACKS[name], args=(host, port, stop), daemon=True)
            attacker.start()
            time.sleep(1.0)  # Let the attack take hold before measuring.
            prober = threading.Thread(target=probe, args=(host, port, stop, samples))
            prober.start()
            time.sleep(args.seconds)
            stop.set()
            prober.join()
            attacker.join(PROBE_TIMEOUT + 5)
            if server is not None and server.poll() is not None:
                print(f"{name:<20} the server exited with {server.returncode}")
                failed = True
                break
            p50, p99, worst = (percentile(samples, p) * 1000 for p in (50, 99, 100))
            if p99 < args.bound_ms:
                verdict = "ok"
            elif name in excused:
                verdict = "over the bound: known gap of httplib 0.11 (nginx in front defends)"
            else:
                verdict = "FAIL: over the bound"
                failed = True
            print(f"{name:<20} {len(samples):>6} {p50:>8.1f} {p99:>8.1f} {worst:>8.1f}  {verdict}",
                  flush=True)
            time.sleep(args.pause)
        if server is None and not health_answers(host, port):
            print(f"FAIL: {args.url}/health does not answer 200 after the attacks")
            failed = True
    finally:
        if server is not None:
            server.terminate()
            server.wait(15)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
