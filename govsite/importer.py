"""`govsite import risks FILE`: risks from a spreadsheet (CSV or XLSX) into content/risks/.

One risk a row, columns named as in the site's own data/risks.csv or in Swedish. Each
row is matched to an existing risk by id, else by title, and becomes a plan: create the
file, change some of its fields, leave it as it is, or skip the row with a reason. Only
`--write` carries the plan out.

A file is changed in place, never rewritten whole: each changed value is replaced where
it stands in the front matter (comments, order and layout of everything else are kept),
the Markdown body is never touched, and the result must read back as exactly the old
front matter with the new values; a file where that does not hold is skipped, with why.
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

import yaml

from . import model
from .errors import Diagnostics
from .export import CSV_FORMULA_START
from .locale import Locale
from .pipeline import Options, load
from .scaffold import yaml_value
from .schema import suggest
from .source import ID_PATTERN, nfc, parse_yaml, slugify

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
    document = Document(original, risk.path)
    changes = []
    for name, value in values.items():
        old = document.data.get(name)
        if _same(name, old, value):
            continue
        changes.append((name, old, value))
        document.set(name, value)
    if wanted.control:
        changes += document.set_control(wanted.control)
    if not changes:
        return Step(number, "same", risk.path)
    return Step(number, "change", risk.path, changes, document.text())


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
    lines = [f"{name}: {_scalar(values[name])}" for name in FIELDS if name != "id" and name in values]
    if wanted.control:
        lines.append("controls:")
        lines += _control_lines(wanted.control, 2)
    text = "---\n" + "\n".join(lines) + "\n---\n"
    Document(text, relpath)  # reads back, or Skip
    return Step(number, "create", relpath, [(name, None, values[name]) for name in values if name != "id"], text)


def _scalar(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(str(item)) for item in value) + "]"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return value  # a date: govsite reads it as a date, plain
    return str(value) if isinstance(value, int) else yaml_value(value)


def _control_lines(control: dict, dash: int) -> list[str]:
    fields = [name for name in CONTROL_FIELDS if control.get(name)]
    return [" " * dash + ("- " if i == 0 else "  ") + f"{name}: {_scalar(control[name])}"
            for i, name in enumerate(fields)]


# --- editing front matter in place ------------------------------------------------------

class Document:
    """A content file's text, its front matter edited value by value."""

    def __init__(self, text: str, relpath: str):
        self.relpath = relpath
        self.crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")  # else a "\r" is text kept as it is
        text = text.replace("\r\n", "\n") if self.crlf else text
        self.bom = text.startswith("\ufeff")
        text = text.removeprefix("\ufeff")
        lines = text.split("\n")
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if lines[0].rstrip() != "---" or end is None:
            raise Skip("not_lossless", path=relpath)
        self.head, self.front, self.rest = lines[0], "\n".join(lines[1:end]), "\n".join(lines[end:])
        self.data = self._parse(self.front)
        self.expected = dict(self.data)
        self.edits: list[tuple[int, int, str]] = []  # (start, end, new text) in self.front
        self.appended: list[str] = []  # new top-level lines
        self.root = yaml.compose(self.front, Loader=yaml.SafeLoader) if self.front.strip() else None
        if self.root is not None and not isinstance(self.root, yaml.MappingNode):
            raise Skip("not_lossless", path=relpath)

    def _parse(self, front: str) -> dict:
        parsed = parse_yaml(front, self.relpath, 2, Diagnostics())
        if parsed is None:
            raise Skip("not_lossless", path=self.relpath)
        return parsed[0]

    def _value_node(self, mapping, key: str):
        for key_node, value_node in (mapping.value if mapping is not None else ()):
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
        return None

    def _replace(self, node, text: str, field: str) -> None:
        """The node's text replaced by `text`, when nothing but the value is lost (no comment)."""
        start, end = node.start_mark.index, _end(node, self.front)
        if _has_comment(self.front[start:end], node, start):
            raise Skip("not_lossless_field", path=self.relpath, field=field)
        if self.front[start:end].endswith("\n"):
            text += "\n"
        self.edits.append((start, end, text))

    def _insert_after(self, node, lines: list[str]) -> None:
        """Lines inserted after the line where the node ends."""
        end = _end(node, self.front)
        text = "\n".join(lines)
        if end and self.front[end - 1] == "\n":
            self.edits.append((end, end, text + "\n"))
        elif self.front.find("\n", end) < 0:
            self.edits.append((len(self.front), len(self.front), "\n" + text))
        else:
            position = self.front.find("\n", end) + 1
            self.edits.append((position, position, text + "\n"))

    def set(self, name: str, value) -> None:
        self.expected[name] = value
        node = self._value_node(self.root, name)
        if node is None:
            self.appended.append(f"{name}: {_scalar(value)}")
        elif isinstance(value, list) and isinstance(node, yaml.SequenceNode) and not node.flow_style:
            dash = " " * node.start_mark.column  # the node starts at its first "-"
            self._replace(node, "\n".join(f"{dash}- {_scalar(item)}" for item in value).removeprefix(dash), name)
        else:
            self._replace(node, _scalar(value), name)

    def set_control(self, control: dict) -> list:
        """The control of that title with these fields, added when the risk has none of that title."""
        controls = self.data.get("controls")
        controls = controls if isinstance(controls, list) else []
        node = self._value_node(self.root, "controls")
        new_list = [dict(c) if isinstance(c, dict) else c for c in controls]
        index = next((i for i, c in enumerate(controls) if isinstance(c, dict)
                      and str(c.get("title", "")).strip().casefold() == control["title"].casefold()), None)
        if index is None:
            new_list.append({name: control[name] for name in CONTROL_FIELDS if control.get(name)})
            self.expected["controls"] = new_list
            if node is None:
                self.appended += ["controls:", *_control_lines(control, 2)]
            elif isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
                self._insert_after(node.value[-1], _control_lines(control, node.start_mark.column))
            else:
                self._replace(node, "\n" + "\n".join(_control_lines(control, 2)), "controls")
            return [("controls", None, control["title"])]
        changes = []
        item, item_node = new_list[index], node.value[index]
        if not isinstance(item_node, yaml.MappingNode) or item_node.flow_style:
            raise Skip("not_lossless_field", path=self.relpath, field="controls")
        appended = []
        for name in CONTROL_FIELDS[1:]:
            value = control.get(name)
            if not value or _same(name, item.get(name), value):
                continue
            changes.append((f"controls.{name}", item.get(name), value))
            item[name] = value
            value_node = self._value_node(item_node, name)
            if value_node is None:
                appended.append(" " * item_node.start_mark.column + f"{name}: {_scalar(value)}")
            else:
                self._replace(value_node, _scalar(value), f"controls.{name}")
        if appended:
            self._insert_after(item_node.value[-1][1], appended)
        self.expected["controls"] = new_list
        return changes

    def text(self) -> str:
        """The new text, after checking that it reads back as intended; Skip when it does not."""
        front = self.front
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            front = front[:start] + new + front[end:]
        if self.appended:
            front = (front + "\n" if front and not front.endswith("\n") else front) + "\n".join(self.appended)
        if self._parse(front) != self.expected:  # dates are text until the schema reads them
            raise Skip("not_lossless", path=self.relpath)
        text = "\n".join((self.head, front, self.rest)) if front else "\n".join((self.head, self.rest))
        text = ("\ufeff" if self.bom else "") + text
        return text.replace("\n", "\r\n") if self.crlf else text


def _end(node, text: str) -> int:
    """Where a node's own text ends: a block collection's end mark is at the next key, after
    any comment lines between, so it ends with its last item."""
    if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and not node.flow_style and node.value:
        last = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
        return _end(last, text)
    return node.end_mark.index


def _scalar_spans(node, spans: list) -> list:
    if isinstance(node, yaml.ScalarNode):
        spans.append((node.start_mark.index, node.end_mark.index))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _scalar_spans(item, spans)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _scalar_spans(key, spans)
            _scalar_spans(value, spans)
    return spans


def _has_comment(text: str, node, offset: int) -> bool:
    """Whether the text holds a `#` comment outside the node's scalars."""
    chars = list(text)
    for start, end in _scalar_spans(node, []):
        for i in range(max(start - offset, 0), min(end - offset, len(chars))):
            chars[i] = " "
    return bool(re.search(r"(?:^|\s)#", "".join(chars)))


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
