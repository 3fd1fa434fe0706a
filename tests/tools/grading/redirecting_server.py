#!/usr/bin/python3
"""A User API that serves its collection at /users/ only, for grading tests.

    redirecting_server.py [--port P]

Prints `listening on http://127.0.0.1:PORT`, then serves until killed.
Its routes are declared with a trailing slash, so FastAPI answers
`POST /users` and `GET /users` with a 307 to /users/: the mistake an
independent FastAPI implementation made, which the scorecard must name as
one root cause (tests/tools/grading/scorecard_test.py). The rest is a
plain in-memory implementation of stage 1, without validation.

Runs with Debian's /usr/bin/python3 and its python3-fastapi and
python3-uvicorn packages.
"""
import argparse
import socket
import sys
from datetime import datetime, timezone

sys.dont_write_bytecode = True  # Keep the source tree free of __pycache__.

from fastapi import FastAPI, Request, Response  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
import uvicorn  # noqa: E402

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
users = {}


def not_found(user_id):
    return JSONResponse({"type": "about:blank", "title": "Not Found", "status": 404,
                         "detail": f"no user with id {user_id}"},
                        status_code=404, media_type="application/problem+json")


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/users/", status_code=201)
async def create_user(request: Request, response: Response):
    user = {"id": len(users) + 1, **(await request.json()),
            "created_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")}
    users[user["id"]] = user
    response.headers["Location"] = f"/users/{user['id']}"
    return user


@app.get("/users/")
def list_users():
    return list(users.values())


@app.get("/users/{user_id}")
def get_user(user_id: int):
    return users[user_id] if user_id in users else not_found(user_id)


@app.put("/users/{user_id}")
async def update_user(user_id: int, request: Request):
    if user_id not in users:
        return not_found(user_id)
    users[user_id].update(await request.json())
    return users[user_id]


@app.delete("/users/{user_id}", status_code=204)
def delete_user(user_id: int):
    if users.pop(user_id, None) is None:
        return not_found(user_id)
    return Response(status_code=204)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    port = parser.parse_args().port
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
