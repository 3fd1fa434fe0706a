#!/usr/bin/python3
"""A recording reverse proxy in front of Prism's validation proxy.

Usage: violation_recorder.py UPSTREAM_URL RECORD_FILE

Listens on a free port of 127.0.0.1, prints `listening on http://HOST:PORT`
(the line every server of the kit prints), and passes each request to
UPSTREAM_URL (Prism's proxy) unchanged: method, target, headers and body
bytes as received, a chunked body still chunked. Each answer goes back to
the client without Prism's `sl-violations` header, and one JSON line per
exchange is appended to RECORD_FILE:

  {"method", "target", "content_type", "body", "status", "violations",
   "prism_error"}

`content_type` and `body` are the request's (the body's first 2000 bytes,
as text), so that a report can show how to send the request again.

`violations` is the parsed `sl-violations` header (a list, empty when the
header is absent), or the header's raw text when it is not JSON (Prism cuts
it short past 8 KB); `prism_error` is the `type` of a problem document that
Prism wrote itself (the request never reached the server), else null;
`status` is null when the request was not answered: Prism could not be
reached or did not answer, or the request could not be read whole (its
body announced over 1 MiB, or sent short) and was not passed on. Either
way the client's connection is closed without an answer.
Requests are served on threads; each line is written whole. Runs until
SIGTERM or SIGINT. Standard library only.
"""

import http.client
import http.server
import json
import signal
import sys
import threading
import urllib.parse

BODY_KEPT = 2000
# A body announced larger than this is not read, and the request not passed
# on: the server refuses bodies over 65536 bytes without reading them.
BODY_READ_LIMIT = 1 << 20
# Seconds to wait for the rest of a request that the client stopped sending.
READ_TIMEOUT = 5
PRISM_ERROR_PREFIX = "https://stoplight.io/prism/errors#"
# Headers that describe one connection, not the message.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer",
              "upgrade", "proxy-connection", "content-length"}


class Recorder:
    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()  # Guards _file.

    def write(self, entry):
        line = json.dumps(entry) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()


def read_chunked(stream):
    """The bytes of a chunked body as sent, up to and including its end."""
    raw = b""
    while True:
        size_line = stream.readline()
        raw += size_line
        try:
            size = int(size_line.split(b";")[0].strip(), 16)
        except ValueError:
            return raw  # Malformed: pass on what came; Prism will judge.
        if size == 0:
            while True:  # Trailers, then the empty line.
                line = stream.readline()
                raw += line
                if line in (b"\r\n", b"\n", b""):
                    return raw
        raw += stream.read(size + 2)


def prism_error_type(content_type, body):
    if "problem+json" not in (content_type or ""):
        return None
    try:
        kind = json.loads(body).get("type", "")
    except (ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) and kind.startswith(PRISM_ERROR_PREFIX) else None


def parse_violations(header):
    if header is None:
        return []
    try:
        return json.loads(header)
    except ValueError:
        return header


def make_handler(upstream, recorder):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = READ_TIMEOUT

        def log_message(self, *args):
            pass

        def handle_one_request(self):
            # Every method, known or not, goes through forward().
            try:
                self.raw_requestline = self.rfile.readline(65537)
                if not self.raw_requestline:
                    self.close_connection = True
                    return
                if not self.parse_request():
                    return
                self.forward()
                self.wfile.flush()
            except TimeoutError:
                self.close_connection = True

        def forward(self):
            body = self.read_body()
            entry = {"method": self.command, "target": self.path,
                     "content_type": self.headers.get("Content-Type"),
                     "body": (body or b"")[:BODY_KEPT].decode("utf-8", "replace"),
                     "status": None, "violations": [], "prism_error": None}
            if body is None:
                entry["prism_error"] = "not passed on: its body could not be read whole"
                recorder.write(entry)
                self.close_connection = True
                return
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            try:
                connection.putrequest(self.command, self.path, skip_host=True,
                                      skip_accept_encoding=True)
                for name, value in self.headers.items():
                    connection.putheader(name, value)
                connection.endheaders(body or None)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                entry["prism_error"] = f"no answer from Prism: {error}"
                recorder.write(entry)
                self.close_connection = True
                return
            finally:
                connection.close()
            entry["status"] = response.status
            entry["violations"] = parse_violations(response.getheader("sl-violations"))
            entry["prism_error"] = prism_error_type(response.getheader("Content-Type"), data)
            recorder.write(entry)

            self.send_response_only(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "sl-violations":
                    self.send_header(name, value)
            if self.command == "HEAD":
                self.send_header("Content-Length", response.getheader("Content-Length", "0"))
            elif response.status not in (204, 304):
                self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def read_body(self):
            """The body's bytes as sent, b"" for none, None when not read whole."""
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                return read_chunked(self.rfile)
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                return b""  # Passed on as sent, for Prism and the server to refuse.
            if length > BODY_READ_LIMIT:
                return None
            try:
                body = self.rfile.read(length) if length > 0 else b""
            except TimeoutError:
                return None
            return body if len(body) == length else None

    return Handler


class RecorderServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # The suites open up to 100 connections at once; the default backlog is 5.
    request_queue_size = 256


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: violation_recorder.py UPSTREAM_URL RECORD_FILE")
    upstream = urllib.parse.urlsplit(sys.argv[1])
    server = RecorderServer(("127.0.0.1", 0), make_handler(upstream, Recorder(sys.argv[2])))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
