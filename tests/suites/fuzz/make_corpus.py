#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets, tests/suites/fuzz/corpus/<target>/,
from the acceptance suites' own tables, so that fuzzing starts from the
inputs the suites already know to matter:

- user_body_fuzz: every body of the CreateCase and UpdateCase tables of
  tests/suites/acceptance/errors_test.cpp;
- list_query_fuzz: every query of the Listed and Refused cases of
  tests/suites/acceptance/extras/pagination_test.cpp and search_test.cpp;
- request_fuzz: every request of the RawCase table of errors_test.cpp, built
  as its test builds it, plus a few hand-written connections of several
  requests (create, then read, update with If-Match, delete), which the
  tables do not have, and the inputs of past findings (kept by hand in
  corpus/request_fuzz/finding-*).

The tables are C++; the script reads the string expressions they use
(literals, raw literals, the file's own string constants, Repeat and
std::string(n, c), joined with +) and fails on anything else, so a table
that grows a new kind of expression is noticed here. Placeholders are
filled with fixed values. Bodies padded to 64 KiB are left out: libFuzzer
works best on small inputs, and request_fuzz reaches the size checks with
Content-Length alone.

Rerun after changing the tables: it replaces the files it writes (named
after their case: create-, update-, query-, raw-, conn-) and leaves the
others: the finding-* inputs and those scripts/fuzz --save-corpus merged in.
Usage: tests/suites/fuzz/make_corpus.py
"""
import hashlib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
ACCEPTANCE = ROOT / "tests" / "suites" / "acceptance"
CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"

LOCAL = "fuzz"
PLACEHOLDERS = [
    ("$LOCAL64", LOCAL.ljust(64, "x")),
    ("$LOCAL65", LOCAL.ljust(65, "x")),
    ("$EMAIL", LOCAL + "@example.test"),
    ("$LOCAL", LOCAL),
    ("$ID", "1"),
    ("$TU", "FUZZ"),
    ("$T", "fuzz"),
]
SETTINGS_OPEN = b"\x00"  # request_fuzz: no API key, no rate limit.
SETTINGS_KEY = b"\x01"   # request_fuzz: the API key "fuzz-key".
SETTINGS_LIMIT = b"\x02"  # request_fuzz: a rate limit of 2 a second.
MAX_SEED = 4096
GENERATED = ("create-", "update-", "query-", "raw-", "conn-")  # What this script writes.


def fill(text):
    for placeholder, value in PLACEHOLDERS:
        text = text.replace(placeholder, value)
    return text


class Expressions:
    """Reads the C++ string expressions of one source file."""

    TOKEN = re.compile(
        r'\s*(?:R"\((?P<raw>.*?)\)"'
        r'|"(?P<str>(?:[^"\\]|\\.)*)"'
        r"|'(?P<chr>(?:[^'\\]|\\.))'"
        r"|(?P<num>\d+)"
        r"|(?P<name>[A-Za-z_][A-Za-z_0-9:]*)"
        r"|(?P<op>[+(),]))",
        re.S,
    )

    def __init__(self, source):
        self.constants = {}
        for name, expression in re.findall(
            r"^const std::string (k\w+) =\s*(.*?);[ \t]*(?://[^\n]*)?$", source, re.M | re.S
        ):
            self.constants[name] = self.evaluate(expression)

    SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}

    @classmethod
    def unescape(cls, text):
        """A C++ literal's text as a str whose raw bytes (\\xNN) are kept as
        surrogate escapes, so that to_bytes gives back the very bytes."""
        out, at = "", 0
        while at < len(text):
            if text[at] != "\\":
                out += text[at]
                at += 1
            elif text[at + 1] == "x":
                digits = re.match(r"[0-9A-Fa-f]+", text[at + 2 :]).group(0)
                value = int(digits, 16)
                out += chr(value) if value < 0x80 else chr(0xDC00 + value)
                at += 2 + len(digits)
            elif text[at + 1] == "u":
                out += chr(int(text[at + 2 : at + 6], 16))
                at += 6
            else:
                out += cls.SIMPLE_ESCAPES[text[at + 1]]
                at += 2
        return out

    def tokens(self, expression):
        at, out = 0, []
        while at < len(expression.rstrip()):
            match = self.TOKEN.match(expression, at)
            if not match:
                raise ValueError("cannot read: " + expression[at:])
            out.append(match)
            at = match.end()
        return out

    def evaluate(self, expression):
        tokens = self.tokens(expression)
        value, rest = self.sum(tokens)
        if rest:
            raise ValueError("cannot read: " + expression)
        return value

    def sum(self, tokens):
        value, tokens = self.term(tokens)
        while tokens and tokens[0].group("op") == "+":
            more, tokens = self.term(tokens[1:])
            value += more
        return value, tokens

    def term(self, tokens):
        token = tokens[0]
        if token.group("raw") is not None:
            return token.group("raw"), tokens[1:]
        if token.group("str") is not None:
            return self.unescape(token.group("str")), tokens[1:]
        name = token.group("name")
        if name in ("Repeat", "std::string"):
            first, rest = self.argument(tokens[2:])
            second, rest = self.argument(rest[1:])
            if name == "Repeat":
                return first * int(second), rest[1:]
            return second * int(first), rest[1:]
        if name in self.constants:
            return self.constants[name], tokens[1:]
        raise ValueError("unknown name: " + str(name))

    def argument(self, tokens):
        token = tokens[0]
        if token.group("num") is not None:
            return token.group("num"), tokens[1:]
        if token.group("chr") is not None:
            return self.unescape(token.group("chr")), tokens[1:]
        return self.sum(tokens)


def split_arguments(text):
    """The top-level comma-separated arguments of text (no outer braces)."""
    arguments, depth, current, at = [], 0, "", 0
    while at < len(text):
        c = text[at]
        if text.startswith('R"(', at):
            end = text.index(')"', at) + 2
            current += text[at:end]
            at = end
            continue
        if c in "\"'":
            end = at + 1
            while text[end] != c:
                end += 2 if text[end] == "\\" else 1
            current += text[at : end + 1]
            at = end + 1
            continue
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        if c == "," and depth == 0:
            arguments.append(current.strip())
            current = ""
        else:
            current += c
        at += 1
    if current.strip():
        arguments.append(current.strip())
    return arguments


def calls(source, opener):
    """The argument lists of every `opener(...)` or `opener{...}` in source."""
    for match in re.finditer(re.escape(opener) + r"([({])", source):
        close = ")" if match.group(1) == "(" else "}"
        depth, at = 0, match.end() - 1
        while True:
            c = source[at]
            if source.startswith('R"(', at):
                at = source.index(')"', at) + 2
                continue
            if c == '"':
                at += 1
                while source[at] != '"':
                    at += 2 if source[at] == "\\" else 1
            elif c in "({":
                depth += 1
            elif c in ")}":
                depth -= 1
                if depth == 0 and c == close:
                    yield split_arguments(source[match.end() : at])
                    break
            at += 1


def write(target, name, data, written):
    if len(data) > MAX_SEED:
        return
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", name)
    (folder / safe).write_bytes(data)
    written.setdefault(target, set()).add(safe)


def raw_request(method, path, headers, body, content_length=True, close=True):
    text = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n"
    if close:
        text += "Connection: close\r\n"
    text += headers
    if content_length:
        text += "Content-Length: " + str(len(body.encode("utf-8", "surrogateescape"))) + "\r\n"
    return text + "\r\n" + body


def to_bytes(text):
    return text.encode("utf-8", "surrogateescape")


def main():
    written = {}
    errors = (ACCEPTANCE / "errors_test.cpp").read_text()
    extras = "".join((ACCEPTANCE / "extras" / name).read_text()
                     for name in ("pagination_test.cpp", "search_test.cpp"))
    errors_strings = Expressions(errors)
    extras_strings = Expressions(extras)

    for table in ("CreateCase", "UpdateCase"):
        for arguments in calls(errors, table):
            name = errors_strings.evaluate(arguments[0])
            body = fill(errors_strings.evaluate(arguments[1]))
            write("user_body_fuzz", table[:-4].lower() + "-" + name, to_bytes(body), written)

    for function in ("Listed", "Refused"):
        for arguments in calls(extras, function):
            if not arguments or not arguments[0].startswith('"'):
                continue  # The definitions of Listed and Refused.
            name = extras_strings.evaluate(arguments[0])
            query = fill(extras_strings.evaluate(arguments[1]))
            write("list_query_fuzz", "query-" + name, to_bytes(query), written)

    for arguments in calls(errors, "RawCase"):
        if len(arguments) < 6 or len(arguments) >= 10:
            continue  # The definition, and the bodies padded to 64 KiB.
        name = errors_strings.evaluate(arguments[0])
        method, path, headers, body = (fill(errors_strings.evaluate(a)) for a in arguments[1:5])
        content_length = len(arguments) < 7 or arguments[6] != "false"
        request = raw_request(method, path, headers, body, content_length)
        write("request_fuzz", "raw-" + name, SETTINGS_OPEN + to_bytes(request), written)

    # Connections of several requests, on every route, with and without the
    # API key and the rate limit.
    json_type = "Content-Type: application/json\r\n"
    new_user = '{"name":"Ada","email":"ada@example.test","age":36}'
    key = "Authorization: Bearer fuzz-key\r\n"
    crud = [
        raw_request("POST", "/users", json_type, new_user, close=False),
        raw_request("GET", "/users/1", "", "", False, close=False),
        raw_request("GET", "/users/1", 'If-None-Match: "0123456789abcdef"\r\n', "", False,
                    close=False),
        raw_request("PATCH", "/users/1/", json_type + "If-Match: *\r\n", '{"age":null}',
                    close=False),
        raw_request("PUT", "/users/1", json_type, '{"name":"Ada L","email":"ADA@example.test"}',
                    close=False),
        raw_request("GET", "/users?limit=1&offset=0&q=ada&min_age=0&max_age=150", "", "", False,
                    close=False),
        raw_request("DELETE", "/users/1", 'If-Match: W/"x", "y"\r\n', "", False, close=False),
        raw_request("HEAD", "/users", "", "", False),
    ]
    write("request_fuzz", "conn-crud", SETTINGS_OPEN + to_bytes("".join(crud)), written)
    with_key = [
        raw_request("POST", "/users", json_type + key, new_user, close=False),
        raw_request("GET", "/users", "Authorization: Bearer wrong\r\n", "", False, close=False),
        raw_request("GET", "/users/1", "X-Request-ID: abc-123\r\n" + key, "", False),
    ]
    write("request_fuzz", "conn-api-key", SETTINGS_KEY + to_bytes("".join(with_key)), written)
    limited = [raw_request("GET", "/users", "", "", False, close=False)] * 3
    write("request_fuzz", "conn-rate-limit", SETTINGS_LIMIT + to_bytes("".join(limited)), written)
    others = [
        raw_request(method, path, "", "", False, close=False)
        for method, path in [("GET", "/health"), ("GET", "/ready/"), ("GET", "/metrics"),
                             ("HEAD", "/openapi.json"), ("GET", "/docs"),
                             ("GET", "/docs/swagger-ui.css"), ("OPTIONS", "/health")]
    ]
    write("request_fuzz", "conn-other-routes", SETTINGS_OPEN + to_bytes("".join(others)), written)
    expect = raw_request("POST", "/users", json_type + "Expect: 100-continue\r\n", new_user)
    write("request_fuzz", "conn-expect-continue", SETTINGS_OPEN + to_bytes(expect), written)
    ranged = raw_request("GET", "/users", "Range: bytes=0-3\r\n", "", False)
    write("request_fuzz", "conn-range", SETTINGS_OPEN + to_bytes(ranged), written)

    # Drop generated files whose case is gone. The findings and the inputs
    # merged by scripts/fuzz --save-corpus (named by their SHA-1) stay.
    for target, names in written.items():
        for path in (CORPUS / target).iterdir():
            if path.name not in names and path.name.startswith(GENERATED):
                path.unlink()
        print(f"{target}: {len(names)} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
