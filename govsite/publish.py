"""Publishing: what makes the site findable, followable, searchable and
reusable by machines. One object per build, in three steps the engine calls:

    publication = Publication(site)
    Renderer(site, theme, helpers=publication.helpers())   # head metadata, A–Ö index, data list
    render_all(plan_pages(site) + publication.pages(), ...) # the search page and the data page
    files.update(publication.beside_pages(paths, diagnostics))  # data/, feeds, sitemap: before the pages
    then the search index: `index_written(folder, ...)` where the pages were written, or
    `index_pages(pages, ...)` of pages in memory
"""
from __future__ import annotations

import bisect
import dataclasses
import functools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup as SafeHtml

from . import discovery, export, feeds, model, search, views
from .errors import Diagnostics, SourceLocation
from .links import entity_page
from .locale import for_site
from .render import PageSpec, plan_pages
from .validate import default_matrix

SEARCH_PAGE = "search/index.html"
DATA_PAGE = "data/index.html"
MEDIA = {".json": "application/json", ".csv": "text/csv", ".jsonld": "application/ld+json"}


@dataclass(frozen=True)
class DataFile:
    path: str  # output path, e.g. "data/risks.csv"
    label: str
    size: int
    media: str

    @property
    def kb(self) -> str:
        return f"{self.size / 1024:.1f}"


@dataclass(frozen=True)
class Letter:
    letter: str
    entities: tuple


SWEDISH_TAIL = {"å": "{1", "ä": "{2", "ö": "{3", "æ": "{2", "ø": "{3"}


# A pure function of two strings; kept between the live preview's rebuilds, where
# sorting 10,000 titles again took 0.06 s of every edit.
@functools.lru_cache(maxsize=1 << 16)
def collation_key(language: str, text: str) -> str:
    """Alphabetical order of the site's language: in Swedish å, ä, ö come after z."""
    tail = SWEDISH_TAIL if language == "sv" else {}
    out = []
    for char in text.casefold():
        if char in tail:
            out.append(tail[char])
        else:
            out.append(unicodedata.normalize("NFD", char)[0])
    return "".join(out)


def _letters(order: list) -> list[Letter]:
    letters: dict[str, list] = {}
    for _, letter, entity in order:
        letters.setdefault(letter, []).append(entity)
    return [Letter(letter, tuple(items)) for letter, items in letters.items()]


def _az_item(language: str, entity: model.Entity) -> tuple:
    """(sort key, letter, entity) of the A–Ö index; the sort key is unique, so entities are never compared."""
    return (collation_key(language, entity.title), entity.kind, entity.id), _initial(entity.title[:1]), entity


@functools.lru_cache(maxsize=4096)
def _initial(first: str) -> str:
    """The A–Ö index's letter for a title's first character: É under E, digits and signs under #."""
    letter = first.upper()
    if not letter.isalpha():
        return "#"
    if unicodedata.normalize("NFD", letter)[0] != letter and letter not in "ÅÄÖ":
        return unicodedata.normalize("NFD", letter)[0]
    return letter


def az_order(site: model.Site, known: list | None = None) -> list[tuple]:
    """Every published entity's (sort key, letter, entity), A–Ö by title. With `known`, the order of
    an earlier build of the same process: an entity that is the very object it was keeps its place
    (its title is as it was), the few others are sorted in (sorting 10,000 titles took 25 ms of every
    live edit). By id(): the old order holds its entities alive, so no new one can share an id."""
    language = site.config.language
    if known is None:
        return sorted(_az_item(language, entity) for entity in export.published(site))
    fresh = {id(entity): entity for entity in export.published(site)}
    order = [item for item in known if fresh.pop(id(item[2]), None) is not None]
    for entity in fresh.values():
        bisect.insort(order, _az_item(language, entity))
    return order


class Publication:
    def __init__(self, site: model.Site, known_order: list | None = None,
                 search_part_pages: int = search.PAGES_PER_PART):
        """`known_order`: the A–Ö order of the last build (its `order`);
        `search_part_pages`: at most this many pages in each part of the search index (search.py).
        Everything the pages show is made here or before they render, never while they do."""
        self.site = site
        self.search_part_pages = search_part_pages
        self.known_records = None  # open-data records that cannot have changed (reuse_records)
        self.order = az_order(site, known_order)  # the A–Ö order of the main language
        # Each language's A–Ö letters, each entity by its translated title where it has one.
        self.letters = {site.config.language: _letters(self.order)}
        for language in site.config.languages[1:]:
            translated = views.in_language(site, language, default_matrix)
            self.letters[language] = _letters(sorted(_az_item(language, e) for e in export.published(translated)))
        self.records: dict = {}  # the open data as made (export.EntityData, KindData), once `data` is
        self.locale = for_site(site.config)
        taken = {entity_page("pages", i) for i in site.entities.get("pages", {})}
        self.search_page = SEARCH_PAGE not in taken
        self.data_page = DATA_PAGE not in taken

    # --- step 1: template helpers -----------------------------------------------------

    def helpers(self) -> dict:
        return {"publish_meta": self._meta, "az_index": self.az_index, "data_files": self.data_files,
                "data_licence": self.licence, "has_search_page": self.search_page,
                "search_index_made": self.site.config.search, "search_parts": self._search_parts,
                "has_data_page": self.data_page, "publication_pages": self.pages()}

    @jinja2.pass_context
    def _meta(self, context) -> dict:
        """What head.html puts in <head>: canonical address, Open Graph, feeds, JSON-LD."""
        page: PageSpec = context["page"]
        entity = context.get("entity")
        site, config = self.site, self.site.config
        locale = for_site(config, page.language or None)  # the words of the page's language
        canonical = discovery.page_address(site, page.path) if export.has_address(site) and \
            page.path != "404.html" else ""
        title = entity.title if entity else context.get("page_title", config.title)
        description = (entity.summary if entity and entity.summary else config.description)
        feed_links = [(locale.t("publish.feed_site"), feeds.feed_path())]
        if entity is not None and entity.kind == "units" and not entity.draft:
            feed_links.append((locale.t("publish.feed_unit", unit=entity.title), feeds.feed_path(entity.id)))
        ld = []
        if page.path == "index.html":
            ld.append(discovery.organisation_ld(site))
        if page.path == DATA_PAGE:
            licence_name, licence_url = self.licence()
            ld.append(discovery.dataset_ld(site, self.locale.t("publish.data_title"),
                                           self.locale.t("publish.data_intro"), licence_url or licence_name,
                                           [(f.path, f.media) for f in self.data_files()]))
        return {
            "canonical": canonical,
            "styles": ["publish.css"] if page.path in (SEARCH_PAGE, DATA_PAGE) else [],
            "og": [("og:type", "website" if page.path == "index.html" else "article"),
                   ("og:site_name", config.title), ("og:title", title),
                   ("og:description", description), ("og:locale", str(locale.cldr))]
            + ([("og:url", canonical)] if canonical else []),
            "feeds": feed_links,
            "data": export.entity_data_path(entity.kind, entity.id) if entity is not None and not entity.draft else "",
            "json_ld": [SafeHtml(discovery.json_ld(item)) for item in ld],
        }

    @jinja2.pass_context
    def az_index(self, context) -> list[Letter]:
        """Every published entity, A–Ö by title, grouped by first letter: in the page's language,
        each entity by its translated title where it has one (made before any page renders)."""
        return self.letters[context["page"].language or self.site.config.language]

    def reuse_records(self, records: dict) -> None:
        """Open-data records that cannot have changed (the engine decides, see export.export), before
        `data` is made."""
        self.known_records = records

    @functools.cached_property
    def data(self) -> dict[str, bytes]:
        return export.export(self.site, self.known_records, self.records)

    def data_files(self) -> list[DataFile]:
        """The files the data page lists: the collections by kind, then registers, schema and catalog."""
        return self._data_files

    def forget_data(self) -> None:
        """Let the open data's bytes go once they are written (171 MB at 10,000 entities, else held
        while every page renders); the data page's list keeps their sizes."""
        self.data_files()
        self.__dict__.pop("data", None)  # the cached_property: made again if ever asked for

    @functools.cached_property
    def _data_files(self) -> list[DataFile]:
        names = [f"{kind}.json" for kind in model.KINDS] + ["risks.csv", "controls.csv", "goals.csv", "schema.json",
                                                            "catalog.jsonld"]
        out = []
        for name in names:
            path = export.DATA + name
            stem, dot, ext = name.rpartition(".")
            label = self.locale.kind(stem, "plural") if ext == "json" and stem in model.KINDS else \
                self.locale.t(f"publish.file.{stem}")
            out.append(DataFile(path, label, len(self.data[path]), MEDIA[dot + ext]))
        return out

    @jinja2.pass_context
    def _search_parts(self, context) -> list[str]:
        """The parts of the search index of the page's language: the first, which the search page
        loads, then the others, which it merges into it."""
        language = context["page"].language
        pages = [p for p in self.public_pages if search.section_of(p, self.site.config.languages[1:]) == language]
        return search.parts(len(pages), self.search_part_pages, language)

    @functools.cached_property
    def public_pages(self) -> set[str]:
        """The pages the search index holds: each published entity's, in every language (Pagefind
        keeps one index per <html lang>, stemmed for it, and the search page asks for its own).
        Made once: the engine, the search page and the index all ask (0.14 s at 10,000 entities)."""
        paths = {entity_page(e.kind, e.id) for e in export.published(self.site)}
        return paths | {f"{language}/{path}" for language in self.site.config.languages[1:] for path in paths}

    def licence(self) -> tuple[str, str]:
        """(name, address) of the data licence; the address is "" for a name govsite does not know."""
        return export.licence(self.site)

    # --- step 2: extra pages ----------------------------------------------------------

    def pages(self) -> list[PageSpec]:
        out = []
        if self.search_page:  # one per language: Pagefind indexes each language apart (<html lang>)
            out.append(PageSpec(SEARCH_PAGE, "search.html"))
            out.extend(PageSpec(f"{language}/{SEARCH_PAGE}", "search.html", language=language)
                       for language in self.site.config.languages[1:])
        if self.data_page:
            out.append(PageSpec(DATA_PAGE, "data.html"))
        return out

    # --- step 3: files beside the pages -----------------------------------------------

    def _section_feeds(self, language: str) -> dict[str, bytes]:
        """/{language}/feed.xml and the units' feeds there: titles and links of that language."""
        site = views.in_language(self.site, language, default_matrix)
        base = site.config.base_url
        site = dataclasses.replace(site, config=dataclasses.replace(
            site.config, base_url=(base if base.endswith("/") else base + "/") + f"{language}/"))
        locale = for_site(self.site.config, language)
        made = feeds.feeds(site, locale.t("publish.feed_site_title", site=site.config.title),
                           locale.t("publish.feed_unit"))
        return {f"{language}/{path}": data for path, data in made.items()}

    def beside_pages(self, paths: list[str], diagnostics: Diagnostics) -> dict[str, bytes]:
        """Feeds, open data, sitemap: every file but the search index. They need only the paths
        of the site's files (the sitemap lists the HTML pages), so a written build makes them
        before its pages, and write.py checks every path before anything is written."""
        site = self.site
        where = SourceLocation(site.config.path, 1)
        files: dict[str, bytes] = dict(self.data)
        files.update(feeds.feeds(site, self.locale.t("publish.feed_site_title", site=site.config.title),
                                 self.locale.t("publish.feed_unit")))
        for language in site.config.languages[1:]:  # each language's feeds, in its section
            files.update(self._section_feeds(language))
        files[".nojekyll"] = b""
        files["robots.txt"] = discovery.robots(site)
        sections = [""] + [f"{language}/" for language in site.config.languages[1:]]
        drafts = {prefix + entity_page(e.kind, e.id) for e in site.all() if e.draft for prefix in sections}
        html = [path for path in paths if path.endswith(".html") and path not in drafts]
        if export.has_address(site):
            lastmods = discovery.lastmods(site)
            lastmods.update({prefix + path: day for path, day in lastmods.items() for prefix in sections[1:]})
            alternates = views.Sections([*plan_pages(site), *self.pages()]).by_path(site.config) \
                if len(sections) > 1 else None
            files["sitemap.xml"] = discovery.sitemap(site, html, lastmods, alternates)
        else:
            diagnostics.notice("publish_no_base_url", where)
        cname = discovery.cname(site)  # a name that is none: validate.py warned at its line
        if cname is not None:
            files["CNAME"] = cname
        for name, free in (("search", self.search_page), ("data", self.data_page)):
            if not free:  # a communicator's page of that name wins; say what is missing
                diagnostics.warning("publish_path_taken", SourceLocation(f"content/pages/{name}.md", 1),
                                    path=name + "/")
        return files

    def index_pages(self, rendered: Mapping[str, bytes], diagnostics: Diagnostics) -> dict[str, bytes]:
        """The search index of pages held in memory (a written build uses `index_written`)."""
        if not self.makes_search_index():
            return {}
        try:
            return search.search_index({p: rendered[p] for p in sorted(self.public_pages) if p in rendered},
                                       self.search_part_pages, sections=self.site.config.languages[1:])
        except search.SearchFailed as exc:
            diagnostics.warning("publish_search_failed", SourceLocation(self.site.config.path, 1), problem=str(exc))
            return {}

    def makes_search_index(self) -> bool:
        return self.search_page and self.site.config.search

    def index_written(self, root: Path, diagnostics: Diagnostics) -> list[str]:
        """Index the site where write.py has just written it (search.py); the paths added.
        Without an index the search page still offers the A–Ö index: a warning, not an error."""
        try:
            return search.index_site(root, self.public_pages, self.search_part_pages,
                                     sections=self.site.config.languages[1:])
        except search.SearchFailed as exc:
            diagnostics.warning("publish_search_failed", SourceLocation(self.site.config.path, 1), problem=str(exc))
            return []
