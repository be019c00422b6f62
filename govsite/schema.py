"""Field specs of the content model: one declaration that validates content,
lists references, generates the JSON Schema and scaffolds new files."""
from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urlsplit

from . import model
from .locale import LANGUAGES
from .errors import Diagnostics

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_SCHEMES = ("http://", "https://")
ERROR = object()  # a value that failed; its diagnostic is already reported
# site.yaml's `cname`: a domain name GitHub Pages can serve (discovery.py writes CNAME).
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

CC0 = ("CC0 1.0", "http://creativecommons.org/publicdomain/zero/1.0/")
LICENCES = {"cc0": CC0, "cc0-1.0": CC0,
            "cc-by-4.0": ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
            "cc-by-sa-4.0": ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/")}


def licence_named(text: str) -> tuple[str, str]:
    """(name, address) of the data licence: CC0 unless site.yaml says `licence:` (a known
    name such as CC-BY-4.0, or an address). An unknown name has no address: never a wrong one."""
    text = (text or "").strip()
    if not text:
        return CC0
    if text.startswith(("http://", "https://")) and not any(c.isspace() or c in "<>\"'" for c in text):
        return text, text
    return LICENCES.get(re.sub(r"[\s_]+", "-", text.lower()), (text, ""))


@dataclass
class Context:
    """What a spec needs to report a problem at the right line."""
    doc: Any  # a RawDoc
    diagnostics: Diagnostics
    matrix: model.RiskMatrix | None = None
    matrix_line: Any = None  # SourceLocation of risk_matrix in site.yaml; line 0: govsite's default matrix
    categories: tuple = ()  # the site's risk categories (model.RiskCategory); () before site.yaml is read

    def error(self, path: tuple, code: str, **params) -> object:
        self.diagnostics.error(code, self.doc.at(*path), field=dotted(path), **params)
        return ERROR


def dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@dataclass(frozen=True, kw_only=True)
class Spec:
    required: bool = False

    def parse(self, value, ctx: Context, path: tuple):
        raise NotImplementedError

    def refs(self, value, path: tuple) -> Iterator[tuple[tuple, str, str]]:
        return iter(())

    def json_schema(self) -> dict:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Text(Spec):
    def parse(self, value, ctx, path):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return ctx.error(path, "expected_text")
        text = str(value).strip()
        if self.required and not text:
            return ctx.error(path, "empty_text")
        return text

    def json_schema(self):
        return {"type": "string", **({"minLength": 1} if self.required else {})}


@dataclass(frozen=True, kw_only=True)
class Int(Spec):
    min: int | None = None
    max: int | None = None

    def parse(self, value, ctx, path):
        if isinstance(value, bool) or not isinstance(value, int):
            return ctx.error(path, "expected_int", value=value)
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            return ctx.error(path, "int_out_of_range", value=value, min=self.min, max=self.max)
        return value

    def json_schema(self):
        schema = {"type": "integer"}
        if self.min is not None:
            schema["minimum"] = self.min
        if self.max is not None:
            schema["maximum"] = self.max
        return schema


@dataclass(frozen=True, kw_only=True)
class Level(Spec):
    """A level of the site's risk matrix (probability or severity)."""
    axis: str = "probability"

    def parse(self, value, ctx, path):
        levels = [x.level for x in getattr(ctx.matrix, self.axis)] if ctx.matrix else []
        if isinstance(value, bool) or not isinstance(value, int):
            return ctx.error(path, "expected_level", value=value, levels=_levels(levels))
        if levels and value not in levels:
            labels = ", ".join(f"{x.level} {x.label}" for x in getattr(ctx.matrix, self.axis))
            where = ctx.matrix_line
            return ctx.error(path, "level_outside_matrix", value=value, levels=_levels(levels), labels=labels,
                             site=where.path if where else "site.yaml", line=where.line if where else 0,
                             variant="" if where and where.line else "default")
        return value

    def json_schema(self):
        return {"type": "integer", "minimum": 1}


def _levels(levels: list[int]) -> str:
    return f"{min(levels)}–{max(levels)}" if levels else "1–4"


@dataclass(frozen=True, kw_only=True)
class Bool(Spec):
    def parse(self, value, ctx, path):
        if not isinstance(value, bool):
            return ctx.error(path, "expected_bool", value=value)
        return value

    def json_schema(self):
        return {"type": "boolean"}


@dataclass(frozen=True, kw_only=True)
class Date(Spec):
    def parse(self, value, ctx, path):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):  # a time is no date
            return value
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return ctx.error(path, "expected_date", value=value)
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return ctx.error(path, "impossible_date", value=text)

    def json_schema(self):
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


@dataclass(frozen=True, kw_only=True)
class Choice(Spec):
    options: tuple[str, ...] = ()

    def parse(self, value, ctx, path):
        if value not in self.options:
            return ctx.error(path, "not_a_choice", value=value, options=", ".join(self.options),
                             suggestion=suggest(str(value), self.options))
        return value

    def json_schema(self):
        return {"type": "string", "enum": list(self.options)}


@dataclass(frozen=True, kw_only=True)
class Url(Spec):
    def parse(self, value, ctx, path):
        text = value.strip() if isinstance(value, str) else ""
        if not is_url(text):
            return ctx.error(path, "expected_url", value=value)
        return text

    def json_schema(self):
        return {"type": "string", "format": "uri", "pattern": "^https?://"}


def is_url(text: str) -> bool:
    """An http(s) address with a host, and nothing in it a browser would drop or stop at."""
    if not text.lower().startswith(URL_SCHEMES) or any(c.isspace() or not c.isprintable() or c in "<>\"'"
                                                       for c in text):
        return False
    try:
        return bool(urlsplit(text).netloc)
    except ValueError:  # "http://[::1": not an address
        return False


@dataclass(frozen=True, kw_only=True)
class BaseUrl(Url):
    """The site's own address: every link, canonical address and feed is made from it."""

    def parse(self, value, ctx, path):
        text = super().parse(value, ctx, path)
        problem = base_url_problem(text) if text is not ERROR else None
        return ctx.error(path, problem, value=text) if problem else text


@dataclass(frozen=True, kw_only=True)
class TimeZone(Spec):
    """An IANA time zone name, such as Europe/Stockholm."""

    def parse(self, value, ctx, path):
        name = value.strip() if isinstance(value, str) else ""
        if time_zone(name) is None:
            return ctx.error(path, "unknown_time_zone", value=value,
                             suggestion=suggest(name, zoneinfo.available_timezones() - {"localtime"}))
        return name

    def json_schema(self):
        return {"type": "string"}


@dataclass(frozen=True, kw_only=True)
class Email(Spec):
    def parse(self, value, ctx, path):
        text = value.strip() if isinstance(value, str) else ""
        if not re.fullmatch(r"[^@\s<>\"',;:]+@[^@\s<>\"',;:]+\.[^@\s<>\"',;:]+", text):
            return ctx.error(path, "expected_email", value=value)
        return text

    def json_schema(self):
        return {"type": "string", "format": "email"}


COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")
MIN_CONTRAST = 4.5  # WCAG 1.4.3: white text on the colour, and the colour as text on white


def contrast_with_white(colour: str) -> float:
    """WCAG 2's contrast ratio of "#RRGGBB" against white."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def darker_passing(colour: str) -> str:
    """The lightest shade of the colour (same hue, darker by scaling) that passes MIN_CONTRAST."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    for step in range(1000, -1, -1):
        shade = "#" + "".join(f"{round(c * step / 1000):02x}" for c in (r, g, b))
        if contrast_with_white(shade) >= MIN_CONTRAST:
            return shade
    return "#000000"


@dataclass(frozen=True, kw_only=True)
class Colour(Spec):
    """A brand colour "#RRGGBB" that white text can stand on (WCAG 1.4.3, 4.5:1)."""

    def parse(self, value, ctx, path):
        text = value.strip() if isinstance(value, str) else ""
        if not COLOUR_RE.fullmatch(text):
            return ctx.error(path, "expected_colour", value=value)
        ratio = contrast_with_white(text)
        if ratio < MIN_CONTRAST:
            return ctx.error(path, "colour_contrast", value=text, ratio=int(ratio * 10) / 10,
                             darker=darker_passing(text))
        return text.lower()

    def json_schema(self):
        return {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}


def time_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone of an IANA name; None for an unknown one, and for "localtime": the machine's own
    zone, which would make the output depend on the machine again."""
    if name == "localtime":
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def base_url_problem(text: str) -> str | None:
    """The message code of what makes `text` unfit as the site's address, None when it is fit:
    "//" after the host (a browser reads "/" + base path "//evil.example/" as another host,
    as it reads a backslash as "/"), a ?query or a #fragment (every address made from it breaks)."""
    if not is_url(text):
        return "expected_url"
    if "\\" in text or urlsplit(text).path.startswith("//"):
        return "base_url_other_host"
    if "?" in text:
        return "base_url_query"
    if "#" in text:
        return "base_url_fragment"
    return None


@dataclass(frozen=True, kw_only=True)
class Id(Spec):
    def parse(self, value, ctx, path):
        if not isinstance(value, str) or not ID_RE.match(value):
            # An example from this site (the file's own id), never from another site
            example = ctx.doc.id if ctx.doc.kind != "site" and ID_RE.match(ctx.doc.id) else ""
            return ctx.error(path, "expected_id", value=value, example=example,
                             variant="" if example else "no_example")
        return value

    def json_schema(self):
        return {"type": "string", "pattern": ID_RE.pattern}


@dataclass(frozen=True, kw_only=True)
class Ref(Id):
    """The id of an entity of `target` kind; links.py checks that it exists."""
    target: str = ""

    def refs(self, value, path):
        if value is not None:
            yield path, self.target, value

    def json_schema(self):
        return {**super().json_schema(), "x-govsite-ref": self.target}


@dataclass(frozen=True, kw_only=True)
class Category(Id):
    """The id of one of the site's risk categories (site.yaml `risk_categories`, else the default)."""

    def parse(self, value, ctx, path):
        ids = tuple(c.id for c in ctx.categories)
        if ids and value not in ids:
            text = str(value).strip()
            by_label = {c.label.casefold(): c.id for c in ctx.categories}  # "IT-risk" meant `it`
            return ctx.error(path, "unknown_category", value=value,
                             options=", ".join(f"{c.id} ({c.label})" for c in ctx.categories),
                             suggestion=by_label.get(text.casefold()) or suggest(text, ids)
                             or by_label.get(suggest(text.casefold(), by_label), ""))
        return super().parse(value, ctx, path)

    def json_schema(self):
        return {"type": "string", "pattern": ID_RE.pattern, "x-govsite-choices": "site.risk_categories"}


@dataclass(frozen=True, kw_only=True)
class ListOf(Spec):
    item: Spec = field(default_factory=Text)
    unique: bool = False

    def parse(self, value, ctx, path):
        if value is None:
            return ()
        if not isinstance(value, list):
            if isinstance(self.item, (Ref, Id)) and isinstance(value, str) and "," in value:
                # `missions: a, b` is one text to YAML: show the list it was meant to be
                items = ", ".join(part.strip() for part in value.split(",") if part.strip())
                return ctx.error(path, "comma_list", value=value, key=path[-1], as_list=f"[{items}]")
            if isinstance(self.item, (Text, Ref, Id)) and isinstance(value, str):
                value = [value]  # a single id where a list is expected is what people mean
            else:
                return ctx.error(path, "expected_list")
        out = [self.item.parse(item, ctx, path + (i,)) for i, item in enumerate(value)]
        if any(item is ERROR for item in out):
            return ERROR
        if self.unique:
            seen = set()
            for i, item in enumerate(out):
                if item in seen:
                    ctx.diagnostics.warning("duplicate_in_list", ctx.doc.at(*path, i),
                                            field=dotted(path), value=item)
                seen.add(item)
            out = list(dict.fromkeys(out))
        return tuple(out)

    def refs(self, value, path):
        for i, item in enumerate(value or ()):
            yield from self.item.refs(item, path + (i,))

    def json_schema(self):
        return {"type": "array", "items": self.item.json_schema()}


@dataclass(frozen=True, kw_only=True)
class Obj(Spec):
    fields: dict = field(default_factory=dict)
    cls: type | None = None

    def parse(self, value, ctx, path):
        if not isinstance(value, dict):
            return ctx.error(path, "expected_mapping", fields=", ".join(self.fields))
        return parse_fields(self.fields, value, ctx, path, self.cls)

    def refs(self, value, path):
        if value is not None:
            for name, spec in self.fields.items():
                yield from spec.refs(getattr(value, name, None), path + (name,))

    def json_schema(self):
        return object_schema(self.fields)


def parse_fields(specs: dict, data: dict, ctx: Context, path: tuple, cls=None):
    """Parse a mapping by its specs: every problem reported, unknown keys warned."""
    values = {}
    failed = False
    for key in data:
        if key not in specs:
            ctx.diagnostics.warning("unknown_field", ctx.doc.at(*path, key), field=dotted(path + (key,)),
                                    suggestion=suggest(key, specs))
    for name, spec in specs.items():
        raw = data.get(name)
        if raw is None or raw == "" and not isinstance(spec, Text):
            if spec.required:
                present = name in data  # written, but with nothing after the colon
                ctx.diagnostics.error("empty_value" if present else "missing_field",
                                      ctx.doc.at(*path, name) if present else ctx.doc.at(*path),
                                      field=dotted(path + (name,)))
                failed = True
            continue
        if isinstance(raw, str) and raw.strip() in placeholders():  # left as `govsite new` or `init` wrote it
            if spec.required:
                ctx.error(path + (name,), "placeholder", value=raw.strip())
                failed = True
            else:  # an optional field still to fill: the site builds without it meanwhile
                ctx.diagnostics.warning("placeholder_optional", ctx.doc.at(*path, name), field=dotted(path + (name,)),
                                        value=raw.strip())
            continue
        value = spec.parse(raw, ctx, path + (name,))
        if value is ERROR:
            failed = True
        else:
            values[name] = value
    if failed:
        return ERROR
    return cls(**values) if cls else values


@functools.cache
def placeholders() -> frozenset[str]:
    """The placeholders `govsite new` writes for required fields, in every language."""
    from .locale import Locale
    return frozenset(Locale.load(language).t("scaffold.placeholder") for language in LANGUAGES)


def object_schema(specs: dict) -> dict:
    return {
        "type": "object",
        "properties": {name: spec.json_schema() for name, spec in specs.items()},
        "required": [name for name, spec in specs.items() if spec.required],
    }


NEGATION = re.compile(r"^(?:not|non|no|un|ej|icke|inte)[-_ ]?", re.I)


def suggest(word: str, candidates) -> str:
    """The nearest candidate, for "did you mean"; "" when nothing is near, or when the nearest
    is the word negated or the word is its negation (`started` is never "not-started"?)."""
    matches = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    if not matches or _negation(str(word), matches[0]) or _negation(matches[0], str(word)):
        return ""
    return matches[0]


def _negation(word: str, other: str) -> bool:
    """`other` is `word` with a negating prefix: not-started, no-go, ej-påbörjad, unsafe."""
    stripped = NEGATION.sub("", other, count=1)
    return stripped != other and stripped.lower() == word.lower()


def reference_fields(kind: str | None = None) -> dict[str, str]:
    """{front-matter field: the kind it names} of the top-level reference fields of one kind's
    entities, or of every kind's (a field name names the same kind wherever it is used)."""
    found = {}
    for name_of_kind, specs in KIND_SPECS.items():
        if kind is None or name_of_kind == kind:
            for name, spec in specs.items():
                item = spec.item if isinstance(spec, ListOf) else spec
                if isinstance(item, Ref):
                    found[name] = item.target
    return found


def refs_of(entity: model.Entity) -> Iterator[tuple[tuple, str, str]]:
    """Every front-matter reference of an entity: (field path, target kind, id)."""
    for name, spec in KIND_SPECS[entity.kind].items():
        yield from spec.refs(getattr(entity, name, None), (name,))


def raw_refs(specs: dict, data, path: tuple = ()) -> Iterator[tuple[tuple, str, str]]:
    """References in front matter that failed validation elsewhere, so that an
    unknown id is still reported in the same run as the other problems."""
    if not isinstance(data, dict):
        return
    for name, spec in specs.items():
        yield from _raw_refs(spec, data.get(name), path + (name,))


def _raw_refs(spec: Spec, value, path: tuple):
    if isinstance(spec, Ref):
        if isinstance(value, str) and ID_RE.match(value):
            yield path, spec.target, value
    elif isinstance(spec, ListOf):
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for index, item in enumerate(items):
            yield from _raw_refs(spec.item, item, path + (index,))
    elif isinstance(spec, Obj):
        yield from raw_refs(spec.fields, value, path)


# --- the content model ---------------------------------------------------------

def _refs(kind: str) -> ListOf:
    return ListOf(item=Ref(target=kind), unique=True)


COMMON = {
    "title": Text(required=True),
    "summary": Text(),
    "updated": Date(),
    "draft": Bool(),
    "sources": _refs("sources"),
    "tags": ListOf(item=Text(), unique=True),
    "history": ListOf(item=Obj(fields={"date": Date(required=True), "text": Text(required=True)},
                          cls=model.HistoryNote)),
}

# A risk's note may give the assessment of its date: a point of the risk's trend (history_facts.trend).
RISK_HISTORY = ListOf(item=Obj(fields={"date": Date(required=True), "text": Text(required=True),
                                      "probability": Level(axis="probability"), "severity": Level(axis="severity")},
                              cls=model.HistoryNote))
ACTION = Obj(fields={"title": Text(required=True), "responsible": Text(), "due": Date(),
                     "status": Choice(options=model.ACTION_STATUSES)}, cls=model.Action)
RESULT = Obj(fields={"date": Date(required=True), "outcome": Choice(required=True, options=model.RESULT_OUTCOMES),
                     "finding": Text(), "actions": ListOf(item=ACTION)}, cls=model.ControlResult)
CONTROL = Obj(fields={"title": Text(required=True), "method": Text(), "frequency": Text(),
                      "responsible": Text(), "reported_to": Text(), "results": ListOf(item=RESULT)},
              cls=model.Control)
PARTNER = Obj(fields={"name": Text(required=True), "type": Text()}, cls=model.Partner)
GOAL = Obj(fields={"id": Id(required=True), "title": Text(required=True), "missions": _refs("missions"),
                   "risks": _refs("risks"), "indicator": Text(), "target": Text(),
                   "status": Choice(options=model.GOAL_STATUSES), "progress": Int(min=0, max=100)},
           cls=model.Goal)

KIND_SPECS: dict[str, dict[str, Spec]] = {
    "pages": {**COMMON, "order": Int(), "nav": Bool()},
    "principles": {**COMMON, "order": Int()},
    "units": {**COMMON, "parent": Ref(target="units"), "type": Text()},
    "missions": {**COMMON, "unit": Ref(required=True, target="units"), "principles": _refs("principles")},
    "risks": {**COMMON, "unit": Ref(required=True, target="units"),
              "probability": Level(required=True, axis="probability"),
              "severity": Level(required=True, axis="severity"),
              "owner": Text(), "assessed": Date(), "review": Date(),
              "status": Choice(options=model.RISK_STATUSES), "missions": _refs("missions"),
              "controls": ListOf(item=CONTROL), "consequence": Text(), "actions": ListOf(item=ACTION),
              "category": Category(), "history": RISK_HISTORY},
    "arenas": {**COMMON, "starts": Date(required=True), "ends": Date(required=True),
               "status": Choice(options=model.ARENA_STATUSES), "risks": _refs("risks"),
               "missions": _refs("missions"), "units": _refs("units"), "principles": _refs("principles"),
               "partners": ListOf(item=PARTNER), "outcome": Text()},
    "plans": {**COMMON, "unit": Ref(required=True, target="units"),
              "period": Obj(fields={"start": Date(), "end": Date()}, cls=model.Period),
              "adopted_by": Ref(target="units"), "adopted": Date(), "goals": ListOf(item=GOAL)},
    "sources": {**COMMON, "publisher": Text(), "date": Date(), "url": Url()},
}

MATRIX_LEVEL = Obj(fields={"level": Int(required=True, min=1, max=20), "label": Text(required=True),
                           "description": Text()}, cls=model.MatrixLevel)
RATING = Obj(fields={"max": Int(required=True, min=1), "label": Text(required=True), "action": Text()},
             cls=model.Rating)
RISK_MATRIX = Obj(fields={"probability": ListOf(item=MATRIX_LEVEL, required=True),
                          "severity": ListOf(item=MATRIX_LEVEL, required=True),
                          "ratings": ListOf(item=RATING, required=True)}, cls=model.RiskMatrix)

RISK_CATEGORY = Obj(fields={"id": Id(required=True), "label": Text(required=True), "description": Text()},
                    cls=model.RiskCategory)

ACCESSIBILITY = Obj(fields={"compliance": Choice(options=model.COMPLIANCE), "assessed": Date(), "method": Text(),
                            "deviations": ListOf(item=Text()), "contact_email": Text(),
                            "response_time": Text(), "updated": Date()}, cls=model.Accessibility)

SITE_SPEC: dict[str, Spec] = {
    "title": Text(required=True),
    "organisation": Text(required=True),
    "language": Choice(options=LANGUAGES),  # validate.py adds the languages a site supplies a table for
    "languages": ListOf(item=Choice(options=LANGUAGES), unique=True),
    "base_url": BaseUrl(),
    "description": Text(),
    "contact": Obj(fields={"email": Text(), "phone": Text()}, cls=model.Contact),
    "risk_matrix": RISK_MATRIX,
    "risk_categories": ListOf(item=RISK_CATEGORY),
    "cname": Text(),
    "licence": Text(),
    "accessibility": ACCESSIBILITY,
    "search": Bool(),
    "time_zone": TimeZone(),
    "history": Obj(fields={"commit_messages": Bool()}, cls=model.HistorySettings),
    "theme": Obj(fields={"logo": Text(), "logo_alt": Text(), "colour": Colour(), "favicon": Text()},
                 cls=model.ThemeSettings),
    "repository": Obj(fields={"url": Url(required=True), "branch": Text(), "folder": Text()},
                      cls=model.Repository),
    "feedback": Obj(fields={"email": Email(), "url": Url()}, cls=model.Feedback),
}
