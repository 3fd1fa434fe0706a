"""Root causes: failing tests grouped by what the server did that they share.

A failure reason is the block GoogleTest prints for a test's first failure,
written by tests/harness/support/expectations.cpp and exchange.cpp:

      expected: status 201
      actual:   status 307
      request:  POST /users
                Content-Type: application/json
      response: 307
                location: http://127.0.0.1:8080/users/
                body: (empty)
      reproduce: curl -i -X POST 'http://127.0.0.1:8080/users' ...

Two failing tests share a cause when they hold the same signature:
  - a redirect: the same path answered with the same 3xx and Location
    (queries left out), whatever the method and the expectation (no test
    expects a redirect);
  - a status: the same method and path (ids as {id}) answered with the
    same unexpected status;
  - no response: the same transport error;
  - an error: the same crash, hang or refusal to start;
  - otherwise the same expectation and actual value (a missing header, a
    name left untrimmed), or the same reason, with quoted values, lists
    and numbers ignored.
A cause holds two tests or more; a failure alone keeps its own reason.
"""

import re
from collections import Counter
from urllib.parse import urlsplit

FIELD = re.compile(r"\s*(expected|actual|request|response|reproduce):\s*(.*)")


def exchange_fields(block):
    """The fields of a failure block: expected, actual, request, response,
    reproduce (the first of each, stripped) and location, the Location
    header of the response, when there is one."""
    fields = {}
    section = None
    for line in block:
        match = FIELD.match(line)
        if match:
            section = match.group(1)
            fields.setdefault(section, match.group(2).strip())
            continue
        header = re.match(r"\s+([A-Za-z0-9-]+):\s*(.*)", line)
        if section == "response" and header and header.group(1).lower() == "location":
            fields.setdefault("location", header.group(2).strip())
    return fields


def request_parts(request):
    """('POST', '/users') from 'POST /users (sent from 127.0.0.2)', or None."""
    match = re.match(r"([A-Z]+) (\S+)", request or "")
    return (match.group(1), match.group(2)) if match else None


def path_shape(path):
    """/users/42?limit=5 -> /users/{id}?limit: numeric segments as {id},
    query values left out."""
    path, _, query = path.partition("?")
    segments = ["{id}" if segment.isdigit() else segment for segment in path.split("/")]
    shape = "/".join(segments)
    if len(shape) > 80:
        shape = shape[:77] + "..."
    names = [item.split("=")[0] for item in query.split("&") if item]
    return shape + ("?" + "&".join(names) if names else "")


def request_shape(fields):
    """'GET /users/{id}' for the request of a failure block, or None."""
    parts = request_parts(fields.get("request"))
    return f"{parts[0]} {path_shape(parts[1])}" if parts else None


def without_numbers(text):
    return re.sub(r"\d+", "N", text or "")


def without_values(text):
    """The text with quoted strings, lists and numbers blanked: 'expected
    body/name == "A", got body/name == " A "' reads as one kind of mistake
    whatever the name."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '"…"', text or "")
    text = re.sub(r"\[[^\]]*\]", "[…]", text)
    return without_numbers(text)


def response_status(fields):
    match = re.match(r"(\d{3})", fields.get("response", ""))
    return int(match.group(1)) if match else None


def signature(test, fields):
    """A hashable key: equal for tests that failed for the same reason."""
    if test["status"] == "error":
        return ("error", without_numbers(test["message"]))
    request = request_parts(fields.get("request"))
    status = response_status(fields)
    if request and status and 300 <= status < 400:
        return ("redirect", request[1].partition("?")[0], status,
                fields.get("location", "").partition("?")[0])
    actual = fields.get("actual", "")
    if request and actual.startswith("status ") and "expected" in fields:
        return ("status", request[0], path_shape(request[1]), actual)
    if actual.startswith("no response"):
        return ("no response", without_numbers(actual))
    if "expected" in fields:
        return ("expectation", without_values(fields["expected"]), without_values(actual))
    return ("reason", without_numbers(test["message"]))


def group(tests, blocks):
    """The causes of the failing tests, largest first (most tests, then most
    points). `blocks` holds each test's failure block ([] for a pass).
    Sets test["cause"] to the cause's number for each test in one."""
    groups = {}
    for test, block in zip(tests, blocks):
        if test["status"] not in ("fail", "error"):
            continue
        fields = exchange_fields(block)
        groups.setdefault(signature(test, fields), []).append((test, fields))
    shared = [(key, members) for key, members in groups.items() if len(members) > 1]
    shared.sort(key=lambda item: (-len(item[1]), -points_at_stake(t for t, _ in item[1])))
    causes = []
    for number, (key, members) in enumerate(shared, start=1):
        for test, _ in members:
            test["cause"] = number
        causes.append(describe(number, key, members))
    return causes


def points_at_stake(tests):
    """What passing these tests would add to the main score."""
    return sum(t.get("at_stake", 0) for t in tests if t["stage"] != "interviewer")


def body_rank(command):
    """0 when a reproduce command sends a JSON object, 1 when no body, 2
    for any other body."""
    body = re.search(r"--data-raw '(.*)'", command, re.S)
    if body is None:
        return 1
    return 0 if body.group(1).lstrip().startswith("{") else 2


def describe(number, key, members):
    tests = [t for t, _ in members]
    shapes = [request_shape(f) for _, f in members]
    requests = [shape for shape, _ in Counter(s for s in shapes if s).most_common()]
    # The example shown: of the most common request, the shortest command,
    # one that sends a JSON object (a user, not a test's odd body) first.
    example_test, example = min(members, key=lambda m: (
        request_shape(m[1]) != (requests or [None])[0], not m[1].get("reproduce"),
        body_rank(m[1].get("reproduce", "")), len(m[1].get("reproduce", ""))))
    expected = list(dict.fromkeys(f["expected"] for _, f in members if "expected" in f))
    summary, fix = words(key, requests, expected, example, example_test["message"])
    return {
        "number": number,
        "summary": summary,
        "fix": fix,
        "tests": len(tests),
        "labels": dict(Counter(t["label"] for t in tests)),
        "points": round(points_at_stake(tests), 2),
        "requests": requests[:5],
        "response_status": response_status(example),
        "location": example.get("location"),
        "reproduce": example.get("reproduce"),
        "test_names": [f"{t['label']}/{t['name']}" for t in tests],
    }


def words(key, requests, expected, example, message):
    """(what the server does, what to change), in a sentence each; example
    holds the fields of the test shown, message its reason."""
    kind = key[0]
    listed = ", ".join(requests[:3]) + (", ..." if len(requests) > 3 else "")
    if kind == "redirect":
        _, path, status, location = key
        methods = ", ".join(dict.fromkeys(r.split(" ")[0] for r in requests))
        target = urlsplit(location).path or location
        summary = f"{path} answers {status} with Location: {location or '(none)'} ({methods})"
        fix = (f"Serve {path} itself, as guide/api-spec.md names it, instead of redirecting: "
               "clients and these tests do not follow a redirect.")
        if target == path + "/":
            fix += f" The route is declared as {target}; declare it without the trailing slash."
        return summary, fix
    if kind == "status":
        _, method, shape, actual = key
        code = int(actual.split(" ")[1])
        wanted_codes = list(dict.fromkeys(
            int(code) for e in expected for code in re.findall(r"status (\d{3})", e)))
        wanted = in_words_or(wanted_codes) or " or ".join(expected[:3])
        summary = f"{method} {shape} answers {code} where the tests expect {wanted}"
        if code == 501:
            fix = f"Implement {method} {shape}: it still answers the starter's 501 Not Implemented."
        elif code >= 500:
            fix = (f"{method} {shape} fails inside the server: reproduce it and read the "
                   "server's stderr for the exception.")
        elif code in (404, 405) and wanted_codes and all(c < 300 for c in wanted_codes):
            fix = (f"Route {method} {shape} exactly as guide/api-spec.md writes it: the server "
                   f"answers {code}, as if it had no such route.")
        elif code < 300 and wanted_codes and all(400 <= c < 500 for c in wanted_codes):
            fix = (f"{method} {shape} accepts requests it must refuse: add the checks of "
                   "guide/api-spec.md these requests break (each test's reason names one).")
        elif 400 <= code < 500 and wanted_codes and all(c < 300 for c in wanted_codes):
            fix = f"{method} {shape} refuses valid requests with {code}: relax the check that does."
        else:
            fix = f"Make {method} {shape} answer {wanted} where it answers {code}."
        return summary, fix
    if kind == "no response":
        return (f"no response to {listed}: {example.get('actual', '')}",
                "The server closed the connection or did not answer in time: look for a crash, "
                "an exception or a handler that blocks.")
    if kind == "error":
        return (message, "The server crashed, hung or did not start: run the command below "
                "against it and read its stderr.")
    if kind == "expectation":
        actual = example.get("actual", "")
        # "not so" is how expectations.cpp words a predicate that failed.
        got = ", which did not hold" if actual == "not so" else f", got {actual}"
        summary = f"expected {example['expected']}{got}" + (f" ({listed})" if listed else "")
        header = re.fullmatch(r"no (\S+) header", actual)
        if header:
            return summary, (f"Send the {header.group(1)} header on these responses "
                             f"(expected {example['expected']}).")
        return summary, ("Make these responses match the expectation: the values differ from "
                         "test to test, the mistake is the same (see each test's reason).")
    if "refused the flags" in message:
        return message, ("Accept the command-line flags of the extras these tests cover "
                         "(guide/api-spec.md): the server exits with code 2, the contract's "
                         "answer to a flag it does not know.")
    return message, "These tests fail with the same reason: fix it once (the failing tests below name their cause)."


def in_words_or(codes):
    """'201', '201 or 422', '409, 422 or 400'."""
    shown = [str(code) for code in codes]
    if len(shown) < 2:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]
