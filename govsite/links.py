"""Resolve every reference into Links, and invert them into backlinks.

All references are checked here, before anything is rendered; a site with an
unknown id does not build (Zola's rule), and the message names the nearest id.
"""
from __future__ import annotations

import datetime as dt
import difflib
import heapq
from collections import defaultdict

from . import markup, model
from .errors import Diagnostics, SourceLocation
from .schema import dotted, refs_of, suggest
from .validate import Content

def entity_path(kind: str, entity_id: str) -> str:
    """The site-relative URL path of an entity's page: "risks/x/", "styrmodell/", ""."""
    if kind == "pages":
        return "" if entity_id == "index" else f"{entity_id}/"
    return f"{kind}/{entity_id}/"


def entity_page(kind: str, entity_id: str) -> str:
    """The output file of an entity's page: "risks/x/index.html"."""
    return entity_path(kind, entity_id) + "index.html"


def body_refs(entity: model.Entity):
    """(line, kind, id, goal) for every reference in the Markdown body, in any form Markdown
    has for a link's address (markup.BODY_REF, the one pattern render resolves too)."""
    body = entity.body
    for offset, singular, ref_id, goal in markup.body_refs(body):
        yield entity.body_line + body.count("\n", 0, offset), model.PLURAL[singular], ref_id, goal


HINTED_PER_FILE = 20  # unknown ids of one file that get "did you mean"; the others, a shorter hint
SHORTLIST = 50  # ids compared character by character with an unknown id, among many
MANY_IDS = 200  # above this many ids of a kind, the shortlist is chosen by shared trigrams first


class Hints:
    """The existing ids most like an unknown one, at a bounded cost.

    difflib compares two ids in ~20 µs: an unknown id among 2,000 missions took two passes over
    all of them (130 ms), and a risk naming 1,000 misspelled ids a minute. Each unknown id is
    looked up once per resolve; among many ids only the SHORTLIST sharing the most trigrams
    with it are compared; and one file gets hints for HINTED_PER_FILE unknown ids at most."""

    def __init__(self, entities: dict) -> None:
        self.entities = entities
        self._found: dict = {}  # (kind, id) → (suggestion, nearest)
        self._trigrams: dict = {}  # kind → {trigram: [ids]}
        self._hinted: dict = defaultdict(set)  # path → unknown ids given hints

    def error(self, diagnostics: Diagnostics, location: SourceLocation, field: str, kind: str, ref_id: str):
        """Report an unknown id: with the nearest ids, or without once its file's hints are spent."""
        hinted = self._hinted[location.path]
        if ref_id not in hinted and len(hinted) >= HINTED_PER_FILE:
            diagnostics.error("unknown_ref_many", location, field=field, target=kind, id=ref_id, folder=kind,
                              limit=HINTED_PER_FILE)
            return
        hinted.add(ref_id)
        if (kind, ref_id) not in self._found:
            self._found[kind, ref_id] = self._nearest(kind, ref_id)
        suggestion, nearest = self._found[kind, ref_id]
        diagnostics.error("unknown_ref", location, field=field, target=kind, id=ref_id, folder=kind,
                          suggestion=suggestion, nearest=nearest)

    def _nearest(self, kind: str, ref_id: str) -> tuple[str, str]:
        ids = self.entities[kind]
        candidates = list(ids) if len(ids) <= MANY_IDS else self._shortlist(kind, ref_id)
        matches = difflib.get_close_matches(ref_id, candidates, n=3, cutoff=0)
        # The nearest is "did you mean" when it is near enough (schema.suggest's cutoff).
        near = matches and difflib.SequenceMatcher(None, ref_id, matches[0]).ratio() >= 0.6
        return (matches[0] if near else ""), ", ".join(matches) or "–"

    def _shortlist(self, kind: str, ref_id: str) -> list[str]:
        if kind not in self._trigrams:
            index = defaultdict(list)
            for entity_id in self.entities[kind]:
                for trigram in _trigrams(entity_id):
                    index[trigram].append(entity_id)
            self._trigrams[kind] = index
        index = self._trigrams[kind]
        shared: dict = defaultdict(int)
        for trigram in _trigrams(ref_id):
            for entity_id in index.get(trigram, ()):
                shared[entity_id] += 1
        return heapq.nsmallest(SHORTLIST, shared, key=lambda entity_id: (-shared[entity_id], entity_id))


def _trigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


class ResolveMemo:
    """Each entity's resolved references, kept between the live preview's rebuilds.

    What an entity's references resolve to depends on the entity and on which ids exist
    (drafts, goals, unreadable files: the "universe"); while that is unchanged, an entity
    whose object is the one resolved last time resolves as it did (links and messages)."""

    def __init__(self) -> None:
        self.universe = None
        self.entries: dict = {}  # entity key → (entity, its links, its diagnostics)
        self.last: tuple | None = None  # (links_out, links_in) of the last resolve

    def start(self, universe) -> None:
        if universe != self.universe:
            self.universe = universe
            self.entries = {}
            self.last = None


def _universe(content: Content, with_drafts: bool):
    return (with_drafts, frozenset(content.broken),
            {kind: {i: e.draft for i, e in entities.items()} for kind, entities in content.entities.items()},
            {i: tuple(g.id for g in plan.goals) for i, plan in content.entities.get("plans", {}).items()})


def resolve(content: Content, diagnostics: Diagnostics, today: dt.date, with_drafts: bool = False,
            memo: ResolveMemo | None = None) -> model.Site:
    """`memo` (optional, the engine's) reuses what unchanged entities resolved to last time."""
    entities = content.entities

    def published(entity: model.Entity) -> bool:
        return with_drafts or not entity.draft

    # `where()` gives (location, field name) for a message: made only when there is one,
    # as most of 50,000 references at 10,000 entities resolve.
    hints = Hints(entities)

    def exists(diagnostics, where, kind: str, ref_id: str) -> bool:
        if ref_id in entities[kind]:
            return True
        if (kind, ref_id) not in content.broken:  # else its own file already has an error
            hints.error(diagnostics, *where(), kind, ref_id)
        return False

    def check(diagnostics, source: model.Entity, where, kind: str, ref_id: str, goal: str = ""):
        """A link, or None after reporting why there is none."""
        if not exists(diagnostics, where, kind, ref_id):
            return None
        target = entities[kind][ref_id]
        if goal:
            goals = [g.id for g in getattr(target, "goals", ())]
            if goal not in goals:
                diagnostics.error("unknown_goal", where()[0], plan=ref_id, id=goal,
                                  goals=", ".join(goals) or "–", suggestion=suggest(goal, goals))
                return None
        if published(source) and not published(target):
            location, field = where()
            diagnostics.warning("ref_to_draft", location, field=field, target=kind, id=ref_id)
            return None
        return (kind, ref_id), goal

    def entity_links(entity: model.Entity, diagnostics: Diagnostics) -> tuple:
        """The entity's links, in the site's link order, after reporting every broken reference."""
        links = []
        for path, target_kind, ref_id in refs_of(entity):
            resolved = check(diagnostics, entity,
                             lambda: (SourceLocation(entity.path, entity.line(*path)), dotted(path)),
                             target_kind, ref_id)
            if resolved and published(entity):
                source_goal = entity.goals[path[1]].id if path[0] == "goals" else ""
                links.append(model.Link(entity.key, "goals" if source_goal else path[0],
                                        resolved[0], source_goal=source_goal))
        for line, target_kind, ref_id, goal in body_refs(entity):
            resolved = check(diagnostics, entity, lambda: (SourceLocation(entity.path, line), "body"),
                             target_kind, ref_id, goal)
            if resolved and published(entity) and resolved[0] != entity.key:
                links.append(model.Link(entity.key, "body", resolved[0], goal=goal))
        # The dataclass order, as a tuple key: the same order, without 800,000 __lt__ calls at 10,000 entities.
        return tuple(sorted(set(links), key=lambda x: (x.field, x.target, x.goal, x.source_goal)))

    if memo is not None:
        memo.start(_universe(content, with_drafts))
    own_links: dict = {}
    same_links = memo is not None and memo.last is not None  # as the last resolve's, so far
    for kind in model.KINDS:
        for entity in entities[kind].values():
            if memo is None:
                links = entity_links(entity, diagnostics)
            else:
                entry = memo.entries.get(entity.key)
                if entry is None or entry[0] is not entity:
                    found = Diagnostics()
                    links = entity_links(entity, found)
                    same_links = same_links and entry is not None and entry[1] == links
                    entry = memo.entries[entity.key] = (entity, links, found.items)
                links = entry[1]
                if entry[2]:
                    diagnostics.extend(entry[2])
            if links:
                own_links[entity.key] = links
    for location, field, kind, ref_id in content.unchecked_refs:
        exists(diagnostics, lambda: (location, field), kind, ref_id)
    # A translation's body is its own text: its references are checked as its original's are
    # (its front matter's are the original's). Its links are the original's: a page of another
    # language shows the same connections.
    for translations in content.translations.values():
        for translated in translations.values():
            for line, target_kind, ref_id, goal in body_refs(translated):
                check(diagnostics, translated, lambda: (SourceLocation(translated.path, line), "body"),
                      target_kind, ref_id, goal)
    _check_unit_tree(entities["units"], diagnostics)

    if same_links:  # an edit of text or fields that link nothing new: the same backlinks
        links_out, links_in = memo.last
    else:
        links_out, links_in = _index(own_links)
        if memo is not None:
            memo.last = links_out, links_in
    published_entities = {kind: {i: e for i, e in entities[kind].items() if published(e)} for kind in model.KINDS}
    return model.Site(
        config=content.config,
        entities=published_entities,
        links_out=links_out,
        links_in=links_in,
        today=today,
        with_drafts=with_drafts,
        media=content.media,
        translations={key: found for key, found in content.translations.items()
                      if key[1] in published_entities[key[0]]},
    )


def _index(own_links: dict) -> tuple[dict, dict]:
    """(links_out, links_in) in the site's link order (by source, then field, target, goal):
    the backlinks of each target come out sorted too."""
    links_out = {source: own_links[source] for source in sorted(own_links)}
    links_in: dict = defaultdict(list)
    for links in links_out.values():
        for link in links:
            links_in[link.target].append(link)
    return links_out, {k: tuple(v) for k, v in links_in.items()}


def _check_unit_tree(units: dict, diagnostics: Diagnostics) -> None:
    """Report every cycle of `parent`s. Linear on a long chain: a unit whose chain reached a
    root is not walked again (1,000 units, each the parent of the next, were 500,000 steps)."""
    reported = set()
    rooted = set()  # units whose chain of parents ends at a root
    for unit in units.values():
        chain = [unit.id]
        on_chain = {unit.id}
        current = unit
        while current.parent and current.parent in units and current.parent not in rooted:
            if current.parent in on_chain:
                if unit.id not in reported:
                    reported.update(chain)
                    diagnostics.error("unit_cycle", SourceLocation(unit.path, unit.line("parent")),
                                      chain=" → ".join(chain + [current.parent]))
                break
            chain.append(current.parent)
            on_chain.add(current.parent)
            current = units[current.parent]
        else:
            rooted.update(chain)
