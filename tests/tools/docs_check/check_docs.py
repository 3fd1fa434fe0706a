#!/usr/bin/python3
"""Checks the kit's Markdown docs against the repository they describe.

Usage: check_docs.py [options] FILE.md...

FILE may be a glob pattern (`guide/*.md`), expanded here, so a new page is
checked without reconfiguring the build. Checks, each problem reported as
`FILE:LINE: message`:

  links    every relative link [text](target) resolves to a file or folder
           (relative to the page), and a #anchor into a .md file (or into
           the page itself) names one of its headings (GitHub's slugs).
  paths    every repository path named in an inline code span, or as the
           first word of a command in a shell block, exists. A span counts
           as a path when it has no spaces and starts with a top-level entry
           of the repository. `:LINE` and trailing punctuation are dropped,
           `a.{hpp,cpp}` means both files, `*` must match something.
           Placeholders (<x>, NN, ..., KEY, PATH, DIR, URL) and git-ignored
           places (build/, data/, ...) are skipped.
  labels   every ctest label named exists: the regex after -L /
           --label-regex (and -LE / --label-exclude) in a ctest command or in
           a code span starting with -L must match a label; a name in
           backticks right after the word "label" or "labels" in prose must
           be a label (names holding `<` are skipped).
  run      a ```sh block right after <!-- docs-check: run PROGRAM --> (PROGRAM:
           starter, stage1, stage2 or stage3; blank lines between allowed)
           runs against a fresh server of that program, started with
           --port P --host 127.0.0.1 in an empty temporary folder, with
           127.0.0.1:8000 and localhost:8000 in the block pointed at port P.
           Every command must be `curl -i ...`. A comment line states the
           expected statuses (every number from 100 to 599 in it, in order)
           of the commands after it, one each, until the next such comment;
           `curl ... # 404` on the command's own line wins for that command.
           Comment lines `# => ...` and `#  ...` (two or more spaces) are
           shown responses, not expectations. The last `HTTP/x NNN` line of
           curl's output must carry the expected status.

Exit status: 0 when clean, 1 when a problem was found, 2 on a usage error.
"""

import argparse
import bisect
import difflib
import fnmatch
import glob
import itertools
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PROGRAMS = ("starter", "stage1", "stage2", "stage3")
SHELL_LANGUAGES = {"sh", "bash", "shell", "console", "zsh"}
RUNNABLE_LANGUAGES = {"sh", "bash"}
COMMAND_TIMEOUT_S = 10
START_TIMEOUT_S = 15
STOP_GRACE_S = 5
SHOWN_LINES = 20

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
LINK = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"\(\s*(<[^>\n]*>|[^)\s]*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.M)
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)\s*$")
HTML_ID = re.compile(r"<a\s[^>]*(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", re.I)
LABEL_WORD = re.compile(r"\blabels?\b", re.I)
LABEL_LIST = re.compile(r"\s*:?\s*(`[^`\n]+`)((?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)`[^`\n]+`)*")
STATUS = re.compile(r"\b[1-5][0-9][0-9]\b")
HTTP_STATUS_LINE = re.compile(r"^HTTP/[0-9.]+ +([0-9]{3})", re.M)
MARKER = re.compile(r"^\s*<!--\s*docs-check:(.*?)-->\s*$")
MARKER_RUN = re.compile(r"^\s*run\s+(\S+)\s*$")
LOCAL_8000 = re.compile(r"\b(?:127\.0\.0\.1|localhost):8000\b")
PLACEHOLDER = re.compile(
    r"<[^>]*>|\.\.\.|(?<![A-Za-z])(?:N+|KEY|PATH|DIR|URL|HOST|PORT|NAME|PROGRAM)(?![A-Za-z])")
LINE_SUFFIX = re.compile(r":[0-9]+(?:[-:][0-9]+)*$")
TRAILING_PUNCTUATION = ".,;:!?)'\""
LABEL_OPTIONS = ("-L", "--label-regex", "-LE", "--label-exclude")
ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


class UsageError(Exception):
    pass


class Report:
    """Problems as `FILE:LINE: message` lines, with indented detail lines."""

    def __init__(self):
        self.problems = []

    def add(self, where, line, message, details=()):
        self.problems.append((where, line, message, list(details)))

    def print(self):
        files = list(dict.fromkeys(where for where, *_ in self.problems))
        ordered = sorted(self.problems, key=lambda p: (files.index(p[0]), p[1]))
        for where, line, message, details in ordered:
            print(f"{where}:{line}: {message}")
            for detail in details:
                print(f"    {detail}")


class Repository:
    """The tree the docs describe: its top-level entries and what git ignores."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.top_entries = {e for e in os.listdir(self.root) if e != ".git"}
        self._ignored = {}
        self._use_git = self._is_git_root()
        self._patterns = [] if self._use_git else self._read_gitignore()

    def _is_git_root(self):
        try:
            out = subprocess.run(["git", "-C", self.root, "rev-parse", "--show-toplevel"],
                                 capture_output=True, text=True, check=False)
        except OSError:
            return False
        return out.returncode == 0 and os.path.realpath(out.stdout.strip()) == os.path.realpath(self.root)

    def _read_gitignore(self):
        try:
            with open(os.path.join(self.root, ".gitignore"), encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            return []
        return [p.strip() for p in lines if p.strip() and not p.startswith(("#", "!"))]

    def is_ignored(self, relpath):
        relpath = relpath.strip("/")
        if relpath not in self._ignored:
            if self._use_git:
                out = subprocess.run(["git", "-C", self.root, "check-ignore", "-q", "--no-index", relpath],
                                     capture_output=True, check=False)
                self._ignored[relpath] = out.returncode == 0
            else:
                self._ignored[relpath] = self._matches_gitignore(relpath)
        return self._ignored[relpath]

    def _matches_gitignore(self, relpath):
        parts = relpath.split("/")
        for pattern in self._patterns:
            dir_only = pattern.endswith("/")
            body = pattern.strip("/")
            anchored = "/" in body or pattern.startswith("/")
            # A directory pattern matches a leading part of the path; a file
            # pattern may match the whole path too.
            ends = range(1, len(parts) + (0 if dir_only else 1))
            for end in ends:
                if anchored:
                    if fnmatch.fnmatchcase("/".join(parts[:end]), body):
                        return True
                elif fnmatch.fnmatchcase(parts[end - 1], body):
                    return True
        return False


class Page:
    """One Markdown file: its lines, fenced blocks and prose."""

    def __init__(self, path, display):
        self.path = path
        self.display = display
        with open(path, encoding="utf-8") as f:
            self.lines = f.read().split("\n")
        self.blocks = []  # dicts: language, open_line, lines [(number, text)]
        prose_lines = list(self.lines)
        open_block = None
        for index, text in enumerate(self.lines):
            number = index + 1
            if open_block is None:
                m = FENCE.match(text)
                if m:
                    open_block = {"fence": m.group(2), "indent": len(m.group(1)),
                                  "language": m.group(3).lower(), "open_line": number, "lines": []}
                    prose_lines[index] = ""
                continue
            prose_lines[index] = ""
            stripped = text.strip()
            fence = open_block["fence"]
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                self.blocks.append(open_block)
                open_block = None
                continue
            open_block["lines"].append((number, _dedent(text, open_block["indent"])))
        if open_block is not None:
            self.blocks.append(open_block)
        self.prose = "\n".join(prose_lines)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.prose)]
        # Code spans, then the prose with spans and HTML comments blanked out
        # (same length, so offsets still give lines).
        self.spans = []
        without_comments = HTML_COMMENT.sub(_blank, self.prose)
        for m in CODE_SPAN.finditer(without_comments):
            if "\n\n" in m.group(2):
                continue
            self.spans.append((m.start(), m.group(2).strip()))
        self.masked = CODE_SPAN.sub(lambda m: m.group(0) if "\n\n" in m.group(2) else _blank(m),
                                    without_comments)
        self._anchors = None

    def line_of(self, offset):
        return bisect.bisect_right(self._line_starts, offset)

    def anchors(self):
        if self._anchors is None:
            self._anchors = set()
            counts = {}
            previous = ""
            for text in self.prose.split("\n"):
                heading = None
                m = ATX_HEADING.match(text)
                if m:
                    heading = m.group(2) or ""
                elif SETEXT_UNDERLINE.match(text) and previous.strip() and not _is_block_start(previous):
                    heading = previous.strip()
                if heading is not None:
                    slug = github_slug(heading)
                    n = counts.get(slug, 0)
                    counts[slug] = n + 1
                    self._anchors.add(slug if n == 0 else f"{slug}-{n}")
                for html_id in HTML_ID.findall(text):
                    self._anchors.add(html_id)
                previous = text
        return self._anchors


def _blank(match):
    return re.sub(r"[^\n]", " ", match.group(0))


def _dedent(text, indent):
    removable = len(text) - len(text.lstrip(" "))
    return text[min(indent, removable):]


def _is_block_start(text):
    return bool(re.match(r"^\s*(?:[-*+]\s|\d+[.)]\s|>|\||#)", text))


def github_slug(heading):
    """The anchor GitHub gives a heading: its text lowercased, punctuation
    other than hyphens and spaces dropped, spaces turned into hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text)                        # HTML tags go
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"(?<!\w)_+|_+(?!\w)", "", text)             # emphasis, not snake_case
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def split_commands(block_lines):
    """Joins backslash-continued lines: yields (first line number, [lines])."""
    pending = []
    for number, text in block_lines:
        if not pending and (not text.strip() or text.lstrip().startswith("#")):
            yield number, [text]
            continue
        pending.append((number, text))
        if not re.search(r"(?<!\\)(?:\\\\)*\\$", text.rstrip("\n")):
            yield pending[0][0], [t for _, t in pending]
            pending = []
    if pending:
        yield pending[0][0], [t for _, t in pending]


def split_trailing_comment(text):
    """Splits a shell line at an unquoted `#` that starts a word."""
    quote = None
    escaped = False
    for i, c in enumerate(text):
        if escaped:
            escaped = False
        elif c == "\\" and quote != "'":
            escaped = True
        elif quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or text[i - 1].isspace()):
            return text[:i].rstrip(), text[i + 1:]
    return text, None


def simple_commands(command):
    """The words of each simple command in a shell command line (split at
    `&&`, `||`, `|` and `;`), leading VAR=value assignments dropped."""
    command, _ = split_trailing_comment(command.replace("\\\n", " "))
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars="&|;")
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        words = command.split()
    current = []
    for word in words + [";"]:
        if word and set(word) <= set("&|;"):
            while current and ENV_ASSIGNMENT.match(current[0]):
                current.pop(0)
            if current:
                yield current
            current = []
        else:
            current.append(word)


def shell_commands(page):
    """(line, command text) of each command in the page's shell blocks."""
    for block in page.blocks:
        if block["language"] not in SHELL_LANGUAGES:
            continue
        for number, lines in split_commands(block["lines"]):
            text = "\n".join(lines).strip()
            if not text or text.startswith("#"):
                continue
            if text.startswith("$ "):
                text = text[2:]
            yield number, text


# --- links -----------------------------------------------------------------

def check_links(page, pages_by_path, repo, report):
    targets = [(m.start(), m.group(3)) for m in LINK.finditer(page.masked)]
    targets += [(m.start(), m.group(1)) for m in REFERENCE_DEFINITION.finditer(page.masked)]
    count = 0
    for offset, target in targets:
        target = target.strip("<>")
        if not target or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
            continue  # http:, https:, mailto: and other schemes
        count += 1
        line = page.line_of(offset)
        path, _, anchor = target.partition("#")
        path = urllib.request.url2pathname(path.split("?")[0])
        if path:
            base = repo.root if path.startswith("/") else os.path.dirname(page.path)
            resolved = os.path.normpath(os.path.join(base, path.lstrip("/")))
            shown = os.path.relpath(resolved, repo.root)
            if not os.path.exists(resolved):
                report.add(page.display, line, f"broken link `{target}`: {shown} does not exist")
                continue
            if os.path.relpath(resolved, repo.root).startswith(".."):
                report.add(page.display, line, f"link `{target}` leads out of the repository")
                continue
        else:
            resolved = page.path
        if anchor and resolved.endswith(".md") and os.path.isfile(resolved):
            anchors = page_for(resolved, pages_by_path, repo).anchors()
            if anchor not in anchors:
                where = "this page" if resolved == page.path else os.path.relpath(resolved, repo.root)
                hint = _closest(anchor, anchors)
                report.add(page.display, line,
                           f"link `{target}`: no heading in {where} has the anchor #{anchor}"
                           + (f" (did you mean #{hint}?)" if hint else ""))
    return count


def page_for(path, pages_by_path, repo):
    key = os.path.realpath(path)
    if key not in pages_by_path:
        pages_by_path[key] = Page(path, os.path.relpath(path, repo.root))
    return pages_by_path[key]


def _closest(anchor, anchors):
    found = difflib.get_close_matches(anchor.lower(), sorted(anchors), n=1, cutoff=0.75)
    return found[0] if found else None


# --- paths -----------------------------------------------------------------

def path_candidate(text, repo):
    """The repository path a code span or command word names, or None."""
    if not text or any(c.isspace() for c in text) or text.startswith("-"):
        return None
    if text.startswith("./"):
        text = text[2:]
    first = re.split(r"[/:{#]", text, maxsplit=1)[0]
    if first not in repo.top_entries or PLACEHOLDER.search(text):
        return None
    while True:
        before = text
        text = LINE_SUFFIX.sub("", text.rstrip(TRAILING_PUNCTUATION))
        if text == before:
            return text


def expand_braces(path):
    parts = re.split(r"\{([^{}]*)\}", path)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(combo) for combo in itertools.product(*choices)]


def check_path(page, line, text, repo, report):
    path = path_candidate(text, repo)
    if path is None:
        return 0
    fixed = path.split("*")[0]
    if repo.is_ignored(fixed if fixed else path):
        return 0
    for one in expand_braces(path):
        full = os.path.join(repo.root, one)
        if "*" in one:
            if not glob.glob(full, recursive=True):
                report.add(page.display, line, f"`{text}`: nothing matches {one}")
        elif not os.path.exists(full):
            report.add(page.display, line, f"`{text}`: {one} does not exist")
    return 1


def check_paths(page, repo, report):
    count = 0
    for offset, span in page.spans:
        count += check_path(page, page.line_of(offset), span, repo, report)
    for number, command in shell_commands(page):
        for words in simple_commands(command):
            word = words[0]
            if word.startswith("./") or word.split("/")[0] in repo.top_entries and "/" in word:
                count += check_path(page, number, word, repo, report)
    return count


# --- labels ----------------------------------------------------------------

def label_regexes(words, bare_option_allowed):
    """(option, regex) pairs for -L and friends in one command's words."""
    is_ctest = os.path.basename(words[0]) == "ctest"
    if not is_ctest and not (bare_option_allowed and words[0].split("=")[0] in LABEL_OPTIONS):
        return
    for i, word in enumerate(words):
        name, eq, value = word.partition("=")
        if name in LABEL_OPTIONS:
            if eq:
                yield name, value
            elif i + 1 < len(words):
                yield name, words[i + 1]


def check_label_regex(page, line, option, regex, labels, report):
    try:
        matched = [label for label in labels if re.search(regex, label)]
    except re.error as e:
        report.add(page.display, line, f"`{option} {regex}`: not a regular expression ({e})")
        return
    if not matched:
        report.add(page.display, line,
                   f"`{option} {regex}` matches no ctest label (labels: {', '.join(sorted(labels))})")


def check_labels(page, labels, report):
    count = 0
    for number, command in shell_commands(page):
        for words in simple_commands(command):
            for option, regex in label_regexes(words, bare_option_allowed=False):
                count += 1
                check_label_regex(page, number, option, regex, labels, report)
    for offset, span in page.spans:
        for words in simple_commands(span):
            for option, regex in label_regexes(words, bare_option_allowed=True):
                count += 1
                check_label_regex(page, page.line_of(offset), option, regex, labels, report)
    for word in LABEL_WORD.finditer(page.masked):
        listed = LABEL_LIST.match(page.prose, word.end())
        if not listed:
            continue
        for span in re.finditer(r"`([^`\n]+)`", listed.group(0)):
            name = span.group(1).strip()
            if "<" in name:
                continue
            count += 1
            if name not in labels:
                line = page.line_of(word.end() + span.start())
                hint = _closest(name, labels)
                report.add(page.display, line, f"label `{name}` does not exist"
                           + (f" (did you mean `{hint}`?)" if hint else ""))
    return count


def read_labels(build_dir):
    try:
        out = subprocess.run(["ctest", "--test-dir", build_dir, "--print-labels"],
                             capture_output=True, text=True, check=False)
    except OSError as e:
        raise UsageError(f"cannot run ctest: {e}")
    if out.returncode != 0 or "All Labels:" not in out.stdout and "No Labels" not in out.stdout:
        raise UsageError(f"cannot read the labels of {build_dir}: {out.stderr.strip() or out.stdout.strip()}")
    after = out.stdout.split("All Labels:", 1)
    return {line.strip() for line in after[1].splitlines() if line.strip()} if len(after) == 2 else set()


# --- runnable blocks -------------------------------------------------------

def runnable_blocks(page, report):
    """The marked blocks: (program, block). Misplaced markers are problems."""
    by_open_line = {block["open_line"]: block for block in page.blocks}
    in_block = {n for block in page.blocks for n, _ in block["lines"]}
    for index, text in enumerate(page.lines):
        number = index + 1
        m = MARKER.match(text)
        if not m or number in in_block:
            continue
        run = MARKER_RUN.match(m.group(1))
        if not run:
            report.add(page.display, number,
                       f"unknown docs-check marker `{text.strip()}`: write <!-- docs-check: run PROGRAM -->")
            continue
        program = run.group(1)
        if program not in PROGRAMS:
            report.add(page.display, number,
                       f"docs-check marker names `{program}`: the program must be one of {', '.join(PROGRAMS)}")
            continue
        following = next((n for n in range(number + 1, len(page.lines) + 1) if page.lines[n - 1].strip()), None)
        block = by_open_line.get(following)
        if block is None or block["language"] not in RUNNABLE_LANGUAGES:
            report.add(page.display, number, "docs-check marker is not followed by a ```sh block")
            continue
        yield program, block


def plan_block(page, block, report):
    """The block's commands with their expected statuses, or None (and
    problems) when the block cannot be run as written."""
    commands = []
    queue, queue_line, last_comment_line = [], None, None
    ok = True

    def leftovers():
        if queue:
            report.add(page.display, queue_line,
                       f"expected status {', '.join(queue)} has no command to apply to "
                       "(one status per command, until the next comment)")
        return not queue

    for number, lines in split_commands(block["lines"]):
        first = lines[0].strip()
        if not first:
            continue
        if first.startswith("#"):
            if re.match(r"#\s*=>", first) or re.match(r"#\s{2,}", first):
                last_comment_line = None
                continue
            statuses = STATUS.findall(first)
            if last_comment_line == number - 1:
                queue.extend(statuses)  # a comment that goes on over several lines
            else:
                ok = leftovers() and ok
                queue, queue_line = statuses, number
            last_comment_line = number
            continue
        last_comment_line = None
        body, trailing = split_trailing_comment(lines[-1])
        text = "\n".join(lines[:-1] + [body])
        shown = " ".join(line.strip().rstrip("\\").strip() for line in lines[:-1] + [body])
        trailing_statuses = STATUS.findall(trailing or "")
        if trailing_statuses:
            expected = trailing_statuses[0]
        elif queue:
            expected = queue.pop(0)
        else:
            report.add(page.display, number, f"no expected status for `{shown}`: write it in a comment "
                       "above the command (# 200) or after it (curl ... # 200)")
            ok = False
            continue
        if not is_curl_include(text):
            report.add(page.display, number, f"block at line {block['open_line']} is not runnable: "
                       f"`{shown}` is not a `curl -i` command")
            ok = False
            continue
        commands.append({"line": number, "text": text, "shown": shown, "expected": expected})
    ok = leftovers() and ok
    return commands if ok else None


def is_curl_include(text):
    commands = list(simple_commands(text))
    if len(commands) != 1 or commands[0][0] != "curl":
        return False
    return any(w in ("-i", "--include") or re.fullmatch(r"-[a-zA-Z]*i[a-zA-Z]*", w) for w in commands[0][1:])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A fresh program on a free port, in an empty temporary folder."""

    def __init__(self, program, path):
        self.program = program
        self.path = path
        self.folder = tempfile.TemporaryDirectory(prefix=f"docs-check-{program}-")
        self.stderr = open(os.path.join(self.folder.name, ".stderr"), "w+b")
        self.stdout = open(os.path.join(self.folder.name, ".stdout"), "w+b")
        self.process = None
        self.port = None

    def start(self):
        """Starts the program; returns an error message or None."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("USER_API_")}
        for _ in range(3):  # another process may take the free port first
            self.port = free_port()
            self.process = subprocess.Popen([self.path, "--port", str(self.port), "--host", "127.0.0.1"],
                                            cwd=self.folder.name, env=env, stdin=subprocess.DEVNULL,
                                            stdout=self.stdout, stderr=self.stderr, start_new_session=True)
            error = self._wait_healthy()
            if error is None:
                return None
            if self.process.poll() != 1:
                return error
        return error

    def _wait_healthy(self):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + START_TIMEOUT_S
        delay = 0.01
        last = "no answer"
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                return f"{self.path} exited with code {code} before answering GET /health"
            try:
                with opener.open(f"http://127.0.0.1:{self.port}/health", timeout=2) as response:
                    if response.status == 200:
                        return None
                    last = f"status {response.status}"
            except urllib.error.HTTPError as e:
                last = f"status {e.code}"
            except (urllib.error.URLError, OSError) as e:
                last = str(getattr(e, "reason", e))
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        return f"GET /health on port {self.port} did not answer 200 within {START_TIMEOUT_S} s ({last})"

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait()

    def _signal(self, number):
        try:
            os.killpg(self.process.pid, number)
        except ProcessLookupError:
            pass

    def stderr_lines(self):
        """The tail of the program's stderr, as detail lines of a problem."""
        self.stderr.flush()
        self.stderr.seek(0)
        lines = self.stderr.read().decode("utf-8", "replace").splitlines()[-SHOWN_LINES:]
        if not lines:
            return [f"{self.program} wrote nothing on stderr"]
        return [f"{self.program}'s stderr (last lines):"] + [f"  {line}" for line in lines]

    def close(self):
        self.stop()
        self.stderr.close()
        self.stdout.close()
        self.folder.cleanup()


def run_command(command, port, folder):
    """Runs one documented command; returns (status or None, stdout, note)."""
    text = LOCAL_8000.sub(f"127.0.0.1:{port}", command)
    env = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    try:
        out = subprocess.run(["bash", "-c", text], cwd=folder, capture_output=True,
                             timeout=COMMAND_TIMEOUT_S, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        stdout = (e.stdout or b"").decode("utf-8", "replace")
        return None, stdout, f"timed out after {COMMAND_TIMEOUT_S} s"
    stdout = out.stdout.decode("utf-8", "replace")
    statuses = HTTP_STATUS_LINE.findall(stdout)
    if statuses:
        return statuses[-1], stdout, None
    stderr = out.stderr.decode("utf-8", "replace").strip().splitlines()
    return None, stdout, f"no HTTP status line (exit code {out.returncode}: {stderr[-1] if stderr else ''})"


def run_block(page, program, path, block, report):
    """Runs one marked block; returns the number of commands run."""
    commands = plan_block(page, block, report)
    if commands is None:
        return 0
    server = Server(program, path)
    try:
        error = server.start()
        if error:
            report.add(page.display, block["open_line"], f"cannot run the block: {program} did not start: {error}",
                       server.stderr_lines())
            return 0
        failed = False
        for command in commands:
            status, stdout, note = run_command(command["text"], server.port, server.folder.name)
            if status == command["expected"]:
                continue
            failed = True
            response = stdout.replace("\r", "").splitlines()[:SHOWN_LINES]
            actual = status or note
            details = [f"ran against {program} on 127.0.0.1:{server.port}:",
                       f"  {LOCAL_8000.sub(f'127.0.0.1:{server.port}', command['shown'])}",
                       f"expected status {command['expected']}, got {actual}",
                       "response (first lines):" if response else "response: nothing on stdout"]
            details += [f"  {line}" for line in response]
            report.add(page.display, command["line"],
                       f"`{command['shown']}` answered {status or 'nothing'}, expected {command['expected']}",
                       details)
        server.stop()
        if failed:
            report.problems[-1][3].extend(server.stderr_lines())
        return len(commands)
    finally:
        server.close()


# --- main ------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="check_docs.py", description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", metavar="FILE.md", help="pages to check (glob patterns allowed)")
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."),
                        help="the repository root that paths are relative to (default: this script's repository)")
    labels = parser.add_mutually_exclusive_group()
    labels.add_argument("--build-dir", metavar="DIR", help="read the ctest labels from this build folder")
    labels.add_argument("--labels", metavar="A,B,C", help="the ctest labels, given directly")
    parser.add_argument("--program", action="append", default=[], metavar="NAME=PATH",
                        help=f"the program for blocks marked `run NAME` ({', '.join(PROGRAMS)}); repeatable")
    parser.add_argument("--skip-run", action="store_true", help="check links, paths and labels only")
    args = parser.parse_args(argv)
    programs = {}
    for item in args.program:
        name, eq, path = item.partition("=")
        if not eq or name not in PROGRAMS or not path:
            parser.error(f"--program {item}: expected NAME=PATH with NAME one of {', '.join(PROGRAMS)}")
        if not os.access(path, os.X_OK):
            parser.error(f"--program {item}: {path} is not an executable file")
        programs[name] = os.path.abspath(path)
    args.programs = programs
    if not os.path.isdir(args.root):
        parser.error(f"--root {args.root}: not a folder")
    files = []
    for pattern in args.files:
        found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not found or not all(os.path.isfile(f) for f in found):
            parser.error(f"{pattern}: no such Markdown file")
        files += found
    args.files = files
    return args


def main(argv):
    args = parse_args(argv)
    repo = Repository(args.root)
    try:
        if args.build_dir:
            labels = read_labels(args.build_dir)
        elif args.labels is not None:
            labels = {label.strip() for label in args.labels.split(",") if label.strip()}
        else:
            labels = None
    except UsageError as e:
        print(f"check_docs.py: error: {e}", file=sys.stderr)
        return 2
    report = Report()
    pages_by_path = {}
    counts = {"links": 0, "paths": 0, "labels": 0, "blocks": 0, "commands": 0}
    for file in args.files:
        page = page_for(file, pages_by_path, repo)
        counts["links"] += check_links(page, pages_by_path, repo, report)
        counts["paths"] += check_paths(page, repo, report)
        if labels is not None:
            counts["labels"] += check_labels(page, labels, report)
        if args.skip_run:
            continue
        for program, block in runnable_blocks(page, report):
            counts["blocks"] += 1
            if program not in args.programs:
                report.add(page.display, block["open_line"],
                           f"the block runs against {program}, but no --program {program}=PATH was given")
                continue
            counts["commands"] += run_block(page, program, args.programs[program], block, report)
    report.print()
    summary = [f"{len(args.files)} files", f"{counts['links']} links", f"{counts['paths']} paths",
               f"{counts['labels']} labels" if labels is not None else "labels not checked (no --build-dir or --labels)",
               "runnable blocks skipped (--skip-run)" if args.skip_run
               else f"{counts['blocks']} runnable blocks ({counts['commands']} commands run)"]
    problems = len(report.problems)
    print(f"check_docs: {', '.join(summary)}: "
          + (f"{problems} problem{'s' if problems != 1 else ''}" if problems else "no problems"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
