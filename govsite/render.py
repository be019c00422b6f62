"""Site → {output path: bytes}, through Jinja templates.

Autoescape and StrictUndefined are on: a value is never injected as markup,
and a typo in a template fails the build with the template's name and the
entity's file instead of rendering blank.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup as SafeHtml

from . import followup, model, views
from .errors import Diagnostics, SourceLocation
from .history import RECENT_LIMIT
from .export import absolute, has_address
from .links import entity_page, entity_path
from .locale import for_site
from .validate import default_matrix
from .markup import Markup, resolve_links, resolve_media


@dataclass(frozen=True)
class PageSpec:
    path: str  # output file, e.g. "risks/x/index.html"
    template: str
    key: tuple | None = None  # the entity shown, if any
    kind: str = ""  # the kind listed, for index pages
    absolute_links: bool = False  # the 404 page is served at any depth: links from the site root
    # The page's language: "" for the main one (today's addresses); another of the site's
    # languages for its section, /{language}/… (views.in_language gives its words and entities)
    language: str = ""


def default_theme() -> Path:
    """The theme in this checkout's templates/, or the one installed with the package."""
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if (checkout / "base.html").is_file():
        return checkout
    return Path(str(resources.files("govsite") / "templates"))


BUILTIN = "govsite"  # built-in templates stay reachable as "govsite/base.html" for `extends`


def theme_folders(theme: Path | None) -> list[Path]:
    """The site's theme folder over the built-in theme: the site's folder holds only what
    differs (templates and static files), every other file comes from the built-in theme."""
    builtin = default_theme()
    if theme is None or Path(theme).resolve() == builtin.resolve():
        return [builtin]
    return [Path(theme), builtin]


def _theme_loader(theme: Path) -> jinja2.BaseLoader:
    folders = theme_folders(theme)
    return jinja2.ChoiceLoader([jinja2.PrefixLoader({BUILTIN: jinja2.FileSystemLoader(str(folders[-1]))}),
                                *(jinja2.FileSystemLoader(str(folder)) for folder in folders)])


def plan_pages(site: model.Site) -> list[PageSpec]:
    """Every HTML page of the site, in a deterministic order: the main language's at today's
    addresses, then each other language's under /{language}/ (the 404 page once, in the main one)."""
    pages = _language_pages(site, "")
    pages.insert(1, PageSpec("404.html", "404.html", absolute_links=True))
    for language in site.config.languages[1:]:
        pages.extend(_language_pages(site, language))
    return pages


def _language_pages(site: model.Site, language: str) -> list[PageSpec]:
    prefix = f"{language}/" if language else ""
    pages = [PageSpec(prefix + "index.html", "home.html", ("pages", "index"), language=language)]
    main_statement = views.accessibility_path(for_site(site.config))
    statement = views.accessibility_path(for_site(site.config, language or None))
    for kind in model.KINDS:
        singular = model.SINGULAR[kind]
        if kind != "pages":
            pages.append(PageSpec(f"{prefix}{kind}/index.html", f"{kind}.html", kind=kind, language=language))
        for entity_id in site.entities.get(kind, {}):
            if kind == "pages" and (entity_id == "index" or entity_path(kind, entity_id) == main_statement):
                continue  # the home page; the accessibility statement's own text (below)
            pages.append(PageSpec(prefix + entity_page(kind, entity_id), f"{singular}.html",
                                  (kind, entity_id), language=language))
    # The accessibility statement (DIGG), at a slug from the locale: /tillganglighet/ in Swedish,
    # /en/accessibility/ in English; the site's page at the main address (pages/tillganglighet.md)
    # is its text, in each language its translation.
    own_text = ("pages", main_statement.strip("/"))
    pages.append(PageSpec(prefix + statement + "index.html", "accessibility.html",
                          own_text if site.get(own_text) else None, language=language))
    locale = for_site(site.config, language or None)
    pages.append(PageSpec(prefix + views.changes_path(locale) + "index.html", "changes.html",  # "Senaste ändringar"
                          language=language))
    pages += [PageSpec(prefix + followup.report_path(locale, plan) + "index.html", "plan_followup.html", plan.key,
                       language=language)
              for plan in site.entities.get("plans", {}).values() if followup.covered_risks(site, plan)]
    return pages


@functools.lru_cache(maxsize=1 << 16)  # a pure function of two strings, called ~30 times per page
def relative_url(from_page: str, target: str) -> str:
    """A link from one output file to a site path ("risks/x/", "static/site.css", "" for home)."""
    target, _, fragment = target.partition("#")
    is_dir = target == "" or target.endswith("/")
    # posixpath.relpath, without its abspath calls (both paths are site-relative and
    # normalised); this runs tens of times per page, so it matters at 10,000 pages.
    base = [part for part in from_page.split("/")[:-1] if part]
    parts = [part for part in target.split("/") if part]
    common = 0
    for a, b in zip(base, parts):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(base) - common) + parts[common:]) or "."
    if is_dir:
        rel = "./" if rel == "." else rel + "/"
    return rel + (f"#{fragment}" if fragment else "")


class Renderer:
    """Renders pages of one Site; make one per process (templates compile once)."""

    def __init__(self, site: model.Site, theme: Path, markup: Markup | None = None, body_cache=None,
                 helpers: dict | None = None):
        self.site = self.main_site = site
        self.theme = Path(theme)
        self.locale = for_site(site.config)
        self.language = ""  # of the pages being rendered ("" the main one; see _in_language)
        self._languages: dict = {}  # language → (Site in it, its Locale, its views memo)
        self._sections: dict | None = None  # views.Sections of the site's languages
        self.markup = markup or Markup()
        self.body_cache = body_cache if body_cache is not None else {}
        self._views: dict = {}  # site-wide views, once per Site (see _memo)
        self.env = jinja2.Environment(
            loader=_theme_loader(self.theme),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["date"] = self.locale.date
        self.env.globals.update(
            site=site, config=site.config, t=self.locale.t, kind_label=self.locale.kind,
            url=self._url, asset=self._asset, site_root=self._site_root, body=self._body, outgoing=self._outgoing, incoming=self._incoming,
            goal_links=self._goal_links, rating=self._rating, arena_status=self._arena_status,
            level=self._level, risk_matrix=self._risk_matrix, unit_tree=self._unit_tree, ordered=views.ordered,
            nav_pages=self._nav_pages, main_menu=self._main_menu, lookup=site.get,
            alternates=self._alternates, untranslated=self._untranslated, text_lang=self._text_lang,
            language_name=lambda code: self.locale.language_name(code), settings_lang=SafeHtml(""),
        )
        self.env.globals.update(views.template_helpers(site, self.locale))  # the citizen's theme
        self.env.globals["history_page"] = views.changes_path(self.locale)  # the footer's "Senaste ändringar"
        self.env.globals["recent_changes_shown"] = RECENT_LIMIT
        # Features outside the core (publishing, history ...) give templates their own helpers.
        self.env.globals.update(helpers or {})

    def _show(self, site: model.Site, locale) -> None:
        """Templates read `site` in `locale`'s words from here on."""
        self.site = site
        self.env.filters["date"] = locale.date
        self.env.globals.update(site=site, config=site.config, lookup=site.get, t=locale.t, kind_label=locale.kind,
                                # site.yaml's own words (title, organisation) are in the main language
                                settings_lang=SafeHtml(f' lang="{self.main_site.config.language}"')
                                if site is not self.main_site else SafeHtml(""))
        self.env.globals.update(views.template_helpers(site, locale))  # they read the site too

    def _in_language(self, language: str) -> None:
        """Render the next pages in `language` ("" the main one): its words, and each entity in
        its translation where it has one. Pages come grouped by language (plan_pages), so a
        worker switches a few times per build, and each language's views are kept."""
        if language == self.language:
            return
        self._languages[self.language] = (self.site, self.locale, self._views)
        if language not in self._languages:
            site = views.in_language(self.main_site, language, default_matrix) if language else self.main_site
            self._languages[language] = (site, for_site(self.main_site.config, language or None), {})
        self.site, self.locale, self._views = self._languages[language]
        self.language = language
        self._show(self.site, self.locale)

    # --- helpers the templates call ---

    @jinja2.pass_context
    def _url(self, context, target, goal: str = "") -> str:
        """URL of an entity, a (kind, id) key, a views.Item or a site path, from the current page."""
        if isinstance(target, model.Entity):
            path = entity_path(target.kind, target.id)
        elif isinstance(target, views.Item):
            path, goal = entity_path(*target.key), target.goal
        elif isinstance(target, tuple):
            path = entity_path(*target)
        else:
            path = target
        if goal:
            path += f"#goal-{goal}"
        page: PageSpec = context["page"]
        if page.language:  # a page of another language links to its own language's pages
            path = self._section().local(page.language, path)
        if page.absolute_links:
            return self.site.config.base_path + path
        return relative_url(page.path, path)

    @jinja2.pass_context
    def _site_root(self, context) -> str:
        """URL of the site's root from the current page, whatever its language (the search
        index's addresses start there)."""
        page: PageSpec = context["page"]
        return self.site.config.base_path if page.absolute_links else relative_url(page.path, "")

    @jinja2.pass_context
    def _asset(self, context, name: str) -> str:
        """URL of a file of the theme's static/ folder, from the current page."""
        return self._url(context, f"static/{name}")

    @jinja2.pass_context
    def _body(self, context, entity: model.Entity) -> SafeHtml:
        """The entity's Markdown body as sanitised HTML, its references as links from this page."""
        fragment = self.body_cache.get(entity.body)
        if fragment is None:
            fragment = self.body_cache[entity.body] = self.markup.convert(entity.body)

        def href_for(kind, ref_id, goal):
            if self.site.get((kind, ref_id)) is None:
                return None
            return self._url(context, (kind, ref_id), goal)

        def title_for(kind, ref_id, goal):
            item = views._item(self.site, (kind, ref_id), goal)
            return item.title if item else ref_id

        html = resolve_media(resolve_links(fragment, href_for, title_for), lambda path: self._url(context, path))
        language = self._untranslated(entity)  # the original's text on a page of another language
        return SafeHtml(f'<div lang="{language}">{html}</div>' if language and html.strip() else html)

    def _outgoing(self, entity):
        """What the entity refers to, grouped by field (views.Group)."""
        return views.outgoing(self.site, self.locale, entity)

    def _incoming(self, entity):
        """What refers to the entity (its backlinks), grouped by kind (views.Group)."""
        return views.incoming(self.site, self.locale, entity)

    def _goal_links(self, plan, goal):
        """What one goal of a plan refers to and is referred to by."""
        return views.goal_links(self.site, plan, goal)

    def _rating(self, risk: model.Risk):
        """The risk's rating in the site's matrix (label, action)."""
        return self.site.config.risk_matrix.rating(risk.value)

    def _level(self, axis: str, level: int):
        """A level of the matrix ("probability" or "severity"): its label and description."""
        matrix = self.site.config.risk_matrix
        return matrix.probability_level(level) if axis == "probability" else matrix.severity_level(level)

    def _arena_status(self, arena: model.Arena) -> str:
        """An arena's status on the site's day: planned, active or closed."""
        return arena.status_on(self.site.today)

    # Site-wide views are computed once per Renderer (its Site never changes): every
    # risk page shows the matrix and every page the navigation, so computing them per
    # page made a build quadratic in the number of entities.

    def _memo(self, name, compute):
        if name not in self._views:
            self._views[name] = compute()
        return self._views[name]

    def _risk_matrix(self):
        """The matrix as rows of cells, each with its value, rating and risks."""
        return self._memo("risk_matrix",
                          lambda: views.risk_matrix(self.site, self.site.entities.get("risks", {}).values()))

    def _unit_tree(self):
        """The organisation as a tree of units."""
        return self._memo("unit_tree", lambda: views.unit_tree(self.site))

    def _nav_pages(self):
        """The pages marked `nav: true`, for the main menu."""
        return self._memo("nav_pages", lambda: views.ordered(
            p for p in self.site.entities.get("pages", {}).values() if p.nav and p.id != "index"))

    @jinja2.pass_context
    def _main_menu(self, context) -> list:
        page, entity = context["page"], context["entity"]
        return views.main_menu(self.locale, context["shown_kinds"](), self._nav_pages(), page.kind, entity,
                               bool(context.get("has_search_page")), page.path)

    # --- rendering ---

    def _section(self) -> views.Sections:
        if self._sections is None:
            # Pages of other features (publish.py's search page in each language) come as a helper.
            self._sections = views.Sections([*plan_pages(self.main_site),
                                             *self.env.globals.get("publication_pages", ())])
        return self._sections

    @jinja2.pass_context
    def _alternates(self, context) -> list:
        """The page in every language of the site (views.Alternate), for the switcher and hreflang."""
        page: PageSpec = context["page"]
        site = self.main_site
        out = []
        for alternate in self._section().alternates(site.config, page):
            href = site.config.base_path + alternate.path if page.absolute_links else relative_url(page.path,
                                                                                                  alternate.path)
            out.append(dataclasses.replace(alternate, href=href,
                                           address=absolute(site, alternate.path) if has_address(site) else href))
        return out

    def _untranslated(self, subject) -> str:
        """The main language, when `subject` (an entity or views.Item) is shown in it on a page
        of another language; else "". The page says so, and marks its text (WCAG 3.1.2)."""
        key = getattr(subject, "key", None)
        if not self.language or key is None or self.main_site.translated(key, self.language):
            return ""
        return self.main_site.config.language

    def _text_lang(self, subject) -> SafeHtml:
        """` lang="sv"` on an element holding an untranslated entity's own text."""
        language = self._untranslated(subject)
        return SafeHtml(f' lang="{language}"') if language else SafeHtml("")

    def render(self, page: PageSpec) -> bytes:
        self._in_language(page.language)
        entity = self.site.get(page.key) if page.key else None
        template = self.env.get_template(page.template)
        return template.render(page=page, entity=entity, kind=page.kind).encode("utf-8")

    def render_all(self, pages: list[PageSpec], diagnostics: Diagnostics,
                   sink: Callable[[str, bytes], None] | None = None) -> dict[str, bytes]:
        """{output path: bytes} of `pages`; with `sink`, each page goes to sink(path, bytes) as soon
        as it is rendered instead (a written build: no page is kept) and the result is empty."""
        files: dict[str, bytes] = {}
        put = sink or files.__setitem__
        failed_templates = set()
        for page in pages:
            if page.template in failed_templates:
                continue
            try:
                put(page.path, self.render(page))
            except jinja2.TemplateError as exc:
                failed_templates.add(page.template)
                entity = self.site.get(page.key) if page.key else None
                where, line = _template_line(exc, page.template)
                location = SourceLocation(template_location(self.theme, where), line)
                diagnostics.error("template_error", location, template=page.template,
                                  page=entity.path if entity else page.path, problem=exc.message or str(exc))
        return files


def static_files(theme: Path) -> dict[str, bytes]:
    """The theme's static/ folders as output files, the site's file over the built-in one."""
    files = {}
    for folder in reversed(theme_folders(theme)):
        static = folder / "static"
        if static.is_dir():
            for path in sorted(static.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    files["static/" + path.relative_to(static).as_posix()] = path.read_bytes()
    return dict(sorted(files.items()))


def site_files(theme: Path, site: model.Site) -> dict[str, bytes]:
    """Every output file that is no page: the theme's static files, the brand colour's
    stylesheet, and content/media/ as is (source.read_media checked every file)."""
    files = static_files(theme)
    if site.config.theme.colour:
        files["static/brand.css"] = views.brand_css(site.config.theme.colour)
    files["static/print.css"] = followup.print_css(site, for_site(site.config))
    files.update(site.media)
    return files


def _template_line(exc: jinja2.TemplateError, template: str) -> tuple[str, int]:
    """(template file, line) of a template error: a syntax error knows it; for an error
    while rendering, Jinja's rewritten traceback has a frame per template line."""
    if getattr(exc, "lineno", None):
        return getattr(exc, "filename", None) or template, exc.lineno
    found = (template, 0)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def template_location(theme: Path, filename: str) -> str:
    """How a communicator finds the template: "templates/base.html" in the site's own theme
    folder, "govsite/base.html" in the built-in theme (the name `extends` uses)."""
    path = Path(filename).resolve()
    *site_folders, builtin = theme_folders(theme)
    for folder, prefix in [*((f, f.name) for f in site_folders), (builtin, BUILTIN)]:
        try:
            return f"{prefix}/{path.relative_to(folder.resolve()).as_posix()}"
        except ValueError:
            continue
    return f"templates/{path.name}"
