"""`govsite new KIND "Title"`: a new content file with every field of its kind.

The fields come from schema.KIND_SPECS (the one declaration of the content
model), so a field added there shows up here too. Required fields get a
placeholder that validation reports until it is replaced; optional fields are
written as comments with a one-line explanation from the locale table.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from . import model
from .locale import LANGUAGES, Locale
from .schema import KIND_SPECS, Choice, Level, ListOf, Obj, Ref, Spec
from .source import site_language, slugify


def kind_of(name: str) -> str | None:
    """"risk", "risks", "Risker", "samverkansarena" … → "risks"; None when unknown."""
    name = name.strip().lower()
    for kind in model.KINDS:
        names = {kind, model.SINGULAR[kind]}
        for language in LANGUAGES:
            labels = Locale.load(language).table["ui"]["kinds"][kind]
            names |= {labels["singular"].lower(), labels["plural"].lower()}
        if name in names:
            return kind
    return None


def matrix_size(content: Path, axis: str, language: str) -> int:
    try:
        data = yaml.safe_load((content / "site.yaml").read_text("utf-8"))
        return len(data["risk_matrix"][axis])
    except (OSError, yaml.YAMLError, ValueError, KeyError, TypeError):
        return len(Locale.load(language).table["default_risk_matrix"][axis])


def yaml_value(text: str) -> str:
    """The text as a YAML value: plain when that reads back the same, else double-quoted."""
    try:
        if yaml.safe_load(f"x: {text}") == {"x": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)


def explain(name: str, spec: Spec, locale: Locale, levels: dict[str, int]) -> str:
    """One line that tells a communicator what to write in the field."""
    words = locale.t(f"scaffold.fields.{name}") if name in locale.table["ui"]["scaffold"]["fields"] else name
    extra = []
    if spec.required:
        extra.append(locale.t("scaffold.required"))
    item = spec.item if isinstance(spec, ListOf) else spec
    if isinstance(item, Ref):
        extra.append(locale.t("scaffold.ids", folder=item.target))
    if isinstance(spec, ListOf) and not isinstance(item, Obj):
        extra.append(locale.t("scaffold.list"))
    if isinstance(spec, Choice):
        extra.append(locale.t("scaffold.choices", options=", ".join(spec.options)))
    if isinstance(spec, Level):
        extra.append(locale.t("scaffold.levels", max=levels[spec.axis]))
    return f"{words} ({'; '.join(extra)})" if extra else words


def front_matter(kind: str, title: str, language: str, levels: dict[str, int]) -> str:
    locale = Locale.load(language)
    placeholder = locale.t("scaffold.placeholder")
    specs = KIND_SPECS[kind]
    ordered = ["title"] + [n for n, s in specs.items() if s.required and n != "title"] + \
              [n for n, s in specs.items() if not s.required]
    lines = ["---"]
    width = max(len(n) for n in specs) + len(placeholder) + 3
    for name in ordered:
        spec = specs[name]
        note = explain(name, spec, locale, levels)
        if name == "title":
            lines.append(f"title: {yaml_value(title)}")
        elif spec.required:
            lines.append(f"{name}: {placeholder}".ljust(width) + f"  # {note}")
        else:
            lines.append(f"# {name}:".ljust(width) + f"  # {note}")
            item = spec.item if isinstance(spec, ListOf) else spec
            if isinstance(item, Obj):  # show the shape: one item with its sub-fields
                for index, sub in enumerate(item.fields):
                    prefix = "#   - " if isinstance(spec, ListOf) and index == 0 else \
                             "#     " if isinstance(spec, ListOf) else "#   "
                    lines.append(f"{prefix}{sub}:")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def new(content: Path, kind_name: str, title: str, stream=None) -> Path | None:
    """Create content/{kind}/{slug}.md; None (after saying why) when it cannot."""
    stream = stream or sys.stderr
    language = site_language(content)
    locale = Locale.load(language)
    kind = kind_of(kind_name)
    if kind is None:
        names = ", ".join(model.SINGULAR[k] for k in model.KINDS)
        print(locale.t("scaffold.unknown_kind", kind=kind_name, kinds=names), file=stream)
        return None
    slug = slugify(title)
    if not slug:
        print(locale.t("scaffold.bad_title", title=title), file=stream)
        return None
    path = content / kind / f"{slug}.md"
    if path.exists():
        print(locale.t("scaffold.exists", path=path.as_posix()), file=stream)
        return None
    levels = {axis: matrix_size(content, axis, language) for axis in ("probability", "severity")}
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
            file.write(front_matter(kind, title.strip(), language, levels))
    except FileExistsError:
        print(locale.t("scaffold.exists", path=path.as_posix()), file=stream)
        return None
    print(locale.t("scaffold.created", path=path.as_posix()), file=stream)
    return path


def main_new(content: Path, kind: str, title: str) -> int:
    return 0 if new(content, kind, title, stream=sys.stdout) else 1
