"""Property-based tests: sites generated from the content contract always build, every
link in them resolves and nothing executes; a site broken in one place always gets a
`path:line` error and never a traceback.

Default: a handful of examples (a few seconds). GOVSITE_DEEP_TESTS=1: many more.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import tempfile
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
import yaml

from conftest import run_govsite
from test_views import _tree
from output_scan import scan

DEEP = bool(os.environ.get("GOVSITE_DEEP_TESTS"))
SETTINGS = settings(max_examples=150 if DEEP else 4, deadline=None, derandomize=not DEEP,
                    # each example is a real CLI build; shrinking only in the deep run
                    phases=list(Phase) if DEEP else [Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ids = st.from_regex(r"\A[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?\Z")
# Any printable text, including markup characters, quotes, Swedish and right-to-left letters.
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co", "Zl", "Zp"), blacklist_characters="\ufeff"),
                min_size=1, max_size=40).filter(lambda s: s.strip())
# Characters XML forbids or discourages, across the Unicode range: C0 and C1 controls, format
# characters, the noncharacters (U+FDD0–U+FDEF, U+FFFE and U+FFFF of every plane). YAML carries
# them as escapes (_q); surrogates are left out, as no UTF-8 file or YAML escape can hold one.
unfit = st.one_of(st.characters(whitelist_categories=("Cc", "Cf")),
                  st.sampled_from([chr(c) for c in range(0xFDD0, 0xFDF0)]
                                  + [chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF)]))
# Titles: any text; text that starts like a script address (still text, never erased); text with
# unfit characters inside (dropped from XML, never a broken feed); decomposed letters (read as NFC).
titles = st.one_of(
    texts,
    st.tuples(st.sampled_from(["Data: ", "data:", "JavaScript: ", "vbscript:"]), texts).map("".join),
    st.tuples(texts, st.lists(unfit, min_size=1, max_size=4).map("".join), texts).map("".join),
    texts.map(lambda s: "A\u030alands " + s),
)
dates = st.dates(min_value=__import__("datetime").date(2000, 1, 1),
                 max_value=__import__("datetime").date(2040, 12, 31))


YAML_RAW_UNFIT = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _q(value) -> str:
    """A YAML scalar: JSON is YAML, and JSON strings escape the C0 controls; what else a YAML
    file may not hold raw (or would read as a line break) becomes a YAML escape."""
    return YAML_RAW_UNFIT.sub(lambda m: f"\\u{ord(m.group()):04x}",
                              json.dumps(value, ensure_ascii=False, default=str))


@st.composite
def sites(draw) -> dict[str, str]:
    """{relative path: file text} of a valid site."""
    files: dict[str, str] = {}
    n_prob, n_sev = draw(st.integers(2, 6)), draw(st.integers(2, 6))
    highest = n_prob * n_sev
    cuts = sorted(draw(st.sets(st.integers(1, highest - 1), max_size=3))) + [highest]
    matrix = {
        "probability": [{"level": i, "label": f"P{i}"} for i in range(1, n_prob + 1)],
        "severity": [{"level": i, "label": f"S{i}"} for i in range(1, n_sev + 1)],
        "ratings": [{"max": cut, "label": f"R{cut}"} for cut in cuts],
    }
    accessibility = draw(st.fixed_dictionaries({}, optional={
        "compliance": st.sampled_from(["full", "partial", "none"]), "assessed": dates.map(str),
        "updated": dates.map(str), "method": texts, "deviations": st.lists(texts, max_size=2),
        "response_time": texts}))
    files["site.yaml"] = "\n".join([
        f"title: {_q(draw(titles))}", f"organisation: {_q(draw(titles))}",
        f"language: {draw(st.sampled_from(['sv', 'en']))}", f"risk_matrix: {_q(matrix)}",
        f"accessibility: {_q(accessibility)}", ""])

    def unique(n_min, n_max):
        return sorted(draw(st.sets(ids, min_size=n_min, max_size=n_max)))

    units, principles, missions = unique(1, 4), unique(0, 3), unique(1, 4)
    risks, arenas, plans, sources = unique(0, 4), unique(0, 2), unique(0, 2), unique(0, 2)
    pages = [p for p in unique(0, 2) if p not in ("index", "404")]

    def front(kind, entity_id, fields, body=""):
        lines = ["---", f"title: {_q(draw(titles))}"]
        if draw(st.booleans()):
            lines.append(f"summary: {_q(draw(texts))}")
        if sources and draw(st.booleans()):
            lines.append(f"sources: {_q(draw(st.lists(st.sampled_from(sources), unique=True, max_size=2)))}")
        lines += [f"{key}: {_q(value)}" for key, value in fields.items()]
        files[f"{kind}/{entity_id}.md"] = "\n".join(lines + ["---", body, ""])

    def some(options, most=2):
        return draw(st.lists(st.sampled_from(options), unique=True, max_size=most)) if options else []

    for index, unit in enumerate(units):
        fields = {"parent": units[draw(st.integers(0, index - 1))]} if index and draw(st.booleans()) else {}
        front("units", unit, fields)
    for principle in principles:
        front("principles", principle, {})
    for mission in missions:
        front("missions", mission, {"unit": draw(st.sampled_from(units)), "principles": some(principles)})
    for risk in risks:
        controls = [{"title": draw(texts)} for _ in range(draw(st.integers(0, 2)))]
        front("risks", risk, {"unit": draw(st.sampled_from(units)), "probability": draw(st.integers(1, n_prob)),
                              "severity": draw(st.integers(1, n_sev)), "missions": some(missions),
                              "controls": controls})
    for arena in arenas:
        starts = draw(dates)
        ends = draw(dates.filter(lambda d: d >= starts))
        front("arenas", arena, {"starts": starts.isoformat(), "ends": ends.isoformat(), "risks": some(risks),
                                "missions": some(missions), "units": some(units),
                                "partners": [{"name": draw(texts), "type": draw(texts)}]})
    goals_of = {}
    for plan in plans:
        goal_ids = unique(0, 3)
        goals_of[plan] = goal_ids
        goals = [{"id": g, "title": draw(texts), "missions": some(missions), "risks": some(risks),
                  "progress": draw(st.integers(0, 100))} for g in goal_ids]
        front("plans", plan, {"unit": draw(st.sampled_from(units)), "goals": goals})
    for source in sources:
        front("sources", source, {"url": f"https://example.org/{source}"})
    targets = [f"unit:{u}" for u in units] + [f"mission:{m}" for m in missions] + [f"risk:{r}" for r in risks]
    targets += [f"plan:{p}#{g}" for p, goals in goals_of.items() for g in goals]
    for page in ["index", *pages]:
        refs = some(targets, 3)
        links, definitions = [], []
        for i, ref in enumerate(refs):  # every form Markdown has for a link's address (issue 19, item 7)
            text = re.sub(r"[\]\[<>\\`\"&*_~]", "", draw(texts)) or "x"
            form = draw(st.sampled_from(BODY_REF_FORMS))
            links.append(form.format(ref=ref, text=text, n=i))
            if "][r" in form:
                definitions.append(f"[r{i}]: {ref}")
        body = "Text " + " ".join(links) + " slut.\n\n" + "\n".join(definitions)
        front("pages", page, {}, body)
    return files


BODY_REF_FORMS = ["[[{ref}]]", "[{text}]({ref})", '[{text}]({ref} "titel")', "[{text}](<{ref}>)",
                  "[{text}][r{n}]", "<{ref}>", '<a href="{ref}">{text}</a>']


def _write(files: dict[str, str]) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="govsite-fuzz-"))
    for relpath, text in files.items():
        path = folder / "content" / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def broken_links(output: Path) -> list[str]:
    broken = []
    for page in output.rglob("*.html"):
        if page.name == "404.html":
            continue  # its links start at the site's base path
        parser = _Links()
        parser.feed(page.read_text())
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = output / posixpath.normpath(posixpath.join(
                page.parent.relative_to(output).as_posix(), unquote(parts.path)))
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(output)} → {link}")
            elif parts.fragment and page.suffix == ".html" and target.suffix == ".html":
                if f'id="{parts.fragment}"' not in target.read_text():
                    broken.append(f"{page.relative_to(output)} → {link} (no such anchor)")
    return broken


def titles_kept(files: dict[str, str], output: Path) -> list[str]:
    """Entities whose open data does not carry the title as written (composed, stripped):
    no title is erased because it starts like an address."""
    lost = []
    for relpath, text in files.items():
        if not relpath.endswith(".md"):
            continue
        title = yaml.safe_load(text.split("\n")[1])["title"]
        if "<" in title or "&" in title:
            continue  # markup is removed from open data: covered by the hostile site's tests
        record = json.loads((output / "data" / relpath.replace(".md", ".json")).read_text("utf-8"))
        if record["title"] != unicodedata.normalize("NFC", title).strip():
            lost.append(f"{relpath}: {title!r} → {record['title']!r}")
    return lost


@SETTINGS
@given(sites())
def test_every_generated_site_builds_and_every_link_resolves(files):
    folder = _write(files)
    try:
        result = run_govsite("build", "--content", folder / "content", "--output", folder / "output",
                             "--today", "2024-06-01")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert broken_links(folder / "output") == []
        assert scan(folder / "output") == []  # XML files included: well-formed, whatever the titles hold
        assert titles_kept(files, folder / "output") == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


MUTATIONS = ["drop_title", "break_reference", "corrupt_yaml", "bad_level", "bad_date", "unclosed", "yaml_tag",
             "bad_accessibility"]
# Values a YAML tag makes that no field expects (a datetime, bytes, a set, pairs, an object).
TAGGED = ["updated: !!timestamp 2024-01-01T10:00:00Z", "updated: !!timestamp 2024-01-01", "summary: !!binary aGVq",
          "tags: !!set {a, b}", "tags: !!omap [a: 1]", "history: !!pairs [a: 1]", "summary: !tagg text",
          "summary: !!python/object/apply:os.system [echo]", "draft: !!timestamp 2001-12-14 21:59:43.10 -5"]
BAD_DATES = ['"2021-13-45"', "2024-01-01T10:00:00Z", "!!timestamp 2024-01-01T10:00:00Z", "20240101", "[2024]"]
BAD_ACCESSIBILITY = ["{deviations: 5}", "true", "{assessed: 20210101}", "{updated: [1]}", "{assessed: 2021-02-30}",
                     "{compliance: partiell}", "{assessed: !!timestamp 2021-02-03}"]


@SETTINGS
@given(sites(), st.sampled_from(MUTATIONS), st.data())
def test_a_site_broken_in_one_place_gets_a_path_line_error(files, mutation, data):
    entity_files = sorted(p for p in files if p.endswith(".md"))
    if mutation == "break_reference":
        candidates = [p for p in entity_files if re.search(r"^(unit|parent): ", files[p], re.M)]
    elif mutation == "bad_level":
        candidates = [p for p in entity_files if p.startswith("risks/")]
    elif mutation == "bad_date":
        candidates = [p for p in entity_files if p.startswith("arenas/")]
    elif mutation == "bad_accessibility":
        candidates = ["site.yaml"]
    else:
        candidates = entity_files
    if not candidates:
        mutation, candidates = "drop_title", entity_files
    target = data.draw(st.sampled_from(candidates))
    text = files[target]
    if mutation == "drop_title":
        text = re.sub(r"^title: .*\n", "", text, count=1, flags=re.M)
    elif mutation == "break_reference":
        text = re.sub(r"^(unit|parent): .*$", r'\1: "finns-inte-alls"', text, count=1, flags=re.M)
    elif mutation == "corrupt_yaml":
        text = text.replace("\ntitle: ", "\ntitle: [oavslutad\n  : x: y\n", 1)
    elif mutation == "bad_level":
        text = re.sub(r"^probability: .*$", "probability: 99", text, count=1, flags=re.M)
    elif mutation == "bad_date":
        text = re.sub(r'^starts: .*$', "starts: " + data.draw(st.sampled_from(BAD_DATES)), text, count=1, flags=re.M)
    elif mutation == "yaml_tag":
        text = text.replace("---\n", "---\n" + data.draw(st.sampled_from(TAGGED)) + "\n", 1)
    elif mutation == "bad_accessibility":
        text = re.sub(r"^accessibility: .*$", "accessibility: " + data.draw(st.sampled_from(BAD_ACCESSIBILITY)),
                      text, count=1, flags=re.M)
    elif mutation == "unclosed":
        text = text.replace("---\n", "", 2).replace("title:", "---\ntitle:", 1)
    files = {**files, target: text}
    folder = _write(files)
    try:
        result = run_govsite("build", "--content", folder / "content", "--output", folder / "output")
        assert result.returncode == 1, (mutation, target, result.stderr)
        assert "Traceback" not in result.stderr
        assert re.search(rf"^content/{re.escape(target)}:\d+: (fel|error): ", result.stderr, re.M), \
            (mutation, target, result.stderr)
        assert not (folder / "output").exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(SETTINGS, max_examples=20 if DEEP else 2)
@given(st.integers(150, 600), st.lists(st.integers(0, 599), max_size=20))
def test_a_deep_tree_of_units_builds_and_shows_every_unit(depth, branches):
    """A chain of `depth` units, each the parent of the next, with a few branches off it:
    250 deep was a RecursionError in units.html."""
    parents = {f"u{i}": f"u{i - 1}" if i else None for i in range(depth)}
    for number, at in enumerate(branches):
        parents[f"b{number}"] = f"u{at % depth}"
    files = {"site.yaml": "title: Träd\norganisation: Trädkommun\n"}
    for unit, parent in parents.items():
        files[f"units/{unit}.md"] = f"---\ntitle: Enhet {unit}\n" + (f"parent: {parent}\n" if parent else "") + "---\n"
    folder = _write(files)
    try:
        result = run_govsite("build", "--content", folder / "content", "--output", folder / "output", "--no-cache",
                             timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        tree = _tree(folder / "output")
        assert tree.balanced and not tree.open
        assert tree.depths == {f"Enhet {unit}": (int(unit[1:]) + 1 if unit[0] == "u" else
                                                 int(parents[unit][1:]) + 2) for unit in parents}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
