"""What changed between two versions of an entity, in plain words of the site's language.

Compares parsed front matter (not text): a risk's probability, severity, value
and rating, status and owner; a goal's status and progress; an arena's dates,
status and partners; references added or removed. Old versions may hold values
that were invalid then: a field that cannot be compared is left out, never a crash.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import model
from .schema import reference_fields

# front-matter field -> the kind it names (schema.py declares them), in the order facts are told
REFERENCE_FIELDS = dict(sorted(reference_fields().items(), key=lambda item: model.KINDS.index(item[1])))


class Context:
    def __init__(self, locale, site: model.Site):
        self.locale = locale
        self.site = site
        self.words = locale.table["ui"]["history"]

    def t(self, word: str, **params) -> str:
        return self.words[word].format(**params)

    def title(self, kind: str, ref: str) -> str:
        entity = self.site.get((kind, ref))
        return entity.title if entity else ref

    def date(self, value) -> str:
        try:
            return self.locale.date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)


def describe(kind: str, old: dict | None, new: dict, context: Context) -> list[str]:
    """Facts for one version; `old` is None for the first version of the file."""
    old_fm = old.get("fm") if old else None
    new_fm = new.get("fm")
    draft = isinstance(new_fm, dict) and new_fm.get("draft") is True
    if old is None:
        return [context.t("created_draft" if draft else "created")]
    if not isinstance(old_fm, dict) or not isinstance(new_fm, dict):
        return []
    facts: list[str] = []
    if (old_fm.get("draft") is True) != draft:
        facts.append(context.t("unpublished" if draft else "published"))
    steps = [_title, _risk, _arena, _plan, _references]
    for step in steps:
        try:
            facts.extend(step(kind, old_fm, new_fm, context))
        except (TypeError, ValueError, AttributeError, KeyError):
            continue
    if old.get("body") != new.get("body"):
        facts.append(context.t("text_changed"))
    return facts


def _verb(old, new, context: Context) -> str:
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return context.t("raised" if new > old else "lowered")
    return context.t("changed")


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _title(kind, old, new, context):
    if old.get("title") != new.get("title") and old.get("title") and new.get("title"):
        yield context.t("title_changed", old=old["title"], new=new["title"])


def _risk(kind, old, new, context):
    if kind != "risks":
        return
    matrix = context.site.config.risk_matrix
    for axis, lookup in (("probability", matrix.probability_level), ("severity", matrix.severity_level)):
        a, b = _int(old.get(axis)), _int(new.get(axis))
        if a is not None and b is not None and a != b:
            yield context.t(axis, verb=_verb(a, b, context), old=_level(a, lookup(a), context),
                            new=_level(b, lookup(b), context))
    p0, s0, p1, s1 = (_int(old.get("probability")), _int(old.get("severity")),
                      _int(new.get("probability")), _int(new.get("severity")))
    if None not in (p0, s0, p1, s1) and p0 * s0 != p1 * s1:
        v0, v1 = p0 * s0, p1 * s1
        yield context.t("value", verb=_verb(v0, v1, context),
                        old=context.t("level", level=v0, label=matrix.rating(v0).label),
                        new=context.t("level", level=v1, label=matrix.rating(v1).label))
    a, b = old.get("status", "open"), new.get("status", "open")
    if a != b and a in model.RISK_STATUSES and b in model.RISK_STATUSES:
        yield context.t("status", old=context.locale.t(f"risk_status.{a}"), new=context.locale.t(f"risk_status.{b}"))
    a, b = old.get("owner") or "", new.get("owner") or ""
    if a != b:
        if a and b:
            yield context.t("owner_changed", old=a, new=b)
        elif b:
            yield context.t("owner_set", new=b)
        else:
            yield context.t("owner_removed", old=a)


def _level(number: int, level, context) -> str:
    return context.t("level", level=number, label=level.label) if level else str(number)


def _arena(kind, old, new, context):
    if kind != "arenas":
        return
    for field in ("starts", "ends"):
        a, b = old.get(field), new.get(field)
        if a != b and a and b:
            yield context.t(field, old=context.date(a), new=context.date(b))
    a, b = old.get("status"), new.get("status")
    if a != b and b in model.ARENA_STATUSES:
        if a in model.ARENA_STATUSES:
            yield context.t("status", old=context.locale.t(f"arena_status.{a}"),
                            new=context.locale.t(f"arena_status.{b}"))
        else:
            yield context.t("status_set", new=context.locale.t(f"arena_status.{b}"))
    before = _partners(old.get("partners"))
    after = _partners(new.get("partners"))
    for name, label in after.items():
        if name not in before:
            yield context.t("partner_added", name=label)
    for name, label in before.items():
        if name not in after:
            yield context.t("partner_removed", name=label)


def _partners(value) -> dict:
    partners = {}
    for item in value if isinstance(value, list) else ():
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            name, kind = item["name"], item.get("type")
            partners[name] = f"{name} ({kind})" if isinstance(kind, str) and kind else name
    return partners


def _goals(value) -> dict:
    return {g["id"]: g for g in (value if isinstance(value, list) else ())
            if isinstance(g, dict) and isinstance(g.get("id"), str)}


def _plan(kind, old, new, context):
    if kind != "plans":
        return
    before, after = _goals(old.get("goals")), _goals(new.get("goals"))
    for goal_id, goal in after.items():
        title = goal.get("title") or goal_id
        if goal_id not in before:
            yield context.t("goal_added", goal=title)
            continue
        previous = before[goal_id]
        a, b = previous.get("status", "not-started"), goal.get("status", "not-started")
        if a != b and a in model.GOAL_STATUSES and b in model.GOAL_STATUSES:
            yield context.t("goal_status", goal=title, old=context.locale.t(f"goal_status.{a}"),
                            new=context.locale.t(f"goal_status.{b}"))
        a, b = _int(previous.get("progress")), _int(goal.get("progress"))
        if a != b and b is not None:
            if a is None:
                yield context.t("goal_progress_set", goal=title, new=b)
            else:
                yield context.t("goal_progress", goal=title, verb=_verb(a, b, context), old=a, new=b)
    for goal_id, goal in before.items():
        if goal_id not in after:
            yield context.t("goal_removed", goal=goal.get("title") or goal_id)


def _refs(value) -> list:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _references(kind, old, new, context):
    for field, target in REFERENCE_FIELDS.items():
        before, after = _refs(old.get(field)), _refs(new.get(field))
        definite = context.words["definite"][target]
        for ref in after:
            if ref not in before:
                yield context.t("linked", target=definite, title=context.title(target, ref))
        for ref in before:
            if ref not in after:
                yield context.t("unlinked", target=definite, title=context.title(target, ref))


# --- a risk's value over time -----------------------------------------------------------

def assessment(kind: str, front_matter) -> tuple | None:
    """A risk version's (probability, severity), None where it has no whole-number pair."""
    if kind != "risks" or not isinstance(front_matter, dict):
        return None
    pair = (_int(front_matter.get("probability")), _int(front_matter.get("severity")))
    return pair if None not in pair and min(pair) > 0 else None


@dataclass(frozen=True)
class TrendPoint:
    date: dt.date
    probability: int
    severity: int

    @property
    def value(self) -> int:
        return self.probability * self.severity


@dataclass(frozen=True)
class Trend:
    """A risk's value over time, oldest first: a point wherever the value changed."""
    points: tuple

    @property
    def previous(self) -> TrendPoint | None:
        """The value before the last change (None when it never changed)."""
        return self.points[-2] if len(self.points) > 1 else None

    @property
    def direction(self) -> str:
        """"raised" or "lowered" at the last change, "" when the value never changed."""
        if self.previous is None:
            return ""
        return "raised" if self.points[-1].value > self.previous.value else "lowered"


def trend(changes, risk: model.Risk, today: dt.date) -> Trend:
    """The risk's value over time from its changes (git versions and `history:` notes that give
    both levels), the risk as it stands now last (dated today, when no change recorded it)."""
    points: list[TrendPoint] = []
    for change in sorted(changes, key=lambda c: (c.date, c.order)):
        if change.assessment is not None:
            point = TrendPoint(change.date, *change.assessment)
            if not points or points[-1].value != point.value:
                points.append(point)
    if not points or points[-1].value != risk.value:
        points.append(TrendPoint(max(today, points[-1].date) if points else today, risk.probability, risk.severity))
    return Trend(tuple(points))
