"""The User Management API of guide/api-spec.md, stages 1 and 2, in FastAPI.

This is the design the interview guide sketches for Python (FastAPI routes,
Pydantic models, users kept in a dict guarded by a threading.Lock), held to
this kit's contract instead of FastAPI's defaults. The contract differs from
those defaults in a few places, and each difference has one home here:

- Errors are RFC 9457 problem documents (`Problem` and the exception
  handlers), not FastAPI's `{"detail": ...}`.
- The body is read and parsed by a dependency (`json_body`) rather than by
  FastAPI, because the contract wants 411/413/415 before the body is read,
  400 for JSON that Python's parser would accept (nesting deeper than 32,
  numbers that overflow a double, lone surrogates) and 422 with one entry
  per field, in a fixed order.
- Checks that come before routing (414, Transfer-Encoding, Content-Encoding)
  live in a plain ASGI middleware (`RequestFormatChecks`).
- Every route is registered with and without one trailing slash, and
  Starlette's slash redirects are off.

Endpoints that touch the store are plain `def` functions, so FastAPI runs
them on its thread pool; that is why the store takes a lock.

The program that serves this app is `user_api_fastapi`, next to this file.
"""
from __future__ import annotations

import json
import re
import string
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Extra, StrictStr, ValidationError, conint, validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

MAX_BODY_BYTES = 65536
MAX_PATH_BYTES = 512
MAX_TARGET_BYTES = 8192
MAX_JSON_DEPTH = 32
MAX_USER_ID = 2**63 - 1


# --- Problem documents ---------------------------------------------------------

TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}

# Statuses Starlette may raise by itself, with the slug each one gets.
SLUGS = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    411: "length-required",
    413: "payload-too-large",
    414: "uri-too-long",
    415: "unsupported-media-type",
    422: "validation-failed",
    500: "internal-error",
}

INTERNAL_ERROR_DETAIL = "the server failed to handle the request"


class Problem(Exception):
    """An error answer: raised anywhere, rendered by `on_problem`."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        errors: Optional[List[Dict[str, str]]] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.errors = errors
        self.headers = headers


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def problem_document(status: int, slug: str, detail: str,
                     errors: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
    document: Dict[str, Any] = {
        "type": "/problems/" + slug,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        document["errors"] = errors
    return document


def problem_response(problem: Problem) -> ProblemResponse:
    return ProblemResponse(
        problem_document(problem.status, problem.slug, problem.detail, problem.errors),
        status_code=problem.status,
        headers=problem.headers,
    )


def invalid_json(detail: str) -> Problem:
    return Problem(400, "invalid-json", detail)


def not_found(detail: str) -> Problem:
    return Problem(404, "not-found", detail)


# --- Models ----------------------------------------------------------------------

WHITESPACE = " \t\n\v\f\r"  # The six ASCII characters the contract trims.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DOMAIN = re.compile(rf"{LABEL}(?:\.{LABEL})+")
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def clean_name(value: str) -> str:
    value = value.strip(WHITESPACE)
    if not 1 <= len(value) <= 100:
        raise ValueError("must be 1 to 100 characters after trimming")
    if CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def clean_email(value: str) -> str:
    value = value.strip(WHITESPACE)
    if len(value) > 254:
        raise ValueError("must be at most 254 characters")
    if value.count("@") != 1:
        raise ValueError("must contain exactly one '@'")
    local, domain = value.split("@")
    if not 1 <= len(local) <= 64:
        raise ValueError("must have a local part of 1 to 64 characters")
    if " " in local or CONTROL.search(local):
        raise ValueError("must not have spaces or control characters before the '@'")
    if not DOMAIN.fullmatch(domain):
        raise ValueError("must have a domain of two or more valid labels")
    return value.translate(ASCII_LOWER)


def reject_null(value: Any) -> Any:
    if value is None:
        raise ValueError("must be a string, not null")
    return value


Age = Optional[conint(strict=True, ge=0, le=150)]


class UserCreate(BaseModel):
    name: StrictStr
    email: StrictStr
    age: Age = None

    class Config:
        extra = Extra.forbid

    _name = validator("name", allow_reuse=True)(clean_name)
    _email = validator("email", allow_reuse=True)(clean_email)


class UserUpdate(BaseModel):
    """A partial update: only the fields in `__fields_set__` change."""

    name: Optional[StrictStr] = None
    email: Optional[StrictStr] = None
    age: Age = None

    class Config:
        extra = Extra.forbid

    _not_null = validator("name", "email", pre=True, allow_reuse=True)(reject_null)
    _name = validator("name", allow_reuse=True)(clean_name)
    _email = validator("email", allow_reuse=True)(clean_email)


def rfc3339_millis(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_millis() -> datetime:
    moment = datetime.now(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class User(BaseModel):
    id: int
    name: str
    email: str
    age: Optional[int]
    created_at: datetime
    updated_at: datetime

    class Config:
        json_encoders = {datetime: rfc3339_millis}


class Health(BaseModel):
    status: str


# --- The store -------------------------------------------------------------------

class EmailTaken(Exception):
    pass


class UserNotFound(Exception):
    pass


class UserStore:
    """Users by id, in memory. Ids only grow and are never reused.

    Every method holds the lock for its whole read-check-write, so that
    concurrent requests behave as if they ran one after another. Stored
    `User` objects are never mutated: an update stores a new copy, so a
    caller may serialize what it got back after the lock is released.
    """

    def __init__(self) -> None:
        self._users: Dict[int, User] = {}
        self._owner_of_email: Dict[str, int] = {}
        self._last_id = 0
        self._lock = threading.Lock()

    def create(self, fields: UserCreate) -> User:
        with self._lock:
            if fields.email in self._owner_of_email:
                raise EmailTaken
            self._last_id += 1
            now = now_millis()
            user = User(id=self._last_id, name=fields.name, email=fields.email, age=fields.age,
                        created_at=now, updated_at=now)
            self._users[user.id] = user
            self._owner_of_email[user.email] = user.id
            return user

    def list(self) -> List[User]:
        with self._lock:
            # Ids are assigned in increasing order and a dict keeps insertion
            # order, so this is already ascending by id.
            return list(self._users.values())

    def get(self, user_id: int) -> User:
        with self._lock:
            user = self._users.get(user_id)
        if user is None:
            raise UserNotFound
        return user

    def update(self, user_id: int, changes: Dict[str, Any]) -> User:
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                raise UserNotFound
            if not changes:
                return user
            new_email = changes.get("email", user.email)
            owner = self._owner_of_email.get(new_email)
            if owner is not None and owner != user_id:
                raise EmailTaken
            updated = user.copy(update={**changes, "updated_at": now_millis()})
            self._users[user_id] = updated
            if new_email != user.email:
                del self._owner_of_email[user.email]
                self._owner_of_email[new_email] = user_id
            return updated

    def delete(self, user_id: int) -> None:
        with self._lock:
            user = self._users.pop(user_id, None)
            if user is None:
                raise UserNotFound
            del self._owner_of_email[user.email]


store = UserStore()


# --- Reading requests --------------------------------------------------------------

ID_DIGITS = re.compile("[0-9]+")


def path_user_id(user_id: str) -> int:
    """The id in /users/{user_id}; 404 when it cannot name a user."""
    if ID_DIGITS.fullmatch(user_id):
        value = int(user_id)
        if 1 <= value <= MAX_USER_ID:
            return value
    raise not_found("no user with id " + user_id[:40])


def declared_length(request: Request) -> Optional[int]:
    # h11 has already refused a Content-Length that is not a number.
    length = request.headers.get("content-length")
    return None if length is None else int(length)


def body_size_limit(request: Request) -> None:
    """413 for a declared body over the limit, on any method."""
    length = declared_length(request)
    if length is not None and length > MAX_BODY_BYTES:
        raise Problem(413, "payload-too-large", f"the body is over {MAX_BODY_BYTES} bytes")


STRING_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
BRACKET = re.compile(r"[\[\]{}]")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def nested_too_deep(text: str) -> bool:
    """Whether the JSON text opens more than MAX_JSON_DEPTH arrays/objects
    at once, judged before parsing so a deep body is never built."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False
    depth = 0
    for bracket in BRACKET.findall(STRING_TOKEN.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        else:
            depth -= 1
    return False


def finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def no_constants(text: str) -> Any:
    raise ValueError(text + " is not JSON")


def has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(item) for item in value)
    return False


def parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_json("the body is not valid UTF-8") from None
    if nested_too_deep(text):
        raise invalid_json(f"the body is nested deeper than {MAX_JSON_DEPTH}")
    try:
        value = json.loads(text, parse_float=finite_float, parse_constant=no_constants)
    except (ValueError, RecursionError):
        raise invalid_json("the body is not valid JSON") from None
    if SURROGATE_ESCAPE.search(text) and has_lone_surrogate(value):
        raise invalid_json("the body has an unpaired surrogate escape")
    return value


async def json_body(request: Request) -> Any:
    """The parsed JSON body of a POST or PUT, after the header checks."""
    length = declared_length(request)
    if length is None:
        raise Problem(411, "length-required", "a body needs a Content-Length header")
    if length > MAX_BODY_BYTES:
        raise Problem(413, "payload-too-large", f"the body is over {MAX_BODY_BYTES} bytes")
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise Problem(415, "unsupported-media-type", "the body must be application/json")
    try:
        raw = await request.body()
    except ClientDisconnect:
        # Nobody is left to read the answer; this only keeps the log quiet.
        raise Problem(400, "bad-request", "the client left before sending the body") from None
    return parse_json(raw)


FIELD_RANK = {"": 0, "name": 1, "email": 2, "age": 3}
KNOWN_FIELDS = ("name", "email", "age")


def error_message(field: str, error: Dict[str, Any]) -> str:
    kind = error["type"]
    if field not in KNOWN_FIELDS:
        return "is not a field of a user"
    if kind == "value_error.missing":
        return "is required"
    if field == "age":
        return "must be an integer from 0 to 150, or null"
    if kind.startswith("type_error"):
        return "must be a string"
    return error["msg"]


def validation_failed(errors: List[Dict[str, str]]) -> Problem:
    count = len(errors)
    detail = f"the request has {count} invalid field{'s' if count != 1 else ''}"
    return Problem(422, "validation-failed", detail, errors=errors)


def validated(model: Callable[..., BaseModel], body: Any) -> Any:
    """`body` as an instance of `model`, or a 422 listing every bad field in
    the contract's order: name, email, age, then unknown fields by bytes."""
    if not isinstance(body, dict):
        raise validation_failed([{"field": "", "message": "must be a JSON object"}])
    try:
        return model.parse_obj(body)
    except ValidationError as exc:
        messages: Dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            messages.setdefault(field, error_message(field, error))
        order = sorted(messages, key=lambda f: (FIELD_RANK.get(f, 4), f.encode("utf-8")))
        raise validation_failed([{"field": f, "message": messages[f]} for f in order]) from None


def create_fields(body: Any = Depends(json_body)) -> UserCreate:
    return validated(UserCreate, body)


def update_fields(body: Any = Depends(json_body)) -> UserUpdate:
    return validated(UserUpdate, body)


class RequestFormatChecks:
    """The checks the contract puts before routing: 414 for a long path or
    request target, 411 for any Transfer-Encoding, 415 for any
    Content-Encoding. A plain ASGI middleware, so the body is never read."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            problem = self.check(scope)
            if problem is not None:
                await problem_response(problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def check(scope: Dict[str, Any]) -> Optional[Problem]:
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query = scope.get("query_string", b"")
        if len(raw_path) > MAX_PATH_BYTES:
            return Problem(414, "uri-too-long", f"the path is over {MAX_PATH_BYTES} bytes")
        if len(raw_path) + 1 + len(query) > MAX_TARGET_BYTES:
            return Problem(414, "uri-too-long",
                           f"the request target is over {MAX_TARGET_BYTES} bytes")
        names = {name for name, _ in scope["headers"]}
        if b"transfer-encoding" in names:
            return Problem(411, "length-required",
                           "send the body with Content-Length, not Transfer-Encoding")
        if b"content-encoding" in names:
            return Problem(415, "unsupported-media-type", "Content-Encoding is not supported")
        return None


# --- The application -----------------------------------------------------------------

app = FastAPI(
    title="User Management API (FastAPI peer)",
    version="2.0.0",
    # /docs, /redoc and /openapi.json are stage 3; in stage 2 they are unknown paths.
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
)
app.router.redirect_slashes = False
app.add_middleware(RequestFormatChecks)


def route(method: str, path: str, **options: Any) -> Callable[[Callable], Callable]:
    """Registers an endpoint for `path` and for `path` with one trailing slash."""

    def register(endpoint: Callable) -> Callable:
        for variant in (path, path + "/"):
            app.add_api_route(variant, endpoint, methods=[method], **options)
        return endpoint

    return register


@route("GET", "/health", response_model=Health, dependencies=[Depends(body_size_limit)])
async def health() -> Health:
    return Health(status="ok")


@route("POST", "/users", status_code=201, response_model=User)
def create_user(response: Response, fields: UserCreate = Depends(create_fields)) -> User:
    try:
        user = store.create(fields)
    except EmailTaken:
        raise Problem(409, "email-taken", "another user already has this email") from None
    response.headers["Location"] = f"/users/{user.id}"
    return user


@route("GET", "/users", response_model=List[User], dependencies=[Depends(body_size_limit)])
def list_users() -> List[User]:
    return store.list()


@route("GET", "/users/{user_id}", response_model=User)
def get_user(user_id: int = Depends(path_user_id), _: None = Depends(body_size_limit)) -> User:
    try:
        return store.get(user_id)
    except UserNotFound:
        raise not_found(f"no user with id {user_id}") from None


@route("PUT", "/users/{user_id}", response_model=User)
def update_user(user_id: int = Depends(path_user_id),
                changes: UserUpdate = Depends(update_fields)) -> User:
    try:
        return store.update(user_id, changes.dict(exclude_unset=True))
    except UserNotFound:
        raise not_found(f"no user with id {user_id}") from None
    except EmailTaken:
        raise Problem(409, "email-taken", "another user already has this email") from None


@route("DELETE", "/users/{user_id}", status_code=204, response_class=Response)
def delete_user(user_id: int = Depends(path_user_id),
                _: None = Depends(body_size_limit)) -> Response:
    try:
        store.delete(user_id)
    except UserNotFound:
        raise not_found(f"no user with id {user_id}") from None
    return Response(status_code=204)


# --- Error handlers ------------------------------------------------------------------

METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(path: str) -> str:
    """The Allow header for `path`: the methods of every route it matches."""
    methods = set()
    for candidate in app.router.routes:
        if isinstance(candidate, APIRoute) and candidate.path_regex.match(path):
            methods |= candidate.methods
    return ", ".join(method for method in METHOD_ORDER if method in methods)


@app.exception_handler(Problem)
async def on_problem(request: Request, problem: Problem) -> ProblemResponse:
    return problem_response(problem)


@app.exception_handler(StarletteHTTPException)
async def on_http_exception(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
    status = exc.status_code
    if status == 404:
        return problem_response(not_found("no route has this path"))
    if status == 405:
        return problem_response(Problem(
            405, "method-not-allowed", f"{request.method} is not allowed on this path",
            headers={"Allow": allowed_methods(request.scope["path"])}))
    slug = SLUGS.get(status, "bad-request" if status < 500 else "internal-error")
    detail = INTERNAL_ERROR_DETAIL if status >= 500 else "the request was refused"
    return problem_response(Problem(status, slug, detail))


@app.exception_handler(RequestValidationError)
async def on_request_validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
    # No route declares FastAPI-validated parameters, so this is a safety net.
    return problem_response(validation_failed([{"field": "", "message": "is not valid"}]))


@app.exception_handler(Exception)
async def on_unexpected(request: Request, exc: Exception) -> ProblemResponse:
    return problem_response(Problem(500, "internal-error", INTERNAL_ERROR_DETAIL))
