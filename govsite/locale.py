"""Translation tables: every word a citizen or communicator reads comes from here."""
from __future__ import annotations

import datetime as dt
import functools
from importlib import resources

import yaml

from .errors import Diagnostic

LANGUAGES = ("sv", "en")


class Locale:
    def __init__(self, language: str, table: dict):
        self.language = language
        self.table = table

    @staticmethod
    @functools.cache
    def load(language: str) -> "Locale":
        language = language if language in LANGUAGES else "sv"
        text = resources.files("govsite.locales").joinpath(f"{language}.yaml").read_text("utf-8")
        return Locale(language, yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))

    def t(self, key: str, **params) -> str:
        """A UI string by dotted key, e.g. t("kinds.risks.plural")."""
        node = self.table["ui"]
        for part in key.split("."):
            node = node[part]
        return node.format(**params) if params else node

    def kind(self, kind: str, form: str = "singular") -> str:
        """A kind's name: kind_label("risks", "plural") is "Risker" on a Swedish site."""
        return self.table["ui"]["kinds"][kind][form]

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return ""
        month = self.table["months"][value.month - 1]
        return self.table["date_format"].format(day=value.day, month=month, year=value.year)

    # --- diagnostics ---

    def message(self, diagnostic: Diagnostic) -> tuple[str, str]:
        """(message, hint) in this language."""
        entry = self.table["messages"][diagnostic.code]
        params = {k: self._param(k, v) for k, v in diagnostic.params.items()}
        message = entry["message"].format(**params)
        # The hint of the case at hand: a suggestion, or a variant the diagnostic names
        variant = f"hint_{diagnostic.params.get('variant')}"
        hint_key = "hint_suggestion" if diagnostic.params.get("suggestion") and "hint_suggestion" in entry \
            else variant if variant in entry else "hint"
        hint = entry.get(hint_key, "").format(**params)
        return message, hint

    def _param(self, key: str, value):
        if key in ("kind", "target") and value in self.table["ui"]["kinds"]:
            return self.kind(value)
        if key == "expected":  # what a field of an audit report must be (audit.REPORT_FIELDS)
            return self.table["ui"]["audit"]["expected"].get(value, value)
        if key == "axis":
            return self.table["ui"]["matrix"][value]
        if isinstance(value, float):  # 1.5 is "1,5" in Swedish
            return f"{value:.1f}".replace(".", self.table.get("decimal_mark", "."))
        if key == "problem":  # the YAML parser speaks English; say it in the site's language
            for start, words in self.table.get("yaml_problems", {}).items():
                if str(value).startswith(start):
                    return words
        return value

    def format(self, diagnostic: Diagnostic) -> str:
        """`path:line: fel: message hint` — what the terminal and the error page show."""
        message, hint = self.message(diagnostic)
        level = self.table["levels"][diagnostic.level]
        text = f"{diagnostic.location}: {level}: {message}"
        return f"{text} {hint}" if hint else text

    def as_json(self, diagnostic: Diagnostic) -> dict:
        message, hint = self.message(diagnostic)
        return {"path": diagnostic.location.path, "line": diagnostic.location.line,
                "level": diagnostic.level, "code": diagnostic.code, "message": message, "hint": hint}
