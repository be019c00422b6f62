"""The plan as the board reads it: each covered risk with its value, its controls and their
latest results (the plan's page), and the follow-up report (plans/<id>/uppfoljning/):
how the controls went, a traffic light per risk said in words, every deviation with its
finding and actions, and the actions overdue. Pure functions of the Site."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import model
from .locale import Locale

# A control's state in the plan's period, from its results in the period (counted once a control):
# done (ok: every result without remark; deviation: any result a deviation), not done, no result yet.
STATES = ("ok", "deviation", "not-done", "none")
# The traffic light of a risk, worst first: said in words, the colour only repeats them.
LIGHTS = ("red", "yellow", "green", "none")


def report_path(locale: Locale, plan: model.Plan) -> str:
    """plans/<id>/uppfoljning/ (follow-up/ on an English site)."""
    return f"plans/{plan.id}/{locale.t('followup.slug')}/"


@dataclass(frozen=True)
class ControlState:
    control: model.Control
    state: str  # STATES
    latest: model.ControlResult | None  # the latest result in the period
    results: tuple  # the results in the period, newest first


@dataclass(frozen=True)
class CoveredRisk:
    risk: model.Risk
    controls: tuple  # ControlStates
    light: str  # LIGHTS
    reasons: tuple  # why, as keys of the locale's followup.reasons

    @property
    def key(self) -> tuple:
        return self.risk.key


@dataclass(frozen=True)
class Deviation:
    risk: model.Risk
    control: model.Control
    result: model.ControlResult


@dataclass(frozen=True)
class Overdue:
    risk: model.Risk
    action: model.Action
    source: str  # the control whose result called for it, "" for an action on the risk itself


@dataclass(frozen=True)
class FollowUp:
    plan: model.Plan
    path: str  # the report's site path
    risks: tuple  # CoveredRisks, in the order the plan's goals name them
    counts: dict  # "controls", "done" and each of STATES → how many controls
    deviations: tuple  # Deviations, oldest first
    overdue: tuple  # Overdues, by due date
    today: dt.date


def covered_risks(site: model.Site, plan: model.Plan) -> list[model.Risk]:
    """The published risks the plan's goals name, in the order they first appear."""
    ids = dict.fromkeys(risk_id for goal in plan.goals for risk_id in goal.risks)
    return [risk for risk in (site.get(("risks", i)) for i in ids) if risk is not None and not risk.draft]


def _in_period(plan: model.Plan, date: dt.date) -> bool:
    period = plan.period
    return period is None or ((period.start is None or period.start <= date)
                              and (period.end is None or date <= period.end))


def control_state(plan: model.Plan, control: model.Control) -> ControlState:
    results = tuple(r for r in control.latest_first if _in_period(plan, r.date))
    outcomes = {r.outcome for r in results}
    done = outcomes - {"not-done"}
    state = ("deviation" if "deviation" in done else "ok") if done else "not-done" if outcomes else "none"
    return ControlState(control, state, results[0] if results else None, results)


def _light(site: model.Site, plan: model.Plan, risk: model.Risk, controls: tuple) -> tuple[str, tuple]:
    """(light, reasons). red: a control not done, a deviation with no action or one still
    open, an action overdue; yellow: a control without a result yet, or every deviation's
    actions done; green: every control done without remark; none: the risk has no controls."""
    if not controls:
        return "none", ("no_controls",)
    red = [reason for reason, found in (
        ("not_done", any(c.state == "not-done" for c in controls)),
        ("open_deviation", any(r.outcome == "deviation" and (not r.actions or any(a.status != "done" for a in r.actions))
                               for c in controls for r in c.results)),
        ("overdue", any(a.overdue_on(site.today) for a in _actions(plan, risk)))) if found]
    if red:
        return "red", tuple(red)
    yellow = [reason for reason, found in (("treated", any(c.state == "deviation" for c in controls)),
                                           ("no_result", any(c.state == "none" for c in controls))) if found]
    return ("yellow", tuple(yellow)) if yellow else ("green", ("all_ok",))


def _actions(plan: model.Plan, risk: model.Risk):
    """The risk's actions: its own, then those of its controls' results in the period."""
    for action in risk.actions:
        yield action
    for control in risk.controls:
        for result in control.results:
            if _in_period(plan, result.date):
                yield from result.actions


def follow_up(site: model.Site, locale: Locale, plan: model.Plan) -> FollowUp:
    risks, deviations, overdue = [], [], []
    counts = dict.fromkeys(("controls", "done", *STATES), 0)
    for risk in covered_risks(site, plan):
        controls = tuple(control_state(plan, control) for control in risk.controls)
        for state in controls:
            counts["controls"] += 1
            counts[state.state] += 1
            counts["done"] += state.state in ("ok", "deviation")
            deviations += [Deviation(risk, state.control, r) for r in reversed(state.results)
                           if r.outcome == "deviation"]
        risks.append(CoveredRisk(risk, controls, *_light(site, plan, risk, controls)))
        overdue += [Overdue(risk, a, "") for a in risk.actions if a.overdue_on(site.today)]
        overdue += [Overdue(risk, a, state.control.title) for state in controls for r in state.results
                    for a in r.actions if a.overdue_on(site.today)]
    return FollowUp(plan, report_path(locale, plan), tuple(risks), counts,
                    tuple(sorted(deviations, key=lambda d: d.result.date)),
                    tuple(sorted(overdue, key=lambda o: (o.action.due, o.risk.title))), site.today)


def print_css(site: model.Site, locale: Locale) -> bytes:
    """static/print.css: on every printed A4 page the site's name, the day the site was built
    and the page number, in the page's margins (CSS Paged Media; the theme's print rules are in
    site.css). A file, as the CSP allows no inline style; its strings escaped for CSS."""
    def string(text: str) -> str:
        # Letters, digits and spaces as they are, every other character a CSS escape: no text of the
        # site can end the string, nor read as anything a browser would run ("javascript:", "expression(").
        return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"'
    page = locale.t("followup.page_of").split("{page}")
    before, between = page[0], page[1].split("{pages}")[0]
    after = page[1].split("{pages}")[1]
    margin = "font: 9pt system-ui, sans-serif; color: #333;"
    return (f"@charset \"utf-8\";\n@page {{ size: A4; margin: 18mm 15mm 16mm;\n"
            f"  @top-left {{ content: {string(site.config.title)}; {margin} }}\n"
            f"  @top-right {{ content: {string(locale.date(site.today))}; {margin} }}\n"
            f"  @bottom-right {{ content: {string(before)} counter(page) {string(between)} counter(pages) "
            f"{string(after)}; {margin} }}\n}}\n").encode("utf-8")
