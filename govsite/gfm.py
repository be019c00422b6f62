"""What Python-Markdown needs to read text as GitHub's preview does (issue 22).

GitHub (cmark-gfm) nests a list item's content at the item's content column: two
spaces under `- `, three under `1. `. Python-Markdown nests by steps of four. The
preprocessor here rewrites only the indentation of lines inside lists, so that
depth d sits at 4·d columns, turns `1)` markers into `1.`, and puts a blank line
before a list that follows a paragraph line (GitHub lets a list interrupt a
paragraph). Fenced code inside an item moves with the item. The rest is left to
pymdown-extensions (markup.py); nothing else here parses Markdown.
"""
from __future__ import annotations

import re

from markdown.preprocessors import Preprocessor

_MARKER = re.compile(r"(?P<indent> *)(?P<marker>[-*+]|(?P<number>\d{1,9})[.)])(?P<space>[ \t]+|$)")
_FENCE = re.compile(r" *(`{3,}|~{3,})")
_BREAK = re.compile(r" {0,3}([-*_])(?: *\1){2,} *$")  # a thematic break, not a list item
_QUOTE = re.compile(r" {0,3}> ?")
_BLOCK_START = re.compile(r" {0,3}(?:#{1,6}(?: |$)|>|`{3,}|~{3,}|\|)")
_HEADING = re.compile(r" {1,3}(?=#{1,6}(?: |$))")
_FENCE_LINE = re.compile(r"[ \t]*(`{3,}(?!.*`)|~{3,})")
_TICKS = re.compile(r"`+")
_TABLE_DELIMITER = re.compile(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
# Bounded, so that a line of a thousand unclosed "](" costs no more than its length times 400.
_SPACED_LINK = re.compile(r"\]\((?!<)([^()\s\"']{1,200}[ \t]+(?![\"'(])[^()\n]{0,200})\)")


def mask_code(text: str) -> str:
    """The text with code spans and fenced code blocks blanked out (lines kept): what is
    inside code is text, never syntax. Linear in the text, whatever its backticks."""
    if "`" not in text and "~~~" not in text:
        return text
    out: list[str] = []
    paragraph: list[str] = []
    fence = None
    for line in text.split("\n"):
        if fence:
            if re.fullmatch(rf"[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*", line):
                fence = None
            out.append(" " * len(line))
            continue
        opening = _FENCE_LINE.match(line)
        if opening or not line.strip():
            out.extend(_mask_spans(paragraph))
            paragraph = []
            fence = opening.group(1) if opening else None
            out.append(" " * len(line) if opening else line)
        else:
            paragraph.append(line)
    out.extend(_mask_spans(paragraph))
    return "\n".join(out)


def _mask_spans(lines: list[str]) -> list[str]:
    """A paragraph's lines with its code spans blanked: a run of backticks opens a span that the
    next run of the same length closes (CommonMark); a run that nothing closes is text."""
    text = "\n".join(lines)
    if "`" not in text:
        return lines
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(text)]
    following: list = [None] * len(runs)  # index of the next run of the same length
    last: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        following[index] = last.get(length)
        last[length] = index
    chars = list(text)
    index = 0
    while index < len(runs):
        closing = following[index]
        if closing is None:
            index += 1
            continue
        for position in range(runs[index][0], runs[closing][1]):
            if chars[position] != "\n":
                chars[position] = " "
        index = closing + 1
    return "".join(chars).split("\n")


def differences(text: str, first_line: int):
    """(line, code, params) of what GitHub's preview shows otherwise than the site, where a
    cheap look finds it: a list that changes its marker (GitHub starts a new list), a link
    address with a space (GitHub shows it as typed), two quotes with only a blank line
    between (GitHub shows two)."""
    if "-" not in text and "*" not in text and "+" not in text and ")" not in text and ">" not in text:
        return
    lines = mask_code(text).split("\n")
    markers: dict[int, str] = {}  # indent → the kind of marker of the list open there
    previous = ""
    quote_ended = False
    for number, line in enumerate(lines):
        marker = _MARKER.match(line)
        if marker and not _BREAK.match(line) and marker.group("space"):
            indent = len(marker.group("indent"))
            kind = marker.group("marker")[-1]
            markers = {i: k for i, k in markers.items() if i <= indent}
            before = markers.get(indent, kind)
            if before != kind and (before in ".)") == (kind in ".)"):  # a bullet after a number: two lists on both
                yield first_line + number, "markdown_differs_list_marker", {"before": before, "after": kind}
            markers[indent] = kind
        elif line.strip() and _indent(line) == 0 and not previous.strip():
            markers = {}
        if _QUOTE.match(line):
            if quote_ended and not previous.strip():
                yield first_line + number, "markdown_differs_quotes", {}
            quote_ended = False
        elif not line.strip():
            quote_ended = quote_ended or bool(_QUOTE.match(previous))
        else:
            quote_ended = False
        if "](" in line:
            for link in _SPACED_LINK.finditer(line):
                yield first_line + number, "markdown_differs_link_space", {"address": link.group(1)}
        previous = line


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def normalise(lines: list[str]) -> list[str]:
    """The lines with list indentation in steps of four (see the module's text)."""
    out: list[str] = []
    items: list[int] = []  # content column (in the source) of each open list item, outermost first
    fence = None  # (closing fence, column its lines are measured from) while inside a fence
    previous = "blank"  # the last line: "blank", "item", "text" (paragraph) or "other"
    quote: list[str] = []  # the lines of a top-level block quote, without their ">"
    for number, line in enumerate(lines + [None]):
        if quote and (line is None or not _QUOTE.match(line)):
            out.extend(">" + (" " + q if q else "") for q in normalise(quote))
            quote, previous = [], "other"
        if line is None:
            break
        if "\t" in line:
            line = line.expandtabs(4)
        indent = _indent(line)
        if fence:
            closing, column = fence
            closes = line.strip().startswith(closing) and not line.strip().strip(closing[0])
            out.append(" " * (4 * len(items)) + line[min(column, indent):] if items else line)
            if closes:
                fence = None
                if not items:  # Python-Markdown needs a blank after a fence where GitHub does not
                    out.append("")
            continue
        if not line.strip():
            out.append("")
            previous = "blank"
            continue
        if not items and _QUOTE.match(line):
            quote.append(_QUOTE.sub("", line, count=1))
            continue
        if not items and _HEADING.match(line):
            line, indent = line.lstrip(" "), 0  # GitHub allows a heading indented by up to three spaces
        if _BREAK.match(line) and not (previous == "text" and "-" in line and not items):
            while items and indent < items[-1]:
                items.pop()
            if not items:  # blank lines keep `***` from being read as a list or a heading's underline
                out.extend(("", "***", ""))
                previous = "blank"
                continue
        marker = None if _BREAK.match(line) else _MARKER.match(line)
        lazy = previous in ("item", "text") and not marker and not _BLOCK_START.match(line)
        closed = 0
        while items and indent < items[-1] and not lazy:
            items.pop()
            closed += 1
        is_item = bool(marker) and indent < (items[-1] + 4 if items else 4)
        if is_item and not closed and previous == "text" and (
                marker.group("number") not in (None, "1") or not line[marker.end():].strip()):
            is_item = False  # only a bullet or "1." with text starts a list inside a paragraph
        if is_item:
            if previous == "text" and not items:
                out.append("")  # GitHub lets a list interrupt a paragraph; Python-Markdown needs a blank
            space = marker.group("space").expandtabs(4)
            content = marker.end() if 0 < len(space) <= 4 else marker.end("marker") + 1
            symbol = marker.group("number") + "." if marker.group("number") else marker.group("marker")
            out.append(" " * (4 * len(items)) + symbol + " " + line[content:])
            items.append(content)
            previous = "item"
            continue
        fence_match = _FENCE.match(line.lstrip(" ") if items else line)
        if items:
            column = items[-1]
            text = line[column:] if indent >= column else line.lstrip(" ")
            out.append(" " * (4 * len(items)) + text)
        else:
            column, text = 0, line
            if previous == "text" and (fence_match or "|" in line and number + 1 < len(lines)
                                       and "|" in lines[number + 1] and _TABLE_DELIMITER.match(lines[number + 1])):
                out.append("")  # a fence or a table may follow a paragraph's line on GitHub
            out.append(line)
        if fence_match and _indent(text) < 4 and not lazy:
            fence = (fence_match.group(1), column)
            previous = "other"
            continue
        previous = "other" if _BLOCK_START.match(text) else "text"
    return out


class ListIndent(Preprocessor):
    def run(self, lines):
        if not any(_MARKER.match(line) or _QUOTE.match(line) or _FENCE.match(line) or _BREAK.match(line)
                   or _HEADING.match(line) or "|" in line for line in lines):
            return lines
        return normalise(lines)
