"""Values that templates show but should not compute: relations grouped and
labelled, the risk matrix grid, the unit tree, navigation. Pure functions of the Site."""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

from . import followup, media, model
from .history_facts import trend as value_trend
from .locale import Locale, for_site


@dataclass(frozen=True)
class Item:
    """One linked thing as a template shows it."""
    key: tuple
    title: str
    goal: str = ""  # a plan goal's id
    note: str = ""  # e.g. a risk's rating label

    @property
    def kind(self) -> str:
        return self.key[0]


@dataclass(frozen=True)
class Group:
    label: str
    items: tuple


def _item(site: model.Site, key, goal: str = "") -> Item | None:
    entity = site.get(key)
    if entity is None:
        return None
    if goal:
        goal_obj = next((g for g in entity.goals if g.id == goal), None)
        return Item(key, goal_obj.title if goal_obj else entity.title, goal=goal)
    note = ""
    if isinstance(entity, model.Risk):
        note = site.config.risk_matrix.rating(entity.value).label
    return Item(key, entity.title, note=note)


def outgoing(site: model.Site, locale: Locale, entity: model.Entity) -> list[Group]:
    """What the entity points to, grouped by the field it uses (body links last)."""
    labels = locale.table["ui"]["relations"]["out"]
    groups: dict[str, list[Item]] = {}
    for link in site.links_out.get(entity.key, ()):
        if link.source_goal:
            continue  # a goal's links are shown with the goal
        name = link.field if link.field in labels else "body"
        item = _item(site, link.target, link.goal)
        if item and item not in groups.setdefault(name, []):
            groups[name].append(item)
    order = [name for name in labels if name in groups]
    return [Group(labels[name], tuple(groups[name])) for name in order]


def incoming(site: model.Site, locale: Locale, entity: model.Entity) -> list[Group]:
    """Backlinks: what points here, grouped by what kind of thing points."""
    labels = locale.table["ui"]["relations"]["in"].get(entity.kind, {})
    groups: dict[str, list[Item]] = {}
    for link in site.links_in.get(entity.key, ()):
        group = "goals" if link.source_goal else link.source[0]
        item = _item(site, link.source, link.source_goal)
        if item and item not in groups.setdefault(group, []):
            groups[group].append(item)
    def label(group: str) -> str:
        if group in labels:
            return labels[group]
        return locale.t("entity.goals") if group == "goals" else locale.kind(group, "plural")

    order = list(labels)
    return [Group(label(g), tuple(groups[g]))
            for g in sorted(groups, key=lambda g: (order.index(g) if g in order else len(order), g))]


def goal_links(site: model.Site, plan: model.Plan, goal: model.Goal) -> list[Group]:
    locale = for_site(site.config)
    groups = []
    for name in ("missions", "risks"):
        items = [_item(site, (name, ref)) for ref in getattr(goal, name)]
        items = [i for i in items if i]
        if items:
            groups.append(Group(locale.kind(name, "plural"), tuple(items)))
    return groups


# --- the risk matrix -------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    probability: int
    severity: int
    value: int
    rating: model.Rating
    rating_index: int
    risks: tuple  # Items

    @property
    def anchor(self) -> str:
        """The id of this cell's risks in the list under the heat map (what a phone shows)."""
        return f"cell-{self.probability}-{self.severity}"


@dataclass(frozen=True)
class Matrix:
    probability: tuple  # MatrixLevels, highest first (rows)
    severity: tuple  # MatrixLevels, lowest first (columns)
    rows: tuple  # tuple of rows of Cells
    ratings: tuple

    @property
    def placed(self) -> tuple:
        """The cells that hold a risk, row by row: the list a phone shows under the heat map."""
        return tuple(cell for row in self.rows for cell in row if cell.risks)


def risk_matrix(site: model.Site, risks) -> Matrix:
    matrix = site.config.risk_matrix
    placed: dict[tuple, list[Item]] = {}
    for risk in risks:
        placed.setdefault((risk.probability, risk.severity), []).append(Item(risk.key, risk.title))
    rows = []
    for p in sorted(matrix.probability, key=lambda x: -x.level):
        row = []
        for s in matrix.severity:
            value = p.level * s.level
            row.append(Cell(p.level, s.level, value, matrix.rating(value), matrix.rating_index(value),
                            tuple(placed.get((p.level, s.level), ()))))
        rows.append(tuple(row))
    return Matrix(tuple(sorted(matrix.probability, key=lambda x: -x.level)), matrix.severity, tuple(rows),
                  matrix.ratings)


def risks_by_value(site: model.Site) -> list[model.Risk]:
    """Most urgent first: highest value, then open before handled, then title."""
    return sorted(site.entities.get("risks", {}).values(),
                  key=lambda r: (r.status == "closed", -r.value, r.title))


# --- a risk's value over time ------------------------------------------------------

@dataclass(frozen=True)
class TrendRow:
    """One point of a risk's trend as the table under the chart says it."""
    date: object
    probability: str  # "3 Möjlig"
    severity: str
    value: int
    change: str  # "höjd från 6", "sänkt från 12"; "" for the first


@dataclass(frozen=True)
class TrendView:
    """A risk's value over time: the table's rows (oldest first), the register's mark, and the
    geometry of a small SVG chart (viewBox units) that needs no script."""
    rows: tuple
    mark: str  # the last change as the register shows it ("höjd från 6"), "" when none
    direction: str  # "raised", "lowered" or ""
    width: int = 0
    height: int = 0
    line: str = ""  # the polyline's points: the value holds until the next change (steps)
    points: tuple = ()  # (x, y, value, tone) of each point
    bands: tuple = ()  # (x, y, width, height, tone): each rating's band behind the line
    ticks: tuple = ()  # (x, y, value) on the value axis: each rating's upper bound
    dates: tuple = ()  # (x, y, text, anchor) under the chart: the first and the last date

    @property
    def changed(self) -> bool:
        return len(self.rows) > 1


CHART = {"width": 480, "height": 180, "left": 34, "right": 14, "top": 14, "bottom": 30}


def _level_text(level: int, found) -> str:
    return f"{level} {found.label}" if found else str(level)


def trend(site: model.Site, locale: Locale, risk: model.Risk) -> TrendView:
    """The risk's trend (history_facts.trend) as the risk page and the register show it."""
    matrix = site.config.risk_matrix
    points = value_trend(site.history.of(risk), risk, site.today).points
    rows = tuple(TrendRow(p.date, _level_text(p.probability, matrix.probability_level(p.probability)),
                          _level_text(p.severity, matrix.severity_level(p.severity)), p.value,
                          "" if i == 0 else locale.t("trend.raised_from" if p.value > points[i - 1].value
                                                     else "trend.lowered_from", previous=points[i - 1].value))
                 for i, p in enumerate(points))
    if len(points) < 2:
        return TrendView(rows, "", "")
    direction = "raised" if points[-1].value > points[-2].value else "lowered"
    c = CHART
    top, bottom, left, right = c["top"], c["height"] - c["bottom"], c["left"], c["width"] - c["right"]
    highest = max(max(x.level for x in matrix.probability) * max(x.level for x in matrix.severity),
                  max(p.value for p in points))
    y = lambda value: round(bottom - (bottom - top) * value / highest, 1)  # noqa: E731
    first, last = points[0].date.toordinal(), points[-1].date.toordinal()
    xs = [round(left + (right - left) * ((p.date.toordinal() - first) / (last - first) if last > first
                                         else i / (len(points) - 1)), 1) for i, p in enumerate(points)]
    placed = tuple((x, y(p.value), p.value, tone(matrix, p.value)) for x, p in zip(xs, points))
    steps = [f"{placed[0][0]},{placed[0][1]}"]
    for (_, y0, *_), (x1, y1, *_) in zip(placed, placed[1:]):
        steps += [f"{x1},{y0}", f"{x1},{y1}"]
    uppers = sorted({min(r.max, highest) for r in matrix.ratings} | {highest})
    bands = tuple((left, y(upper), right - left, round(y(lower) - y(upper), 1), tone(matrix, upper))
                  for lower, upper in zip([0] + uppers, uppers))
    ticks = tuple((left - 6, y(upper), upper) for upper in uppers)
    dates = ((placed[0][0], c["height"] - 8, locale.date(points[0].date), "start"),
             (placed[-1][0], c["height"] - 8, locale.date(points[-1].date), "end"))
    return TrendView(rows, rows[-1].change, direction, c["width"], c["height"], " ".join(steps), placed,
                     bands, ticks, dates)


# --- the organisation --------------------------------------------------------------

@dataclass(frozen=True)
class TreeRow:
    """One unit of the organisation tree, in reading order (each unit before its sub-units).
    A flat list, so that a chain of 1,000 units renders without a recursion 1,000 deep:
    `opens` — a list of sub-units starts before this one (`<ul>`); `leaf` — no sub-units
    follow (its `<li>` ends); `ends` — after it, this many lists of sub-units end, each with
    the `<li>` of the unit that holds it."""
    unit: model.Unit
    opens: bool
    leaf: bool
    ends: int


def unit_tree(site: model.Site) -> tuple:
    units = site.entities.get("units", {})
    children: dict = {}
    for unit in units.values():
        parent = unit.parent if unit.parent in units else None
        children.setdefault(parent, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: u.title)
    # Depth-first without recursion: a stack of (sibling list, index of the next to show). A unit
    # in a cycle has no root above it and is never reached (links.py reports the cycle).
    order = []  # (unit, depth, first of its siblings)
    stack = [(children[None], 0, 0)] if None in children else []
    while stack:
        siblings, index, depth = stack.pop()
        if index + 1 < len(siblings):
            stack.append((siblings, index + 1, depth))
        unit = siblings[index]
        order.append((unit, depth, index == 0))
        if unit.id in children:
            stack.append((children[unit.id], 0, depth + 1))
    rows = []
    for number, (unit, depth, first) in enumerate(order):
        following = order[number + 1][1] if number + 1 < len(order) else 0
        rows.append(TreeRow(unit, opens=first, leaf=unit.id not in children, ends=max(depth - following, 0)))
    return tuple(rows)


def ordered(entities) -> list:
    """Entities by their `order` when they have one, then by title."""
    return sorted(entities, key=lambda e: (getattr(e, "order", None) is None, getattr(e, "order", 0) or 0,
                                           e.title.lower()))


# --- the citizen's theme: helpers the default templates call --------------------------

def tone(matrix: model.RiskMatrix, value: int) -> int:
    """A colour step 0–4 for a risk value, whatever the number of ratings: the lowest
    rating is always 0 and the highest always 4, so the CSS needs five tones only."""
    count = len(matrix.ratings)
    index = matrix.rating_index(value)
    return 0 if count < 2 else round(index * 4 / (count - 1))


@dataclass(frozen=True)
class Section:
    """A titled group of entities with an in-page anchor, for the no-JavaScript filters."""
    id: str
    label: str
    entities: tuple


def _sections(prefix: str, groups: dict, labels: dict, order) -> list[Section]:
    return [Section(f"{prefix}-{key}", labels[key], tuple(groups[key])) for key in order if groups.get(key)]


def risk_sections(site: model.Site, locale: Locale, risks: list) -> dict[str, list[Section]]:
    """The risk register (`risks`: risks_by_value(site)) grouped four ways: by rating
    (highest first), by unit, by status, by category (the site's order, uncategorised last)."""
    matrix = site.config.risk_matrix
    by_rating: dict = {}
    by_unit: dict = {}
    by_status: dict = {}
    by_category: dict = {}
    for risk in risks:
        by_rating.setdefault(matrix.rating_index(risk.value), []).append(risk)
        by_unit.setdefault(risk.unit, []).append(risk)
        by_status.setdefault(risk.status, []).append(risk)
        by_category.setdefault(risk.category or "_none", []).append(risk)  # "_" is in no id
    categories = site.config.risk_categories
    category_labels = {c.id: c.label for c in categories} | {"_none": locale.t("theme.no_category")}
    units = site.entities.get("units", {})
    unit_labels = {u: (units[u].title if u in units else u) for u in by_unit}
    rating_labels = {i: r.label for i, r in enumerate(matrix.ratings)}
    status_labels = {s: locale.t("risk_status." + s) for s in model.RISK_STATUSES}
    return {
        "rating": _sections("rating", by_rating, rating_labels, sorted(by_rating, reverse=True)),
        "unit": _sections("unit", by_unit, unit_labels, sorted(by_unit, key=lambda u: unit_labels[u])),
        "status": _sections("status", by_status, status_labels, model.RISK_STATUSES),
        # Only when some risk has a category: a register of "uncategorised" alone says nothing.
        "category": _sections("category", by_category, category_labels, [c.id for c in categories] + ["_none"])
        if set(by_category) - {"_none"} else [],
    }


@dataclass(frozen=True)
class ActionRow:
    """An action as a table row: overdue when past its due date on the site's day and not done."""
    action: model.Action
    overdue: bool


def action_rows(site: model.Site, actions) -> tuple[ActionRow, ...]:
    """Actions (a risk's, or a result's) as table rows, each marked overdue on the site's day."""
    return tuple(ActionRow(action, action.overdue_on(site.today)) for action in actions)


@dataclass(frozen=True)
class FollowUp:
    """A control with its results as the risk page shows them: the latest, then the earlier ones."""
    control: model.Control
    latest: model.ControlResult | None
    earlier: tuple


def follow_up(risk: model.Risk) -> tuple[FollowUp, ...]:
    """A risk's controls, each with its latest result and the earlier ones, newest first."""
    return tuple(FollowUp(control, control.latest, control.latest_first[1:]) for control in risk.controls)


def risk_category(site: model.Site, risk: model.Risk) -> model.RiskCategory | None:
    """The risk's category (id, label, description) from the site's list; None without one."""
    return site.config.risk_category(risk.category)


@dataclass(frozen=True)
class GoalRow:
    plan: model.Plan
    goal: model.Goal

    @property
    def key(self) -> tuple:
        """Who the row is in a {% fragment %}: its plan's (kind, id) key, then the goal, so that
        two rows of one plan are never taken for each other (render.FragmentStore)."""
        return (*self.plan.key, self.goal.id)


def goal_sections(site: model.Site, locale: Locale) -> list[Section]:
    """Every plan goal grouped by its status, for the plans page."""
    groups: dict = {}
    for plan in ordered(site.entities.get("plans", {}).values()):
        for goal in plan.goals:
            groups.setdefault(goal.status, []).append(GoalRow(plan, goal))
    labels = {s: locale.t("goal_status." + s) for s in model.GOAL_STATUSES}
    return _sections("goals", groups, labels, model.GOAL_STATUSES)


def plan_sections(site: model.Site) -> list[Section]:
    """Plans grouped by responsible unit."""
    groups: dict = {}
    for plan in ordered(site.entities.get("plans", {}).values()):
        groups.setdefault(plan.unit, []).append(plan)
    units = site.entities.get("units", {})
    labels = {u: (units[u].title if u in units else u) for u in groups}
    return _sections("unit", groups, labels, sorted(groups, key=lambda u: labels[u]))


UNIT_WORK_FIELDS = {"missions": "unit", "risks": "unit", "plans": "unit", "arenas": "units"}


def unit_work(site: model.Site, locale: Locale, unit: model.Unit) -> list[Group]:
    """What a unit is responsible for or takes part in: missions, risks, plans, arenas."""
    # The resolved backlinks already say who names the unit: no scan of every entity per unit.
    named_by = {link.source for link in site.links_in.get(unit.key, ())
                if link.field == UNIT_WORK_FIELDS.get(link.source[0]) and not link.source_goal}
    groups = []
    for kind in UNIT_WORK_FIELDS:
        mine = [site.get(key) for key in sorted(named_by) if key[0] == kind]  # by id, as before: ties stay stable
        if mine:
            items = tuple(_item(site, e.key) for e in ordered(mine))
            groups.append(Group(locale.kind(kind, "plural"), items))
    return groups


def responsible(site: model.Site, entity: model.Entity) -> tuple:
    """The units responsible for an entity (empty when the whole organisation is)."""
    if isinstance(entity, model.Arena):
        ids = entity.units
    elif isinstance(entity, model.Unit):
        ids = (entity.parent,) if entity.parent else ()
    else:
        unit = getattr(entity, "unit", None)
        ids = (unit,) if unit else ()
    return tuple(site.get(("units", i)) for i in ids if site.get(("units", i)))


def participants(site: model.Site, locale: Locale, arena: model.Arena) -> list[tuple[str, tuple]]:
    """An arena's participants: the municipality's own units first, then partners by type."""
    groups: list[tuple[str, tuple]] = []
    units = tuple(u for u in (site.get(("units", i)) for i in arena.units) if u)
    if units:
        groups.append((locale.t("theme.internal_participants"), units))
    by_type: dict = {}
    for partner in arena.partners:
        by_type.setdefault(partner.type or locale.t("theme.other_partners"), []).append(partner)
    for kind in sorted(by_type):
        groups.append((kind[:1].upper() + kind[1:], tuple(by_type[kind])))
    return groups


def accessibility(site: model.Site) -> model.Accessibility:
    """The accessibility statement's facts, as site.yaml gives them (schema.py validated
    them); reports go to `contact.email` unless the statement names its own address."""
    facts = site.config.accessibility
    return facts if facts.contact_email else dataclasses.replace(facts, contact_email=site.config.contact.email)


@dataclass(frozen=True)
class Image:
    path: str  # a site path, "media/logo.svg"
    alt: str = ""
    width: int = 0  # the intrinsic size, so the page does not shift when it loads (0: unknown)
    height: int = 0
    type: str = ""  # the MIME type, for <link rel="icon">


def brand(site: model.Site) -> dict:
    """The logo and favicon of site.yaml's `theme:`, with their sizes; None where not given."""
    theme = site.config.theme

    def image(path: str, alt: str = "") -> Image | None:
        if not path or path not in site.media:
            return None
        width, height = media.image_size(site.media[path], path)
        return Image(path, alt, width, height, media.IMAGE_TYPES.get(path.rsplit(".", 1)[-1].lower(), ""))

    return {"logo": image(theme.logo, theme.logo_alt), "favicon": image(theme.favicon),
            "colour": theme.colour}


def brand_css(colour: str) -> bytes:
    """static/brand.css: the site's colour as the theme's --brand (a file, since the CSP
    allows no inline style), and a darker shade of it for the header's edge."""
    darker = "#" + "".join(f"{round(int(colour[i:i + 2], 16) * 0.7):02x}" for i in (1, 3, 5))
    return f":root {{ --brand: {colour}; --brand-dark: {darker}; }}\n".encode()


def page_links(site: model.Site, locale: Locale, page_path: str, entity: model.Entity | None) -> list[tuple]:
    """(words, address) of the links under a page: "Föreslå en ändring" to the entity's file in
    the repository's web editor, and "Lämna synpunkter på sidan" with its title and address."""
    from urllib.parse import quote
    from .export import absolute
    links = []
    repository, feedback = site.config.repository, site.config.feedback
    if repository.url and entity is not None:
        folder = repository.folder.strip("/")
        source = f"{folder}/{entity.path}" if folder else entity.path
        links.append((locale.t("site.suggest_change"),
                      f"{repository.url.rstrip('/')}/edit/{quote(repository.branch or 'main')}/{quote(source)}"))
    title = entity.title if entity is not None else site.config.title
    address = absolute(site, page_path.removesuffix("index.html"))
    if feedback.email:
        subject = quote(locale.t("site.feedback_subject", title=title))
        links.append((locale.t("site.feedback"), f"mailto:{feedback.email}?subject={subject}&body={quote(address)}"))
    elif feedback.url:
        links.append((locale.t("site.feedback"), feedback.url.replace("{title}", quote(title, safe=""))
                      .replace("{url}", quote(address, safe=""))))
    return links


def changes_path(locale: Locale) -> str:
    """The site-wide recent changes' address in the site's language (andringar/, changes/)."""
    return locale.t("theme.changes_slug") + "/"


def accessibility_path(locale: Locale) -> str:
    """The accessibility statement's address in the site's language (tillganglighet/)."""
    return locale.t("theme.accessibility_slug") + "/"


def last_updated(site: model.Site, entity: model.Entity):
    """When the entity was last updated: its own `updated`, else its latest history note."""
    if entity.updated:
        return entity.updated
    dates = [note.date for note in entity.history]
    return max(dates) if dates else None


MENU_KINDS = ("principles", "units", "missions", "risks", "arenas", "plans")


@dataclass(frozen=True)
class MenuItem:
    label: str
    target: object  # what url() takes: a site path or an entity
    current: bool  # the page is this section or inside it


@dataclass(frozen=True)
class Menu:
    items: tuple  # MenuItems
    current: str  # the label of the section the page is in, "" outside them (home, 404 ...)


def shown_kinds(site: model.Site) -> tuple:
    """The kinds the menu, the home page and the footer show: those with a published entity
    (a kind's index page is still made, and says in words that it has none)."""
    return tuple(kind for kind in (*MENU_KINDS, "sources") if site.count(kind))


def main_menu(locale: Locale, kinds: tuple, nav_pages, kind: str, entity, has_search: bool, path: str) -> Menu:
    """The header's menu: the kinds that have entities, the pages marked nav and the search
    page, if the site has one (publish.py); `current` marks the section the page at output
    `path` belongs to."""
    items = [MenuItem(locale.kind(name, "plural"), name + "/",
                      kind == name or (entity is not None and entity.kind == name))
             for name in MENU_KINDS if name in kinds]
    items += [MenuItem(page.title, page, entity == page) for page in nav_pages]
    if has_search:
        items.append(MenuItem(locale.t("publish.search"), "search/", path == "search/index.html"))
    return Menu(tuple(items), next((item.label for item in items if item.current), ""))


def template_helpers(site: model.Site, locale: Locale) -> dict:
    """Template globals of the citizen's theme (Renderer adds them)."""
    matrix = site.config.risk_matrix
    by_value = functools.cache(lambda: risks_by_value(site))  # the register, the sections and home: one sort
    kinds = functools.cache(lambda: shown_kinds(site))  # the menu, the home page and the footer of every page
    return {
        "tone": lambda value: tone(matrix, value),
        "risks_by_value": by_value,
        "trend": functools.cache(lambda risk: trend(site, locale, risk)),
        "risk_sections": lambda: risk_sections(site, locale, by_value()),
        "follow_up": follow_up,
        "plan_follow_up": functools.cache(lambda plan: followup.follow_up(site, locale, plan)),
        "action_rows": lambda actions: action_rows(site, actions),
        "risk_category": lambda risk: risk_category(site, risk),
        "goal_sections": lambda: goal_sections(site, locale),
        "plan_sections": lambda: plan_sections(site),
        "unit_work": lambda unit: unit_work(site, locale, unit),
        "responsible": lambda entity: responsible(site, entity),
        "participants": lambda arena: participants(site, locale, arena),
        "accessibility": lambda: accessibility(site),
        "accessibility_path": lambda: accessibility_path(locale),
        "last_updated": lambda entity: last_updated(site, entity),
        "brand": lambda: brand(site),
        "shown_kinds": kinds,
        "page_links": lambda page, entity: page_links(site, locale, page.path, entity),
    }


# --- the site's languages --------------------------------------------------------

def in_language(site: model.Site, language: str, default_matrix) -> model.Site:
    """The site as a page of `language` shows it: every entity in its translation where it has
    one (else the original), the settings' words in that language (the default risk matrix's
    labels too, when the site uses it) and `config.language` that language."""
    config = site.config
    locale = for_site(config, language)
    matrix = config.risk_matrix
    if matrix == default_matrix(for_site(config)):
        matrix = default_matrix(locale)
    entities = {kind: {entity_id: site.translated((kind, entity_id), language) or entity
                       for entity_id, entity in found.items()} for kind, found in site.entities.items()}
    return dataclasses.replace(site, entities=entities,
                               config=dataclasses.replace(config, language=language, risk_matrix=matrix))


@dataclass(frozen=True)
class Alternate:
    """The same page in one of the site's languages (the switcher, hreflang, the sitemap)."""
    language: str  # its code: "sv", "en", "fit"
    name: str  # the language's name in itself: "Svenska", "English", "Suomi"
    path: str  # served path from the site root: "en/risks/x/"
    current: bool = False
    href: str = ""  # from the page being rendered (render.py fills it in)
    address: str = ""  # for hreflang: the public address where the site has one (search engines want it whole)


class Sections:
    """Which page is which in every language, from the planned pages (render.plan_pages)."""

    def __init__(self, pages) -> None:
        self._paths: dict = {}  # (template, key, kind) → {language: served path}
        self._local: dict = {}  # language → served paths of its section, without the "{language}/"
        for page in pages:
            served = page.path[: -len("index.html")] if page.path.endswith("index.html") else page.path
            self._paths.setdefault((page.template, page.key, page.kind), {})[page.language] = served
            if page.language:
                self._local.setdefault(page.language, set()).add(served[len(page.language) + 1:])

    def local(self, language: str, path: str) -> str:
        """A site path ("risks/x/", "" for home) as a page of `language` links to it: to the page
        of its own section when there is one, else to the one page (static/, data/, media/)."""
        base = path.partition("#")[0]
        own = self._local.get(language, ())
        if base.endswith("feed.xml"):  # publish.py writes each language's feeds in its section
            base = base[: -len("feed.xml")]
        return f"{language}/{path}" if base in own else path

    def by_path(self, config: model.SiteConfig) -> dict:
        """Output path → ((language, served path), …) of every page that is in several languages."""
        main = config.languages[0]
        found = {}
        for paths in self._paths.values():
            if len(paths) > 1:
                links = tuple((language or main, served) for language, served in sorted(
                    paths.items(), key=lambda item: config.languages.index(item[0] or main)))
                for served in paths.values():
                    found[served + "index.html" if served.endswith("/") or not served else served] = links
        return found

    def alternates(self, config: model.SiteConfig, page) -> list[Alternate]:
        found = self._paths.get((page.template, page.key, page.kind), {})
        if len(found) < 2:
            return []
        main = config.languages[0]
        return [Alternate(language, for_site(config, language).t("site.language_name"), found[own],
                          own == page.language)
                for language in config.languages
                for own in [("" if language == main else language)] if own in found]
