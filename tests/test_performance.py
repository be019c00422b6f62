"""Parallel rendering, the persistent cache and the engine's partial builds never change a byte of output.

Every check compares real builds of a generated governance site (benchmarks/generate.py)
with a cold, single-process build of the same content. Timings are never asserted here:
benchmarks/ measures them.
"""
from __future__ import annotations

import os
import pickle
import posixpath
import random
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from benchmarks.generate import generate
from conftest import DEMO, SITES, run_govsite, tree_digest
from govsite.cache import FILE, FOLDER, BuildCache
from govsite.errors import Diagnostics
from govsite.engine import Engine, check
from govsite.errors import BuildFailed
from govsite.parallel import render_pages
from govsite.pipeline import Options, load
from govsite.render import default_theme, plan_pages, relative_url

DEEP = bool(os.environ.get("GOVSITE_DEEP_TESTS"))
TODAY = "2026-11-28"


@pytest.fixture
def site_dir(tmp_path) -> Path:
    generate(120, tmp_path / "site", words=120)
    return tmp_path / "site"


def live_engine(options: Options) -> Engine:
    """The engine as `govsite serve --write` drives it: the site kept in memory, also written."""
    return Engine(options, keep_files=True)


def attempt(engine: Engine, changed=None):
    """(ok, diagnostics) of one build: a failed build raises BuildFailed with its diagnostics."""
    try:
        return True, engine.build(changed).diagnostics
    except BuildFailed as failure:
        return False, failure.diagnostics


def without_search(digest: dict) -> dict:
    """A live rebuild keeps the search index of the last full build (re-indexing every page on
    each save would cost seconds); everything else must equal a cold build."""
    return {path: value for path, value in digest.items() if not path.startswith("pagefind/")}


def cold_digest(content: Path, out: Path) -> dict:
    result = run_govsite("build", "--no-cache", "--content", content, "--output", out, "--today", TODAY)
    assert result.returncode == 0, result.stderr
    return tree_digest(out)


def build(content: Path, out: Path, *extra) -> str:
    result = run_govsite("build", "--content", content, "--output", out, "--today", TODAY, *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout


def edit_randomly(content: Path, rng: random.Random, count: int) -> None:
    """Edits a communicator makes: titles, body text, a new risk (ids stay valid)."""
    files = sorted(p for p in content.rglob("*.md"))
    for _ in range(count):
        path = rng.choice(files)
        text = path.read_text()
        choice = rng.random()
        if choice < 0.4:
            text = text.replace("title: ", f"title: Ny {rng.randint(0, 999)} ", 1)
        elif choice < 0.8:
            text += f"\nEtt nytt stycke {rng.randint(0, 999)} om uppföljningen.\n"
        else:
            new = content / "risks" / f"ny-risk-{rng.randint(0, 99999)}.md"
            shutil.copy(sorted((content / "risks").glob("*.md"))[0], new)
            continue
        path.write_text(text)


# --- parallel.py ---------------------------------------------------------------------

def test_parallel_rendering_gives_the_serial_bytes(site_dir):
    options = Options(content=site_dir / "content", cache=False)
    language, site = load(options, Diagnostics())
    pages = plan_pages(site)
    serial = render_pages(site, default_theme(), pages, Diagnostics(), workers=1)
    parallel = render_pages(site, default_theme(), pages, Diagnostics(), workers=3, min_pages=0)
    assert list(parallel) == list(serial)
    assert parallel == serial


def test_relative_urls_are_those_of_posixpath():
    def reference(from_page, target):
        target, _, fragment = target.partition("#")
        base = posixpath.dirname(from_page) or "."
        rel = posixpath.relpath(target.rstrip("/") or ".", base)
        if target == "" or target.endswith("/"):
            rel = "./" if rel == "." else rel + "/"
        return rel + (f"#{fragment}" if fragment else "")

    pages = ["index.html", "404.html", "risks/index.html", "risks/a/index.html", "styrmodell/index.html"]
    targets = ["", "risks/", "risks/a/", "risks/b/#goal-x", "static/site.css", "styrmodell/", "plans/p/#goal-g"]
    for page in pages:
        for target in targets:
            assert relative_url(page, target) == reference(page, target)


# --- cache.py --------------------------------------------------------------------------

def test_warm_builds_equal_cold_builds_after_random_edits(site_dir, tmp_path):
    content = site_dir / "content"
    rng = random.Random(6)
    build(content, tmp_path / "warm")
    assert (site_dir / FOLDER / FILE).is_file()
    for _ in range(8 if DEEP else 2):
        edit_randomly(content, rng, rng.randint(1, 4))
        build(content, tmp_path / "warm")
        assert tree_digest(tmp_path / "warm") == cold_digest(content, tmp_path / "cold")


def test_a_build_without_changes_leaves_the_output_alone(site_dir, tmp_path):
    content, out = site_dir / "content", tmp_path / "out"
    build(content, out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.html")}
    stdout = build(content, out)
    assert "121 sidor" in stdout or "sidor" in stdout
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.html")} == before
    # One edited file: only the pages whose bytes changed are new files.
    risk = content / "risks" / "risk-00001.md"
    risk.write_text(risk.read_text() + "\nEn ändring.\n")
    build(content, out)
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*.html")}
    changed = [p for p in after if after[p] != before.get(p)]
    assert out / "risks/risk-00001/index.html" in changed
    assert len(changed) < len(after) / 4
    assert tree_digest(out) == cold_digest(content, tmp_path / "cold")


def test_a_deleted_output_folder_is_rebuilt_even_without_changes(site_dir, tmp_path):
    content, out = site_dir / "content", tmp_path / "out"
    build(content, out)
    shutil.rmtree(out)
    build(content, out)
    assert tree_digest(out) == cold_digest(content, tmp_path / "cold")


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", pickle.dumps({"key": "govsite 0.0.1", "docs": {}}),
                                     pickle.dumps(["a list"])])
def test_a_corrupt_or_old_cache_is_ignored(site_dir, tmp_path, garbage):
    content = site_dir / "content"
    build(content, tmp_path / "out")
    (site_dir / FOLDER / FILE).write_bytes(garbage)
    risk = content / "risks" / "risk-00002.md"
    risk.write_text(risk.read_text().replace("title: ", "title: Efter korrupt cache ", 1))
    build(content, tmp_path / "out")
    assert tree_digest(tmp_path / "out") == cold_digest(content, tmp_path / "cold")
    assert BuildCache.load(content).get("content/risks/risk-00002.md", "x") is None  # a fresh, valid cache


def test_saving_the_cache_leaves_no_utf8_copy_inside_the_texts(tmp_path):
    # CPython keeps a UTF-8 copy inside a str that is not pure ASCII once pickle has written
    # it: for every body and fragment of 10,000 entities that was ~95 MB more at the save.
    shutil.copytree(DEMO, tmp_path / "content")
    cache = BuildCache.load(tmp_path / "content")
    _, site = load(Options(content=tmp_path / "content"), Diagnostics(), cache)
    bodies = [entity.body for entity in site.all() if not entity.body.isascii()]
    fragment = "".join(f"<p>Åtgärd {i} för året</p>" for i in range(100))
    cache.add_fragments({bodies[0]: fragment})
    sizes = [sys.getsizeof(text) for text in [*bodies, fragment]]
    cache.save()
    assert [sys.getsizeof(text) for text in [*bodies, fragment]] == sizes
    again = BuildCache.load(tmp_path / "content")
    assert again.fragment(bodies[0]) == fragment
    assert {relpath: again.get(relpath, entry[0]) for relpath, entry in cache._used_docs.items()} == \
        {relpath: entry[1] for relpath, entry in cache._used_docs.items()}


def test_fragments_are_read_when_first_used_and_never_from_a_cache_replaced_since(tmp_path):
    shutil.copytree(DEMO, tmp_path / "content")
    cache = BuildCache.load(tmp_path / "content")
    _, site = load(Options(content=tmp_path / "content"), Diagnostics(), cache)
    body = next(entity.body for entity in site.all() if entity.body.strip())
    cache.add_fragments({body: "<p>en gång</p>"})
    cache.save()
    assert BuildCache.load(tmp_path / "content").fragment(body) == "<p>en gång</p>"
    loaded = BuildCache.load(tmp_path / "content")  # its fragments are not read yet
    stored = tmp_path / FOLDER / FILE
    time.sleep(0.05)  # past the file system clock's tick, so the mtime differs
    stored.write_bytes(stored.read_bytes())  # another build wrote the cache meanwhile
    assert loaded.fragment(body) is None  # rendered again: never bytes read at a stale offset


def test_no_cache_writes_no_cache(tmp_path):
    shutil.copytree(DEMO, tmp_path / "content")
    cold_digest(tmp_path / "content", tmp_path / "out")
    assert not (tmp_path / FOLDER).exists()


# --- engine.py: serve's partial builds ---------------------------------------------------------------------

def test_live_rebuilds_equal_cold_builds_after_edits_adds_deletes_and_renames(site_dir, tmp_path):
    import datetime as dt
    content = site_dir / "content"
    live = live_engine(Options(content=content, output=tmp_path / "live", today=dt.date.fromisoformat(TODAY)))
    first = live.build()
    assert first.everything
    total = first.rendered
    risks = content / "risks"

    def edit():
        path = risks / "risk-00003.md"
        path.write_text(path.read_text().replace("title: ", "title: Ändrad ", 1))
        return [path]

    def add():
        shutil.copy(risks / "risk-00004.md", risks / "helt-ny.md")
        return [risks / "helt-ny.md"]

    def rename():
        (risks / "helt-ny.md").rename(risks / "omdopt.md")
        return [risks / "helt-ny.md", risks / "omdopt.md"]

    def delete():
        (risks / "omdopt.md").unlink()
        return [risks / "omdopt.md"]

    def retitle_a_source():
        path = content / "sources" / "kalla-00001.md"
        path.write_text(path.read_text().replace("title: ", "title: Ny källa ", 1))
        return [path]

    def move_a_risk_to_another_unit():  # it leaves one unit's feed and page for another's
        path = risks / "risk-00005.md"
        text = path.read_text()
        current = re.search(r"^unit: (.+)$", text, re.M).group(1)
        other = next(p.stem for p in sorted((content / "units").glob("*.md")) if p.stem != current)
        path.write_text(text.replace(f"unit: {current}", f"unit: {other}", 1))
        return [path]

    def update_a_risk():  # newest first in the feeds
        path = risks / "risk-00007.md"
        path.write_text(re.sub(r"^updated: .+$", "updated: 2026-11-27", path.read_text(), count=1, flags=re.M))
        return [path]

    def rewrite_a_risks_text():  # the commonest edit: only its page and the data page (sizes) show it
        path = risks / "risk-00008.md"
        path.write_text(path.read_text() + "\nEtt nytt stycke om uppföljningen.\n")
        return [path]

    def link_a_mission_from_the_text():  # a new link: both pages and the lists show it
        path = risks / "risk-00008.md"
        mission = sorted((content / "missions").glob("*.md"))[-1].stem
        path.write_text(path.read_text() + f"\nSe också [[mission:{mission}]].\n")
        return [path]

    for step in (edit, add, rename, delete, retitle_a_source, move_a_risk_to_another_unit, update_a_risk,
                 rewrite_a_risks_text, link_a_mission_from_the_text):
        result = live.build(step())
        assert not result.everything and result.rendered < total / 2
        if step is rewrite_a_risks_text:
            assert result.rendered == 2
        assert without_search(tree_digest(tmp_path / "live")) == without_search(cold_digest(content, tmp_path / "cold"))


def test_a_broken_edit_keeps_the_last_good_site_and_its_fix_rebuilds(site_dir, tmp_path):
    import datetime as dt
    content = site_dir / "content"
    live = live_engine(Options(content=content, output=tmp_path / "live", today=dt.date.fromisoformat(TODAY)))
    live.build()
    good = tree_digest(tmp_path / "live")
    risk = content / "risks" / "risk-00005.md"
    original = risk.read_text()
    risk.write_text(original.replace("probability: ", "probability: 9", 1))
    ok, diagnostics = attempt(live, [risk])
    assert not ok
    assert any(d.location.path == "content/risks/risk-00005.md" for d in diagnostics)
    assert tree_digest(tmp_path / "live") == good
    risk.write_text(original.replace("title: ", "title: Lagad ", 1))
    live.build([risk])
    assert "Lagad" in (tmp_path / "live/risks/risk-00005/index.html").read_text()
    assert without_search(tree_digest(tmp_path / "live")) == without_search(cold_digest(content, tmp_path / "cold"))


def test_a_folder_level_problem_clears_when_only_its_files_are_named_again(site_dir, tmp_path):
    """A kind folder swapped for a link out of content/ and back: a caller naming the files that
    came back (not the folder) still gets the problem cleared and a cold build's output."""
    import datetime as dt
    content = site_dir / "content"
    live = live_engine(Options(content=content, output=tmp_path / "live", today=dt.date.fromisoformat(TODAY)))
    live.build()
    risks, elsewhere = content / "risks", tmp_path / "elsewhere"
    files = sorted(risks.glob("*.md"))
    risks.rename(elsewhere)
    risks.symlink_to(elsewhere, target_is_directory=True)
    ok, diagnostics = attempt(live, files + [risks])
    assert not ok
    assert any(d.code == "symlink_outside" and d.location.path == "content/risks" for d in diagnostics)
    risks.unlink()
    elsewhere.rename(risks)
    (risks / files[0].name).write_text(files[0].read_text().replace("title: ", "title: Tillbaka ", 1))
    ok, diagnostics = attempt(live, files)
    assert ok, [d.code for d in diagnostics]
    assert "Tillbaka" in (tmp_path / "live/risks" / files[0].stem / "index.html").read_text()
    assert without_search(tree_digest(tmp_path / "live")) == without_search(cold_digest(content, tmp_path / "cold"))


def test_a_settings_change_rebuilds_every_page(site_dir, tmp_path):
    import datetime as dt
    content = site_dir / "content"
    live = live_engine(Options(content=content, output=tmp_path / "live", today=dt.date.fromisoformat(TODAY)))
    live.build()
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("organisation: Testkommunen", "organisation: Annan kommun"))
    assert live.build([site_yaml]).everything
    assert without_search(tree_digest(tmp_path / "live")) == without_search(cold_digest(content, tmp_path / "cold"))


def test_live_messages_equal_a_cold_checks_after_each_edit(site_dir, tmp_path):
    """The live build reuses what unchanged files' references resolved to: the messages about
    them (a link to a draft, an unknown id and its nearest ids) must still be a cold check's."""
    import datetime as dt
    content = site_dir / "content"
    options = Options(content=content, output=tmp_path / "live", today=dt.date.fromisoformat(TODAY))
    live = live_engine(options)
    live.build()
    risk = content / "risks" / "risk-00001.md"
    mission_id = re.search(r"^missions: \[([^,\]]+)", risk.read_text(), re.M).group(1)
    mission = content / "missions" / f"{mission_id}.md"
    plan = sorted((content / "plans").glob("*.md"))[0]

    def messages(diagnostics):
        return sorted((d.level, d.code, d.location.path, d.location.line, sorted(d.params.items()))
                      for d in diagnostics if d.level != "notice")  # notices: the git history's, not the check's

    def make_draft():  # every risk naming the mission now links to a draft: a warning each
        mission.write_text(mission.read_text().replace("---\n", "---\ndraft: true\n", 1))
        return [mission]

    def edit_the_risk():
        risk.write_text(risk.read_text() + "\nEtt nytt stycke.\n")
        return [risk]

    def edit_another_file():
        plan.write_text(plan.read_text() + "\nEtt nytt stycke.\n")
        return [plan]

    def link_a_risk_not_yet_written():
        plan.write_text(plan.read_text() + "\nSe [[risk:risk-ny]].\n")
        return [plan]

    def write_that_risk():
        shutil.copy(risk, content / "risks" / "risk-ny.md")
        return [content / "risks" / "risk-ny.md"]

    def name_it_wrongly():  # the message names the nearest ids: they change with a new file
        (content / "risks" / "risk-ny.md").rename(content / "risks" / "risk-nyy.md")
        return [content / "risks" / "risk-ny.md", content / "risks" / "risk-nyy.md"]

    for step in (make_draft, edit_the_risk, edit_another_file, link_a_risk_not_yet_written,
                 write_that_risk, name_it_wrongly):
        ok, diagnostics = attempt(live, step())
        cold = check(options)
        assert messages(diagnostics) == messages(cold.diagnostics), step.__name__
        assert ok == (cold.site is not None), step.__name__
    assert any(d.code == "ref_to_draft" for d in diagnostics)
    assert any(d.code == "unknown_ref" and "risk-nyy" in d.params["nearest"] for d in diagnostics)


def test_two_goals_of_one_plan_keep_their_own_rows_in_the_live_preview(tmp_path):
    """The plans page lists goals by status; a status with only one goal of a plan must show that
    goal, not the plan's goal of another status that the live preview rendered first."""
    import datetime as dt
    content = tmp_path / "content"
    shutil.copytree(DEMO, content)
    plan = content / "plans" / "internkontrollplan-2021.md"
    plan.write_text(plan.read_text().replace("    status: not-started", "    status: ongoing", 1)
                    .replace("    status: not-started", "    status: done", 1))
    live = live_engine(Options(content=content, output=tmp_path / "live", today=dt.date.fromisoformat(TODAY)))
    live.build()
    page = (tmp_path / "live" / "plans" / "index.html").read_text()
    done = page[page.index('id="goals-done"'):]
    assert "följa upp deltagandet" in done[:done.index("</ul>")]
    assert without_search(tree_digest(tmp_path / "live")) == without_search(cold_digest(content, tmp_path / "cold"))


def test_a_preview_left_running_past_a_review_date_warns_of_it(tmp_path):
    """serve keeps each file's validation between edits; a review that falls due while it runs
    (its 'today' moves on at midnight) must be reported at the next edit, as a cold check does."""
    import dataclasses
    import datetime as dt
    content = tmp_path / "content"
    shutil.copytree(SITES / "basic" / "content", content)
    options = Options(content=content, output=tmp_path / "live", today=dt.date(2030, 1, 15))
    live = live_engine(options)
    assert not [d for d in live.build().diagnostics if d.code == "review_overdue"]
    live.options = dataclasses.replace(options, today=dt.date(2030, 1, 16))
    other = sorted((content / "missions").glob("*.md"))[0]
    other.write_text(other.read_text() + "\nEtt nytt stycke.\n")
    overdue = [d for d in live.build([other]).diagnostics if d.code == "review_overdue"]
    assert [(d.location.path, d.location.line, d.params["date"]) for d in overdue] == \
        [("content/risks/lokalbrist.md", 9, "2030-01-15")]


def test_edits_that_move_a_risk_through_long_lists_equal_cold_builds(tmp_path):
    """A risk moved to the other end of every list (the register, the A–Ö index, the groupings),
    or to another cell of the matrix, must leave each list as a cold build makes it."""
    import datetime as dt
    generate(300, tmp_path / "site", words=40)  # 105 risks: several runs per list
    content = tmp_path / "site" / "content"
    live = live_engine(Options(content=content, output=tmp_path / "live", today=dt.date.fromisoformat(TODAY)))
    live.build()
    risks = sorted((content / "risks").glob("*.md"))

    def retitle(path, prefix):
        path.write_text(path.read_text().replace("title: ", f"title: {prefix} ", 1))
        return [path]

    def rerate(path):
        text = path.read_text()
        level = int(re.search(r"^probability: (\d)", text, re.M).group(1))
        path.write_text(re.sub(r"^probability: \d", f"probability: {level % 5 + 1}", text, count=1, flags=re.M))
        return [path]

    for step in (lambda: retitle(risks[10], "Ödsligt"), lambda: retitle(risks[60], "Aaa"),
                 lambda: rerate(risks[30]), lambda: retitle(risks[10], "Abc") + rerate(risks[60])):
        assert not live.build(step()).everything
        assert without_search(tree_digest(tmp_path / "live")) == without_search(cold_digest(content, tmp_path / "cold"))


@pytest.mark.skipif(not DEEP, reason="GOVSITE_DEEP_TESTS=1: many random live edits")
def test_many_random_live_edits_equal_cold_builds(site_dir, tmp_path):
    import datetime as dt
    content = site_dir / "content"
    live = live_engine(Options(content=content, output=tmp_path / "live", today=dt.date.fromisoformat(TODAY)))
    live.build()
    rng = random.Random(66)
    for _ in range(10):
        before = {p: p.stat().st_mtime_ns for p in content.rglob("*.md")}
        edit_randomly(content, rng, rng.randint(1, 3))
        changed = [p for p in content.rglob("*.md") if before.get(p) != p.stat().st_mtime_ns]
        live.build(changed)
        assert without_search(tree_digest(tmp_path / "live")) == without_search(cold_digest(content, tmp_path / "cold"))


# --- engine.py: the CLI's partial builds, with the cache ----------------------------------

def test_cli_builds_after_edits_render_only_what_changed_and_equal_cold_builds(site_dir, tmp_path):
    """`govsite build` after an edit renders only the pages whose inputs changed (as a deploy with
    a restored cache does), and its output, search index included, is a cold build's."""
    import datetime as dt
    content = site_dir / "content"
    out = tmp_path / "out"
    build(content, out)
    risk = content / "risks" / "risk-00008.md"
    for edit in (lambda text: text + "\nEtt nytt stycke om uppföljningen.\n",
                 lambda text: text.replace("title: ", "title: Ändrad ", 1)):
        risk.write_text(edit(risk.read_text()))
        build(content, out)
        assert tree_digest(out) == cold_digest(content, tmp_path / "cold")
    # What the CLI's build did on the last edit, by the same engine in this process:
    risk.write_text(risk.read_text() + "\nÄnnu ett stycke.\n")
    result = Engine(Options(content=content, output=out, today=dt.date.fromisoformat(TODAY))).build()
    assert not result.everything and result.rendered == 2  # its page and the data page (its sizes)
    assert tree_digest(out) == cold_digest(content, tmp_path / "cold")


def test_a_cli_build_whose_output_was_changed_since_renders_everything(site_dir, tmp_path):
    import datetime as dt
    content = site_dir / "content"
    out = tmp_path / "out"
    build(content, out)
    shutil.rmtree(out)
    build(content, out, "--no-cache")  # another output in its place: the fingerprints describe none of it
    risk = content / "risks" / "risk-00008.md"
    risk.write_text(risk.read_text() + "\nEtt nytt stycke.\n")
    result = Engine(Options(content=content, output=out, today=dt.date.fromisoformat(TODAY))).build()
    assert result.everything


def test_a_cli_build_after_an_edit_indexes_again_only_the_part_of_the_search_index_it_changed(site_dir, tmp_path):
    content = site_dir / "content"
    out = tmp_path / "out"
    parts = ("--search-part-pages", "15")
    build(content, out, *parts)
    index = {p: p.stat().st_ino for p in (out / "pagefind").rglob("*") if p.is_file()}
    folders = {p.relative_to(out).parts[1] for p in index if p.relative_to(out).parts[1].isdigit()}
    assert len(folders) >= 3
    risk = content / "risks" / "risk-00008.md"
    risk.write_text(risk.read_text() + "\nEtt nytt stycke om uppföljningen.\n")
    build(content, out, *parts)
    untouched = {folder for folder in folders
                 if all(index.get(p) == p.stat().st_ino for p in (out / "pagefind" / folder).rglob("*") if p.is_file())}
    assert len(untouched) == len(folders) - 1  # the parts without the edited page: not one file written
    cold = run_govsite("build", "--no-cache", "--content", content, "--output", tmp_path / "cold", "--today", TODAY,
                       *parts)
    assert cold.returncode == 0, cold.stderr
    assert tree_digest(out) == tree_digest(tmp_path / "cold")
