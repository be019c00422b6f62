"""`govsite import risks FILE`: risks from a spreadsheet (CSV or XLSX) into content/risks/.

One risk a row, columns named as in the site's own data/risks.csv or in Swedish. Each
row is matched to an existing risk by id, else by title, and becomes a plan: create the
file, change some of its fields, leave it as it is, or skip the row with a reason. Only
`--write` carries the plan out.

A file is changed in place, never rewritten whole (frontmatter.py): each changed value is
replaced where it stands, the Markdown body is never touched, and the result must read
back as exactly the old front matter with the new values; a file where that does not
hold is skipped, with why.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import os
import re
import sys
from pathlib import Path


from . import model
from .errors import Diagnostics
from .export import CSV_FORMULA_START
from .locale import Locale
from .frontmatter import Document, NotLossless, item_lines, scalar
from .pipeline import Options, load
from .schema import suggest
from .source import ID_PATTERN, nfc, slugify

FIELDS = ("id", "title", "unit", "probability", "severity", "status", "category", "owner", "assessed", "review",
          "missions", "updated")
CONTROL_FIELDS = ("title", "method", "frequency", "responsible", "reported_to")
# A column's name, lower case with single spaces (`Rapporteras till`, `reported_to`), → what it holds.
COLUMNS = {
    **{name: name for name in FIELDS}, "reported to": "control.reported_to",
    "risk": "title", "titel": "title", "rubrik": "title", "enhet": "unit", "ansvarig enhet": "unit",
    "sannolikhet": "probability", "konsekvens": "severity", "ägare": "owner", "riskägare": "owner",
    "kategori": "category", "riskkategori": "category", "bedömd": "assessed", "nästa översyn": "review", "uppdrag": "missions", "uppdaterad": "updated",
    "kontroll": "control.title", "control": "control.title", "metod": "control.method", "method": "control.method",
    "frekvens": "control.frequency", "frequency": "control.frequency", "ansvarig": "control.responsible",
    "responsible": "control.responsible", "rapporteras till": "control.reported_to",
    # what data/risks.csv derives from the others (value, rating, the number of controls, the page)
    "value": "", "rating": "", "controls": "", "url": "", "riskvärde": "", "riskbedömning": "",
}
DATE_FIELDS = ("assessed", "review", "updated")


class Skip(Exception):
    """A row that is not imported: a locale key under import.reasons and its parameters."""

    def __init__(self, reason: str, **params):
        super().__init__(reason)
        self.reason, self.params = reason, params


# --- reading the spreadsheet -----------------------------------------------------------

def read_table(path: Path) -> list[list]:
    """The rows of the file's first sheet (CSV: any of , ; tab), header first, cells as read."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # Excel's "CSV" on a Swedish Windows
        text = raw.decode("cp1252", "replace")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    return [[_unguard(cell) for cell in row] for row in csv.reader(io.StringIO(text, newline=""),
                                                                   delimiter=delimiter)]


def _unguard(cell: str) -> str:
    """A cell export.safe_cell kept from running as a formula ("'-x"), as it was ("-x")."""
    return cell[1:] if cell.startswith("'") and cell[1:2] and cell[1] in CSV_FORMULA_START else cell


def column_name(header) -> str:
    return re.sub(r"[\s_]+", " ", nfc(str(header or ""))).strip().casefold()


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, dt.datetime):
        cell = cell.date()
    return nfc(cell.isoformat() if isinstance(cell, dt.date) else str(cell)).strip()


# --- a row → the risk it describes -------------------------------------------------------

@dataclasses.dataclass
class Wanted:
    """What a row says about a risk: the front-matter values given (raw YAML values), and a control."""
    values: dict
    control: dict


class Reader:
    def __init__(self, site: model.Site, locale: Locale):
        self.site, self.locale = site, locale
        self.matrix = site.config.risk_matrix
        self.statuses = {code: code for code in model.RISK_STATUSES}
        for language in ("sv", "en"):
            for code in model.RISK_STATUSES:
                self.statuses[Locale.load(language).t(f"risk_status.{code}").casefold()] = code

    def ref(self, kind: str, text: str, reason: str) -> str:
        """An entity's id from its id, its title or its title made an id; Skip with the nearest id."""
        entities = self.site.entities.get(kind, {})
        if text in entities:
            return text
        for entity in entities.values():
            if entity.title.casefold() == text.casefold():
                return entity.id
        if slugify(text) in entities:
            return slugify(text)
        raise Skip(reason, value=text, suggestion=suggest(slugify(text), entities) or "–")

    def level(self, axis: str, text: str) -> int:
        levels = getattr(self.matrix, axis)
        match = re.fullmatch(r"(\d+)(?:\s*[-–:.]?\s*(.*))?", text)
        for item in levels:
            if (match and int(match[1]) == item.level and (not match[2] or match[2].casefold() == item.label.casefold())
                    or text.casefold() == item.label.casefold()):
                return item.level
        raise Skip("level", field=axis, value=text,
                   levels=", ".join(f"{item.level} {item.label}" for item in levels))

    def category(self, text: str) -> str:
        """A category's id from its id or its label (site.yaml's risk_categories, else the default list)."""
        categories = self.site.config.risk_categories
        for category in categories:
            if text.casefold() in (category.id.casefold(), category.label.casefold()):
                return category.id
        raise Skip("unknown_category", value=text, categories=", ".join(c.label for c in categories))

    def row(self, header: list[str], cells: list) -> Wanted:
        given = {}
        for name, cell in zip(header, cells):
            text = _text(cell)
            if name and text:
                given[name] = cell if name in DATE_FIELDS and isinstance(cell, dt.date) else text
        values, control = {}, {}
        for name, value in given.items():
            if name.startswith("control."):
                control[name.removeprefix("control.")] = value
            elif name in ("unit",):
                values["unit"] = self.ref("units", value, "unknown_unit")
            elif name == "missions":
                values["missions"] = [self.ref("missions", part.strip(), "unknown_mission")
                                      for part in re.split(r"[;,\n]", value) if part.strip()]
            elif name in ("probability", "severity"):
                values[name] = self.level(name, value)
            elif name == "category":
                values["category"] = self.category(value)
            elif name == "status":
                if value.casefold() not in self.statuses:
                    raise Skip("status", value=value, statuses=", ".join(model.RISK_STATUSES))
                values["status"] = self.statuses[value.casefold()]
            elif name in DATE_FIELDS:
                values[name] = _date(name, value)
            else:
                values[name] = value
        if control and not control.get("title"):
            raise Skip("control_without_title")
        return Wanted(values, control)


def _date(name: str, value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(value[:10] if re.fullmatch(r"\d{4}-\d\d-\d\d(?:[ T]00:00(?::00)?)?", value)
                                     else value).isoformat()
    except ValueError:
        raise Skip("date", field=name, value=value) from None


# --- the plan for one row ----------------------------------------------------------------

@dataclasses.dataclass
class Step:
    row: int
    action: str  # create, change, same, skip
    path: str = ""
    changes: list = dataclasses.field(default_factory=list)  # (field, old, new)
    text: str = ""  # the file's new text (create, change)
    reason: str = ""
    params: dict = dataclasses.field(default_factory=dict)


def _match(site: model.Site, values: dict) -> model.Risk | None:
    risks = site.entities.get("risks", {})
    for candidate in (values.get("id"), slugify(values.get("title", ""))):
        if candidate and candidate in risks:
            return risks[candidate]
    title = values.get("title", "").casefold()
    return next((risk for risk in risks.values() if title and risk.title.casefold() == title), None)


def plan_row(site: model.Site, site_folder: Path, number: int, wanted: Wanted) -> Step:
    values = wanted.values
    risk = _match(site, values)
    if risk is None:
        return _create(site_folder, number, wanted)
    path = site_folder / risk.path
    values = {k: v for k, v in values.items() if k != "id"}
    try:
        original = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        raise Skip("unreadable", path=risk.path) from None
    try:
        document = Document(original)
        changes = []
        for name, value in values.items():
            old = document.data.get(name)
            if not _same(name, old, value):
                changes.append((name, old, value))
                document.set(name, value)
        if wanted.control:
            changes += _set_control(document, wanted.control)
        return Step(number, "change", risk.path, changes, document.text()) if changes \
            else Step(number, "same", risk.path)
    except NotLossless as problem:
        raise Skip("not_lossless_field" if problem.field else "not_lossless", path=risk.path,
                   field=problem.field) from None


def _set_control(document: Document, control: dict) -> list:
    """The risk's control of that title gets the row's fields; a new control when it has none."""
    controls = document.data.get("controls")
    index = next((i for i, c in enumerate(controls if isinstance(controls, list) else ())
                  if isinstance(c, dict) and str(c.get("title", "")).strip().casefold() == control["title"].casefold()),
                 None)
    if index is None:
        document.append_item("controls", {name: control[name] for name in CONTROL_FIELDS if control.get(name)})
        return [("controls", None, control["title"])]
    changes = []
    for name in CONTROL_FIELDS[1:]:
        old, value = controls[index].get(name), control.get(name)
        if value and not _same(name, old, value):
            changes.append((f"controls.{name}", old, value))
            document.set_in_item("controls", index, name, value)
    return changes


def _same(name: str, old, new) -> bool:
    if name == "status" and old is None:
        old = "open"
    if name == "missions" and isinstance(old, str):
        old = [old]
    if isinstance(old, str) and isinstance(new, str):
        return old.strip() == new.strip()
    return old == new


def _create(site_folder: Path, number: int, wanted: Wanted) -> Step:
    values = wanted.values
    missing = [name for name in ("title", "unit", "probability", "severity") if name not in values]
    if missing:
        raise Skip("missing", fields=", ".join(missing))
    risk_id = values["id"] if ID_PATTERN.match(values.get("id", "")) else slugify(values["title"])
    if not risk_id:
        raise Skip("no_id", title=values["title"])
    relpath = f"content/risks/{risk_id}.md"
    if (site_folder / relpath).exists():
        raise Skip("exists", path=relpath)
    lines = [f"{name}: {scalar(values[name])}" for name in FIELDS if name != "id" and name in values]
    if wanted.control:
        lines += ["controls:", *item_lines({name: wanted.control[name] for name in CONTROL_FIELDS
                                            if wanted.control.get(name)}, 2)]
    text = "---\n" + "\n".join(lines) + "\n---\n"
    return Step(number, "create", relpath, [(name, None, values[name]) for name in values if name != "id"], text)


# --- the command -------------------------------------------------------------------------

def run(kind: str, file: Path, content: Path, write: bool, stream=None) -> int:
    stream = stream or sys.stdout
    diagnostics = Diagnostics()
    language, site = load(Options(content=content, with_drafts=True, cache=False), diagnostics)
    locale = Locale.load(language)
    say = lambda key, **params: print(locale.t(f"import.{key}", **params), file=stream)  # noqa: E731
    if site is None:
        for diagnostic in diagnostics.items:
            print(locale.format(diagnostic), file=sys.stderr)
        say("site_has_errors")
        return 1
    if kind not in ("risks", "risk", "risker"):
        say("unknown_kind", kind=kind)
        return 2
    try:
        table = read_table(file)
    except Exception as exc:  # noqa: BLE001 — any unreadable file (zip, encoding, sheet) says so and stops
        say("unreadable_file", path=file, reason=str(exc) or type(exc).__name__)
        return 2
    if not table:
        say("empty_file", path=file)
        return 2
    header = [COLUMNS.get(column_name(name)) for name in table[0]]
    unknown = [str(name) for name, known in zip(table[0], header) if known is None and _text(name)]
    if unknown:
        say("unknown_columns", columns=", ".join(f"“{name}”" for name in unknown))
    if "title" not in header and "id" not in header:
        say("no_title_column")
        return 2
    reader = Reader(site, locale)
    site_folder = Path(content).absolute().parent
    steps, seen = [], {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(_text(cell) for cell in cells):
            continue
        try:
            wanted = reader.row(header, cells)
            if "title" not in wanted.values and "id" not in wanted.values:
                raise Skip("missing", fields="title")
            step = plan_row(site, site_folder, number, wanted)
            if step.path in seen:
                raise Skip("duplicate", other=seen[step.path])
            seen[step.path] = number
        except Skip as skip:
            step = Step(number, "skip", reason=skip.reason, params=skip.params)
        steps.append(step)
        _report(step, locale, stream)
    counts = {action: sum(step.action == action for step in steps) for action in ("create", "change", "same", "skip")}
    if write:
        for step in steps:
            if step.action in ("create", "change"):
                _write(site_folder / step.path, step.text, create=step.action == "create")
    say("written" if write else "dry_run", **counts)
    return 1 if counts["skip"] else 0


def _show(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, list):
        return ", ".join(str(item) if not isinstance(item, dict) else str(item.get("title", "")) for item in value)
    return str(value)


def _report(step: Step, locale: Locale, stream) -> None:
    words = lambda key, **params: locale.t(f"import.{key}", **params)  # noqa: E731
    if step.action == "skip":
        print(words("skip", row=step.row, reason=words(f"reasons.{step.reason}", **step.params)), file=stream)
    elif step.action == "same":
        print(words("same", row=step.row, path=step.path), file=stream)
    else:
        changes = "; ".join(f"{name}: {_show(old)} → {_show(new)}" for name, old, new in step.changes)
        print(words(step.action, row=step.row, path=step.path, changes=changes), file=stream)


def _write(path: Path, text: str, create: bool) -> None:
    """The file's new text, whole or not at all (a temp file beside it, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # a dot file: the build ignores it
    with open(temp, "x", encoding="utf-8", newline="") as file:
        file.write(text)
    if create:
        os.link(temp, path)  # never over a file that appeared meanwhile
        temp.unlink()
    else:
        os.replace(temp, path)
