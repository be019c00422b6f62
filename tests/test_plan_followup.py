"""The plan as the board reads it: the internkontrollplan's page with each covered risk's
controls and latest results, and its follow-up report (plans/<id>/uppfoljning/): counts that
match the content, traffic lights said in words, deviations, overdue actions; printed to an
A4 PDF by Chromium with the site's name and date on every page; axe finds nothing."""
from __future__ import annotations

import datetime as dt
import html
import io
import re
import shutil

import pytest
import yaml

from conftest import DEMO, SITES, run_govsite

PLAN = "internkontrollplan-2021"
REPORT = f"plans/{PLAN}/uppfoljning/"


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split()).replace(" ,", ",").replace(" :", ":")


def table_rows(page_html: str, table_class: str) -> list[list[str]]:
    return [[text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for table in re.findall(rf'<table class="{table_class}">(.*?)</table>', page_html, re.S)
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[-1], re.S)]


def front_matter(path) -> dict:
    return yaml.safe_load(path.read_text("utf-8").split("---")[1])


def expected_counts(content) -> dict:
    """The counts, from the content files themselves: each control of each risk the plan's goals
    name, by its results dated within the plan's period."""
    plan = front_matter(content / "plans" / f"{PLAN}.md")
    start, end = plan["period"]["start"], plan["period"]["end"]
    risks = dict.fromkeys(r for goal in plan["goals"] for r in goal.get("risks", []))
    counts = {"controls": 0, "done": 0, "ok": 0, "deviation": 0, "not-done": 0, "none": 0}
    for risk in risks:
        for control in front_matter(content / "risks" / f"{risk}.md").get("controls", []):
            outcomes = {r["outcome"] for r in control.get("results", []) if start <= r["date"] <= end}
            counts["controls"] += 1
            if outcomes - {"not-done"}:
                counts["done"] += 1
                counts["deviation" if "deviation" in outcomes else "ok"] += 1
            else:
                counts["not-done" if outcomes else "none"] += 1
    return counts


def test_the_plan_page_lists_each_covered_risk_with_value_rating_controls_and_latest_result(demo_site):
    page = (demo_site / "plans" / PLAN / "index.html").read_text("utf-8")
    section = re.search(r'<section class="plan-risks".*?</section>\s*</section>', page, re.S).group(0)
    assert "Risker och kontroller i planen" in section
    assert "Riskvärde: Hög 12" in text_of(section) and "Riskvärde: Medel 6" in text_of(section)
    rows = table_rows(page, "plan-controls")
    header = text_of(re.search(r'<table class="plan-controls">.*?<thead>(.*?)</thead>', page, re.S).group(1))
    assert header == "Kontroll Metod Frekvens Ansvarig Rapporteras till Senaste uppföljning"
    controls = {row[0]: row for row in rows}
    assert controls["Uppföljning av hur medel fördelas"] == [
        "Uppföljning av hur medel fördelas",
        "Sammanställning av hur enhetens medel fördelas mellan verksamhetsområden och målgrupper (exempel)",
        "En gång per år (exempel)", "Tillväxtförvaltningens ledningsgrupp", "Tillväxtnämnden",
        "Ej genomförd, 15 december 2021: Sammanställningen hann inte göras före årsskiftet och flyttas till "
        "första kvartalet 2022 (exempel)."]
    assert controls["Uppföljning av utbudets bredd"][5].startswith("Utan anmärkning, 15 december 2021")
    assert f'href="uppfoljning/"' in section


def test_the_report_counts_match_the_content_and_say_every_light_in_words(demo_site):
    page = (demo_site / REPORT.rstrip("/") / "index.html").read_text("utf-8")
    counts = dict(table_rows(page, "counts"))
    expected = expected_counts(DEMO)
    assert counts == {"Kontroller i planen": str(expected["controls"]), "Genomförda": str(expected["done"]),
                      "– varav utan anmärkning": str(expected["ok"]),
                      "– varav med avvikelse": str(expected["deviation"]),
                      "Ej genomförda": str(expected["not-done"]),
                      "Ingen uppföljning redovisad ännu": str(expected["none"])}
    assert expected["controls"] == 3 and expected["done"] == 2  # the demo's 2021 results, as written
    assert table_rows(page, "lights") == [
        ["För svag bredd i kultur- och fritidsaktiviteter", "Hög 12", "Rött: en kontroll är inte genomförd"],
        ["Osäkert deltagande i arrangemang och föreningsliv efter pandemin", "Medel 6",
         "Grönt: alla kontroller är genomförda utan anmärkning"]]
    deviations = text_of(re.search(r'aria-labelledby="deviations-heading">(.*?)</section>\s*<section', page,
                                   re.S).group(1))
    assert deviations.startswith("Avvikelser För svag bredd i kultur- och fritidsaktiviteter – Uppföljning av "
                                 "utbudets bredd Datum 30 juni 2021 Resultat Avvikelse Iakttagelse Utbudet för unga")
    assert "Riktad satsning på aktiviteter för unga tillsammans med föreningarna (exempel)" in deviations
    assert "Inga åtgärder är försenade 28 november 2026." in text_of(page)


@pytest.fixture(scope="module")
def troubled(tmp_path_factory):
    """The demo with a deviation that has no action, an overdue action and a control never followed up."""
    root = tmp_path_factory.mktemp("troubled")
    content = root / "content"
    shutil.copytree(DEMO, content)
    risk = content / "risks" / "osakert-deltagande-efter-pandemin.md"
    text = risk.read_text("utf-8")
    text = text.replace("""      - date: 2021-12-15
        outcome: ok
        finding: Deltagandet i höstens arrangemang var i nivå med 2019 (exempel).
""", """      - date: 2021-12-15
        outcome: deviation
        finding: Deltagandet var en tredjedel lägre än 2019.
  - title: Enkät till föreningarna
actions:
  - title: Ny plan för arrangemangen
    responsible: Enhetschefen
    due: 2021-12-31
    status: ongoing
""")
    risk.write_text(text, "utf-8")
    output = root / "output"
    result = run_govsite("build", "--content", content, "--output", output, "--today", "2022-02-01")
    assert result.returncode == 0, result.stderr
    return output


def test_a_deviation_without_action_and_an_overdue_action_turn_the_light_red_and_are_listed(troubled):
    page = (troubled / REPORT.rstrip("/") / "index.html").read_text("utf-8")
    lights = {row[0]: row[2] for row in table_rows(page, "lights")}
    assert lights["Osäkert deltagande i arrangemang och föreningsliv efter pandemin"] == \
        "Rött: en avvikelse saknar avslutad åtgärd; en åtgärd är försenad"
    assert dict(table_rows(page, "counts"))["Ingen uppföljning redovisad ännu"] == "1"
    assert dict(table_rows(page, "counts"))["– varav med avvikelse"] == "2"
    assert "Inga åtgärder är beslutade för avvikelsen." in text_of(page)
    assert table_rows(page, "overdue-actions") == [[
        "Ny plan för arrangemangen", "Osäkert deltagande i arrangemang och föreningsliv efter pandemin",
        "åtgärd för risken", "Enhetschefen", "31 december 2021", "Pågår"]]


def test_an_english_site_puts_the_report_at_follow_up(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SITES / "english" / "content", content)
    result = run_govsite("build", "--content", content, "--output", tmp_path / "out", "--today", "2024-06-01")
    assert result.returncode == 0, result.stderr
    reports = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").glob("plans/*/*/index.html"))
    assert reports and all(path.endswith("/follow-up/index.html") for path in reports)
    assert "Controls in the plan" in (tmp_path / "out" / reports[0]).read_text("utf-8")


def test_the_report_prints_to_a4_with_the_site_name_and_date_on_every_page_and_no_table_cut(demo_site):
    import pypdf
    from browser import Visit, chromium
    from govsite.static_server import serve_like_pages
    from test_browser_theme import axe_violations

    with chromium() as browser, serve_like_pages(demo_site, "/govsite/") as base:
        visit = Visit(browser, base)
        for path in (f"plans/{PLAN}/", REPORT):
            visit.page.goto(base + path)
            assert axe_violations(visit.page) == [], path
        visit.page.goto(base + f"plans/{PLAN}/")
        visit.page.get_by_role("link", name=re.compile("^Uppföljningen av planen")).click()
        assert visit.page.url == base + REPORT
        pdf = pypdf.PdfReader(io.BytesIO(visit.page.pdf(prefer_css_page_size=True)))
        visit.assert_clean()
        visit.close()
    pages = [page.extract_text() for page in pdf.pages]
    width, height = (round(float(x) / 72 * 25.4) for x in pdf.pages[0].mediabox[2:])
    assert (width, height) == (210, 297)  # A4
    assert 2 <= len(pages) <= 4
    for number, text in enumerate(pages, start=1):
        lines = text.splitlines()
        assert lines[0] == "Styrning och kontroll i Lindesbergs kommun 28 november 2026", lines[:2]
        assert f"Sida {number} av {len(pages)}" in lines
    whole = "\n".join(pages)
    for words in ("Kontroller i planen 3", "Genomförda 2", "Ej genomförda 1", "Rött: en kontroll är inte genomförd",
                  "Avvikelser", "Inga åtgärder är försenade 28 november 2026."):
        assert words in whole, words
    # no table is cut: each table's caption and its last row are on one page
    for caption, last_row in (("Kontroller av risken ”För svag bredd", "Tillväxtnämnden"),
                              ("Kontroller av risken ”Osäkert deltagande", "nivå med 2019"),
                              ("Åtgärder efter uppföljningen 30 juni 2021", "Åldersgrupperna redovisas"),
                              ("Planens kontroller efter hur de har", "Ingen uppföljning redovisad ännu 0")):
        assert [caption in page and last_row in page for page in pages].count(True) == 1, caption


def test_on_a_phone_the_plan_and_its_report_never_scroll_sideways(demo_site):
    from browser import chromium
    from test_browser_theme import phone_problems
    with chromium() as browser:
        assert phone_problems(browser, {"demo": demo_site}, "demo",
                              [f"plans/{PLAN}/", REPORT, "risks/svagt-kulturutbud/", "risks/"]) == {}


def test_a_site_name_that_looks_like_code_is_text_in_the_print_stylesheet(tmp_path):
    """Regression (found by test_fuzz): the name went into print.css with its ":" and "(" as they
    were, so "JavaScript: …" read as a script address to the output scan."""
    from output_scan import scan
    content = tmp_path / "content"
    shutil.copytree(SITES / "basic" / "content", content)
    site = content / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("title: Styrning i Provkommun",
                                                    'title: "JavaScript: expression(1) \\"; } * { behavior: x"'),
                    "utf-8")
    result = run_govsite("build", "--content", content, "--output", tmp_path / "out", "--today", "2024-06-01")
    assert result.returncode == 0, result.stderr
    assert scan(tmp_path / "out") == []
    css = (tmp_path / "out" / "static" / "print.css").read_text("utf-8")
    top_left = re.search(r"@top-left \{ content: (\"[^\"]*\");", css).group(1)
    decoded = re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), top_left[1:-1])
    assert decoded == 'JavaScript: expression(1) "; } * { behavior: x'
