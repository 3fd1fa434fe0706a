#!/usr/bin/python3
"""Judges a record of violation_recorder.py: does every response conform?

Usage: report_violations.py RECORD --min-forwarded N --min-share PERCENT
                            --server PROGRAM --prism PRISM --description YAML
                            [--prism-log FILE] [--suites-log FILE]

RECORD holds one JSON line per exchange (see violation_recorder.py). Prints
how many requests went through Prism to the server, how many Prism answered
itself, and the violations Prism found in requests (the errors suite sends
bad requests on purpose: not failures). Exits 1 when any violation is
located in a response, printing each kind once with the method, path,
status, location and Prism's message, an example, and how to send it again
(the items of a list count as one place: `response.body[]`); or when fewer
than N requests, or fewer than PERCENT of those recorded, reached the
server, since a proxy that lets little through checks little. Exits 0
otherwise.
Answers to a path with a trailing slash are not judged: the description
names each route without one (the API serves both alike), and Prism takes
`/users/` for `/users/{id}` with an empty id, so it would judge a list as
a user. PROGRAM, PRISM and YAML
only fill in the lines that show how to reproduce. Standard library only.
"""

import argparse
import collections
import json
import re
import shlex
import sys

SHOWN_KINDS = 30
SHOWN_EXAMPLES = 3


def plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def route_of(target):
    """`/users/17?x=1` -> `/users/{id}`: the path as the description names it."""
    path = target.split("?", 1)[0]
    return re.sub(r"^/users/[^/]+", "/users/{id}", path)


def has_trailing_slash(target):
    path = target.split("?", 1)[0]
    return len(path) > 1 and path.endswith("/")


def where(violation):
    """The location and message of a violation, with list indexes left out."""
    location = "".join("[]" if isinstance(part, int) or str(part).isdigit() else f".{part}"
                       for part in violation.get("location", []))
    message = re.sub(r"\bproperty \d+ ", "item ", violation.get("message", ""))
    return location.lstrip("."), message


def located_in_response(violation):
    return isinstance(violation, dict) and (violation.get("location") or [""])[0] == "response"


def violations_of(entry):
    """The violations of one exchange. Prism cuts the header short past 8 KB
    (the recorder keeps that as text): the violations written whole are
    kept, and one more says that the rest is missing."""
    violations = entry["violations"]
    if not isinstance(violations, str):
        return violations
    decoder, whole = json.JSONDecoder(), []
    for start in re.finditer(r'\{"location"', violations):
        try:
            whole.append(decoder.raw_decode(violations, start.start())[0])
        except ValueError:
            pass
    cut = {"location": ["response" if '["response"' in violations else "request"],
           "message": "(Prism cut its list of violations short; the rest is in its log)"}
    return whole + [cut]


def response_violations(entry):
    """The violations of one exchange that are the server's fault."""
    return [v for v in violations_of(entry) if located_in_response(v)]


def request_violation_count(entry):
    return sum(1 for v in violations_of(entry) if not located_in_response(v))


def curl_line(entry, prism_url):
    words = ["curl", "-si", "-X", entry["method"]]
    if entry.get("content_type"):
        words += ["-H", f"Content-Type: {entry['content_type']}"]
    if entry.get("body"):
        words += ["--data-binary", entry["body"]]
    words.append(prism_url + entry["target"])
    return " ".join(shlex.quote(word) for word in words)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("record")
    parser.add_argument("--min-forwarded", type=int, required=True)
    parser.add_argument("--min-share", type=int, required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--prism", required=True)
    parser.add_argument("--description", required=True)
    parser.add_argument("--prism-log", default="")
    parser.add_argument("--suites-log", default="")
    args = parser.parse_args()

    with open(args.record, encoding="utf-8") as record:
        entries = [json.loads(line) for line in record if line.strip()]

    unanswered = [e for e in entries if e["status"] is None]
    by_prism = collections.Counter(e["prism_error"] for e in entries
                                   if e["status"] is not None and e["prism_error"])
    forwarded = [e for e in entries if e["status"] is not None and not e["prism_error"]]
    judged = [e for e in forwarded if not has_trailing_slash(e["target"])]
    print(f"{len(entries)} requests went through Prism: {len(forwarded)} answered by the server, "
          f"{sum(by_prism.values())} refused by Prism itself, {len(unanswered)} without an answer.")
    for kind, count in by_prism.most_common():
        print(f"  Prism answered {count} itself with {kind}")
    for reason, count in collections.Counter(e["prism_error"] for e in unanswered).most_common():
        print(f"  {count} without an answer: {reason}")
    print(f"{len(forwarded) - len(judged)} answers to paths with a trailing slash are not judged "
          "(Prism does not know that the API serves them as without it).")
    request_count = sum(request_violation_count(e) for e in entries)
    print(f"{request_count} violations were in requests (the errors suite sends bad requests "
          "on purpose); they are not failures.")

    kinds = collections.OrderedDict()  # Each kind: the exchanges that have it, once each.
    failing = 0
    for entry in judged:
        keys = {(entry["method"], route_of(entry["target"]), entry["status"], *where(violation))
                for violation in response_violations(entry)}
        failing += bool(keys)
        for key in sorted(keys):
            kinds.setdefault(key, []).append(entry)

    failed = False
    if kinds:
        failed = True
        print(f"\nFAIL: responses that break {args.description}: {failing} of the "
              f"{len(judged)} judged, {plural(len(kinds), 'kind')} of violation:")
        for (method, route, status, location, message), examples in list(kinds.items())[:SHOWN_KINDS]:
            targets = list(dict.fromkeys(f"{e['method']} {e['target']}" for e in examples))
            shown = ", ".join(targets[:SHOWN_EXAMPLES])
            print(f"\n  {method} {route} answered {status}, {plural(len(examples), 'time')} (e.g. {shown}):")
            print(f"    {location}: {message}")
        if len(kinds) > SHOWN_KINDS:
            print(f"\n  ... and {len(kinds) - SHOWN_KINDS} more kinds")
        example = next(iter(kinds.values()))[0]
        prism_url = "http://127.0.0.1:4010"
        print("\nTo see one again, put Prism in front of the server and send the request "
              "through it (ids come from this run: create the user first):")
        print(f"  {shlex.quote(args.server)} --port 8000 &")
        print(f"  {shlex.quote(args.prism)} proxy {shlex.quote(args.description)} "
              f"http://127.0.0.1:8000 --errors=false --cors=false --port 4010 &")
        print(f"  {curl_line(example, prism_url)}")
        print("Prism lists what is wrong in the answer's sl-violations header and in its log"
              + (f" (this run's: {args.prism_log})." if args.prism_log else "."))
        print("When the server is right by guide/api-spec.md, the description is what to fix.")

    if len(forwarded) < args.min_forwarded or 100 * len(forwarded) < args.min_share * len(entries):
        failed = True
        print(f"\nFAIL: {len(forwarded)} of the {len(entries)} requests recorded reached the server "
              f"through Prism; expected at least {args.min_forwarded}, and {args.min_share}% of "
              "them, so that the check sees most of what the suites send. Either Prism refused "
              "or dropped them (its log: " + (args.prism_log or "Prism's output") + "), or the "
              "suites stopped early (their report: " + (args.suites_log or "above") + ").")
    if not failed:
        print(f"\nEvery one of the {len(judged)} responses judged conforms to {args.description}.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
