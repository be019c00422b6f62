"""Diagnostics that carry the communicator's file and line.

A diagnostic is data: a message code and its parameters. The words are chosen
late, from the site's translation table, so the same problem reads in Swedish
or English (see locale.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning", "notice"]  # a notice informs and is never counted as a problem


@dataclass(frozen=True, order=True)
class SourceLocation:
    path: str  # relative to the site folder, with forward slashes
    line: int = 0  # 1-based line in the user's file; 0 when the whole file is meant

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Diagnostic:
    level: Level
    code: str  # key into the `messages` table of a locale
    location: SourceLocation
    params: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def sort_key(self):
        return (self.location.path, self.location.line, self.level != "error", self.code,
                sorted((k, str(v)) for k, v in self.params.items()))


class Diagnostics:
    """Collects every problem of a build so that all are reported together."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []

    def error(self, code: str, location: SourceLocation, **params) -> None:
        self._items.append(Diagnostic("error", code, location, params))

    def warning(self, code: str, location: SourceLocation, **params) -> None:
        self._items.append(Diagnostic("warning", code, location, params))

    def notice(self, code: str, location: SourceLocation, **params) -> None:
        self._items.append(Diagnostic("notice", code, location, params))

    def extend(self, items) -> None:
        self._items.extend(items)

    @property
    def items(self) -> list[Diagnostic]:
        return sorted(self._items, key=lambda d: d.sort_key)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "warning"]

    @property
    def notices(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "notice"]

    def __len__(self) -> int:
        return len(self._items)


class BuildFailed(Exception):
    """The content (or theme) has problems; nothing was written."""

    def __init__(self, diagnostics: list[Diagnostic], language: str = "sv"):
        super().__init__(f"{len(diagnostics)} problem(s)")
        self.diagnostics = diagnostics
        self.language = language  # of the site, for the words of the report
