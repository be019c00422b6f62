"""A risk's value over time: from git commits and `history:` notes, on the risk page (an SVG
chart and the same figures as a table) and in the register ("höjd från 8")."""
from __future__ import annotations

import html
import re
import shutil

import pytest

from conftest import SITES, run_govsite
from test_history import commit, edit, git

TODAY = "2024-06-01"


def rows(page, table_class: str) -> list[list[str]]:
    """The cells of a table's body rows as a reader sees them."""
    text = page.read_text("utf-8")
    table = re.search(rf'<table class="{table_class}">.*?</table>', text, re.S).group(0)
    body = table.split("<tbody>")[1]
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@pytest.fixture(scope="module")
def trend_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("trend")
    repo = root / "repo"
    shutil.copytree(SITES / "basic", repo, ignore=shutil.ignore_patterns(".govsite-cache"))
    risk = repo / "content" / "risks" / "lokalbrist.md"
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "Första versionen", "2024-01-10T09:00:00+01:00")
    edit(risk, "probability: 3", "probability: 2")
    commit(repo, "Färre lokaler behövs efter vårens bokningar", "2024-02-01T10:00:00+01:00")
    edit(risk, "owner: Fritidschefen", "owner: Kultur- och fritidschefen")
    commit(repo, "Ny riskägare", "2024-03-01T10:00:00+01:00")  # the value stays: no point
    edit(risk, "probability: 2", "probability: 4")
    edit(risk, "updated: 2024-01-20", "updated: 2024-04-02\nhistory:\n"
         "  - {date: 2023-11-20, text: Bedömningen i förra årets plan., probability: 2, severity: 3}")
    commit(repo, "Lokalerna räcker inte till hösten", "2024-04-02T10:00:00+02:00")
    output = root / "output"
    result = run_govsite("build", "--content", repo / "content", "--output", output, "--today", TODAY)
    assert result.returncode == 0, result.stderr
    return output


def test_the_risk_page_shows_the_value_at_each_change_as_a_chart_and_a_table(trend_site):
    page = trend_site / "risks" / "lokalbrist" / "index.html"
    assert rows(page, "trend-table") == [
        ["20 november 2023", "2 Mindre sannolik", "3 Kännbar", "Medel 6", "Första kända bedömningen"],
        ["10 januari 2024", "3 Möjlig", "4 Allvarlig", "Hög 12", "höjd från 6"],
        ["1 februari 2024", "2 Mindre sannolik", "4 Allvarlig", "Medel 8", "sänkt från 12"],
        ["2 april 2024", "4 Sannolik", "4 Allvarlig", "Hög 16", "höjd från 8"]]
    text = page.read_text("utf-8")
    chart = re.search(r'<svg class="trend-chart".*?</svg>', text, re.S).group(0)
    assert 'aria-hidden="true"' in chart.split(">")[0]  # the table is what a screen reader reads
    assert "<script" not in chart and "style=" not in chart
    # the same four values, in the same order, as labels of the chart's points
    assert re.findall(r'<text class="value"[^>]*>(\d+)</text>', chart) == ["6", "12", "8", "16"]
    # a step line through the points, higher values higher up (smaller y)
    points = [tuple(map(float, p.split(","))) for p in re.search(r'points="([^"]+)"', chart).group(1).split()]
    heights = [y for _, y in points[::2]]
    assert heights[1] < heights[0] and heights[2] > heights[1] and heights[3] < heights[1]
    assert "Riskvärdet över tid" in text


def test_the_register_marks_risks_whose_value_rose_or_fell_at_their_last_change(trend_site):
    register = rows(trend_site / "risks" / "index.html", "register")
    by_title = {row[0]: row for row in register}
    assert by_title["Brist på lokaler för föreningslivet"][4] == "Hög 16 ↑ höjd från 8"
    assert by_title["Låg risk för inställda evenemang"][4] == "Låg 2"  # never changed: no mark
    risk_page = (trend_site / "risks" / "lag" / "index.html").read_text("utf-8")
    assert "trend-chart" not in risk_page and "Riskvärdet över tid" not in risk_page


def test_an_english_site_says_raised_and_lowered(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SITES / "english" / "content", content)
    risk = sorted((content / "risks").glob("*.md"))[0]
    text = risk.read_text("utf-8")
    probability = int(re.search(r"^probability: (\d)", text, re.M).group(1))
    severity = int(re.search(r"^severity: (\d)", text, re.M).group(1))
    lower = 1 if probability > 1 else 2
    risk.write_text(text.replace("\n---", f"\nhistory:\n  - {{date: 2020-01-01, text: First., probability: {lower}, "
                                           f"severity: {severity}}}\n---", 1), "utf-8")
    result = run_govsite("build", "--content", content, "--output", tmp_path / "out", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    word = "raised" if probability > lower else "lowered"
    register = rows(tmp_path / "out" / "risks" / "index.html", "register")
    assert any(row[4].endswith(f"{word} from {lower * severity}") for row in register), register


def test_trend_pages_have_no_axe_violations_and_the_table_is_what_assistive_technology_reads(trend_site):
    from browser import Visit, chromium
    from govsite.static_server import serve_like_pages
    from test_browser_theme import axe_violations

    with chromium() as browser, serve_like_pages(trend_site, "/prov/") as base:
        visit = Visit(browser, base)
        for path in ("risks/lokalbrist/", "risks/"):
            visit.page.goto(base + path)
            assert axe_violations(visit.page) == [], path
        visit.page.goto(base + "risks/lokalbrist/")
        table = visit.page.get_by_role("table", name="Riskvärdet vid varje ändring, äldst först")
        assert table.get_by_role("row").count() == 5
        assert visit.page.locator("svg.trend-chart").is_visible()
        snapshot = visit.page.locator("section.trend").aria_snapshot()
        assert "höjd från 8" in snapshot
        assert "img" not in snapshot  # the chart is not announced: its figures are in the table
        visit.assert_clean()
        visit.close()


def test_the_demo_shows_a_trend_and_marks_it_in_the_register(demo_site):
    """The demo's example assessment of 2020 (a history note with levels) before today's 12."""
    page = demo_site / "risks" / "svagt-kulturutbud" / "index.html"
    table = rows(page, "trend-table")
    assert table[0] == ["17 november 2020", "3 Möjlig", "3 Kännbar", "Hög 9", "Första kända bedömningen"]
    assert table[-1][1:] == ["4 Sannolik", "3 Kännbar", "Hög 12", "höjd från 9"]
    register = {row[0]: row for row in rows(demo_site / "risks" / "index.html", "register")}
    assert register["För svag bredd i kultur- och fritidsaktiviteter"][4] == "Hög 12 ↑ höjd från 9"
