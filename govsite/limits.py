"""Cheap, linear pre-checks that keep hostile content away from the parsers.

libyaml's composer recurses in C (30,000 `- ` on one line crash the process),
and Python-Markdown recurses on nested lists and blockquotes and is quadratic
on unclosed `[` and `(`. Nothing a communicator writes on purpose comes near
these limits, so text beyond them is refused with a line instead of being
parsed. Pure functions: text in, (line, params) or None out.
"""
from __future__ import annotations

import re

MAX_YAML_INDENT = 200  # columns of indentation plus nesting indicators on one line
MAX_MARKDOWN_DEPTH = 20  # nested blockquotes / lists / brackets
MAX_UNCLOSED = 50  # unclosed "[" or "(" in one paragraph (each costs a scan to its end)
MAX_PARAGRAPH = 200_000  # characters in one paragraph

_YAML_INDICATORS = re.compile(r"(?:[-?:](?:[ \t]+|$))*")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_QUOTES = re.compile(r"[ \t]*(?:>[ \t]?)*")
_LIST_MARKERS = re.compile(r"(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*")
_BRACKETS = re.compile(r"\\.|[\[\]()]")
# Each level of depth takes at least one of these characters at the start of a line, so a
# text without a longer run of them cannot nest too deep (the line-by-line walk is skipped).
_DEEP_PREFIX = re.compile(rf"^[ \t>*+\-0-9.)]{{{MAX_MARKDOWN_DEPTH + 1},}}", re.M)


def yaml_too_indented(text: str, first_line: int) -> tuple[int, int] | None:
    """(line, columns) of the first YAML line nested absurdly deep, else None."""
    for number, line in enumerate(text.split("\n")):
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        if indent > MAX_YAML_INDENT:
            return first_line + number, indent
        indicators = _YAML_INDICATORS.match(stripped).group(0)
        if indent + len(indicators) > MAX_YAML_INDENT:
            return first_line + number, indent + len(indicators)
    return None


def markdown_too_deep(text: str, first_line: int) -> tuple[int, int] | None:
    """(line, depth) where blockquotes, lists or brackets nest too deep, else None.

    Depth of a line: its `>` markers, its list markers and its indentation in
    steps of four (a nested list item); fenced code blocks are not counted.
    """
    if not _DEEP_PREFIX.search(text):
        return None
    fenced = False
    for number, line in enumerate(text.split("\n")):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        quotes = _QUOTES.match(line).group(0)
        rest = line[len(quotes):]
        indent = len(rest) - len(rest.lstrip(" \t"))
        markers = _LIST_MARKERS.match(rest.lstrip(" \t")).group(0)
        depth = quotes.count(">") + (len(quotes.expandtabs(4)) - quotes.count(">")) // 4 \
            + rest[:indent].expandtabs(4).count("    ") + len(re.findall(r"[-*+]|\d+[.)]", markers))
        if depth > MAX_MARKDOWN_DEPTH:
            return first_line + number, depth
    return None


def _few_brackets(text: str) -> bool:
    """Too few brackets to nest too deep or to leave too many unclosed (escaped ones counted too)."""
    return text.count("[") <= min(MAX_MARKDOWN_DEPTH, MAX_UNCLOSED) and text.count("(") <= MAX_UNCLOSED


def markdown_too_complex(text: str, first_line: int) -> tuple[int, str] | None:
    """(line, reason) of a paragraph whose links would take minutes to parse, else None.

    reason is "depth" (brackets nested too deep), "unclosed" (too many "[" or
    "(" never closed) or "length" (one paragraph of absurd length).
    """
    if _few_brackets(text) and len(text) <= MAX_PARAGRAPH:
        return None
    line = first_line
    for paragraph in re.split(r"(\n[ \t]*\n)", text):
        if paragraph.strip():
            if len(paragraph) > MAX_PARAGRAPH:
                return line, "length"
            if _few_brackets(paragraph):
                line += paragraph.count("\n")
                continue
            square: list[int] = []
            round_: list[int] = []
            for match in _BRACKETS.finditer(paragraph):
                char = match.group(0)
                if char == "[":
                    square.append(match.start())
                elif char == "]":
                    if square:
                        square.pop()
                elif char == "(":
                    round_.append(match.start())
                elif char == ")":
                    if round_:
                        round_.pop()
            if len(square) > MAX_UNCLOSED or len(round_) > MAX_UNCLOSED:
                where = (square or round_)[min(len(square or round_) - 1, MAX_UNCLOSED)]
                return line + paragraph.count("\n", 0, where), "unclosed"
            depth = 0
            for match in _BRACKETS.finditer(paragraph):
                char = match.group(0)
                if char == "[":
                    depth += 1
                    if depth > MAX_MARKDOWN_DEPTH:
                        return line + paragraph.count("\n", 0, match.start()), "depth"
                elif char == "]":
                    depth = max(0, depth - 1)
        line += paragraph.count("\n")
    return None
