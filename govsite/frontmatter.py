"""A content file's front matter changed value by value, in place (for `govsite import`).

Each changed value is replaced where it stands; a new key goes after the last one (of the
file, or of a list's item). Comments, order, quoting and layout of everything else stay as
they were, and the Markdown body byte for byte. A value whose text holds a comment is never
replaced, and the result must read back (source.parse_yaml) as exactly the old front matter
with the new values: otherwise NotLossless, and the caller writes nothing.
"""
from __future__ import annotations

import re

import yaml

from .errors import Diagnostics
from .scaffold import yaml_value
from .source import parse_yaml


class NotLossless(Exception):
    """The change would lose or alter something else: `field` names it ("" for the whole file)."""

    def __init__(self, field: str = ""):
        super().__init__(field)
        self.field = field


def scalar(value) -> str:
    """A value as YAML on one line: a date and a number plain, a list in brackets."""
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(str(item)) for item in value) + "]"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return value  # a date: govsite reads it as a date, plain
    return str(value) if isinstance(value, int) else yaml_value(value)


def item_lines(item: dict, dash: int) -> list[str]:
    """A mapping as one item of a block list whose "-" stands at column `dash`."""
    return [" " * dash + ("- " if i == 0 else "  ") + f"{name}: {scalar(value)}"
            for i, (name, value) in enumerate(item.items())]


class Document:
    """A content file's text, and the changes to its front matter."""

    def __init__(self, text: str):
        self.crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")  # else a "\r" is text kept as it is
        text = text.replace("\r\n", "\n") if self.crlf else text
        self.bom = text.startswith("\ufeff")
        lines = text.removeprefix("\ufeff").split("\n")
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if lines[0].rstrip() != "---" or end is None:
            raise NotLossless()
        self.head, self.front, self.rest = lines[0], "\n".join(lines[1:end]), "\n".join(lines[end:])
        self.data = _parse(self.front)
        self.expected = {name: _copy(value) for name, value in self.data.items()}
        self.edits: list[tuple[int, int, int, str]] = []  # (start, end, order, new text) in self.front
        self.appended: list[str] = []  # new top-level lines
        self.root = yaml.compose(self.front, Loader=yaml.SafeLoader) if self.front.strip() else None
        if self.root is not None and not isinstance(self.root, yaml.MappingNode):
            raise NotLossless()

    def set(self, name: str, value) -> None:
        """A top-level field's value (a text, number, date or list of texts)."""
        self.expected[name] = value
        node = _value_node(self.root, name)
        if node is None:
            self.appended.append(f"{name}: {scalar(value)}")
        elif isinstance(value, list) and isinstance(node, yaml.SequenceNode) and not node.flow_style:
            dash = " " * node.start_mark.column  # a block list starts at its first "-"
            self._replace(node, "\n".join(f"{dash}- {scalar(item)}" for item in value).removeprefix(dash), name)
        else:
            self._replace(node, scalar(value), name)

    def append_item(self, name: str, item: dict) -> None:
        """A mapping added at the end of a top-level list (the list made when there is none)."""
        node = _value_node(self.root, name)
        old = self.expected.get(name)
        self.expected[name] = (old if isinstance(old, list) else []) + [item]
        if node is None:
            self.appended += [f"{name}:", *item_lines(item, 2)]
        elif isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
            self._insert_after(node.value[-1], item_lines(item, node.start_mark.column))
        else:
            self._replace(node, "\n" + "\n".join(item_lines(item, 2)), name)

    def set_in_item(self, name: str, index: int, key: str, value) -> None:
        """A field of the index-th mapping of a top-level list."""
        where = f"{name}[{index + 1}].{key}"
        node = _value_node(self.root, name)
        item_node = node.value[index] if isinstance(node, yaml.SequenceNode) and index < len(node.value) else None
        if not isinstance(item_node, yaml.MappingNode) or item_node.flow_style:
            raise NotLossless(where)
        self.expected[name][index][key] = value
        value_node = _value_node(item_node, key)
        if value_node is None:
            self._insert_after(item_node.value[-1][1], [" " * item_node.start_mark.column + f"{key}: {scalar(value)}"])
        else:
            self._replace(value_node, scalar(value), where)

    def text(self) -> str:
        """The file's new text, after checking that it reads back as intended."""
        front = self.front
        for start, end, _, new in sorted(self.edits, reverse=True):  # the text before each edit stays where it was
            front = front[:start] + new + front[end:]
        if self.appended:
            front = (front + "\n" if front and not front.endswith("\n") else front) + "\n".join(self.appended)
        if _parse(front) != self.expected:  # dates are text until the schema reads them
            raise NotLossless()
        text = "\n".join((self.head, front, self.rest)) if front else "\n".join((self.head, self.rest))
        text = ("\ufeff" if self.bom else "") + text
        return text.replace("\n", "\r\n") if self.crlf else text

    def _replace(self, node, text: str, field: str) -> None:
        """The node's text replaced, when it holds nothing but the value (no comment)."""
        start, end = node.start_mark.index, _end(node)
        if _has_comment(self.front[start:end], node, start):
            raise NotLossless(field)
        if self.front[start:end].endswith("\n"):  # a block scalar ends with its line
            text += "\n"
        self.edits.append((start, end, len(self.edits), text))

    def _insert_after(self, node, lines: list[str]) -> None:
        """Lines after the line where the node ends, in the order they were asked for."""
        end, text = _end(node), "\n".join(lines)
        newline = self.front.find("\n", end)
        if end and self.front[end - 1] == "\n":
            position, text = end, text + "\n"
        elif newline < 0:
            position, text = len(self.front), "\n" + text
        else:
            position, text = newline + 1, text + "\n"
        self.edits.append((position, position, len(self.edits), text))


def _parse(front: str) -> dict:
    parsed = parse_yaml(front, "", 2, Diagnostics())
    if parsed is None:
        raise NotLossless()
    return parsed[0]


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return [_copy(v) for v in value] if isinstance(value, list) else value


def _value_node(mapping, key: str):
    for key_node, value_node in (mapping.value if mapping is not None else ()):
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _end(node) -> int:
    """Where a node's own text ends: a block collection's end mark is at the next key, after
    any comment lines between, so it ends with its last item."""
    if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and not node.flow_style and node.value:
        return _end(node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1])
    return node.end_mark.index


def _scalar_spans(node, spans: list) -> list:
    if isinstance(node, yaml.ScalarNode):
        spans.append((node.start_mark.index, node.end_mark.index))
    for child in node.value if isinstance(node, yaml.SequenceNode) else ():
        _scalar_spans(child, spans)
    for key, value in node.value if isinstance(node, yaml.MappingNode) else ():
        _scalar_spans(key, spans)
        _scalar_spans(value, spans)
    return spans


def _has_comment(text: str, node, offset: int) -> bool:
    """Whether the text holds a `#` comment outside the node's scalars."""
    chars = list(text)
    for start, end in _scalar_spans(node, []):
        first, last = max(start - offset, 0), min(max(end - offset, 0), len(chars))
        chars[first:last] = " " * max(last - first, 0)
    return bool(re.search(r"(?:^|\s)#", "".join(chars)))
