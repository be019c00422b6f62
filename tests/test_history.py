"""Change history from a real git repository: commits with fixed dates, a real CLI build."""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SITES, run_govsite

TODAY = "2024-06-01"


def git(repo: Path, *args, date: str = "2024-01-10T09:00:00+01:00") -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_AUTHOR_NAME": "Kommunikatören", "GIT_AUTHOR_EMAIL": "info@provkommun.example",
           "GIT_COMMITTER_NAME": "Kommunikatören", "GIT_COMMITTER_EMAIL": "info@provkommun.example",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("GIT_DIR", None)
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


def commit(repo: Path, message: str, date: str) -> None:
    git(repo, "add", "-A", date=date)
    git(repo, "commit", "-q", "-m", message, date=date)


def make_repo(root: Path) -> Path:
    """The basic site in a git repository, changed over several commits."""
    repo = root / "repo"
    shutil.copytree(SITES / "basic", repo, ignore=shutil.ignore_patterns(".govsite-cache"))
    content = repo / "content"
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "Första versionen av webbplatsen", "2024-01-10T09:00:00+01:00")

    edit(content / "risks" / "lokalbrist.md", "probability: 3", "probability: 2")
    edit(content / "risks" / "lokalbrist.md", "status: mitigating", "status: open")
    edit(content / "risks" / "lokalbrist.md", "owner: Fritidschefen", "owner: Kultur- och fritidschefen")
    commit(repo, "Ny bedömning efter vårens bokningar", "2024-02-01T10:00:00+01:00")

    edit(content / "plans" / "vp-2024.md", "progress: 40", "progress: 65")
    edit(content / "plans" / "vp-2024.md", "    status: not-started", "    status: ongoing")
    edit(content / "plans" / "vp-2024.md", "period:", "history:\n  - {date: 2023-12-12, text: Nämnden antog planen.}\nperiod:")
    commit(repo, "Uppföljning efter första kvartalet", "2024-03-05T08:30:00+01:00")

    edit(content / "arenas" / "foreningsdialog.md", "  - {name: Polisen, type: polis}\n",
         "  - {name: Studieförbunden, type: förening}\n")
    edit(content / "arenas" / "foreningsdialog.md", "ends: 2024-12-31", "ends: 2024-10-31")
    commit(repo, "Polisen lämnar arenan, studieförbunden kommer in", "2024-04-02T14:00:00+02:00")

    git(repo, "mv", "content/risks/lag.md", "content/risks/installda-evenemang.md")
    edit(content / "risks" / "installda-evenemang.md", "probability: 1", "probability: 2")
    edit(content / "arenas" / "foreningsdialog.md", "risks: [lokalbrist]", "risks: [lokalbrist, installda-evenemang]")
    commit(repo, "Tydligare namn på risken för inställda evenemang", "2024-05-06T09:15:00+02:00")

    edit(content / "missions" / "hemlig.md", "draft: true\n", "")
    commit(repo, "Uppdraget är klart att visas", "2024-05-10T11:00:00+02:00")
    return repo


def build(content: Path, output: Path, *extra):
    result = run_govsite("build", "--content", content, "--output", output, "--today", TODAY, *extra)
    assert result.returncode == 0, result.stderr
    return result


def section(page: Path, css_class: str = "history") -> list[str]:
    """The lines a reader sees in a section, tags stripped."""
    text = page.read_text("utf-8")
    match = re.search(rf'<(section|ol) class="(?:[^"]*\s)?{css_class}(?:\s[^"]*)?".*?</\1>', text, re.S)
    assert match, f"no {css_class} in {page}"
    lines = []
    for item in re.split(r"</?(?:li|p|h2)[^>]*>", match.group(0)):
        words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split())
        words = words.replace(" .", ".").replace(" :", ":")
        if words:
            lines.append(words)
    return lines


@pytest.fixture(scope="module")
def repo_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    repo = make_repo(root)
    output = root / "output"
    result = build(repo / "content", output)
    return repo, output, result


def test_risk_history_in_plain_words(repo_site):
    _, output, result = repo_site
    assert "obs:" not in result.stderr
    assert section(output / "risks" / "lokalbrist" / "index.html") == [
        "Ändringshistorik",
        "1 februari 2024: Ny bedömning efter vårens bokningar",
        "Sannolikheten sänktes från 3 (Möjlig) till 2 (Mindre sannolik).",
        "Riskvärdet sänktes från 12 (Hög) till 8 (Medel).",
        "Statusen ändrades från Åtgärdas till Öppen.",
        "Riskägaren ändrades från Fritidschefen till Kultur- och fritidschefen.",
        "10 januari 2024: Första versionen av webbplatsen",
        "Publicerades på webbplatsen.",
    ]


def test_renamed_file_keeps_its_history(repo_site):
    _, output, _ = repo_site
    assert not (output / "risks" / "lag").exists()
    assert section(output / "risks" / "installda-evenemang" / "index.html") == [
        "Ändringshistorik",
        "6 maj 2024: Tydligare namn på risken för inställda evenemang",
        "Sannolikheten höjdes från 1 (Osannolik) till 2 (Mindre sannolik).",
        "Riskvärdet höjdes från 2 (Låg) till 4 (Medel).",
        "10 januari 2024: Första versionen av webbplatsen",
        "Publicerades på webbplatsen.",
    ]


def test_goal_progress_and_front_matter_history_merged(repo_site):
    _, output, _ = repo_site
    assert section(output / "plans" / "vp-2024" / "index.html") == [
        "Ändringshistorik",
        "5 mars 2024: Uppföljning efter första kvartalet",
        "Målet ”Fler lokaler för föreningar” – genomfört höjdes från 40 till 65 procent.",
        "Målet ”Nöjdare föreningar” bytte status från Ej påbörjat till Pågår.",
        "10 januari 2024: Första versionen av webbplatsen",
        "Publicerades på webbplatsen.",
        "12 december 2023: Nämnden antog planen.",
    ]


def test_arena_partners_dates_and_references(repo_site):
    _, output, _ = repo_site
    assert section(output / "arenas" / "foreningsdialog" / "index.html") == [
        "Ändringshistorik",
        "6 maj 2024: Tydligare namn på risken för inställda evenemang",
        "Kopplades till risken ”Låg risk för inställda evenemang”.",
        "2 april 2024: Polisen lämnar arenan, studieförbunden kommer in",
        "Slutdatumet ändrades från 31 december 2024 till 31 oktober 2024.",
        "Ny samverkanspart: Studieförbunden (förening).",
        "Polisen (polis) är inte längre samverkanspart.",
        "10 januari 2024: Första versionen av webbplatsen",
        "Publicerades på webbplatsen.",
    ]


def test_recent_changes_page(repo_site):
    _, output, _ = repo_site
    page = output / "andringar" / "index.html"
    lines = section(page, "changes")
    assert lines[:11] == [
        "10 maj 2024: Ett uppdrag under arbete (uppdrag) – Uppdraget är klart att visas",
        "Publicerades på webbplatsen (var utkast).",
        "6 maj 2024: Låg risk för inställda evenemang (risk) – Tydligare namn på risken för inställda evenemang",
        "Sannolikheten höjdes från 1 (Osannolik) till 2 (Mindre sannolik).",
        "Riskvärdet höjdes från 2 (Låg) till 4 (Medel).",
        "6 maj 2024: Föreningsdialog om lokaler (samverkansarena) – Tydligare namn på risken för inställda evenemang",
        "Kopplades till risken ”Låg risk för inställda evenemang”.",
        "2 april 2024: Föreningsdialog om lokaler (samverkansarena) – Polisen lämnar arenan, studieförbunden kommer in",
        "Slutdatumet ändrades från 31 december 2024 till 31 oktober 2024.",
        "Ny samverkanspart: Studieförbunden (förening).",
        "Polisen (polis) är inte längre samverkanspart.",
    ]
    text = page.read_text("utf-8")
    assert "<h1>Senaste ändringar</h1>" in text
    assert '<a href="../arenas/foreningsdialog/">Föreningsdialog om lokaler</a>' in text
    # every page links to it from the footer
    home = (output / "index.html").read_text("utf-8")
    assert '<a href="andringar/">Senaste ändringar</a>' in home


def test_draft_then_published(repo_site):
    _, output, _ = repo_site
    assert section(output / "missions" / "hemlig" / "index.html") == [
        "Ändringshistorik",
        "10 maj 2024: Uppdraget är klart att visas",
        "Publicerades på webbplatsen (var utkast).",
        "10 januari 2024: Första versionen av webbplatsen",
        "Skapades som utkast.",
    ]


def test_cached_rebuild_and_new_commit(repo_site, tmp_path):
    repo, output, _ = repo_site
    caches = list((repo / ".git" / "govsite").glob("history-*.json"))  # in git's folder, never the working tree
    assert len(caches) == 1
    assert not list((repo / ".govsite-cache").glob("history-*"))
    first = (output / "andringar" / "index.html").read_bytes()
    again = tmp_path / "again"
    build(repo / "content", again)
    assert (again / "andringar" / "index.html").read_bytes() == first
    caches[0].write_text("{ not json", "utf-8")  # a corrupt cache is read again from git
    corrupt = tmp_path / "corrupt"
    build(repo / "content", corrupt)
    assert (corrupt / "andringar" / "index.html").read_bytes() == first

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    build(clone / "content", tmp_path / "o1")
    edit(clone / "content" / "risks" / "lokalbrist.md", "severity: 4", "severity: 3")
    commit(clone, "Konsekvensen bedöms lägre", "2024-05-20T09:00:00+02:00")
    build(clone / "content", tmp_path / "o2")
    cache = json.loads(next((clone / ".git" / "govsite").glob("history-*.json")).read_text("utf-8"))
    assert cache["head"] == git(clone, "rev-parse", "HEAD").strip()
    assert len(cache["commits"]) == 7
    assert section(tmp_path / "o2" / "risks" / "lokalbrist" / "index.html")[1:4] == [
        "20 maj 2024: Konsekvensen bedöms lägre",
        "Konsekvensen sänktes från 4 (Allvarlig) till 3 (Kännbar).",
        "Riskvärdet sänktes från 8 (Medel) till 6 (Medel).",
    ]


def test_without_git_builds_with_a_notice(repo_site, tmp_path):
    repo, output, _ = repo_site
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".git", ".govsite-cache"))
    result = build(copy / "content", tmp_path / "out")
    notices = [line for line in result.stderr.splitlines() if ": obs: " in line]
    assert notices == [f"{copy / 'content'}: obs: innehållet ligger inte i ett git-arkiv, så sidorna visar "
                       "ingen ändringshistorik. Lägg webbplatsen i git för att visa vad som ändrats, när och varför."]
    assert "Klart:" in result.stdout
    # a risk has no history section; the plan keeps its front-matter history
    assert 'class="history"' not in (tmp_path / "out" / "risks" / "lokalbrist" / "index.html").read_text("utf-8")
    assert section(tmp_path / "out" / "plans" / "vp-2024" / "index.html") == [
        "Ändringshistorik", "12 december 2023: Nämnden antog planen."]
    assert "Inga ändringar är kända ännu." in (tmp_path / "out" / "andringar" / "index.html").read_text("utf-8")
    # everything but the history (and the risk's value over time, read from it) is what the repository's build shows
    for page in ("risks/lokalbrist/index.html", "arenas/foreningsdialog/index.html"):
        strip = lambda p: re.sub(r'<section class="(?:history|trend)".*?</section>\n|'
                                 r' <span class="trend-mark \w+"><span aria-hidden="true">.</span> [^<]*</span>', "",
                                 p.read_text("utf-8"), flags=re.S)
        assert strip(tmp_path / "out" / page) == strip(output / page)


def test_shallow_clone_builds_with_a_notice(repo_site, tmp_path):
    repo, _, _ = repo_site
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    result = build(shallow / "content", tmp_path / "out")
    assert "obs: git-arkivet är en grund klon utan hela historiken" in result.stderr
    assert 'class="history"' not in (tmp_path / "out" / "risks" / "lokalbrist" / "index.html").read_text("utf-8")


def test_english_site(repo_site, tmp_path):
    repo, _, _ = repo_site
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    edit(clone / "content" / "site.yaml", "language: sv", "language: en")
    build(clone / "content", tmp_path / "out")
    assert section(tmp_path / "out" / "risks" / "lokalbrist" / "index.html")[:6] == [
        "Change history",
        "1 February 2024: Ny bedömning efter vårens bokningar",
        "The probability was lowered from 3 (Possible) to 2 (Less likely).",
        "The risk value was lowered from 12 (High) to 8 (Medium).",
        "The status was changed from Being addressed to Open.",
        "The risk owner was changed from Fritidschefen to Kultur- och fritidschefen.",
    ]


def test_demo_pages_show_the_repositorys_own_history(demo_site):
    from conftest import ROOT
    log = subprocess.run(["git", "log", "-1", "--format=%s", "--", "content/risks/svagt-kulturutbud.md"],
                         cwd=ROOT, capture_output=True, text=True)
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True)
    if log.returncode != 0 or not log.stdout.strip() or shallow.stdout.strip() != "false":
        pytest.skip("the checkout has no git history")
    lines = section(demo_site / "risks" / "svagt-kulturutbud" / "index.html")
    assert lines[0] == "Ändringshistorik"
    assert log.stdout.strip() not in lines[1]  # the demo hides this repository's developer messages
    assert re.fullmatch(r"\d{1,2} \w+ \d{4}", lines[1]), lines[1]
    assert lines[-2:] == ["16 mars 2021: Tillväxtförvaltningens riskbedömning, där risken ingår, "
                          "fanns bland handlingarna till tillväxtnämndens sammanträde.",
                          "17 november 2020: Exempel: i förra årets riskbedömning var sannolikheten möjlig (3) och "
                          "konsekvensen kännbar (3), riskvärde 9."]
    assert "Senaste ändringar" in (demo_site / "andringar" / "index.html").read_text("utf-8")


def test_history_as_plain_data_for_feeds_and_open_data(repo_site):
    """recent_changes() and history_as_data() feed the Atom feed and the open-data JSON."""
    from govsite.errors import Diagnostics
    from govsite.history import history_as_data, recent_changes, with_history
    from govsite.pipeline import Options, load

    repo, _, _ = repo_site
    options = Options(content=repo / "content", today=__import__("datetime").date(2024, 6, 1))
    diagnostics = Diagnostics()
    _, site = load(options, diagnostics)
    site = with_history(site, options, diagnostics)
    recent = recent_changes(site, 3)[1:]
    assert [(c["date"], c["key"], c["message"]) for c in recent] == [
        ("2024-05-06", ["risks", "installda-evenemang"], "Tydligare namn på risken för inställda evenemang"),
        ("2024-05-06", ["arenas", "foreningsdialog"], "Tydligare namn på risken för inställda evenemang"),
    ]
    assert len(recent[0]["commit"]) == 40
    risk = history_as_data(site, ("risks", "lokalbrist"))
    assert [c["date"] for c in risk] == ["2024-02-01", "2024-01-10"]
    assert risk[0]["details"][1] == "Riskvärdet sänktes från 12 (Hög) till 8 (Medel)."


def test_reader_follows_the_footer_to_recent_changes_in_a_browser(repo_site):
    """Under a GitHub Pages sub-path, in Debian's Chromium: footer link, list, link back, no axe violations."""
    from urllib.parse import urlsplit

    from axe_playwright_python.sync_playwright import Axe
    from browser import chromium
    from govsite.static_server import serve_like_pages

    _, output, _ = repo_site
    with chromium() as browser, serve_like_pages(output, "/repo/") as base:
        page = browser.new_page()
        page.goto(base + "risks/lokalbrist/")
        assert page.get_by_role("heading", name="Ändringshistorik").is_visible()
        page.get_by_role("contentinfo").get_by_role("link", name="Senaste ändringar").click()
        assert urlsplit(page.url).path == "/repo/andringar/"
        assert page.locator("h1").inner_text() == "Senaste ändringar"
        results = Axe().run(page, options={"runOnly": {"type": "tag",
                                                       "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
        assert results.violations_count == 0, results.generate_report()
        page.get_by_role("link", name="Ett uppdrag under arbete").first.click()
        assert urlsplit(page.url).path == "/repo/missions/hemlig/"
        assert page.locator(".history li").first.inner_text().startswith("10 maj 2024: Uppdraget är klart att visas")
        page.close()


def test_facts_for_every_field_that_matters():
    """history_facts.describe on parsed front matter, with the basic site's titles and matrix."""
    from govsite.errors import Diagnostics
    from govsite.history_facts import Context, describe
    from govsite.locale import Locale
    from govsite.pipeline import Options, load

    _, site = load(Options(content=SITES / "basic" / "content"), Diagnostics())
    context = Context(Locale.load("sv"), site)

    def facts(kind, old, new, body=("a", "a")):
        return describe(kind, {"fm": old, "body": body[0]}, {"fm": new, "body": body[1]}, context)

    assert facts("risks", {"title": "A", "owner": "X", "missions": ["utbud"], "unit": "enheten"},
                 {"title": "B", "missions": [], "unit": "namnden", "sources": ["artikel"]}, ("a", "b")) == [
        "Rubriken ändrades från ”A” till ”B”.",
        "Riskägaren X togs bort.",
        "Kopplades till enheten ”Kulturnämnden”.",
        "Kopplingen till enheten ”Fritidsenheten” togs bort.",
        "Kopplingen till uppdraget ”Ett brett fritidsutbud” togs bort.",
        "Kopplades till källan ”Artikel om lokalbrist”.",
        "Texten ändrades.",
    ]
    goals_before = [{"id": "a", "title": "Mål A", "progress": 10}, {"id": "b", "title": "Mål B"}]
    goals_after = [{"id": "a", "title": "Mål A", "progress": 5, "status": "done"}, {"id": "c", "title": "Mål C"}]
    assert facts("plans", {"goals": goals_before}, {"goals": goals_after}) == [
        "Målet ”Mål A” bytte status från Ej påbörjat till Genomfört.",
        "Målet ”Mål A” – genomfört sänktes från 10 till 5 procent.",
        "Målet ”Mål C” lades till.",
        "Målet ”Mål B” togs bort.",
    ]
    assert facts("arenas", {"starts": "2024-01-01"}, {"starts": "2024-02-01", "status": "closed"}) == [
        "Startdatumet ändrades från 1 januari 2024 till 1 februari 2024.",
        "Statusen sattes till Avslutad.",
    ]
    # values that were invalid in an old version are left out, never a crash
    assert facts("risks", {"probability": "hög", "severity": [1]}, {"probability": 2, "severity": 3}) == []
    assert facts("risks", None, {"title": "x"}) == []


def test_rebuild_without_new_commits_runs_no_git_log(repo_site, tmp_path):
    """A wrapper in PATH records every git command the build runs."""
    repo, _, _ = repo_site
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    real_git = shutil.which("git")
    record = tmp_path / "git-calls.txt"
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {record}\nexec {real_git} "$@"\n', "utf-8")
    wrapper.chmod(0o755)
    env = {"PATH": f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}"}

    def calls(name):
        record.write_text("", "utf-8")
        result = run_govsite("build", "--content", clone / "content", "--output", tmp_path / name,
                             "--today", TODAY, env=env)
        assert result.returncode == 0, result.stderr
        def command(words):  # the git command after any "-c NAME=VALUE" options
            while words[0] == "-c":
                words = words[2:]
            return words[0]
        return [command(line.split()) for line in record.read_text("utf-8").splitlines()]

    # The first rev-parse is the build's check of its inputs (pipeline: a new commit is a change).
    assert calls("first") == ["rev-parse", "rev-parse", "log", "cat-file"]
    assert calls("second") == ["ls-files", "rev-parse", "rev-parse"]  # ls-files: is the cache committed?
    edit(clone / "content" / "risks" / "lokalbrist.md", "severity: 4", "severity: 3")
    commit(clone, "Konsekvensen bedöms lägre", "2024-05-20T09:00:00+02:00")
    assert calls("third") == ["ls-files", "rev-parse", "rev-parse", "merge-base", "log", "cat-file"]


def test_feed_and_open_data_carry_the_history(repo_site):
    """The Atom feed tells a follower what changed; the risk's JSON holds its history."""
    import xml.etree.ElementTree as ET

    _, output, _ = repo_site
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(output / "feed.xml").getroot()
    entries = {e.find(f"{atom}title").text: e for e in feed.iter(f"{atom}entry")}
    raised = entries.get("Brist på lokaler för föreningslivet: Ny bedömning efter vårens bokningar")
    assert raised is not None, sorted(entries)
    assert "Riskvärdet sänktes från 12 (Hög) till 8 (Medel)." in raised.find(f"{atom}summary").text
    assert raised.find(f"{atom}updated").text == "2024-02-01T00:00:00Z"
    assert raised.find(f"{atom}link").get("href").endswith("/risks/lokalbrist/")
    unit_feeds = list((output / "units").glob("*/feed.xml"))
    assert any("Ny bedömning efter vårens bokningar" in f.read_text("utf-8") for f in unit_feeds)
    data = json.loads((output / "data" / "risks" / "lokalbrist.json").read_text("utf-8"))
    assert [(c["date"], c["message"]) for c in data["changes"]] == [
        ("2024-02-01", "Ny bedömning efter vårens bokningar"), ("2024-01-10", "Första versionen av webbplatsen")]
    assert "Riskvärdet sänktes från 12 (Hög) till 8 (Medel)." in data["changes"][0]["details"]


def test_live_preview_shows_a_commit_made_while_it_runs_at_the_next_edit(repo_site, tmp_path):
    """A communicator saves, commits, then edits only a text: the recent changes show the commit."""
    import datetime as dt

    from govsite.engine import Engine
    from govsite.pipeline import Options
    repo, _, _ = repo_site
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    content = clone / "content"
    options = Options(content=content, output=tmp_path / "live", today=dt.date.fromisoformat(TODAY))
    live = Engine(options, keep_files=True)
    live.build()
    risk = content / "risks" / "lokalbrist.md"
    edit(risk, "severity: 4", "severity: 3")
    live.build([risk])
    commit(clone, "Konsekvensen bedöms lägre", "2024-05-20T09:00:00+02:00")
    other = content / "risks" / "installda-evenemang.md"
    other.write_text(other.read_text("utf-8") + "\nEtt nytt stycke om uppföljningen.\n", "utf-8")
    live.build([other])
    changes = section(tmp_path / "live" / "andringar" / "index.html", "changes")
    assert changes[:2] == ["20 maj 2024: Brist på lokaler för föreningslivet (risk) – Konsekvensen bedöms lägre",
                           "Konsekvensen sänktes från 4 (Allvarlig) till 3 (Kännbar)."]


def test_a_web_editors_default_message_shows_its_facts_but_not_its_words(repo_site, tmp_path):
    """GitHub's web editor writes "Update risks/x.md"; a merge says "Merge pull request #12 from …".
    Neither tells a citizen why: the facts of the change are shown, the message is not."""
    repo, _, _ = repo_site
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    edit(clone / "content" / "risks" / "lokalbrist.md", "probability: 2", "probability: 1")
    commit(clone, "Update lokalbrist.md", "2024-05-20T09:00:00+02:00")
    edit(clone / "content" / "risks" / "lokalbrist.md", "severity: 4", "severity: 3")
    commit(clone, "Merge pull request #12 from provkommun/patch-1", "2024-05-21T09:00:00+02:00")
    build(clone / "content", tmp_path / "out")
    lines = section(tmp_path / "out" / "risks" / "lokalbrist" / "index.html")
    assert lines[1:5] == ["21 maj 2024", "Konsekvensen sänktes från 4 (Allvarlig) till 3 (Kännbar).",
                          "Riskvärdet sänktes från 4 (Medel) till 3 (Låg).", "20 maj 2024"]
    assert lines[5] == "Sannolikheten sänktes från 2 (Mindre sannolik) till 1 (Osannolik)."
    assert "1 februari 2024: Ny bedömning efter vårens bokningar" in lines  # a person's words stay
    page = (tmp_path / "out" / "andringar" / "index.html").read_text("utf-8")
    assert "Update lokalbrist.md" not in page and "Merge pull request" not in page
    feed = (tmp_path / "out" / "feed.xml").read_text("utf-8")
    assert "Merge pull request" not in feed and "Konsekvensen sänktes från 4" in feed


def test_commit_messages_can_be_hidden_keeping_the_facts_and_the_contents_own_notes(repo_site, tmp_path):
    repo, _, _ = repo_site
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    (clone / "content" / "site.yaml").write_text(
        (clone / "content" / "site.yaml").read_text("utf-8") + "history: {commit_messages: false}\n", "utf-8")
    build(clone / "content", tmp_path / "out")
    assert section(tmp_path / "out" / "risks" / "lokalbrist" / "index.html")[1:3] == [
        "1 februari 2024", "Sannolikheten sänktes från 3 (Möjlig) till 2 (Mindre sannolik)."]
    plan = section(tmp_path / "out" / "plans" / "vp-2024" / "index.html")
    assert "12 december 2023: Nämnden antog planen." in plan  # the content's own note
    assert not any("Uppföljning efter första kvartalet" in line for line in plan)


def test_a_repository_without_commits_builds_quietly(tmp_path):
    repo = tmp_path / "new"
    shutil.copytree(SITES / "basic", repo, ignore=shutil.ignore_patterns(".govsite-cache"))
    git(repo, "init", "-q", "-b", "main")
    result = build(repo / "content", tmp_path / "out")
    assert "git" not in result.stderr and "HEAD" not in result.stderr, result.stderr


def test_an_english_site_lists_its_recent_changes_at_an_english_address(tmp_path):
    """The recent changes were at andringar/ on every site: the address is the site language's."""
    result = run_govsite("build", "--content", SITES / "english" / "content", "--output", tmp_path / "out",
                         "--today", "2024-06-01", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "changes" / "index.html").is_file()
    assert not (tmp_path / "out" / "andringar").exists()
    assert '<a href="changes/">' in (tmp_path / "out" / "index.html").read_text("utf-8")
