"""How often govsite's Markdown shows what GitHub's preview shows (issue 22).

Both sides render the same text: govsite through `govsite.markup.Markup` (the site's
sanitised HTML), GitHub through `cmarkgfm` (cmark-gfm, GitHub's renderer, with the
extensions github.com turns on) and then the same allow-list, since GitHub sanitises
too and raw HTML is not what this measures. Each result is reduced to its structure:
elements with the attributes a reader notices (link targets, list starts, checkbox
state, table alignment) and their text with whitespace collapsed. Two renderings
agree when the structures are equal.

The examples: the CommonMark spec 0.31.2 (652 examples, `commonmark-0.31.2.json`, from
markdown-it-py's test data), the GFM spec 0.29's extension sections (tables,
strikethrough, task lists, extended autolinks; `gfm-0.29-extensions.json`, from
marko's test data), both CC-BY-SA 4.0, and `corpus/`: Swedish governance text as a
communicator writes it.

Run `python -m tests.markdown_parity.parity` for the table docs/markdown.md records.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from govsite import markup

HERE = Path(__file__).resolve().parent
CORPUS_SECTION = "Swedish corpus"
DOC = HERE.parent.parent / "docs" / "markdown.md"

# What the comparison looks at: the site's own allow-list, plus GitHub's spelling of alignment.
_TAGS = markup.ALLOWED_TAGS | {"input", "label", "h1"}
_ATTRIBUTES = {tag: set(names) for tag, names in markup.ALLOWED_ATTRIBUTES.items()}
for _tag in ("th", "td"):
    _ATTRIBUTES.setdefault(_tag, set()).update({"align", "class"})
_ATTRIBUTES.setdefault("input", set()).update({"type", "checked"})
_KEPT = {"href", "src", "alt", "title", "start", "checked", "align"}
_BLOCK = {"p", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead",
          "tbody", "tr", "th", "td", "hr", "pre", "dl", "dt", "dd", "figure", "figcaption"}


def examples() -> list[dict]:
    """Every example: {"section", "markdown"}."""
    found = json.loads((HERE / "commonmark-0.31.2.json").read_text(encoding="utf-8"))
    found += json.loads((HERE / "gfm-0.29-extensions.json").read_text(encoding="utf-8"))
    for path in sorted((HERE / "corpus").glob("*.md")):
        found.append({"section": CORPUS_SECTION, "markdown": path.read_text(encoding="utf-8"), "name": path.name})
    return found


def github(text: str) -> str:
    html = cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=markup.URL_SCHEMES,
                     strip_comments=True)


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root: list = []
        self.stack = [("#root", (), self.root)]

    def handle_starttag(self, tag, attrs):
        if tag == "label":  # the site labels task-list checkboxes with their text: not a difference
            return
        if tag == "h1":  # the page's title is its only h1: a body's `#` is an h2 on both sides
            tag = "h2"
        kept = []
        for name, value in attrs:
            if name == "class" and value and value.startswith("align-"):
                name, value = "align", value[len("align-"):]
            if name in _KEPT:
                kept.append((name, unquote(value or "") if name in ("href", "src") else (value or "")))
        node = (tag, tuple(sorted(kept)), [])
        self.stack[-1][2].append(node)
        if tag not in ("br", "hr", "img", "input"):
            self.stack.append(node)

    def handle_endtag(self, tag):
        tag = "h2" if tag == "h1" else tag
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1][2].append(data)


def _normal(nodes: list, pre: bool = False) -> tuple:
    """Adjacent text joined, whitespace collapsed (kept inside pre), blank text between blocks dropped."""
    out: list = []
    for node in nodes:
        if isinstance(node, str):
            if out and isinstance(out[-1], str):
                out[-1] += node
            else:
                out.append(node)
        else:
            tag, attrs, children = node
            out.append((tag, attrs, _normal(children, pre or tag == "pre")))
    result = []
    for index, node in enumerate(out):
        if isinstance(node, str):
            if not pre:
                node = re.sub(r"\s+", " ", node)
                before = out[index - 1] if index else None
                after = out[index + 1] if index + 1 < len(out) else None
                if before is None or (isinstance(before, tuple) and before[0] in _BLOCK):
                    node = node.lstrip()
                if after is None or (isinstance(after, tuple) and after[0] in _BLOCK) \
                        or (isinstance(after, tuple) and after[0] == "br"):
                    node = node.rstrip()
            else:
                node = node.rstrip("\n") if index == len(out) - 1 else node
            if node:
                result.append(node)
        else:
            result.append(node)
    return tuple(result)


def structure(html: str) -> tuple:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return _normal(tree.root)


def measure(convert=None) -> dict[str, tuple[int, int]]:
    """{section: (agreeing examples, examples)}, plus "Overall (CommonMark)" for the 652."""
    convert = convert or markup.Markup().convert
    agree, total = Counter(), Counter()
    for example in examples():
        section = example["section"]
        same = structure(convert(example["markdown"])) == structure(github(example["markdown"]))
        for name in (section, "Overall (CommonMark)") if "example" in example and "(GFM)" not in section \
                else (section,):
            total[name] += 1
            agree[name] += same
    return {name: (agree[name], total[name]) for name in total}


def differing(section: str, convert=None) -> list[tuple[str, str, str]]:
    """(markdown, govsite's HTML, GitHub's HTML) of each example of a section that differs."""
    convert = convert or markup.Markup().convert
    return [(e["markdown"], convert(e["markdown"]), github(e["markdown"])) for e in examples()
            if e["section"] == section
            and structure(convert(e["markdown"])) != structure(github(e["markdown"]))]


def recorded() -> dict[str, tuple[int, int]]:
    """The figures docs/markdown.md records: its table rows `| section | n / total | … |`."""
    figures = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*([^|]+?)\s*\|\s*(\d+)\s*/\s*(\d+)\s*\|", line)
        if match:
            figures[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    return figures


if __name__ == "__main__":
    for name, (same, count) in sorted(measure().items()):
        print(f"| {name} | {same} / {count} | {100 * same / count:.1f} % |")
