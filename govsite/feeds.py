"""Atom feeds of changes: one for the whole site and one per unit.

`atom(info, entries)` takes generic entries so that any feature (the entity
dates here; a history of decisions later) can feed it. The XML is built with
xml.etree, so every title and summary is escaped, whatever the content says.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import heapq
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from . import model
from .export import absolute
from .links import entity_path
from .locale import Locale
from .markup import safe_address, safe_text, xml_text

ATOM = "http://www.w3.org/2005/Atom"
UNIT_FIELDS = ("unit", "units", "adopted_by", "parent")


@dataclass(frozen=True)
class FeedInfo:
    id: str  # an absolute URL: the feed's own address
    title: str
    link: str  # the HTML page the feed belongs to
    author: str
    language: str = "sv"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    updated: dt.date | dt.datetime
    summary: str = ""
    category: str = ""


@functools.lru_cache(maxsize=4096)  # a few hundred dates, for 10,000 entities after each live edit
def _stamp(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat()}T00:00:00Z"


def _sort_key(entry: Entry):
    stamp = _stamp(entry.updated)
    return (stamp, entry.id)


def atom(info: FeedInfo, entries: list[Entry]) -> bytes:
    """An Atom 1.0 document, entries newest first (ties by id, for stable output)."""
    ET.register_namespace("", ATOM)
    entries = sorted(entries, key=_sort_key, reverse=True)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": info.language})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = _address(info.id)
    ET.SubElement(feed, f"{{{ATOM}}}title").text = _clean(info.title)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=_address(info.id))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=_address(info.link))
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(entries[0].updated) if entries else \
        "1970-01-01T00:00:00Z"
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = _clean(info.author)
    for entry in entries:
        node = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(node, f"{{{ATOM}}}id").text = _address(entry.id)
        ET.SubElement(node, f"{{{ATOM}}}title").text = _clean(entry.title)
        ET.SubElement(node, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=_address(entry.link))
        ET.SubElement(node, f"{{{ATOM}}}updated").text = _stamp(entry.updated)
        if entry.summary:
            ET.SubElement(node, f"{{{ATOM}}}summary", type="text").text = _clean(entry.summary)
        if entry.category:
            ET.SubElement(node, f"{{{ATOM}}}category", term=_clean(entry.category))
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8",
                                                                        xml_declaration=False) + b"\n"


def _clean(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry, and without executable markup
    (feed readers show titles and summaries as HTML more often than they should)."""
    return safe_text(xml_text(text))


def _address(address: str) -> str:
    """An id or link: without the characters XML cannot carry, never a script address."""
    return safe_address(xml_text(address))


# A feed reader shows the newest entries; a feed of every entity of a large site (10,000)
# would be megabytes fetched on every poll.
ENTITIES_IN_FEED = 100


def entity_entries(site: model.Site, entities) -> list[Entry]:
    """The ENTITIES_IN_FEED most recently updated published entities, as feed entries."""
    dated = (entity for entity in entities if not entity.draft and entity.updated is not None)
    newest = heapq.nlargest(ENTITIES_IN_FEED, dated, key=lambda entity: (_stamp(entity.updated), entity.kind, entity.id))
    entries = []
    for entity in newest:
        link = absolute(site, entity_path(entity.kind, entity.id))
        entries.append(Entry(id=link, title=entity.title, link=link, updated=entity.updated,
                             summary=entity.summary, category=entity.kind))
    return entries


CHANGES_IN_FEED = 100


def change_entries(site: model.Site, keys=None) -> list[Entry]:
    """The newest changes from the history (git commits and history: notes), as feed entries:
    a citizen following the feed learns that a risk was raised, not only that its page changed."""
    wanted = None if keys is None else set(keys)
    changes = [change for key, entity_changes in site.history.entities.items()
               if (wanted is None or key in wanted) and site.get(key) is not None and not site.get(key).draft
               for change in entity_changes]
    changes.sort(key=lambda c: (c.date, c.order, c.key, c.commit, c.message), reverse=True)
    entries = []
    for change in changes[:CHANGES_IN_FEED]:
        link = absolute(site, entity_path(*change.key))
        marker = change.commit[:12] or hashlib.sha256(f"{change.date}{change.message}".encode()).hexdigest()[:12]
        why = change.message or (change.facts[0] if change.facts else "")  # no message: its first fact
        entries.append(Entry(id=f"{link}#change-{marker}", title=f"{change.title}: {why}" if why else change.title,
                             link=link,
                             updated=change.date, summary=" ".join(change.facts), category=change.key[0]))
    return entries


RESULTS_IN_FEED = 100


def result_entries(site: model.Site, entities) -> list[Entry]:
    """The newest follow-up results of the controls of the published risks among `entities`, an
    entry each on the result's date: a citizen following the feed learns of a deviation when it
    is reported, with its finding."""
    words = Locale.load(site.config.language)
    found = []
    for risk in entities:
        if not isinstance(risk, model.Risk) or risk.draft:
            continue
        link = absolute(site, entity_path(risk.kind, risk.id))
        for number, control in enumerate(risk.controls, 1):
            seen: dict = {}
            for result in control.results:
                marker = f"{number}-{result.date.isoformat()}"
                seen[marker] = seen.get(marker, 0) + 1
                marker += f"-{seen[marker]}" if seen[marker] > 1 else ""
                found.append((result.date, link, marker, risk, control, result))
    entries = []
    for date, link, marker, risk, control, result in heapq.nlargest(RESULTS_IN_FEED, found,
                                                                  key=lambda item: item[:3]):
        title = words.t("publish.feed_result", risk=risk.title, control=control.title,
                        outcome=words.t(f"result_outcome.{result.outcome}"))
        entries.append(Entry(id=f"{link}#result-{marker}", title=title, link=link, updated=date,
                             summary=result.finding, category=result.outcome))
    return entries


def unit_entities(site: model.Site, unit: model.Unit) -> list[model.Entity]:
    """The unit and what its front matter makes it responsible for."""
    found = {unit.key: unit}
    for link in site.links_in.get(unit.key, ()):
        if link.field in UNIT_FIELDS and not link.source_goal:
            entity = site.get(link.source)
            if entity is not None:
                found[entity.key] = entity
    return list(found.values())


def feed_path(unit_id: str | None = None) -> str:
    return f"units/{unit_id}/feed.xml" if unit_id else "feed.xml"


def feeds(site: model.Site, title: str, unit_title: str, known: dict | None = None) -> dict[str, bytes]:
    """feed.xml for the site, units/<id>/feed.xml for each unit. `unit_title` has a {unit} slot;
    `known`: unit feeds that cannot have changed, by path, used as they are."""
    config = site.config
    files = {feed_path(): atom(FeedInfo(absolute(site, feed_path()), title, absolute(site, ""),
                                        config.organisation, config.language),
                               entity_entries(site, site.all()) + change_entries(site)
                               + result_entries(site, site.entities.get("risks", {}).values()))}
    for unit in site.entities.get("units", {}).values():
        if unit.draft:
            continue
        if known and feed_path(unit.id) in known:
            files[feed_path(unit.id)] = known[feed_path(unit.id)]
            continue
        info = FeedInfo(absolute(site, feed_path(unit.id)), unit_title.format(unit=unit.title),
                        absolute(site, entity_path("units", unit.id)), config.organisation, config.language)
        entities = unit_entities(site, unit)
        files[feed_path(unit.id)] = atom(info, entity_entries(site, entities)
                                         + change_entries(site, [e.key for e in entities])
                                         + result_entries(site, entities))
    return files
