"""Translation tables: every word a citizen or communicator reads comes from here."""
from __future__ import annotations

import datetime as dt
import functools
from importlib import resources

import babel
import yaml
from babel.dates import format_date
from babel.numbers import format_decimal

from .errors import Diagnostic

LANGUAGES = ("sv", "en", "fi")  # the built-in tables; a site may add its own (content/locales/)
# A language code as a site's own table names it (ISO 639-1 or 639-3: `se`, `fit`, `smj`).
LANGUAGE_CODE = r"[a-z]{2,3}"


class Locale:
    def __init__(self, language: str, table: dict, fallback: "Locale | None" = None):
        self.language = language
        self.table = table
        # Dates and numbers as CLDR writes them in this language (Babel): the table's `cldr`
        # locale, else the language code; a language CLDR does not know (Meänkieli) writes
        # them as the language that fills in its missing words does.
        try:
            self.cldr = babel.Locale.parse(table.get("cldr") or language)
        except (babel.UnknownLocaleError, ValueError):
            self.cldr = fallback.cldr if fallback else babel.Locale.parse("sv_SE")

    @staticmethod
    @functools.cache
    def load(language: str) -> "Locale":
        language = language if language in LANGUAGES else "sv"
        text = resources.files("govsite.locales").joinpath(f"{language}.yaml").read_text("utf-8")
        return Locale(language, yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))

    @staticmethod
    def of_site(table: dict, language: str, fallback: "Locale") -> "Locale":
        """A site's own table (content/locales/LANG.yaml) over `fallback`'s, which fills in
        every key the site's table leaves out (validate.py warns of them)."""
        return Locale(language, merged(fallback.table, table), fallback)

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
        return format_date(value, "long", locale=self.cldr)

    def number(self, value: float, places: int = 1) -> str:
        """1.5 is "1,5" in Swedish and Finnish, "1.5" in English (CLDR)."""
        return format_decimal(value, "0." + "0" * places if places else "0", locale=self.cldr)

    def language_name(self, code: str) -> str:
        """A language's name in this one, as CLDR writes it mid-sentence ("svenska", "Swedish",
        "ruotsi"); a language CLDR does not know is named by its code."""
        try:
            return babel.Locale.parse(code).get_language_name(self.cldr) or code
        except (babel.UnknownLocaleError, ValueError):
            return code

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
            return self.number(value)
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


def for_site(config, language: str | None = None) -> Locale:
    """The table of one of a site's languages (its main one by default): the site's own
    table for a language it supplies, else the built-in one."""
    language = language or config.language
    return config.tables.get(language) or Locale.load(language)


def merged(base: dict, over: dict) -> dict:
    """`over` on top of `base`, key by key at every level (a list is one value)."""
    result = dict(base)
    for key, value in over.items():
        result[key] = merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) \
            else value
    return result


def keys(table: dict, prefix: str = "") -> set[str]:
    """Every key of a table, dotted ("ui.site.home"); a list is one value."""
    found = set()
    for key, value in table.items():
        name = f"{prefix}{key}"
        found |= keys(value, name + ".") if isinstance(value, dict) else {name}
    return found
