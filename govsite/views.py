"""Values that templates show but should not compute: relations grouped and
labelled, the risk matrix grid, the unit tree, navigation. Pure functions of the Site."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import model
from .locale import Locale


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
    locale = Locale.load(site.config.language)
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


@dataclass(frozen=True)
class Matrix:
    probability: tuple  # MatrixLevels, highest first (rows)
    severity: tuple  # MatrixLevels, lowest first (columns)
    rows: tuple  # tuple of rows of Cells
    ratings: tuple


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


# --- the organisation --------------------------------------------------------------

@dataclass(frozen=True)
class TreeNode:
    unit: model.Unit
    children: tuple = field(default=())


def unit_tree(site: model.Site) -> tuple:
    units = site.entities.get("units", {})
    children: dict = {}
    for unit in units.values():
        parent = unit.parent if unit.parent in units else None
        children.setdefault(parent, []).append(unit)

    def build(parent, seen):
        nodes = []
        for unit in sorted(children.get(parent, ()), key=lambda u: u.title):
            if unit.id in seen:
                continue
            nodes.append(TreeNode(unit, build(unit.id, seen | {unit.id})))
        return tuple(nodes)

    return build(None, frozenset())


def ordered(entities) -> list:
    """Entities by their `order` when they have one, then by title."""
    return sorted(entities, key=lambda e: (getattr(e, "order", None) is None, getattr(e, "order", 0) or 0,
                                           e.title.lower()))
