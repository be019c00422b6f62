"""Site → open data under data/: JSON per entity and per kind, CSV registers,
a JSON Schema generated from the validator's own field specs, and a
DCAT-AP-SE catalog. Drafts never appear, whatever the build's --drafts says.

The JSON is stable for machines: sorted keys, `schema_version` on every file,
and no value that changes between two builds of the same content.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json

from . import model
from .history import history_as_data
from .links import entity_path
from .markup import safe_address, safe_text
from .locale import for_site
from .schema import ID_RE, KIND_SPECS, Text, licence_named, object_schema, refs_of

SCHEMA_VERSION = "1.1"  # 1.1: control results, actions and risk categories
DATA = "data/"
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_address_key(key: str) -> bool:
    """Whether a JSON key names an address a reader follows (url, page_url, JSON-LD's @id …)."""
    return key in ("@id", "$id", "href", "src") or key.lower().endswith(("url", "uri", "link", "homepage", "image",
                                                                         "logo"))


def safe_strings(value, key: str = ""):
    """Every string of a JSON value made safe: text cleaned of executable markup (markup.safe_text),
    addresses (by their key) never a script address (markup.safe_address). Text is never erased."""
    if isinstance(value, str):
        return safe_address(value) if is_address_key(key) else safe_text(value)
    if isinstance(value, list):
        return [safe_strings(item, key) for item in value]
    if isinstance(value, dict):
        return {name: safe_strings(item, name) for name, item in value.items()}
    return value


def dumps(value, cleaned: bool = False) -> bytes:
    """JSON bytes, every string made safe (unless `cleaned` says that was done already)."""
    if not cleaned:
        value = safe_strings(value)
    # Compact: json's fast C encoder only runs without indent (browsers pretty-print JSON anyway).
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            + "\n").encode("utf-8")


def has_address(site: model.Site) -> bool:
    """Whether base_url is a full address (sitemaps and canonical links need one)."""
    return site.config.base_url.startswith(("http://", "https://"))


def absolute(site: model.Site, path: str) -> str:
    """An address for a site path: absolute when base_url is, else from the site root."""
    base = site.config.base_url
    if has_address(site):
        return (base if base.endswith("/") else base + "/") + path
    return site.config.base_path + path


def entity_data_path(kind: str, entity_id: str) -> str:
    return f"{DATA}{kind}/{entity_id}.json"


def published(site: model.Site):
    """Every entity that may be published as data: never a draft."""
    return [entity for entity in site.all() if not entity.draft]


def _plain(value):
    """A field value as JSON: dates as ISO text, tuples as lists, dataclasses as objects."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if getattr(value, f.name) is not None}
    return value


def _link(site: model.Site, kind: str, entity_id: str, goal: str = "") -> str:
    return absolute(site, entity_path(kind, entity_id)) + (f"#goal-{goal}" if goal else "")


def _is_public(site: model.Site, key) -> bool:
    entity = site.get(key)
    return entity is not None and not entity.draft


def entity_record(site: model.Site, entity: model.Entity) -> dict:
    """One entity as open data: its fields (by the validator's specs), derived values,
    and its references both ways as ids and URLs."""
    record = {"schema_version": SCHEMA_VERSION, "kind": entity.kind, "id": entity.id,
              "page_url": _link(site, entity.kind, entity.id),
              "data_url": absolute(site, entity_data_path(entity.kind, entity.id)),
              "body": entity.body}
    for name, spec in KIND_SPECS[entity.kind].items():
        value = getattr(entity, name, None)
        if value is not None and (value != "" or isinstance(spec, Text)):
            record[name] = _plain(value)
    # A reference to a draft is left out, as the HTML leaves it out (last first: indexes stay right).
    hidden = [path for path, kind, ref_id in refs_of(entity) if not _is_public(site, (kind, ref_id))]
    for path in sorted(hidden, key=lambda p: tuple(str(x).zfill(9) for x in p), reverse=True):
        *parents, last = path
        node = record
        for part in parents:
            node = node[part]
        del node[last]
    record["draft"] = False
    if isinstance(entity, model.Risk):
        record["value"] = entity.value
        record["rating"] = site.config.risk_matrix.rating(entity.value).label
        category = site.config.risk_category(entity.category)
        if category is not None:
            record["category_label"] = category.label
    if isinstance(entity, model.Arena):
        record["status"] = entity.status_on(site.today)
    record["links"] = _link_items(site, site.links_out.get(entity.key, ()), outgoing=True)
    record["backlinks"] = _link_items(site, site.links_in.get(entity.key, ()), outgoing=False)
    record["changes"] = [{name: change[name] for name in CHANGE_FIELDS}
                         for change in history_as_data(site, entity.key)]
    translations = site.translations.get(entity.key, {})
    if translations:
        record["translations"] = {language: _translation(site, entity, translated, language)
                                  for language, translated in translations.items()}
    return record


def _translation(site: model.Site, entity: model.Entity, translated: model.Entity, language: str) -> dict:
    """A translation as open data: its page, and the fields whose text it translates."""
    found = {"page_url": absolute(site, f"{language}/" + entity_path(entity.kind, entity.id)),
             "title": translated.title, "body": translated.body}
    for name in KIND_SPECS[entity.kind]:
        value = getattr(translated, name, None)
        if value != getattr(entity, name, None) and value is not None:
            found[name] = _plain(value)
    return found


def _link_items(site: model.Site, links, outgoing: bool) -> list[dict]:
    """References as data: to their targets (outgoing) or from their sources (backlinks)."""
    items = []
    for link in links:
        other, goal, own_goal = ((link.target, link.goal, link.source_goal) if outgoing
                                 else (link.source, link.source_goal, link.goal))
        if not _is_public(site, other):
            continue
        item = {"field": link.field, "kind": other[0], "id": other[1], "url": _link(site, *other, goal)}
        if goal:
            item["goal"] = goal
        if own_goal:
            item["from_goal" if outgoing else "to_goal"] = own_goal
        items.append(item)
    return _unique(items)


def _unique(items: list[dict]) -> list[dict]:
    seen, out = set(), []
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


# --- the JSON Schema, generated from schema.KIND_SPECS ------------------------------------

def _link_schema(extra: str) -> dict:
    ref = {"type": "string", "pattern": ID_RE.pattern}
    return {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["field", "kind", "id", "url"],
        "properties": {"field": {"type": "string"}, "kind": {"type": "string", "enum": list(model.KINDS)},
                       "id": ref, "url": {"type": "string"}, "goal": ref, extra: ref}}}


CHANGE_FIELDS = ("date", "message", "details", "commit")


def _changes_schema() -> dict:
    return {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": list(CHANGE_FIELDS),
        "properties": {"date": {"type": "string", "format": "date"}, "message": {"type": "string"},
                       "details": {"type": "array", "items": {"type": "string"}},
                       "commit": {"type": "string", "pattern": "^([0-9a-f]{40,64})?$"}}}}


def kind_schema(kind: str) -> dict:
    schema = object_schema(KIND_SPECS[kind])
    schema["properties"].update({
        "schema_version": {"const": SCHEMA_VERSION},
        "kind": {"const": kind},
        "id": {"type": "string", "pattern": ID_RE.pattern},
        "page_url": {"type": "string"},
        "data_url": {"type": "string"},
        "body": {"type": "string"},
        "draft": {"const": False},
        "links": _link_schema("from_goal"),
        "backlinks": _link_schema("to_goal"),
        "changes": _changes_schema(),  # history.py: what changed, newest first ("" commit: a history note)
        # ID.LANG.md: by language, its page and the text it translates (title, body, text fields)
        "translations": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["page_url", "title", "body"],
            "properties": {"page_url": {"type": "string"}, "title": {"type": "string"}, "body": {"type": "string"}}}},
    })
    if kind == "risks":
        schema["properties"].update({"value": {"type": "integer", "minimum": 1}, "rating": {"type": "string"},
                                     "category_label": {"type": "string"}})
        schema["required"] += ["value", "rating"]
    schema["required"] = sorted(set(schema["required"]) | {"schema_version", "kind", "id", "page_url", "data_url",
                                                            "body", "links", "backlinks", "changes"})
    schema["additionalProperties"] = False
    return schema


def json_schema(site: model.Site) -> dict:
    """The schema of every data/ JSON file, from the same field specs the validator uses."""
    defs = {kind: kind_schema(kind) for kind in model.KINDS}
    defs["collection"] = {
        "type": "object", "additionalProperties": False,
        "required": ["schema_version", "kind", "count", "items"],
        "properties": {"schema_version": {"const": SCHEMA_VERSION}, "kind": {"enum": list(model.KINDS)},
                       "count": {"type": "integer", "minimum": 0},
                       "items": {"type": "array", "items": {"oneOf": [{"$ref": f"#/$defs/{k}"}
                                                                      for k in model.KINDS]}}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": absolute(site, f"{DATA}schema.json"),
        "title": "govsite open data",
        "schema_version": SCHEMA_VERSION,
        "$defs": defs,
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in defs],
    }


# --- CSV ----------------------------------------------------------------------------------

def safe_cell(value) -> str:
    """A cell a spreadsheet will never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_START) else text


def csv_lines(rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


RISK_COLUMNS = ["id", "title", "unit", "owner", "probability", "severity", "value", "rating", "status",
                "missions", "assessed", "review", "controls", "updated", "url"]
GOAL_COLUMNS = ["plan", "id", "title", "status", "progress", "indicator", "target", "missions", "risks", "url"]


# One row per follow-up result of a control (the risk's controls in order, each one's latest result first).
CONTROL_COLUMNS = ["risk", "risk_title", "category", "control", "date", "outcome", "finding", "actions",
                   "actions_done", "url"]

# A kind's CSV registers: (path, columns), in the order register_rows gives their lines.
REGISTERS = {"risks": ((f"{DATA}risks.csv", RISK_COLUMNS), (f"{DATA}controls.csv", CONTROL_COLUMNS)),
             "plans": ((f"{DATA}goals.csv", GOAL_COLUMNS),)}


def register_rows(site: model.Site, entity: model.Entity) -> tuple[str, ...]:
    """The entity's lines in each of its kind's CSV registers (risks.csv and controls.csv,
    goals.csv): () for other kinds."""
    if isinstance(entity, model.Risk):
        missions = [m for m in entity.missions if _is_public(site, ("missions", m))]
        url = _link(site, "risks", entity.id)
        return (csv_lines([[entity.id, entity.title, entity.unit, entity.owner, entity.probability, entity.severity,
                            entity.value, site.config.risk_matrix.rating(entity.value).label, entity.status,
                            missions, entity.assessed, entity.review, len(entity.controls), entity.updated, url]]),
                csv_lines([[entity.id, entity.title, entity.category, control.title, result.date, result.outcome,
                            result.finding, len(result.actions), sum(a.status == "done" for a in result.actions), url]
                           for control in entity.controls for result in control.latest_first]))
    if isinstance(entity, model.Plan):
        return (csv_lines([[entity.id, goal.id, goal.title, goal.status, goal.progress, goal.indicator, goal.target,
                            [m for m in goal.missions if _is_public(site, ("missions", m))],
                            [r for r in goal.risks if _is_public(site, ("risks", r))],
                            _link(site, "plans", entity.id, goal.id)] for goal in entity.goals]),)
    return ()


# --- DCAT-AP-SE catalog -------------------------------------------------------------------

def licence(site: model.Site) -> tuple[str, str]:
    return licence_named(site.config.licence)


def _licence_node(site: model.Site) -> dict:
    name, url = licence(site)
    return {"@id": url} if url else {"@type": "dct:LicenseDocument", "rdfs:label": name}


def catalog(site: model.Site, files: dict[str, bytes]) -> dict:
    """A DCAT-AP-SE compatible catalog: one dataset per kind and one per register."""
    locale = for_site(site.config)
    language = site.config.language
    text = lambda value: {"@value": value, "@language": language}  # noqa: E731
    publisher = {"@type": "foaf:Organization", "foaf:name": site.config.organisation}
    contact = {"@type": "vcard:Organization", "vcard:fn": site.config.organisation}
    if site.config.contact.email:
        contact["vcard:hasEmail"] = {"@id": "mailto:" + site.config.contact.email}
    datasets = []

    def dataset(slug: str, title: str, description: str, paths: list[tuple[str, str]]):
        datasets.append({
            "@id": absolute(site, f"{DATA}#{slug}"), "@type": "dcat:Dataset",
            "dct:title": text(title), "dct:description": text(description), "dct:publisher": publisher,
            "dcat:contactPoint": contact, "dct:license": _licence_node(site),
            "dcat:landingPage": {"@id": absolute(site, DATA)},
            "dcat:distribution": [{
                "@type": "dcat:Distribution", "dcat:accessURL": {"@id": absolute(site, path)},
                "dcat:downloadURL": {"@id": absolute(site, path)}, "dcat:mediaType": media,
                "dct:license": _licence_node(site), "dcat:byteSize": len(files.get(path, b"")),
            } for path, media in paths],
        })

    for kind in model.KINDS:
        dataset(kind, locale.kind(kind, "plural"), locale.t(f"intro.{kind}"),
                [(f"{DATA}{kind}.json", "application/json")])
    dataset("risk-register", locale.t("publish.risks_csv"), locale.t("publish.risks_csv_text"),
            [(f"{DATA}risks.csv", "text/csv")])
    dataset("goals", locale.t("publish.goals_csv"), locale.t("publish.goals_csv_text"),
            [(f"{DATA}goals.csv", "text/csv")])
    dataset("controls", locale.t("publish.controls_csv"), locale.t("publish.controls_csv_text"),
            [(f"{DATA}controls.csv", "text/csv")])
    return {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                     "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#",
                     "rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
        "@id": absolute(site, f"{DATA}catalog.jsonld"), "@type": "dcat:Catalog",
        "dct:title": text(site.config.title), "dct:description": text(site.config.description or site.config.title),
        "dct:publisher": publisher, "dct:license": _licence_node(site),
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/"
                                + ("SWE" if language == "sv" else "ENG")},
        "foaf:homepage": {"@id": absolute(site, "")},
        "schema_version": SCHEMA_VERSION,
        "dcat:dataset": datasets,
    }


def collection(kind: str, records: list) -> bytes:
    """A kind's collection file from its records' JSON (bytes-like), spliced in as they are:
    compact JSON nests byte for byte, and encoding 10,000 records again cost 0.65 s of every
    live edit."""
    empty = dumps({"schema_version": SCHEMA_VERSION, "kind": kind, "count": len(records), "items": []},
                  cleaned=True)
    head, tail = empty.split(b'"items":[]', 1)
    return b"".join((head, b'"items":[', b",".join(records), b"]", tail))


@dataclasses.dataclass(frozen=True)
class EntityData:
    """An entity's open data: its record's JSON and its lines in each CSV register of its kind."""
    json: bytes
    rows: tuple


@dataclasses.dataclass(frozen=True)
class KindData:
    """A kind's open data as made: its entities' EntityData in order, and its files (the
    collection, the register, each entity's file), kept whole while none of them changes."""
    records: dict  # entity key → EntityData
    files: dict  # output path → bytes


def export(site: model.Site, known: dict | None = None, made: dict | None = None) -> dict[str, bytes]:
    """Every open-data file, by output path.

    `known`: what the live preview kept of the last export, used as it is: {entity key:
    EntityData} of entities whose data cannot have changed, and {kind: KindData}. `made`,
    when given, receives both for the next time. A kind whose records all come out as they
    were keeps its files: an edit of a risk joins risks.json again (30 MB at 10,000 entities),
    not every collection."""
    files: dict[str, bytes] = {}
    known = known or {}
    for kind in model.KINDS:
        before = known.get(kind)
        records = {}
        for entity in site.entities.get(kind, {}).values():
            if entity.draft:
                continue
            data = known.get(entity.key)
            if data is None:
                data = EntityData(dumps(entity_record(site, entity)), register_rows(site, entity))
            records[entity.key] = data
        if before is not None and list(before.records.items()) == list(records.items()):
            kind_data = before
        else:
            kind_data = KindData(records, _kind_files(kind, records))
        if made is not None:
            made.update(records)
            made[kind] = kind_data
        files.update(kind_data.files)
    files[f"{DATA}schema.json"] = dumps(json_schema(site))
    files[f"{DATA}catalog.jsonld"] = dumps(catalog(site, files))
    return dict(sorted(files.items()))


def _kind_files(kind: str, records: dict) -> dict[str, bytes]:
    files = {entity_data_path(*key): data.json for key, data in records.items()}
    # Each record without its newline, not copied.
    files[f"{DATA}{kind}.json"] = collection(kind, [memoryview(data.json)[:-1] for data in records.values()])
    for index, (path, columns) in enumerate(REGISTERS.get(kind, ())):
        files[path] = (csv_lines([columns]) + "".join(data.rows[index] for data in records.values())).encode("utf-8")
    return files
