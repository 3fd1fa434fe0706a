#!/usr/bin/python3
"""Writes a grade's page, GRADE_DIR/index.html, for the interviewer.

Usage: page.py GRADE_DIR

One self-contained file, readable in a minute: at the top the status, the
score and the first stage not complete (from GRADE_DIR/results.json), then
every section of GRADE_DIR/scorecard.md in its order (root causes, failing
tests, performance, timeline, code review, integrity check, the rubric to
fill in), turned into HTML by python3-markdown, so that the page and the
scorecard cannot say different things. An image the scorecard shows
(`![...](timeline.svg)`) is read from GRADE_DIR and put into the page as a
data: URL, and the style is inline, so the page loads nothing: no network,
no other file. It holds no script.
"""

import base64
import html
import json
import mimetypes
import re
import sys
from pathlib import Path

import markdown

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 70rem; margin: 1.5rem auto;
       padding: 0 1rem; color: #1d1d1f; overflow-wrap: break-word; }
header { border-bottom: 1px solid #ccc; margin-bottom: 1rem; }
.verdict { display: flex; gap: 2rem; flex-wrap: wrap; font-size: 1.1rem; }
.verdict b { font-size: 1.6rem; }
.status-pass { color: #176b2c; } .status-fail { color: #9a4b00; } .status-error { color: #a40e26; }
nav a { margin-right: .8rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; vertical-align: top; text-align: left; }
code { background: #f3f3f3; padding: 0 .2rem; word-break: break-all; }
pre { background: #f3f3f3; padding: .5rem; overflow-x: auto; }
img { max-width: 100%; }
details { margin: .5rem 0 1rem; }
h2 { border-top: 1px solid #eee; padding-top: .8rem; }
"""


def inline_images(text, folder):
    """`text` (Markdown) with every image path of `folder` made a data: URL."""
    def data_url(match):
        alt, target = match.group(1), match.group(2)
        path = folder / target
        if "://" in target or target.startswith("data:") or not path.is_file():
            return match.group(0)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"![{alt}](data:{kind};base64,{encoded})"
    return re.sub(r"!\[([^\]]*)\]\(([^)\s]+)\)", data_url, text)


def render(folder):
    """The page of the grade in `folder`, as text."""
    results = json.loads((folder / "results.json").read_text())
    scorecard = (folder / "scorecard.md").read_text()
    # The scorecard's title is the page's header instead.
    scorecard = re.sub(r"\A# [^\n]*\n", "", scorecard)
    # Markdown inside <details>, as GitHub renders it, with the summary kept
    # as the first child (the fold's label) when it follows on one line.
    scorecard = re.sub(r"<details>[ \t]*(<summary>.*?</summary>)?",
                       lambda m: '<details markdown="1">\n' + (m.group(1) or ""), scorecard)
    converter = markdown.Markdown(extensions=["tables", "toc", "md_in_html", "fenced_code"])
    body = converter.convert(inline_images(scorecard, folder))
    sections = [(token["id"], token["name"]) for token in converter.toc_tokens]

    status = results.get("status", "error")
    stage = results.get("first_incomplete_stage")
    points = f"{results.get('points', 0):g} of {results.get('max_points', 0):g}"
    name = html.escape(str(results.get("name", folder.name)))
    nav = " ".join(f'<a href="#{html.escape(anchor)}">{html.escape(title)}</a>'
                   for anchor, title in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Grade: {name}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Grade: {name}</h1>
<p>{html.escape(str(results.get("target", "")))}</p>
<div class="verdict">
<span>Status <b class="status-{html.escape(status)}">{html.escape(status)}</b></span>
<span>Score <b>{points}</b></span>
<span>First stage not complete <b>{html.escape(stage or "none")}</b></span>
</div>
<nav>{nav}</nav>
</header>
<main>
{body}
</main>
</body>
</html>
"""


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(sys.argv[1])
    (folder / "index.html").write_text(render(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
