"""RawDoc → typed entities, collecting every problem (never stopping at the first)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import model
from .errors import Diagnostics, SourceLocation
from .locale import LANGUAGES, Locale, keys
from .media import check_bodies
from .schema import (ERROR, HOSTNAME, KIND_SPECS, LICENCES, SITE_SPEC, Choice, Context, ListOf, Obj, Text, dotted,
                     licence_named, parse_fields, raw_refs, suggest)
from .source import ID_PATTERN, ContentTree, RawDoc, read_site

# Names the site itself writes at the top of the output: a free page (written at <id>/index.html)
# may not take them, nor one that is the same file where case does not count (`cname` is CNAME
# on macOS and Windows, and write.py refuses it). test_validate.py checks this against a build.
RESERVED_PAGE_IDS = frozenset(model.KINDS) | {"static", "data", "search", "organisation", "accessibility",
                                              "tillganglighet", "saavutettavuus", "changes", "andringar", "feeds", "404", "index",
                                              "pagefind", "cname", "media"}
# The accessibility statement's address in each language: a page at the site's own one is the
# statement's text (render.plan_pages); at the other language's it is refused.
STATEMENT_PAGE_IDS = {"sv": "tillganglighet", "en": "accessibility", "fi": "saavutettavuus"}


@dataclass
class Content:
    """Every valid entity (drafts included), keyed by kind and id, in id order."""
    config: model.SiteConfig | None
    entities: dict[str, dict[str, model.Entity]] = field(default_factory=dict)
    broken: set = field(default_factory=set)  # (kind, id) of files that could not be read
    # references of entities that failed validation: still checked, never linked
    unchecked_refs: list = field(default_factory=list)  # (SourceLocation, field, kind, id)
    today: dt.date | None = None  # the site's day, in its time zone
    media: dict = field(default_factory=dict)  # content/media/ as source.read_media read it
    translations: dict = field(default_factory=dict)  # (kind, id) → {language: translated entity}


def validate(tree: ContentTree, diagnostics: Diagnostics, day: Callable[[str], dt.date],
             memo: dict | None = None) -> Content:
    """`day(time zone)`: the site's day in the zone its settings name. `memo` (optional,
    engine.py) keeps each file's validation across rebuilds: (path, digest) → (entity or
    None, its diagnostics), for one risk matrix and one day."""
    config = validate_site(tree.site, diagnostics, tree.locales)
    today = day(config.time_zone if config else model.DEFAULT_TIME_ZONE)
    matrix = config.risk_matrix if config else None
    categories = config.risk_categories if config else ()
    # Where the matrix in use is written (line 0: govsite's default matrix), for the hint of a level.
    matrix_line = SourceLocation(tree.site.path, tree.site.line("risk_matrix") if "risk_matrix" in tree.site.data
                                 else 0) if config else None
    # Risks are rated on the matrix and reviews are overdue by today's date: compared once
    # here, not hashed into 10,000 keys.
    if memo is not None:
        settings = (matrix, today, matrix_line, categories)
        if memo.get("settings", settings) != settings:
            memo.clear()
        memo["settings"] = settings
    entities: dict[str, dict[str, model.Entity]] = {kind: {} for kind in model.KINDS}
    first_path: dict[tuple, str] = {}
    originals: dict[tuple, RawDoc] = {}
    broken = set()
    unchecked_refs = []
    for doc in tree.docs:
        key = (doc.kind, doc.id)
        if key in first_path:
            diagnostics.error("duplicate_id", SourceLocation(doc.path, 1), id=doc.id, other=first_path[key])
            continue
        first_path[key] = doc.path
        originals[key] = doc
        if doc.broken:
            broken.add(key)
            continue
        if memo is None:
            entity = _checked(doc, diagnostics, matrix, today, matrix_line, categories)
        else:
            memo_key = (doc.path, doc.digest)
            if memo_key not in memo:
                local = Diagnostics()
                memo[memo_key] = (_checked(doc, local, matrix, today, matrix_line, categories), local.items)
            entity, found = memo[memo_key]
            if found:
                diagnostics.extend(found)
        if entity is None:
            broken.add(key)
            unchecked_refs.extend((doc.at(*path), dotted(path), kind, ref_id)
                                  for path, kind, ref_id in raw_refs(KIND_SPECS[doc.kind], doc.data))
            continue
        entities[doc.kind][doc.id] = entity
    for kind in entities:
        entities[kind] = dict(sorted(entities[kind].items()))
    _statement_pages(entities["pages"], config, diagnostics, broken)
    for language in config.languages[1:] if config else ():  # /{language}/ is that language's section
        if language in entities["pages"]:
            diagnostics.error("reserved_page_id", SourceLocation(entities["pages"].pop(language).path, 1), id=language)
            broken.add(("pages", language))
    if config is not None and tree.site is not None:
        _brand_files(config.theme, tree.media, tree.site, diagnostics)
    translations = translate(tree.translations, originals, entities, config, diagnostics, matrix, matrix_line)
    check_bodies((entity for found in (*entities.values(), *translations.values()) for entity in found.values()),
                 tree.media, diagnostics)
    return Content(config=config, entities=entities, broken=broken, unchecked_refs=unchecked_refs, today=today,
                   media=tree.media, translations=translations)


def translate(docs: list[RawDoc], originals: dict, entities: dict, config: model.SiteConfig | None,
              diagnostics: Diagnostics, matrix, matrix_line) -> dict:
    """`ID.LANG.md` files → {(kind, id): {language: entity}}: the original's entity with the
    translation's text (title, summary, body, the text fields of its lists); every other field
    is the original's, and a translation that states one differently is an error at its line."""
    found: dict = {}
    for doc in docs:
        key = (doc.kind, doc.id)
        where = SourceLocation(doc.path, 1)
        if config is not None and doc.language not in config.languages[1:]:
            diagnostics.error("translation_language", where, language=doc.language,
                              languages=", ".join(config.languages[1:]) or "-", main=config.language,
                              variant="main" if doc.language == config.language else None)
            continue
        original = originals.get(key)
        if original is None:
            diagnostics.error("translation_without_original", where, id=doc.id,
                              original=doc.path.rsplit("/", 1)[0] + f"/{doc.id}.md")
            continue
        if doc.broken or doc.id not in entities[doc.kind] or config is None:
            continue  # the original's (or the file's) problems are reported where they are
        local = Diagnostics()
        data = _translated(KIND_SPECS[doc.kind], original.data, doc.data, doc, original, (), local)
        entity = None
        if not local.errors:
            entity = validate_entity(RawDoc(doc.kind, doc.id, doc.path, data, doc.lines, doc.body, doc.body_line,
                                            doc.digest, language=doc.language), local, matrix, matrix_line)
        # Only what the translation itself says: the original's warnings were given at its own file.
        diagnostics.extend(d for d in local.items if d.level == "error" or d.location.path == doc.path
                           and d.code in ("unknown_field", "translation_structural"))
        if entity is not None and not local.errors:
            found.setdefault(key, {})[doc.language] = entity
    return {key: dict(sorted(languages.items())) for key, languages in sorted(found.items())}


def _translated(specs: dict, original: dict, translation: dict, doc: RawDoc, source: RawDoc, path: tuple,
                diagnostics: Diagnostics) -> dict:
    """The original's front matter with the translation's text in it (schema.Text fields, and
    lists of them, at any depth); a structural value (level, date, reference, status …) must be
    the original's, or be left out."""
    data = dict(original)
    for key, value in translation.items():
        spec = specs.get(key)
        here = path + (key,)
        if spec is None:
            diagnostics.warning("unknown_field", doc.at(*here), field=dotted(here), suggestion=suggest(key, specs))
        elif isinstance(spec, Text) or isinstance(spec, ListOf) and isinstance(spec.item, Text):
            data[key] = value
        elif isinstance(spec, Obj) and isinstance(value, dict) and isinstance(original.get(key) or {}, dict):
            data[key] = _translated(spec.fields, original.get(key) or {}, value, doc, source, here, diagnostics)
        elif isinstance(spec, ListOf) and isinstance(spec.item, Obj) and isinstance(value, list) \
                and isinstance(original.get(key), list) and len(value) == len(original[key]) \
                and all(isinstance(item, dict) for item in (*value, *original[key])):
            data[key] = [_translated(spec.item.fields, item, over, doc, source, here + (i,), diagnostics)
                         for i, (item, over) in enumerate(zip(original[key], value))]
        elif value != original.get(key):
            diagnostics.error("translation_structural", doc.at(*here), field=dotted(here),
                              value=_shown(value), original=_shown(original.get(key)),
                              source=f"{source.path}:{source.line(*here)}")
    return data


def _shown(value) -> str:
    """A front-matter value as a communicator wrote it, for a message."""
    if value is None:
        return "-"
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    return str(value)


BRAND_FILES = {"logo": ((".svg", ".png", ".jpg", ".jpeg", ".webp"), 500_000),  # shown on every page
               "favicon": ((".svg", ".png"), 100_000)}


def _brand_files(theme: model.ThemeSettings, media: dict, doc: RawDoc, diagnostics: Diagnostics) -> None:
    """The logo and favicon are images in content/media/ (published there, checked as media
    are), small enough for every page; a logo needs its alt text (WCAG 1.1.1)."""
    for field_name, (types, limit) in BRAND_FILES.items():
        path = getattr(theme, field_name)
        if not path:
            continue
        where = doc.at("theme", field_name)
        if not path.startswith("media/") or path not in media:
            diagnostics.error("brand_file_missing", where, field=f"theme.{field_name}", path=path,
                              known=", ".join(sorted(p for p in media if p.endswith(types))[:5]) or "-")
        elif not path.lower().endswith(types):
            diagnostics.error("brand_file_type", where, field=f"theme.{field_name}", path=path,
                              types=", ".join(t.lstrip(".") for t in types))
        elif len(media[path]) > limit:
            diagnostics.error("brand_file_size", where, field=f"theme.{field_name}", path=path,
                              size_kb=round(len(media[path]) / 1000), limit_kb=limit // 1000)
    if theme.logo and not theme.logo_alt:
        diagnostics.error("brand_logo_alt", doc.at("theme", "logo"))


def _statement_pages(pages: dict, config: model.SiteConfig | None, diagnostics: Diagnostics, broken: set) -> None:
    """`pages/tillganglighet.md` (`accessibility.md` on an English site) is the statement's own
    text; the other language's name is the statement's address there, not a page of this site."""
    if config is None:
        return
    for language, page_id in STATEMENT_PAGE_IDS.items():
        page = pages.get(page_id)
        if page is not None and language != config.language:
            diagnostics.error("statement_page_language", SourceLocation(page.path, 1), id=page_id,
                              own=STATEMENT_PAGE_IDS.get(config.language, page_id))
            del pages[page_id]
            broken.add(("pages", page_id))


def validate_entity(doc: RawDoc, diagnostics: Diagnostics, matrix, matrix_line: SourceLocation | None = None,
                    categories: tuple = ()) -> model.Entity | None:
    ctx = Context(doc, diagnostics, matrix, matrix_line, categories)
    values = parse_fields(KIND_SPECS[doc.kind], doc.data, ctx, ())
    if values is ERROR:
        return None
    entity = model.ENTITY_CLASSES[doc.kind](id=doc.id, path=doc.path, body=doc.body,
                                            body_line=doc.body_line, lines=doc.lines, **values)
    ok = True
    if doc.kind == "pages" and doc.id in RESERVED_PAGE_IDS and doc.id not in ("index", *STATEMENT_PAGE_IDS.values()):
        diagnostics.error("reserved_page_id", SourceLocation(doc.path, 1), id=doc.id)
        ok = False
    if isinstance(entity, model.Arena) and entity.ends < entity.starts:
        diagnostics.error("ends_before_starts", doc.at("ends"), starts=entity.starts.isoformat(),
                          ends=entity.ends.isoformat())
        ok = False
    if isinstance(entity, model.Risk):
        for index, control in enumerate(entity.controls):
            for number, result in enumerate(control.results):
                if result.outcome == "deviation" and not result.finding:
                    # A deviation says what was found, or the board reads "avvikelse" and nothing more.
                    diagnostics.error("deviation_without_finding", doc.at("controls", index, "results", number, "outcome"),
                                      field=dotted(("controls", index, "results", number, "finding")))
                    ok = False
    if isinstance(entity, model.Plan):
        seen = set()
        for index, goal in enumerate(entity.goals):
            if goal.id in seen:
                diagnostics.error("duplicate_goal", doc.at("goals", index, "id"), id=goal.id)
                ok = False
            seen.add(goal.id)
        period = entity.period
        if period and period.start and period.end and period.end < period.start:
            diagnostics.error("ends_before_starts", doc.at("period", "end"), starts=period.start.isoformat(),
                              ends=period.end.isoformat())
            ok = False
    return entity if ok else None


def _checked(doc: RawDoc, diagnostics: Diagnostics, matrix, today: dt.date,
             matrix_line: SourceLocation | None = None, categories: tuple = ()) -> model.Entity | None:
    """The file's entity (None when it has errors) after its errors and warnings."""
    entity = validate_entity(doc, diagnostics, matrix, matrix_line, categories)
    if entity is not None:
        _warn(entity, diagnostics, today)
    return entity


def _warn(entity: model.Entity, diagnostics: Diagnostics, today: dt.date) -> None:
    """Things that are allowed but that a communicator most likely wants to know."""
    if isinstance(entity, model.Risk) and entity.status != "closed":
        if entity.review and entity.review < today:
            diagnostics.warning("review_overdue", SourceLocation(entity.path, entity.line("review")),
                                date=entity.review.isoformat())
        if not entity.controls:
            diagnostics.warning("risk_without_controls", SourceLocation(entity.path, 1))
    if isinstance(entity, model.Risk):
        for path, action in risk_actions(entity):
            if action.overdue_on(today):
                diagnostics.warning("action_overdue", SourceLocation(entity.path, entity.line(*path, "due")),
                                    title=action.title, date=action.due.isoformat())
    if isinstance(entity, model.Arena) and entity.status == "active" and entity.ends < today:
        diagnostics.warning("arena_past_end", SourceLocation(entity.path, entity.line("status")),
                            ends=entity.ends.isoformat())


def risk_actions(risk: model.Risk):
    """(front-matter path, action) of every action of a risk: its own, then its controls' results'."""
    for index, action in enumerate(risk.actions):
        yield ("actions", index), action
    for index, control in enumerate(risk.controls):
        for number, result in enumerate(control.results):
            for count, action in enumerate(result.actions):
                yield ("controls", index, "results", number, "actions", count), action


def site_settings(content: Path) -> model.SiteConfig | None:
    """site.yaml's settings for what runs before, or without, a build (the build's day, the
    audit's base path), read and checked as the build reads them; None when they have errors."""
    return validate_site(read_site(content, Diagnostics()), Diagnostics())


def validate_site(doc: RawDoc | None, diagnostics: Diagnostics, tables: dict | None = None) -> model.SiteConfig | None:
    """site.yaml → the settings; `tables`: the site's own interface tables (source.read_locales),
    whose languages the site may publish in besides the built-in ones."""
    if doc is None or doc.broken:
        return None
    tables = tables or {}
    known = LANGUAGES + tuple(sorted(set(tables) - set(LANGUAGES)))
    specs = dict(SITE_SPEC, language=Choice(options=known), languages=ListOf(item=Choice(options=known), unique=True))
    ctx = Context(doc, diagnostics)
    values = parse_fields(specs, doc.data, ctx, ())
    if values is ERROR:
        return None
    languages = values.get("languages", ())
    if "languages" in doc.data and not languages:
        diagnostics.error("empty_value", doc.at("languages"), field="languages")
        return None
    if "language" in values and languages and values["language"] != languages[0]:
        diagnostics.error("languages_disagree", doc.at("language"), language=values["language"],
                          first=languages[0], line=doc.line("languages"))
        return None
    language = values["language"] = values.get("language") or (languages[0] if languages else "sv")
    values["languages"] = languages or (language,)
    values["tables"] = site_tables(tables, values["languages"], diagnostics)
    main = values["tables"].get(language) or Locale.load(language)
    if "risk_matrix" not in values:
        values["risk_matrix"] = default_matrix(main)
    elif not _matrix_ok(values["risk_matrix"], doc, diagnostics):
        return None
    if "risk_categories" not in values:
        values["risk_categories"] = default_categories(language)
    elif not _categories_ok(values["risk_categories"], doc, diagnostics):
        return None
    config = model.SiteConfig(path=doc.path, **values)
    if not (config.contact.email or config.contact.phone or config.accessibility.contact_email):
        # The accessibility statement must give a way to reach the organisation (DIGG's rules).
        diagnostics.warning("no_contact", doc.at("contact") if "contact" in doc.data else doc.at())
    _statement_consistent(config.accessibility, doc, diagnostics)
    _publishing_settings(config, doc, diagnostics)
    return config


def _publishing_settings(config: model.SiteConfig, doc: RawDoc, diagnostics: Diagnostics) -> None:
    """What publishing would leave out, found where `check` finds everything else: a `cname` that
    is no domain name (no CNAME file), a licence without a known address (no link in the catalog)."""
    if config.cname.strip() and not HOSTNAME.match(config.cname.strip().lower()):
        diagnostics.warning("publish_bad_cname", doc.at("cname"), cname=config.cname)
    name, address = licence_named(config.licence)
    if not address:
        diagnostics.warning("publish_unknown_licence", doc.at("licence"), licence=name,
                            known=", ".join(sorted(LICENCES)))


def _statement_consistent(facts: model.Accessibility, doc: RawDoc, diagnostics: Diagnostics) -> None:
    """The compliance level follows from the listed deviations (model.Accessibility.stated):
    a level the statement cannot show as written is a warning at its line. A site without an
    `accessibility:` block has written no statement yet: it shows "not yet described"."""
    if "accessibility" not in doc.data:
        return
    where = doc.at("accessibility", "compliance")
    if facts.compliance == "full" and facts.deviations:
        diagnostics.warning("compliance_full_with_deviations", where, count=len(facts.deviations))
    elif facts.undescribed:
        diagnostics.warning("compliance_without_deviations", where, compliance=facts.compliance)


def site_tables(docs: dict, languages: tuple, diagnostics: Diagnostics) -> dict:
    """content/locales/LANG.yaml → {LANG: Locale}. A table for a built-in language changes the
    words it gives; one for another language (Meänkieli `fit`, Northern Sami `se`) should have
    every key Swedish has: the missing ones are a warning naming them, and the main language's
    words (Swedish, if the main language is the site's own) fill in."""
    main = next((lang for lang in languages if lang in LANGUAGES), "sv")
    reference = Locale.load("sv").table
    tables = {}
    for language, doc in sorted(docs.items()):
        where = SourceLocation(doc.path, 1)
        if not isinstance(doc.data, dict):
            diagnostics.error("yaml_not_mapping", where)
            continue
        unknown = sorted(keys(doc.data) - keys(reference))
        if unknown:
            diagnostics.warning("locale_unknown_keys", where, count=len(unknown), keys=_listed(unknown))
        refused = _unusable(doc.data, reference)
        if refused:  # left out: the words of the language that fills in are used there
            diagnostics.error("locale_bad_values", where, count=len(refused), keys=_listed(sorted(refused)))
            doc = dataclasses.replace(doc, data=_without(doc.data, refused))
        if language in LANGUAGES:
            tables[language] = Locale.of_site(doc.data, language, Locale.load(language))
            continue
        if language not in languages:
            diagnostics.warning("locale_unused", where, language=language, languages=", ".join(languages))
        missing = sorted(keys(reference) - keys(doc.data))
        if missing:
            diagnostics.warning("locale_missing_keys", where, language=language, count=len(missing),
                                keys=_listed(missing), main=main)
        tables[language] = Locale.of_site(doc.data, language, Locale.load(main))
    return tables


_FORMATTER = string.Formatter()


def _unusable(table: dict, reference: dict, prefix: str = "") -> set[str]:
    """Keys of a site's table whose value cannot stand where govsite's Swedish one stands: not the
    same type (text, list, table), a {slot} the Swedish text does not have or one that reaches
    into a value ({title.__class__}), or an address part (accessibility_slug) that is no id."""
    found = set()
    for key, value in table.items():
        name, ours = f"{prefix}{key}", reference.get(key)
        if isinstance(ours, dict):
            found |= _unusable(value, ours, name + ".") if isinstance(value, dict) else {name}
        elif ours is None:
            continue  # unknown: warned of, never read
        elif not _same_shape(value, ours):
            found.add(name)
        elif isinstance(value, str):
            try:
                slots = {field for _, field, _, _ in _FORMATTER.parse(value) if field is not None}
            except ValueError:  # an unmatched { or }
                found.add(name)
                continue
            allowed = {field for _, field, _, _ in _FORMATTER.parse(ours) if field is not None}
            if not slots <= allowed or (key == "accessibility_slug" and not ID_PATTERN.match(value)):
                found.add(name)
    return found


def _same_shape(value, ours) -> bool:
    """The same type, and a list (the default risk matrix) of as many items with the same fields."""
    if type(value) is not type(ours):
        return False
    if isinstance(ours, list):
        return len(value) == len(ours) and all(_same_shape(a, b) for a, b in zip(value, ours))
    if isinstance(ours, dict):
        return value.keys() == ours.keys() and all(_same_shape(value[k], ours[k]) for k in ours)
    return True


def _without(table: dict, dotted_keys: set, prefix: str = "") -> dict:
    return {key: _without(value, dotted_keys, f"{prefix}{key}.") if isinstance(value, dict) else value
            for key, value in table.items() if f"{prefix}{key}" not in dotted_keys}


def _listed(names: list, limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" … (+{len(names) - limit})" if len(names) > limit else "")


def default_matrix(locale: Locale) -> model.RiskMatrix:
    table = locale.table["default_risk_matrix"]
    return model.RiskMatrix(
        probability=tuple(model.MatrixLevel(**x) for x in table["probability"]),
        severity=tuple(model.MatrixLevel(**x) for x in table["severity"]),
        ratings=tuple(model.Rating(**x) for x in table["ratings"]),
    )


def default_categories(language: str) -> tuple[model.RiskCategory, ...]:
    """The categories Swedish municipalities commonly use (the locale names them)."""
    return tuple(model.RiskCategory(**x) for x in Locale.load(language).table["default_risk_categories"])


def _categories_ok(categories: tuple, doc: RawDoc, diagnostics: Diagnostics) -> bool:
    if not categories:  # `risk_categories: []` would let every category through, unchecked and unnamed
        diagnostics.error("categories_empty", doc.at("risk_categories"))
        return False
    seen = set()
    for index, category in enumerate(categories):
        if category.id in seen:
            diagnostics.error("duplicate_category", doc.at("risk_categories", index, "id"), id=category.id)
        seen.add(category.id)
    return len(seen) == len(categories)


def _matrix_ok(matrix: model.RiskMatrix, doc: RawDoc, diagnostics: Diagnostics) -> bool:
    ok = True
    for axis in ("probability", "severity"):
        levels = [x.level for x in getattr(matrix, axis)]
        if not levels or levels != list(range(1, len(levels) + 1)):
            diagnostics.error("matrix_levels", doc.at("risk_matrix", axis), axis=axis)
            ok = False
    maxes = [r.max for r in matrix.ratings]
    if not maxes or maxes != sorted(set(maxes)):
        diagnostics.error("matrix_ratings_order", doc.at("risk_matrix", "ratings"))
        ok = False
    elif ok and maxes[-1] < len(matrix.probability) * len(matrix.severity):
        diagnostics.error("matrix_ratings_cover", doc.at("risk_matrix", "ratings"),
                          highest=len(matrix.probability) * len(matrix.severity), max=maxes[-1])
        ok = False
    return ok
