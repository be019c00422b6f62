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
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import run_govsite
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
dates = st.dates(min_value=__import__("datetime").date(2000, 1, 1),
                 max_value=__import__("datetime").date(2040, 12, 31))


def _q(value) -> str:
    """A YAML scalar: JSON is YAML, and JSON strings escape everything."""
    return json.dumps(value, ensure_ascii=False, default=str)


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
    files["site.yaml"] = "\n".join([
        f"title: {_q(draw(texts))}", f"organisation: {_q(draw(texts))}",
        f"language: {draw(st.sampled_from(['sv', 'en']))}", f"risk_matrix: {_q(matrix)}", ""])

    def unique(n_min, n_max):
        return sorted(draw(st.sets(ids, min_size=n_min, max_size=n_max)))

    units, principles, missions = unique(1, 4), unique(0, 3), unique(1, 4)
    risks, arenas, plans, sources = unique(0, 4), unique(0, 2), unique(0, 2), unique(0, 2)
    pages = [p for p in unique(0, 2) if p not in ("index", "404")]

    def front(kind, entity_id, fields, body=""):
        lines = ["---", f"title: {_q(draw(texts))}"]
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
        assert scan(folder / "output") == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


MUTATIONS = ["drop_title", "break_reference", "corrupt_yaml", "bad_level", "bad_date", "unclosed"]


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
        text = re.sub(r'^starts: .*$', 'starts: "2021-13-45"', text, count=1, flags=re.M)
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
