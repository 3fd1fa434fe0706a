#!/usr/bin/python3
"""Faults in storage: stage 3 on SQLite when its file or disk misbehaves.

Usage: storage_faults.py SERVER CASE
CASE is one of: read_only, locked, full_disk, deleted, corrupted, kill_storm.
Each case starts fresh servers (SERVER --port 0 --db PATH) in a new temporary
directory and checks them over HTTP and, after they stop, by opening the file
with Python's sqlite3. A failure names the request sent and the answer
received. Standard library only; runs as root or not.
"""
# What the cases check, in guide/api-spec.md (they count for every case's test):
# spec-rules: DB-4 DB-7 HEALTH-7 HEALTH-8 READY-2 READY-3 PROB-14 LOG-11

import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

SERVER = ""
NOBODY = 65534


class Failure(Exception):
    pass


class Server:
    """One server process; `url` is where it listens."""

    def __init__(self, db, prefix=(), env=None):
        self.last_request_id = ""
        self.db = db
        self.log = open(os.path.join(os.path.dirname(db), "server.log"), "ab")
        self.proc = subprocess.Popen(
            [*prefix, SERVER, "--port", "0", "--db", db],
            stdout=subprocess.PIPE, stderr=self.log, cwd=os.path.dirname(db), env=env)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening on http://"):
            self.proc.wait(5)
            raise Failure(f"the server did not start (exit code {self.proc.returncode}); "
                          f"its log:\n{self.tail()}")
        self.host, port = line.split("http://")[1].strip().rsplit(":", 1)
        self.port = int(port)

    def tail_lines(self):
        with open(self.log.name, "rb") as f:
            return f.read().decode(errors="replace").splitlines()

    def tail(self):
        with open(self.log.name, "rb") as f:
            return f.read()[-2000:].decode(errors="replace")

    def request(self, method, path, body=None, timeout=15):
        """Returns (status, content type, body text); raises OSError on transport failure."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            data = json.dumps(body) if body is not None else None
            headers = {"Content-Type": "application/json"} if data is not None else {}
            conn.request(method, path, data, headers)
            res = conn.getresponse()
            self.last_request_id = res.getheader("X-Request-ID", "")
            return res.status, res.getheader("Content-Type", ""), res.read().decode()
        finally:
            conn.close()

    def expect(self, method, path, body, statuses, content_type=None):
        sent = f"{method} {path}" + (f" {json.dumps(body)}" if body is not None else "")
        try:
            status, ctype, text = self.request(method, path, body)
        except (OSError, http.client.HTTPException) as e:
            time.sleep(0.2)
            raise Failure(f"sent {sent}\nexpected status {statuses}\nreceived no answer ({e!r}); "
                          f"server exit code {self.proc.poll()} (negative: killed by that signal)"
                          f"\nserver log (end):\n{self.tail()}")
        curl = (f"curl -i -X {method} http://{self.host}:{self.port}{path}" +
                (f" -H 'Content-Type: application/json' -d '{json.dumps(body)}'"
                 if body is not None else ""))
        if status not in statuses or (content_type and not ctype.startswith(content_type)):
            raise Failure(f"sent {sent}\nexpected status {statuses}"
                          f"{' and Content-Type ' + content_type if content_type else ''}\n"
                          f"received {status} Content-Type {ctype!r} body {text}\n"
                          f"reproduce: {curl}\nserver log (end):\n{self.tail()}")
        if self.proc.poll() is not None:
            raise Failure(f"the server exited ({self.proc.returncode}) after {sent}")
        return status, json.loads(text) if text else None

    def alive(self):
        if self.proc.poll() is not None:
            raise Failure(f"the server exited with {self.proc.returncode}; log:\n{self.tail()}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(10)
        self.log.close()


def new_user(tag, age=30):
    return {"name": "Fault User", "email": f"{tag}-{random.getrandbits(48):x}@example.test",
            "age": age}


def prepare(directory, users=3):
    """A database with `users` users, made by a server that then stops; returns (path, users)."""
    db = os.path.join(directory, "users.db")
    server = Server(db)
    made = [server.expect("POST", "/users", new_user("seed"), {201})[1] for _ in range(users)]
    server.stop()
    return db, made


def unavailable(server, method, path, body=None):
    """Expects 503 problem+json, as the spec's Errors chapter says storage failures are,
    with the failure's details in the log under the response's request id, not in the
    answer."""
    server.expect(method, path, body, {503}, "application/problem+json")
    request_id = server.last_request_id
    deadline = time.monotonic() + 5
    while True:
        lines = [json.loads(line) for line in server.tail_lines() if line.startswith("{")]
        details = [line for line in lines
                   if line.get("request_id") == request_id and line.get("msg") != "request"]
        if details:
            return
        if time.monotonic() > deadline:
            raise Failure(f"sent {method} {path}: 503 with X-Request-ID {request_id!r}\n"
                          "expected a log line other than the request line with that "
                          "request_id, holding the storage failure's details\n"
                          f"server log (end):\n{server.tail()}")
        time.sleep(0.1)


def case_read_only(directory):
    # A read-only file, or a directory where SQLite cannot make its -wal and
    # -shm files, cannot be opened for writing: per the spec's Persistence
    # chapter that is a startup failure (exit code 1, a message on stderr),
    # not a server that answers 503 to every write. Root ignores file
    # permissions, so as root the server runs as nobody.
    os.chmod(directory, 0o777)
    db, _ = prepare(directory)
    prefix = ()
    if os.geteuid() == 0:
        prefix = ("setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")
    for name, file_mode, dir_mode in (("read-only file", 0o444, 0o777),
                                      ("read-only directory", 0o666, 0o555)):
        for leftover in ("-wal", "-shm"):
            if os.path.exists(db + leftover):
                os.remove(db + leftover)
        os.chmod(db, file_mode)
        os.chmod(directory, dir_mode)
        proc = subprocess.run([*prefix, SERVER, "--port", "0", "--db", db],
                              capture_output=True, timeout=20)
        os.chmod(directory, 0o777)
        if proc.returncode != 1 or b"database" not in proc.stderr:
            raise Failure(f"{name}: started {' '.join([*prefix, SERVER, '--port 0 --db', db])}\n"
                          f"expected exit code 1 and a message about the database on stderr\n"
                          f"received exit code {proc.returncode}, stdout {proc.stdout[-500:]!r}, "
                          f"stderr {proc.stderr[-500:]!r}")
    os.chmod(db, 0o644)


def case_locked(directory):
    # A running server whose file cannot be written (another process holds
    # the write lock, as a backup or a stuck sqlite3 shell would): writes get
    # 503 problem+json after the 5 s busy timeout, reads keep working.
    db, users = prepare(directory)
    server = Server(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        unavailable(server, "POST", "/users", new_user("locked"))
        server.expect("GET", f"/users/{users[0]['id']}", None, {200}, "application/json")
        server.expect("GET", "/users?limit=5", None, {200}, "application/json")
        server.expect("GET", "/health", None, {200}, "application/json")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    server.expect("POST", "/users", new_user("unlocked"), {201})
    server.stop()


def case_full_disk(directory):
    # A full disk, simulated with RLIMIT_FSIZE on the server (prlimit): a
    # write past the limit fails with EFBIG (the server ignores SIGXFSZ).
    # Creates get 503 (or 507); reads keep working; after the limit is
    # lifted and the server restarted, every user answered 201 is there.
    db, users = prepare(directory)
    server = Server(db)
    size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
    subprocess.run(["prlimit", f"--pid={server.proc.pid}", f"--fsize={size + 16384}"], check=True)
    acknowledged, refused = list(users), 0
    for i in range(400):
        status, body = server.expect("POST", "/users", new_user(f"full{i}"), {201, 503, 507})
        if status == 201:
            acknowledged.append(body)
        else:
            refused += 1
            if refused >= 5:
                break
    if refused == 0:
        raise Failure(f"400 creates under a file size limit of {size + 16384} bytes all got 201")
    server.expect("GET", f"/users/{users[0]['id']}", None, {200})
    server.expect("GET", "/health", None, {200, 503})
    server.stop()
    server = Server(db)
    for user in acknowledged:
        _, got = server.expect("GET", f"/users/{user['id']}", None, {200})
        if got["email"] != user["email"]:
            raise Failure(f"GET /users/{user['id']} after restart: {got}, expected {user}")
    server.expect("POST", "/users", new_user("after"), {201})
    server.stop()
    check_integrity(db)


def case_deleted(directory):
    # The file deleted under a running server. SQLite keeps using the
    # unlinked inode, so reads go on answering from it; but a write there
    # would be lost at the next start, so the server checks that the path
    # still names the file it opened: /health is 503 "unavailable" and
    # writes are 503 problem+json. The same holds when the file is replaced.
    db, users = prepare(directory)
    server = Server(db)
    server.expect("GET", "/health", None, {200})
    server.expect("GET", "/ready", None, {200}, "application/json")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    _, health = server.expect("GET", "/health", None, {503}, "application/json")
    if health.get("status") != "unavailable" or health.get("users") is not None:
        raise Failure(f"GET /health after the file was deleted: {health}, expected "
                      "\"status\": \"unavailable\" and \"users\": null")
    _, ready = server.expect("GET", "/ready", None, {503}, "application/json")
    if ready != {"status": "not_ready"}:
        raise Failure(f"GET /ready after the file was deleted: {ready}, expected "
                      "{\"status\": \"not_ready\"}")
    unavailable(server, "POST", "/users", new_user("deleted"))
    unavailable(server, "PATCH", f"/users/{users[0]['id']}", {"age": 40})
    unavailable(server, "DELETE", f"/users/{users[1]['id']}")
    server.expect("GET", f"/users/{users[0]['id']}", None, {200})
    server.alive()
    server.stop()


def case_corrupted(directory):
    # The file overwritten with garbage under a running server. SQLite may
    # answer from its cache until it reads a damaged page; the server must
    # not crash, every answer must be a valid one (503 where storage fails),
    # and the next start refuses the file (exit code 1).
    db, users = prepare(directory, users=50)
    server = Server(db)
    server.expect("GET", "/health", None, {200})
    with open(db, "r+b") as f:
        f.write(os.urandom(os.path.getsize(db)))
    for path in ("/health", "/users?limit=100", f"/users/{users[0]['id']}"):
        server.expect("GET", path, None, {200, 503})
    server.expect("POST", "/users", new_user("corrupt"), {201, 503})
    server.alive()
    server.stop()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    proc = subprocess.run([SERVER, "--port", "0", "--db", db], capture_output=True, timeout=20)
    if proc.returncode != 1:
        raise Failure(f"started {SERVER} --port 0 --db {db} on a corrupted file\n"
                      f"expected exit code 1, received {proc.returncode}, stderr "
                      f"{proc.stderr[-500:]!r}")


def check_integrity(db):
    conn = sqlite3.connect(db)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()
    if result != [("ok",)]:
        raise Failure(f"PRAGMA integrity_check on {db}: {result}")


def case_kill_storm(directory, kills=10, workers=6):
    # SIGKILL at a random moment of a storm of creates, updates and deletes,
    # ten times on one file. Each worker owns its users, so the expected
    # state of each is known: after every kill the file holds every
    # acknowledged change, and the one change in flight per worker either
    # wholly or not at all.
    db = os.path.join(directory, "users.db")
    state = {}  # email -> {"acked": None | {"id", "age"}, "pending": op or None}
    lock = threading.Lock()

    def storm(server, stop, seed):
        rng = random.Random(seed)
        mine = []
        while not stop.is_set():
            choice = rng.random()
            try:
                if not mine or choice < 0.4:
                    body = new_user(f"k{seed}", rng.randint(1, 150))
                    entry = {"acked": None, "pending": ("create", body)}
                    with lock:
                        state[body["email"]] = entry
                    status, _, text = server.request("POST", "/users", body, timeout=10)
                    if status != 201:
                        raise Failure(f"POST /users {body}: {status} {text}")
                    entry["acked"] = {"id": json.loads(text)["id"], "age": body["age"]}
                    entry["pending"] = None
                    mine.append(body["email"])
                elif choice < 0.75:
                    email = rng.choice(mine)
                    entry, age = state[email], rng.randint(1, 150)
                    entry["pending"] = ("update", age)
                    path = f"/users/{entry['acked']['id']}"
                    status, _, text = server.request("PATCH", path, {"age": age}, timeout=10)
                    if status != 200:
                        raise Failure(f"PATCH {path} {{\"age\": {age}}}: {status} {text}")
                    entry["acked"] = {"id": entry["acked"]["id"], "age": age}
                    entry["pending"] = None
                else:
                    email = mine.pop(rng.randrange(len(mine)))
                    entry = state[email]
                    entry["pending"] = ("delete",)
                    path = f"/users/{entry['acked']['id']}"
                    status, _, text = server.request("DELETE", path, timeout=10)
                    if status != 204:
                        raise Failure(f"DELETE {path}: {status} {text}")
                    entry["acked"], entry["pending"] = None, None
            except (OSError, http.client.HTTPException):
                return  # The kill: this worker's change in flight stays pending.

    errors = []
    for round_ in range(1, kills + 1):
        server = Server(db)
        stop = threading.Event()

        def run(seed):
            try:
                storm(server, stop, seed)
            except Failure as e:
                errors.append(str(e))

        threads = [threading.Thread(target=run, args=(round_ * 100 + w,)) for w in range(workers)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.2, 1.0))
        server.proc.kill()
        server.proc.wait()
        stop.set()
        for t in threads:
            t.join(15)
        server.log.close()
        if errors:
            raise Failure(f"round {round_}: a request failed before the kill: {errors[0]}")
        check_integrity(db)
        conn = sqlite3.connect(db)
        rows = {email: (uid, age) for uid, email, age in
                conn.execute("SELECT id, email, age FROM users")}
        conn.close()
        for email, entry in state.items():
            acked, pending, row = entry["acked"], entry["pending"], rows.get(email)
            before = None if acked is None else (acked["id"], acked["age"])
            if pending is None:
                fine = row == before
            elif pending[0] == "create":  # Absent, or present with what was sent.
                fine = row is None or row[1] == pending[1]["age"]
            elif pending[0] == "update":
                fine = row in (before, (acked["id"], pending[1]))
            else:  # delete
                fine = row in (before, None)
            if not fine:
                raise Failure(f"round {round_} (SIGKILL after a random wait): {email} is "
                              f"(id, age) {row} in the file; acknowledged {before}, "
                              f"in flight when killed: {pending}")
            # What was in flight is settled now, one way or the other.
            entry["acked"] = None if row is None else {"id": row[0], "age": row[1]}
            entry["pending"] = None
    # The file still serves after the last kill.
    server = Server(db)
    server.expect("GET", "/health", None, {200})
    server.stop()


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    global SERVER
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        sys.exit(f"usage: {sys.argv[0]} SERVER {{{'|'.join(CASES)}}}")
    SERVER = os.path.abspath(sys.argv[1])
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="faults-") as directory:
        os.chmod(directory, 0o755)
        try:
            CASES[sys.argv[2]](directory)
        except Failure as e:
            print(f"FAIL {sys.argv[2]}:\n{e}", file=sys.stderr)
            sys.exit(1)
        finally:
            os.chmod(directory, 0o755)
    print(f"ok {sys.argv[2]} in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
