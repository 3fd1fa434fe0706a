#!/usr/bin/python3
"""A server that breaks guide/openapi.yaml in three known ways, and no other.

Usage: nonconforming_server.py --port 0

Prints `listening on http://127.0.0.1:PORT` and answers, until SIGTERM:
  GET /health    200 {"status":"ok"}, as described (the control);
  GET /users/1   200 with the user's `created_at` written `createdAt`;
  GET /users     200 [] without the required `X-Request-ID` header;
  DELETE /users/1  418, a status the description does not list;
and 404 to anything else. Every answer but GET /users carries X-Request-ID.
The self-test of tests/suites/conformance runs it behind Prism. Standard
library only.
"""

import http.server
import json
import signal
import sys
import threading

USER_WITH_A_RENAMED_FIELD = {
    "id": 1, "name": "Ada Lovelace", "email": "ada@example.test", "age": 36,
    "createdAt": "2026-11-26T12:53:51.123Z", "updated_at": "2026-11-26T12:53:51.123Z",
}
PROBLEM_TEAPOT = {"type": "/problems/teapot", "title": "I'm a teapot", "status": 418,
                  "detail": "not in the description"}
PROBLEM_NOT_FOUND = {"type": "/problems/not-found", "title": "Not Found", "status": 404,
                     "detail": "no route matches this path"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json", headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        request_id = {"X-Request-ID": "self-test"}
        if self.path == "/health":
            self.answer(200, {"status": "ok"}, headers=request_id)
        elif self.path == "/users/1":
            self.answer(200, USER_WITH_A_RENAMED_FIELD,
                        headers={**request_id, "ETag": '"self-test"'})
        elif self.path == "/users":
            self.answer(200, [])
        else:
            self.answer(404, PROBLEM_NOT_FOUND, "application/problem+json", request_id)

    def do_DELETE(self):
        request_id = {"X-Request-ID": "self-test"}
        if self.path == "/users/1":
            self.answer(418, PROBLEM_TEAPOT, "application/problem+json", request_id)
        else:
            self.answer(404, PROBLEM_NOT_FOUND, "application/problem+json", request_id)


def main():
    if sys.argv[1:] != ["--port", "0"]:
        sys.exit("usage: nonconforming_server.py --port 0")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
