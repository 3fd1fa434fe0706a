"""The code review's own checks: defects of this exercise that clang-tidy,
cppcheck and the compiler cannot see, because they depend on how
cpp-httplib runs a server. Each is a heuristic over the source text (with
comments and string literals blanked out), not an analysis: it can miss a
defect written another way and, more rarely, flag code that is correct. The
review says so beside each comment.

    findings(files) -> [Finding]   files: {Path: text} of the candidate's sources

A Finding is a dict: comment (a stable id), type (essential, actionable,
informative), file, line, params, why, fix. review.py ranks them with the
tools' findings.
"""

import re

HEURISTIC = "A heuristic over the source text: check it by reading the code."

# Anything that would let a handler serialise access to shared state.
LOCK_WORDS = re.compile(r"\b(mutex|shared_mutex|lock_guard|unique_lock|scoped_lock|shared_lock|"
                        r"atomic|GUARDED_BY)\b")
CONTAINER_DECLARATION = re.compile(
    r"(?P<prefix>[^;{}()]*?)\bstd::(?P<kind>unordered_map|map|vector)\s*<(?P<args>[^;{}]*?)>\s*"
    r"(?P<name>[A-Za-z_]\w*)\s*(?:;|=|\{)")
MUTATIONS = (r"\s*\[|\s*\.\s*(?:emplace|emplace_back|emplace_hint|insert|insert_or_assign|"
             r"try_emplace|erase|push_back|pop_back|clear|resize|swap|merge|extract)\s*\(|"
             r"\s*=(?!=)")
CATCH = re.compile(r"\bcatch\s*\((?P<what>[^)]*)\)\s*\{")
# What a catch block does when it does not swallow: it answers the request,
# rethrows, returns or stops, or at least tells someone.
HANDLED = re.compile(r"\b(throw|return|status|set_content|Write\w*|send\w*|Reply\w*|Respond\w*|"
                     r"abort|exit|terminate|cerr|clog|log\w*|Log\w*|print\w*)\b")
ID_FROM_PATH = re.compile(r"\b(?P<call>std::sto(?:i|l|ll|ul|ull)|atoi|atol|atoll|strtol|strtoul)"
                          r"\s*\((?P<arg>[^;]*?(?:matches|path_params|req\.path|\bid\w*|\w_id\b|\wId\b)[^;]*?)\)")


def blanked(text):
    """TEXT with comments and the insides of string and character literals
    replaced by spaces, line breaks kept, so that offsets and lines stay."""
    out = []
    i, n = 0, len(text)
    raw = re.compile(r'R"([^(\s]{0,16})\(')
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif (m := raw.match(text, i)) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = text.find(")" + m.group(1) + '"', m.end())
            end = n if close < 0 else close + len(m.group(1)) + 2
            out.append('"' + re.sub(r"[^\n]", " ", text[i + 1:end - 1]) + '"')
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            end = min(j + 1, n)
            out.append(c + " " * (end - i - 2) + (c if end - i >= 2 else ""))
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def block_end(text, open_brace):
    """The offset just after the '}' that closes the '{' at OPEN_BRACE."""
    depth = 0
    for i in range(open_brace, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def in_code(text, offset):
    """Whether OFFSET lies inside a function body or lambda, by counting the
    braces before it and what opened each."""
    stack = []
    for m in re.finditer(r"[{}]", text[:offset]):
        if m.group() == "}":
            if stack:
                stack.pop()
            continue
        head = re.split(r"[;{}]", text[max(0, m.start() - 200):m.start()])[-1]
        if re.search(r"\bnamespace\b[\w\s:]*$", head) or re.search(r'\bextern\s*"C"\s*$', head):
            stack.append("namespace")
        elif re.search(r"\b(class|struct|union)\b[^()]*$", head):
            stack.append("class")
        else:
            stack.append("code")
    return "code" in stack


def missing_tcp_nodelay(files):
    """The server never turns on TCP_NODELAY. With keep-alive (cpp-httplib's
    default), Nagle's algorithm holds the response's second write until the
    client's delayed ACK, about 40 ms later: every request takes 40 ms."""
    if not any("Server" in text for text in files.values()):
        return []
    if any(re.search(r"set_tcp_nodelay\s*\(\s*true\s*\)|TCP_NODELAY", text) for text in files.values()):
        return []
    place = None
    for pattern in (r"\.\s*listen(?:_after_bind)?\s*\(", r"\bhttplib::Server\b\s*\w+", r"\bServer\b"):
        for path, text in sorted(files.items()):
            m = re.search(pattern, text)
            if m:
                place = (path, line_of(text, m.start()))
                break
        if place:
            break
    if not place:
        return []
    return [{
        "comment": "user_api.cpp.missing_tcp_nodelay",
        "type": "essential",
        "file": place[0], "line": place[1], "params": {"heuristic": HEURISTIC},
        "why": "The server never calls set_tcp_nodelay(true). Over a keep-alive connection, "
               "Nagle's algorithm holds back each response's last small write until the "
               "client's delayed ACK, about 40 ms: every request then takes ~40 ms, and "
               "throughput drops to ~25 requests a second per connection.",
        "fix": "Call server.set_tcp_nodelay(true) before listen(), next to the other server "
               "settings.",
    }]


def unguarded_shared_containers(files):
    """A std::map, unordered_map or vector at namespace or class scope, or a
    static local, that some code changes, with no mutex or lock anywhere in
    the files that declare or change it. cpp-httplib runs each request's
    handler on a thread of its pool, so two requests change it at once."""
    found = []
    for path, text in sorted(files.items()):
        for m in CONTAINER_DECLARATION.finditer(text):
            prefix, name = m.group("prefix"), m.group("name")
            if re.search(r"\b(const|constexpr|using|typedef|return)\b", prefix) or "(" in prefix:
                continue
            start = m.start("name")
            local = in_code(text, m.start())
            if local and not re.search(r"\b(static|thread_local)\b", prefix):
                continue
            if re.search(r"\bthread_local\b", prefix):
                continue
            mutation = re.compile(r"(?<![\w.])" + re.escape(name) + r"(?:" + MUTATIONS + r")")
            changed = []
            for other, other_text in sorted(files.items()):
                for use in mutation.finditer(other_text):
                    if other == path and use.start() == start:  # The declaration itself.
                        continue
                    if in_code(other_text, use.start()):
                        changed.append((other, line_of(other_text, use.start()), other_text))
            if not changed:
                continue
            if any(LOCK_WORDS.search(t) for t in [text] + [c[2] for c in changed]):
                continue
            where = [f"{p.name}:{line}" for p, line, _ in changed[:5]]
            found.append({
                "comment": "user_api.cpp.unguarded_shared_container",
                "type": "essential",
                "file": path, "line": line_of(text, start),
                "params": {"name": name, "container": f"std::{m.group('kind')}",
                           "changed_at": where, "heuristic": HEURISTIC},
                "why": f"`{name}` (std::{m.group('kind')}) is shared by every request, and it is "
                       f"changed (at {', '.join(where)}) with no mutex or lock in sight. "
                       "cpp-httplib runs handlers on a pool of threads, so two concurrent "
                       "requests change it at once: a data race, which can corrupt the "
                       "container, lose users or crash the server under load.",
                "fix": f"Guard `{name}` with a std::mutex (std::shared_mutex for readers) held "
                       "by every read and write, for example in a store class whose methods "
                       "take a std::lock_guard; note it as `// Guarded by mutex_.`",
            })
    return found


def swallowed_exceptions(files):
    """A catch block that neither answers, rethrows, returns nor logs."""
    found = []
    for path, text in sorted(files.items()):
        for m in CATCH.finditer(text):
            body = text[m.end():block_end(text, m.end() - 1) - 1]
            if HANDLED.search(body):
                continue
            what = " ".join(m.group("what").split())
            found.append({
                "comment": "user_api.cpp.swallowed_exception",
                "type": "essential" if what == "..." else "actionable",
                "file": path, "line": line_of(text, m.start()),
                "params": {"caught": what, "heuristic": HEURISTIC},
                "why": f"`catch ({what})` swallows the exception: the handler goes on as if "
                       "nothing failed, so the client gets a 200 (cpp-httplib's default) with "
                       "an empty or half-written body, and nobody learns why."
                       + (" `catch (...)` also hides bugs that should crash loudly in tests."
                          if what == "..." else ""),
                "fix": "Answer from the catch: set the status and a problem+json body (400 for "
                       "bad input, 404, or a generic 500 after logging the detail), or let it "
                       "reach one exception handler (server.set_exception_handler) that maps "
                       "errors to statuses in one place.",
            })
    return found


def ids_parsed_loosely(files):
    """An id taken from the path with std::stoi and friends."""
    found = []
    for path, text in sorted(files.items()):
        for m in ID_FROM_PATH.finditer(text):
            call = m.group("call")
            signed = call in ("std::stoi", "std::stol", "std::stoll", "atoi", "atol", "atoll", "strtol")
            found.append({
                "comment": "user_api.cpp.id_parsed_loosely",
                "type": "actionable",
                "file": path, "line": line_of(text, m.start()),
                "params": {"call": call, "heuristic": HEURISTIC},
                "why": f"The id is parsed with {call}, which accepts '12abc', ' 12' and "
                       + ("'-3'" if signed else "'-3' (wrapped to a huge unsigned value)")
                       + (", returns 0 on garbage" if call.startswith("ato") else
                          ", throws std::invalid_argument or std::out_of_range (a 500 unless "
                          "caught)")
                       + ". The spec wants 404 for an id that is not a positive integer, and "
                         "signed and unsigned ids mixed in comparisons or keys invite "
                         "sign-conversion bugs.",
                "fix": "Parse with std::from_chars into one unsigned type (std::uint64_t) used "
                       "for every id, check that the whole segment was consumed and the value "
                       "is positive, and answer 404 otherwise.",
            })
    return found


CHECKS = (unguarded_shared_containers, missing_tcp_nodelay, swallowed_exceptions, ids_parsed_loosely)


def findings(files):
    """The findings of every check above, over FILES ({Path: source text})."""
    code = {path: blanked(text) for path, text in files.items()}
    return [f for check in CHECKS for f in check(code)]
