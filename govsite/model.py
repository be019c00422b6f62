"""Typed, frozen entities of the content model and the resolved Site.

References are stored as ids; links.py turns them into links. Values derived
from others (a risk's value and rating, an arena's status) are computed here,
never stored twice.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import ClassVar

KINDS = ("pages", "principles", "units", "missions", "risks", "arenas", "plans", "sources")
SINGULAR = {"pages": "page", "principles": "principle", "units": "unit", "missions": "mission",
            "risks": "risk", "arenas": "arena", "plans": "plan", "sources": "source"}
PLURAL = {singular: plural for plural, singular in SINGULAR.items()}

RISK_STATUSES = ("open", "mitigating", "accepted", "closed")
ARENA_STATUSES = ("planned", "active", "closed")
GOAL_STATUSES = ("not-started", "ongoing", "done", "cancelled")
RESULT_OUTCOMES = ("ok", "deviation", "not-done")  # utan anmärkning, avvikelse, ej genomförd
ACTION_STATUSES = ("planned", "ongoing", "done")


@dataclass(frozen=True, kw_only=True)
class Entity:
    kind: ClassVar[str] = ""
    id: str
    path: str  # the source file, relative to the site folder
    title: str
    summary: str = ""
    updated: dt.date | None = None
    draft: bool = False
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    history: tuple[HistoryNote, ...] = ()
    body: str = ""
    body_line: int = 0
    lines: dict = field(default_factory=dict, compare=False, repr=False)  # front-matter key path -> line

    @functools.cached_property  # read ~100,000 times per live edit at 10,000 entities
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)

    def line(self, *path) -> int:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1


@dataclass(frozen=True, kw_only=True)
class HistoryNote:
    """A decision recorded by hand, e.g. from before the site existed; a risk's note may
    give the assessment of that date (both levels), a point of the risk's trend."""
    date: dt.date
    text: str
    probability: int | None = None
    severity: int | None = None


@dataclass(frozen=True, kw_only=True)
class Page(Entity):
    kind: ClassVar[str] = "pages"
    order: int | None = None
    nav: bool = False


@dataclass(frozen=True, kw_only=True)
class Principle(Entity):
    kind: ClassVar[str] = "principles"
    order: int | None = None


@dataclass(frozen=True, kw_only=True)
class Unit(Entity):
    kind: ClassVar[str] = "units"
    parent: str | None = None
    type: str = ""


@dataclass(frozen=True, kw_only=True)
class Mission(Entity):
    kind: ClassVar[str] = "missions"
    unit: str
    principles: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Action:
    """Something decided to be done: after a control's result, or to treat a risk itself."""
    title: str
    responsible: str = ""
    due: dt.date | None = None
    status: str = "planned"

    def overdue_on(self, today: dt.date) -> bool:
        return self.status != "done" and self.due is not None and self.due < today


@dataclass(frozen=True, kw_only=True)
class ControlResult:
    """What one carrying-out of a control found (the follow-up of the internal control plan)."""
    date: dt.date
    outcome: str  # RESULT_OUTCOMES; a deviation has a finding (validate.py)
    finding: str = ""
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Control:
    title: str
    method: str = ""
    frequency: str = ""
    responsible: str = ""
    reported_to: str = ""
    results: tuple[ControlResult, ...] = ()

    @property
    def latest_first(self) -> tuple[ControlResult, ...]:
        """The results, newest first (as written for results of one day)."""
        return tuple(sorted(self.results, key=lambda result: result.date, reverse=True))

    @property
    def latest(self) -> ControlResult | None:
        return self.latest_first[0] if self.results else None


@dataclass(frozen=True, kw_only=True)
class Risk(Entity):
    kind: ClassVar[str] = "risks"
    unit: str
    probability: int
    severity: int
    owner: str = ""
    assessed: dt.date | None = None
    review: dt.date | None = None
    status: str = "open"
    missions: tuple[str, ...] = ()
    controls: tuple[Control, ...] = ()
    consequence: str = ""
    actions: tuple[Action, ...] = ()  # treating the risk itself, beside the controls that check it
    category: str = ""  # the id of one of the site's risk_categories

    @property
    def value(self) -> int:
        return self.probability * self.severity


@dataclass(frozen=True, kw_only=True)
class Partner:
    name: str
    type: str = ""


@dataclass(frozen=True, kw_only=True)
class Arena(Entity):
    kind: ClassVar[str] = "arenas"
    starts: dt.date
    ends: dt.date
    status: str | None = None  # derived from the dates when absent: see status_on
    risks: tuple[str, ...] = ()
    missions: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    principles: tuple[str, ...] = ()
    partners: tuple[Partner, ...] = ()
    outcome: str = ""

    def status_on(self, today: dt.date) -> str:
        if self.status:
            return self.status
        if today < self.starts:
            return "planned"
        return "active" if today <= self.ends else "closed"


@dataclass(frozen=True, kw_only=True)
class Period:
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class Goal:
    id: str
    title: str
    missions: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    indicator: str = ""
    target: str = ""
    status: str = "not-started"
    progress: int | None = None


@dataclass(frozen=True, kw_only=True)
class Plan(Entity):
    kind: ClassVar[str] = "plans"
    unit: str
    period: Period | None = None
    adopted_by: str | None = None
    adopted: dt.date | None = None
    goals: tuple[Goal, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Source(Entity):
    kind: ClassVar[str] = "sources"
    publisher: str = ""
    date: dt.date | None = None
    url: str = ""


ENTITY_CLASSES: dict[str, type[Entity]] = {
    cls.kind: cls for cls in (Page, Principle, Unit, Mission, Risk, Arena, Plan, Source)
}


# --- site settings -----------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class MatrixLevel:
    level: int
    label: str
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Rating:
    max: int
    label: str
    action: str = ""


@dataclass(frozen=True, kw_only=True)
class RiskMatrix:
    probability: tuple[MatrixLevel, ...]
    severity: tuple[MatrixLevel, ...]
    ratings: tuple[Rating, ...]

    def rating(self, value: int) -> Rating:
        for rating in self.ratings:
            if value <= rating.max:
                return rating
        return self.ratings[-1]

    def rating_index(self, value: int) -> int:
        """0 for the lowest rating; the theme colours cells by it."""
        return self.ratings.index(self.rating(value))

    def probability_level(self, level: int) -> MatrixLevel | None:
        return next((x for x in self.probability if x.level == level), None)

    def severity_level(self, level: int) -> MatrixLevel | None:
        return next((x for x in self.severity if x.level == level), None)


@dataclass(frozen=True, kw_only=True)
class RiskCategory:
    """A category of risks (site.yaml `risk_categories`, else the locale's default list)."""
    id: str
    label: str
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Contact:
    email: str = ""
    phone: str = ""


DEFAULT_TIME_ZONE = "Europe/Stockholm"


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    """What `govsite audit --report` found (audit.read_report checked every field): the
    accessibility statement says exactly this about how the site was tested, and no more."""
    date: dt.date
    tool: str
    axe_version: str
    pages_total: int
    pages_checked: int
    all_pages: bool
    violations: int
    broken_links: int
    third_party_requests: int

    @property
    def findings(self) -> int:
        return self.violations + self.broken_links + self.third_party_requests


@dataclass(frozen=True, kw_only=True)
class Accessibility:
    """The accessibility statement's facts (site.yaml `accessibility:`); views.accessibility
    fills in the contact address, the build the audit (`govsite build --audit FILE`)."""
    compliance: str = "partial"
    assessed: dt.date | None = None
    method: str = ""
    deviations: tuple = ()
    contact_email: str = ""
    response_time: str = ""
    updated: dt.date | None = None
    audit: AuditRecord | None = None

    @property
    def stated(self) -> str:
        """The level the statement shows: it follows from the deviations, so a site that lists
        shortcomings is never called fully compliant (validate.py warns at the line)."""
        return "partial" if self.compliance == "full" and self.deviations else self.compliance

    @property
    def undescribed(self) -> bool:
        """Not fully compliant, yet no shortcoming is listed: the text may not say "described below"."""
        return self.stated != "full" and not self.deviations

    @property
    def compliance_text(self) -> str:
        """The locale key of the compliance sentence (theme.compliance.*)."""
        return self.stated + ("_undescribed" if self.undescribed else "")


COMPLIANCE = ("full", "partial", "none")


@dataclass(frozen=True)
class ThemeSettings:
    """The municipality's graphic profile, without templates: paths are media files
    ("media/logo.svg"), the colour drives the header and accents (static/brand.css)."""
    logo: str = ""
    logo_alt: str = ""
    colour: str = ""
    favicon: str = ""


@dataclass(frozen=True)
class Repository:
    """Where the content is edited: "Föreslå en ändring" opens a page's file in the web editor."""
    url: str = ""
    branch: str = "main"
    folder: str = ""  # the site's folder inside the repository ("" when content/ is at its top)


@dataclass(frozen=True)
class Feedback:
    """Where a reader sends a remark on a page: an e-mail address, or an address in which
    {title} and {url} stand for the page's title and address."""
    email: str = ""
    url: str = ""


@dataclass(frozen=True)
class HistorySettings:
    commit_messages: bool = True  # false: a change shows its facts and the content's own notes only


@dataclass(frozen=True, kw_only=True)
class SiteConfig:
    title: str
    organisation: str
    language: str = "sv"
    base_url: str = "/"
    description: str = ""
    contact: Contact = Contact()
    risk_matrix: RiskMatrix
    risk_categories: tuple[RiskCategory, ...] = ()  # validate.py fills in the default list
    cname: str = ""
    licence: str = ""
    search: bool = True  # false: no search index (Pagefind costs ~20 s and 1.5 GB at 10,000 pages)
    time_zone: str = DEFAULT_TIME_ZONE  # the site's day (arena status, overdue reviews) is the day there
    accessibility: Accessibility = Accessibility()
    history: HistorySettings = HistorySettings()
    theme: ThemeSettings = ThemeSettings()
    repository: Repository = Repository()
    feedback: Feedback = Feedback()
    path: str = "content/site.yaml"
    # Every language the site publishes, the main one (`language`) first: site.yaml's
    # `languages: [sv, en, fi]`, or `language:` alone.
    languages: tuple = ()
    # The site's own interface tables (content/locales/LANG.yaml) as locale.Locale, by language.
    tables: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self):
        if not self.languages:
            object.__setattr__(self, "languages", (self.language,))

    def risk_category(self, category_id: str) -> RiskCategory | None:
        return next((c for c in self.risk_categories if c.id == category_id), None)

    @property
    def base_path(self) -> str:
        """The path the site is served under, e.g. "/lindesberg/" on GitHub Pages."""
        from urllib.parse import urlsplit
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"


# --- the resolved site ---------------------------------------------------------

Key = tuple  # (kind, id)


@dataclass(frozen=True, order=True)
class Link:
    """One reference, front matter or body. A plan goal as source or target is named
    by `source_goal` / `goal`, so `plan:x#y` is a link to plan x at goal y."""
    source: Key
    field: str  # the front-matter field ("missions"), "goals" for a goal's refs, "body" for text
    target: Key
    goal: str = ""
    source_goal: str = ""


@dataclass(frozen=True)
class Change:
    """One change of one entity: a commit that touched its file, or a `history:` note."""
    date: dt.date
    key: Key
    title: str  # the entity's title now
    message: str  # the commit's subject, or the note's text
    facts: tuple = ()  # what changed, in plain words of the site's language
    commit: str = ""  # full hash; "" for a note from front matter
    order: int = 0  # position in the repository's history, 0 for notes; orders changes of one day
    assessment: tuple | None = None  # a risk's (probability, severity) in this version or note


@dataclass(frozen=True)
class History:
    """What changed, when and why (history.py reads it from git; empty without git)."""
    entities: dict = field(default_factory=dict)  # Key -> tuple[Change, ...], newest first
    changes: tuple = ()  # every git Change of a published entity, newest first

    def of(self, entity) -> tuple:
        return self.entities.get(entity.key, ())

    def recent(self, limit: int = 50) -> tuple:
        return self.changes[:limit]


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    entities: dict  # kind -> {id: Entity}, published only, sorted by id
    links_out: dict  # Key -> tuple[Link, ...], sorted
    links_in: dict  # Key -> tuple[Link, ...], sorted
    today: dt.date
    with_drafts: bool = False
    history: History = field(default_factory=History)
    media: dict = field(default_factory=dict)  # "media/x.png" → bytes (source.read_media), published as is
    # Translated entities: (kind, id) → {language: the entity with its translated text}
    translations: dict = field(default_factory=dict)

    def get(self, key: Key) -> Entity | None:
        return self.entities.get(key[0], {}).get(key[1])

    def translated(self, key: Key, language: str) -> Entity | None:
        """The entity in `language`: its translation, or None when it has none."""
        return self.translations.get(tuple(key[:2]), {}).get(language)

    def all(self):
        for kind in KINDS:
            yield from self.entities.get(kind, {}).values()

    def count(self, kind: str) -> int:
        return len(self.entities.get(kind, {}))
