"""Follow-up results of controls, actions and risk categories (issue 17): validated at the
communicator's line through the real CLI, shown on the risk page, carried by the open data."""
from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import DEMO, SITES, run_govsite

ATOM = "{http://www.w3.org/2005/Atom}"

BASIC = SITES / "basic" / "content"

RISK = """\
---
title: Brist på lokaler för föreningslivet
unit: enheten
probability: 3
severity: 4
status: mitigating
{category}
actions:
  - title: Hyra in tillfälliga lokaler
    responsible: Fritidschefen
    due: {risk_due}
    status: ongoing
controls:
  - title: Genomgång av lokalbokningar
    method: Stickprov
    results:
      - date: 2024-03-31
        outcome: ok
      - date: 2024-05-15
        outcome: {outcome}
{finding}
        actions:
          - title: Nya rutiner för bokning
            responsible: Bokningsansvarig
            due: 2024-05-20
            status: {status}
      - date: 2023-12-01
        outcome: not-done
---
Risken följs upp.
"""


def _site(tmp_path: Path, *, category: str = "category: ekonomi", risk_due: str = "2024-12-31",
          outcome: str = "deviation", finding: str = "        finding: Dubbelbokningar i fyra fall av tio.",
          status: str = "done", site_extra: str = "") -> Path:
    content = tmp_path / "content"
    shutil.copytree(BASIC, content)
    (content / "risks/lokalbrist.md").write_text(
        RISK.format(category=category, risk_due=risk_due, outcome=outcome, finding=finding, status=status), "utf-8")
    if site_extra:
        with (content / "site.yaml").open("a", encoding="utf-8") as site:
            site.write(site_extra)
    return content


def _check(content: Path, tmp_path: Path, *args) -> tuple[int, list[str]]:
    result = run_govsite("check", "--content", content, "--today", "2024-06-01", *args, cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, [line for line in result.stderr.splitlines() if "lokalbrist" in line or "site.yaml" in line]


def test_results_actions_and_a_category_are_valid_content(tmp_path):
    content = _site(tmp_path)
    code, lines = _check(content, tmp_path, "--strict")
    assert code == 0, lines
    assert lines == []


def test_a_deviation_without_a_finding_is_an_error_at_its_outcome_line(tmp_path):
    content = _site(tmp_path, finding="")
    code, lines = _check(content, tmp_path)
    assert code == 1
    assert lines == ['content/risks/lokalbrist.md:20: fel: kontrollens resultat är en avvikelse (deviation), men '
                     'fältet "controls[1].results[2].finding" saknas. Skriv under finding vad kontrollen fann, så '
                     'att nämnden och läsaren vet vad avvikelsen består i.']
    built = run_govsite("build", "--content", content, "--output", tmp_path / "output", "--today", "2024-06-01",
                        cwd=tmp_path)
    assert built.returncode == 1 and "lokalbrist.md:20: fel:" in built.stderr
    assert not (tmp_path / "output").exists()


def test_an_unknown_outcome_lists_the_outcomes_at_its_line(tmp_path):
    code, lines = _check(_site(tmp_path, outcome="avvikelse"), tmp_path)
    assert code == 1
    assert lines == ['content/risks/lokalbrist.md:20: fel: fältet "controls[1].results[2].outcome" kan inte vara '
                     '"avvikelse". Välj ett av: ok, deviation, not-done.']


def test_an_overdue_action_is_a_warning_at_its_due_line_and_fails_strict(tmp_path):
    content = _site(tmp_path, status="ongoing", risk_due="2024-05-31")
    code, lines = _check(content, tmp_path)
    assert code == 0
    assert lines == [
        'content/risks/lokalbrist.md:11: varning: åtgärden "Hyra in tillfälliga lokaler" skulle vara klar '
        '2024-05-31, men är inte markerad som genomförd. Skriv status: done om åtgärden är klar, eller ett nytt '
        'datum i fältet due.',
        'content/risks/lokalbrist.md:25: varning: åtgärden "Nya rutiner för bokning" skulle vara klar 2024-05-20, '
        'men är inte markerad som genomförd. Skriv status: done om åtgärden är klar, eller ett nytt datum i fältet '
        'due.']
    strict, _ = _check(content, tmp_path, "--strict")
    assert strict == 1
    # Due today is not yet overdue; done is never overdue.
    code, lines = _check(_site(tmp_path / "today", status="done", risk_due="2024-06-01"), tmp_path, "--strict")
    assert (code, lines) == (0, [])


def test_an_unknown_category_is_an_error_with_the_nearest_category(tmp_path):
    code, lines = _check(_site(tmp_path, category="category: IT-risk"), tmp_path)
    assert code == 1
    assert lines == ['content/risks/lokalbrist.md:7: fel: fältet "category" kan inte vara "IT-risk", som inte är '
                     'en av webbplatsens riskkategorier. Menade du "it"? Möjliga värden: verksamhet '
                     '(Verksamhetsrisk), ekonomi (Ekonomisk risk), legal (Legal risk), it (IT-risk), omvarld '
                     '(Omvärldsrisk), rapportering (Risk i rapportering).']
    code, lines = _check(_site(tmp_path / "typo", category="category: ekonomu"), tmp_path)
    assert code == 1 and 'Menade du "ekonomi"?' in lines[0]


def test_a_site_list_of_categories_replaces_the_default(tmp_path):
    own = "risk_categories:\n  - {id: miljo, label: Miljörisk}\n  - {id: personal, label: Personalrisk}\n"
    code, lines = _check(_site(tmp_path, site_extra=own), tmp_path)
    assert code == 1
    assert lines == ['content/risks/lokalbrist.md:7: fel: fältet "category" kan inte vara "ekonomi", som inte är '
                     'en av webbplatsens riskkategorier. Välj ett av: miljo (Miljörisk), personal (Personalrisk). '
                     'Egna kategorier skrivs i site.yaml under risk_categories.']
    code, lines = _check(_site(tmp_path / "own", category="category: miljo", site_extra=own), tmp_path, "--strict")
    assert (code, lines) == (0, [])
    twice = own + "  - {id: miljo, label: Miljö}\n"
    code, lines = _check(_site(tmp_path / "twice", category="category: miljo", site_extra=twice), tmp_path)
    assert code == 1
    assert lines == ['content/site.yaml:10: fel: riskkategorin "miljo" finns två gånger. Ge varje kategori under '
                     'risk_categories ett eget id.']
    code, lines = _check(_site(tmp_path / "empty", site_extra="risk_categories: []\n"), tmp_path)
    assert code == 1
    assert lines == ['content/site.yaml:7: fel: listan risk_categories är tom. Skriv minst en kategori med id och '
                     'label, eller ta bort fältet, så gäller govsites standardkategorier.']


# --- what a reader sees ---------------------------------------------------------------------

def _build(tmp_path: Path, **changes) -> Path:
    content = _site(tmp_path, **changes)
    output = tmp_path / "output"
    result = run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return output


def test_the_open_data_carries_results_actions_and_a_row_per_result(tmp_path):
    output = _build(tmp_path, status="ongoing")
    risk = json.loads((output / "data/risks/lokalbrist.json").read_text("utf-8"))
    assert (risk["category"], risk["category_label"]) == ("ekonomi", "Ekonomisk risk")
    assert risk["actions"] == [{"title": "Hyra in tillfälliga lokaler", "responsible": "Fritidschefen",
                                "due": "2024-12-31", "status": "ongoing"}]
    results = risk["controls"][0]["results"]
    assert [(r["date"], r["outcome"]) for r in results] == [("2024-03-31", "ok"), ("2024-05-15", "deviation"),
                                                            ("2023-12-01", "not-done")]
    assert results[1]["finding"] == "Dubbelbokningar i fyra fall av tio."
    assert results[1]["actions"] == [{"title": "Nya rutiner för bokning", "responsible": "Bokningsansvarig",
                                      "due": "2024-05-20", "status": "ongoing"}]
    rows = list(csv.DictReader(io.StringIO((output / "data/controls.csv").read_text("utf-8"), newline="")))
    assert [(r["risk"], r["control"], r["date"], r["outcome"], r["actions"], r["actions_done"]) for r in rows] == [
        ("lokalbrist", "Genomgång av lokalbokningar", "2024-05-15", "deviation", "1", "0"),
        ("lokalbrist", "Genomgång av lokalbokningar", "2024-03-31", "ok", "0", "0"),
        ("lokalbrist", "Genomgång av lokalbokningar", "2023-12-01", "not-done", "0", "0")]
    assert rows[0]["finding"] == "Dubbelbokningar i fyra fall av tio." and rows[0]["category"] == "ekonomi"
    assert rows[0]["url"] == "https://example.org/prov/risks/lokalbrist/"
    assert "data/controls.csv" in (output / "data/catalog.jsonld").read_text("utf-8")
    assert 'href="controls.csv"' in (output / "data/index.html").read_text("utf-8")


def test_the_feeds_announce_each_result_on_its_date_a_deviation_with_its_finding(tmp_path):
    output = _build(tmp_path)
    for feed in ("feed.xml", "units/enheten/feed.xml"):
        entries = ET.parse(output / feed).getroot().findall(f"{ATOM}entry")
        results = {e.find(f"{ATOM}id").text: e for e in entries if "#result-" in e.find(f"{ATOM}id").text}
        assert sorted(results) == [f"https://example.org/prov/risks/lokalbrist/#result-1-{day}"
                                   for day in ("2023-12-01", "2024-03-31", "2024-05-15")], feed
        deviation = results["https://example.org/prov/risks/lokalbrist/#result-1-2024-05-15"]
        assert deviation.find(f"{ATOM}title").text == ("Brist på lokaler för föreningslivet: Avvikelse vid "
                                                      "kontrollen ”Genomgång av lokalbokningar”")
        assert deviation.find(f"{ATOM}updated").text == "2024-05-15T00:00:00Z"
        assert deviation.find(f"{ATOM}summary").text == "Dubbelbokningar i fyra fall av tio."
        assert deviation.find(f"{ATOM}category").get("term") == "deviation"


def _text_in_order(text: str, parts: list[str]) -> list[int]:
    positions = [text.find(part) for part in parts]
    assert -1 not in positions, [p for p, i in zip(parts, positions) if i == -1]
    return positions


def test_the_risk_page_and_the_grouped_register_in_chromium(tmp_path):
    pytest.importorskip("axe_playwright_python")
    from browser import Visit, chromium
    from test_browser_theme import axe_violations
    from govsite.static_server import serve_like_pages
    output = _build(tmp_path, status="ongoing")
    with chromium() as browser, serve_like_pages(output, "/prov/") as base:
        visit = Visit(browser, base)
        visit.page.goto(base + "risks/lokalbrist/")
        main = visit.page.locator("main").inner_text()
        positions = _text_in_order(main, [
            "Riskkategori\nEkonomisk risk",
            "Åtgärder för att hantera risken", "Hyra in tillfälliga lokaler", "31 december 2024",
            "Genomgång av lokalbokningar",
            "Senaste uppföljning", "15 maj 2024", "Avvikelse", "Dubbelbokningar i fyra fall av tio.",
            "Nya rutiner för bokning", "Bokningsansvarig", "20 maj 2024", "Pågår (försenad)",
            "Tidigare uppföljningar", "31 mars 2024", "Utan anmärkning", "1 december 2023", "Ej genomförd"])
        assert positions == sorted(positions), main
        table = visit.page.get_by_role("table", name="Åtgärder efter uppföljningen 15 maj 2024")
        assert table.get_by_role("columnheader").all_inner_texts() == ["Åtgärd", "Ansvarig", "Klart senast", "Status"]
        assert visit.page.get_by_role("table", name="Åtgärder för att hantera risken").count() == 1
        assert axe_violations(visit.page) == []
        visit.page.goto(base + "risks/")
        section = visit.page.locator("#by-category")
        assert section.get_by_role("heading", level=2).inner_text() == "Visa riskerna efter: riskkategori"
        assert section.get_by_role("heading", level=3).all_inner_texts() == ["Ekonomisk risk (1 risk)",
                                                                            "Utan kategori (1 risk)"]
        assert section.get_by_role("link", name="Brist på lokaler för föreningslivet").count() == 1
        visit.page.get_by_role("link", name="Visa riskerna efter: riskkategori").click()
        assert visit.page.url.endswith("#by-category")
        assert axe_violations(visit.page) == []
        visit.assert_clean()
        visit.close()


def test_a_register_without_categories_shows_no_category_grouping(tmp_path):
    output = _build(tmp_path, category="")
    register = (output / "risks/index.html").read_text("utf-8")
    assert 'id="by-status"' in register and 'id="by-category"' not in register and "riskkategori" not in register


def test_the_demo_shows_its_2021_follow_up_and_checks_clean(demo_site):
    check = run_govsite("check", "--content", DEMO, "--today", "2026-11-28", "--strict")
    assert check.returncode == 0 and check.stderr == "", check.stderr
    rows = list(csv.DictReader(io.StringIO((demo_site / "data/controls.csv").read_text("utf-8"), newline="")))
    assert {r["outcome"] for r in rows} == {"ok", "deviation", "not-done"}
    assert all(r["date"].startswith("2021-") and "(exempel)" in r["finding"] for r in rows)
    page = (demo_site / "risks/svagt-kulturutbud/index.html").read_text("utf-8")
    for words in ("Senaste uppföljning", "Tidigare uppföljningar", "Avvikelse", "Ej genomförd", "Utan anmärkning",
                  "Verksamhetsrisk", "Åtgärder för att hantera risken"):
        assert words in page, words
    register = (demo_site / "risks/index.html").read_text("utf-8")
    assert 'id="by-category"' in register and "Omvärldsrisk" in register


def test_an_english_site_says_the_follow_up_in_english(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SITES / "english" / "content", content)
    flooding = content / "risks/flooding.md"
    flooding.write_text(flooding.read_text("utf-8").replace(
        "  - {title: Quarterly inspection, frequency: Quarterly, responsible: Parks manager}\n",
        "  - title: Quarterly inspection\n    results:\n      - date: 2024-03-01\n        outcome: deviation\n"
        "        finding: Two drains were blocked.\n        actions: [{title: Clear the drains, due: 2024-04-01}]\n"
        "category: IT risk\n"), "utf-8")
    assert [line for line in run_govsite("check", "--content", content, "--today", "2024-06-01",
                                         cwd=tmp_path).stderr.splitlines() if "flooding" in line] == [
        'content/risks/flooding.md:19: error: the field "category" cannot be "IT risk", which is not one of the '
        "site's risk categories. Did you mean \"it\"? Possible values: verksamhet (Operational risk), ekonomi "
        "(Financial risk), legal (Legal risk), it (IT risk), omvarld (External risk), rapportering (Reporting risk)."]
    flooding.write_text(flooding.read_text("utf-8").replace("category: IT risk", "category: omvarld"), "utf-8")
    output = tmp_path / "output"
    built = run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert 'flooding.md:18: warning: the action "Clear the drains" was due 2024-04-01 but is not marked as done.' \
        in built.stderr
    page = (output / "risks/flooding/index.html").read_text("utf-8")
    for words in ("Risk category", "External risk", "Latest follow-up", "Deviation", "Two drains were blocked.",
                  "Actions after the follow-up of", "Planned <strong class=\"overdue\">(overdue)</strong>"):
        assert words in page, words


def test_hostile_results_stay_text_in_pages_csv_json_and_feeds(tmp_path):
    from output_scan import scan
    content = _site(tmp_path, finding="        finding: \"=HYPERLINK(\\\"http://evil.example\\\") <script>alert(1)</script>\"")
    risk = content / "risks/lokalbrist.md"
    risk.write_text(risk.read_text("utf-8").replace("title: Nya rutiner för bokning",
                                                    "title: \"@SUM(A1) <img src=x onerror=alert(2)>\""), "utf-8")
    output = tmp_path / "output"
    result = run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert scan(output) == []
    rows = list(csv.DictReader(io.StringIO((output / "data/controls.csv").read_text("utf-8"), newline="")))
    assert rows[0]["finding"].startswith("'=HYPERLINK(")
    page = (output / "risks/lokalbrist/index.html").read_text("utf-8")
    assert "<script>alert" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    entry = next(e for e in ET.parse(output / "feed.xml").getroot().findall(f"{ATOM}entry")
                 if e.find(f"{ATOM}id").text.endswith("#result-1-2024-05-15"))
    assert "<script>" not in entry.find(f"{ATOM}summary").text
