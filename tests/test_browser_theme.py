"""The citizen's site in a real browser: Debian's Chromium, axe-core, phone width,
keyboard, no JavaScript, and no request to any host but the site itself.

Two fixture sites: the Swedish demo (4×4 matrix) and an English one (5×5 matrix,
four ratings). The default run checks a representative page of every kind; set
GOVSITE_DEEP_TESTS=1 to run axe on every page of both sites.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser import Visit, chromium
from conftest import DEMO, SITES, run_govsite
from govsite.static_server import serve_like_pages

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
INDEXES = ["principles", "units", "missions", "risks", "arenas", "plans", "sources"]
DEEP = bool(os.environ.get("GOVSITE_DEEP_TESTS"))
# Each site is served under the sub-path of its base_url, as GitHub Pages would (the 404
# page, served at any depth, links from there).
PREFIX = {"demo": "/govsite/", "english": "/repo/"}


def serve(sites, name):
    return serve_like_pages(sites[name], PREFIX[name])


def build(content: Path, output: Path, today: str) -> Path:
    result = run_govsite("build", "--content", content, "--output", output, "--today", today)
    assert result.returncode == 0, result.stderr
    return output


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("theme")
    return {
        "demo": build(DEMO, root / "demo", "2026-11-28"),
        "english": build(SITES / "english" / "content", root / "english", "2024-06-01"),
    }


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def all_pages(site: Path) -> list[str]:
    """Every page's URL path relative to the site root ("", "risks/", "risks/x/")."""
    paths = []
    for file in sorted(site.rglob("index.html")):
        folder = file.parent.relative_to(site).as_posix()
        paths.append("" if folder == "." else folder + "/")
    return paths


def representative_pages(site: Path) -> list[str]:
    """Home, every index, the first entity of each kind, the accessibility statement, a 404."""
    pages = ["", *[kind + "/" for kind in INDEXES]]
    for kind in INDEXES:
        entities = sorted(p for p in (site / kind).iterdir() if p.is_dir())
        if entities:
            pages.append(f"{kind}/{entities[0].name}/")
    pages += [p for p in all_pages(site) if p.strip("/") in ("tillganglighet", "accessibility")]
    pages += [p for p in all_pages(site) if "/" not in p.rstrip("/") and p and p.rstrip("/") not in INDEXES
              and p.rstrip("/") not in ("tillganglighet", "accessibility")][:1]  # one free-standing page
    return pages + ["no-such-page/"]


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                       "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in results.response["violations"]]


def check_pages(browser, sites, name: str, paths: list[str]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    with serve(sites, name) as base:
        visit = Visit(browser, base)
        for path in paths:
            visit.page.goto(base + path)
            found = axe_violations(visit.page)
            html = visit.page.content()
            for pattern in (r'<img[^>]+src="(?:https?:)?//', r'srcset="[^"]*//', r'<link(?![^>]*rel="(?:canonical|alternate)")[^>]+href="(?:https?:)?//',
                            r"@import"):
                if re.search(pattern, html):
                    found.append(f"outside asset in markup: {pattern}")
            if found:
                problems[path] = found
        visit.assert_clean()
        visit.close()
    return problems


@pytest.mark.parametrize("name, half", [("demo", 0), ("demo", 1), ("english", 0), ("english", 1)])
def test_representative_pages_have_no_axe_violations_and_stay_on_the_site(sites, browser, name, half):
    pages = representative_pages(sites[name])
    assert len(pages) >= 17
    assert check_pages(browser, sites, name, pages[half::2]) == {}  # halves: both test workers share the load


@pytest.mark.skipif(not DEEP, reason="full crawl: set GOVSITE_DEEP_TESTS=1")
@pytest.mark.parametrize("name", ["demo", "english"])
def test_every_page_has_no_axe_violations(sites, browser, name):
    assert check_pages(browser, sites, name, all_pages(sites[name]) + ["no-such-page/"]) == {}


# A word split over two lines: the boxes of one word (no hyphen inside) on two lines, though the
# word fits on a line of its box. A word longer than the line must break: there the theme asks
# for hyphenation by the page's language (Chromium here has no dictionaries, so it shows as a
# plain break; browsers with them put a hyphen).
SPLIT_WORDS = """root => {
    const split = [], canvas = document.createElement('canvas').getContext('2d');
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.data.matchAll(/[^\\s\\-\u2013\u2014]+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (tops.size < 2) continue;
            const style = getComputedStyle(node.parentElement);
            let block = node.parentElement;
            while (getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
            const box = getComputedStyle(block);
            const line = block.clientWidth - parseFloat(box.paddingLeft) - parseFloat(box.paddingRight);
            canvas.font = style.font;
            const mustBreak = canvas.measureText(match[0]).width > line;
            if (!mustBreak || style.hyphens !== 'auto' || !node.parentElement.closest('[lang]').lang)
                split.push(match[0]);
        }
    }
    return split;
}"""


def phone_problems(browser, sites, name: str, paths: list[str]) -> dict[str, str]:
    """On a 375×667 phone the page's <h1> starts on the first screen (within 300 px, below the
    folded menu), and at 320 px (WCAG 1.4.10) no page scrolls sideways nor splits a word."""
    problems = {}
    with serve(sites, name) as base:
        phone = Visit(browser, base, viewport={"width": 375, "height": 667})
        narrow = Visit(browser, base, viewport={"width": 320, "height": 640})
        for path in paths:
            phone.page.goto(base + path)
            top = phone.page.evaluate("document.querySelector('h1').getBoundingClientRect().top")
            if top > 300:
                problems[path] = f"<h1> starts {top:.0f} px down at 375×667"
            narrow.page.goto(base + path)
            overflow = narrow.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                problems[path] = f"scrolls sideways by {overflow} px at 320 px"
            split = narrow.page.locator("body").evaluate(SPLIT_WORDS)
            if split:
                problems[path] = f"breaks words across lines at 320 px: {split}"
        for visit in (phone, narrow):
            visit.assert_clean()
            visit.close()
    return problems


@pytest.mark.parametrize("name", ["demo", "english"])
def test_a_phone_shows_every_page_types_heading_first_and_never_scrolls_sideways(sites, browser, name):
    publishing = ["search/", "data/", {"demo": "andringar/", "english": "changes/"}[name]]  # publish.py's, recent changes
    pages = all_pages(sites[name]) + ["no-such-page/"] if DEEP else representative_pages(sites[name]) + publishing
    assert phone_problems(browser, sites, name, pages) == {}


def test_wide_tables_scroll_inside_a_labelled_region_a_keyboard_can_reach(sites, browser):
    with serve(sites, "demo") as base:
        visit = Visit(browser, base, viewport={"width": 320, "height": 640})
        page = visit.page
        page.goto(base + "risks/")
        regions = page.evaluate("""[...document.querySelectorAll('main table')].map(table => {
            const region = table.closest('[role=region]');
            return region && [region.tabIndex, region.getAttribute('aria-label') ||
                              document.getElementById(region.getAttribute('aria-labelledby')).textContent,
                              table.scrollWidth > region.clientWidth];
        })""")
        assert regions == [[0, "Riskmatris – alla publicerade risker efter sannolikhet och konsekvens", True],
                           [0, "Riskregister", True]]
        visit.assert_clean()
        visit.close()


@pytest.mark.parametrize("width", [320, 375, 600, 1280])
def test_no_word_of_the_matrix_or_the_lists_breaks_across_lines(sites, browser, width):
    for name, paths in (("demo", ["", "risks/", "risks/svagt-kulturutbud/", "units/"]),
                        ("english", ["risks/", "risks/flooding/"])):
        with serve(sites, name) as base:
            visit = Visit(browser, base, viewport={"width": width, "height": 800})
            for path in paths:
                visit.page.goto(base + path)
                for selector in (".heatmap", ".hm-key", ".risk-matrix", "main ul", "main ol", "main table", "h1"):
                    for element in visit.page.locator(selector).element_handles():
                        split = element.evaluate(SPLIT_WORDS)
                        assert split == [], f"{name} {path} at {width} px: {selector} breaks {split}"
            visit.assert_clean()
            visit.close()


def test_on_a_phone_the_menu_is_a_disclosure_that_names_the_section_and_opens_by_keyboard(sites, browser):
    with serve(sites, "demo") as base:
        visit = Visit(browser, base, viewport={"width": 375, "height": 667}, java_script_enabled=False)
        page = visit.page
        page.goto(base + "risks/svagt-kulturutbud/")
        menu = page.get_by_role("navigation", name="Huvudmeny")
        assert not menu.get_by_role("link", name="Risker").is_visible()  # folded: the page comes first
        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")  # the site's title
        page.keyboard.press("Tab")  # the menu's summary, which names where the reader is
        summary = page.evaluate("[document.activeElement.tagName, document.activeElement.textContent]")
        assert summary == ["SUMMARY", "Meny Du är i: Risker"]
        assert page.evaluate("document.activeElement.parentElement.open") is False
        page.keyboard.press("Enter")
        assert menu.get_by_role("link", name="Risker").is_visible()
        assert menu.locator("[aria-current=page]").inner_text() == "Risker"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Principer"
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Space")  # closes it again
        assert not menu.get_by_role("link", name="Risker").is_visible()
        visit.assert_clean()
        visit.close()
        wide = Visit(browser, base, viewport={"width": 1280, "height": 800})
        wide.page.goto(base + "risks/")  # a wide screen shows the menu open, without the summary
        assert not wide.page.locator("summary").is_visible()
        assert wide.page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Planer").is_visible()
        for _ in range(3):  # the skip link, the site's title, the first item
            wide.page.keyboard.press("Tab")
        assert wide.page.evaluate("document.activeElement.textContent") == "Principer"
        wide.assert_clean()
        wide.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_focus_is_never_hidden_under_another_box(sites, browser, width):
    """WCAG 2.4.11: every stop of the keyboard is seen, whatever sticks to the top."""
    with serve(sites, "demo") as base:
        visit = Visit(browser, base, viewport={"width": width, "height": 667})
        page = visit.page
        for path in ("", "risks/"):
            page.goto(base + path)
            hidden = []
            for key in ["Tab"] * 60 + ["Shift+Tab"] * 60:  # backwards, the page scrolls the other way
                page.keyboard.press(key)
                seen = page.evaluate("""() => {
                    const e = document.activeElement, r = e.getBoundingClientRect();
                    const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
                    const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
                    const top = document.elementFromPoint(x, y);
                    return [e.outerHTML.slice(0, 80), e === document.body || e.contains(top) || top.contains(e)];
                }""")
                if not seen[1]:
                    hidden.append(seen[0])
            assert hidden == [], f"{path}: focus hidden under another box at {width} px"
        visit.assert_clean()
        visit.close()


@pytest.mark.parametrize("name, path", [("demo", "risks/"), ("demo", "risks/svagt-kulturutbud/"), ("english", "risks/")])
def test_axe_finds_nothing_on_a_phone_with_the_menu_open(sites, browser, name, path):
    """Tap targets (2.5.8) and the phone layout, closed and open."""
    with serve(sites, name) as base:
        visit = Visit(browser, base, viewport={"width": 375, "height": 667})
        visit.page.goto(base + path)
        assert axe_violations(visit.page) == []
        visit.page.locator("summary").click()
        assert axe_violations(visit.page) == []
        visit.assert_clean()
        visit.close()


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(sites, browser):
    with serve(sites, "demo") as base:
        visit = Visit(browser, base)
        page = visit.page
        page.goto(base + "risks/")
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.className, document.activeElement.textContent]")
        assert focused == ["skip-link", "Till huvudinnehållet"]
        assert page.locator(".skip-link").is_visible()  # it shows itself when focused
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")  # the next stop is inside the main content, past the menu
        assert page.evaluate("document.getElementById('main').contains(document.activeElement)")
        visit.assert_clean()
        visit.close()


def test_the_site_works_without_javascript(sites, browser):
    with serve(sites, "demo") as base:
        visit = Visit(browser, base, java_script_enabled=False)
        page = visit.page
        page.goto(base)
        page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Risker").click()
        assert page.locator("h1").inner_text() == "Risker"
        # the risk register's groups are plain in-page links
        page.get_by_role("link", name="Visa riskerna efter: status").first.click()
        assert page.url.endswith("#by-status")
        page.locator(".heatmap a", has_text="För svag bredd i kultur- och fritidsaktiviteter").click()
        assert page.locator("h1").inner_text() == "För svag bredd i kultur- och fritidsaktiviteter"
        assert page.locator("script").count() == 0  # an entity page runs no script at all
        visit.assert_clean()
        visit.close()


def test_the_heat_map_puts_each_risk_in_its_cell_with_the_rating_in_words(sites, browser):
    with serve(sites, "english") as base:
        visit = Visit(browser, base)
        page = visit.page
        page.goto(base + "risks/")
        rows = page.locator(".heatmap .hm-row:not(.hm-foot)")
        assert rows.count() == 5 and rows.first.locator(".hm-cell").count() == 5
        expected = {"Flooding of riverside parks": "Probability 5, consequence 4: risk value 20, Extreme",
                    "Vandalism of playgrounds": "Probability 3, consequence 2: risk value 6, Medium",
                    "Too few gardeners in summer": "Probability 1, consequence 3: risk value 3, Low"}
        for title, label in expected.items():
            cell = page.locator(".hm-cell", has=page.get_by_role("link", name=title, exact=True))
            assert cell.count() == 1
            assert cell.locator(".visually-hidden").inner_text() == label
        # the same data as a table a screen reader can walk by its headers
        table = page.get_by_role("table", name=re.compile("Risk matrix"))
        row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("Almost certain")))
        assert row.get_by_role("link", name="Flooding of riverside parks").count() == 1
        headers = table.locator("thead th")
        cells = row.locator("td")
        column = [i for i in range(cells.count()) if "Flooding" in cells.nth(i).inner_text()]
        assert column and "Major" in headers.nth(column[0]).inner_text()
        # a risk page marks its own cell
        page.get_by_role("link", name="Flooding of riverside parks").first.click()
        here = page.locator(".hm-cell.current")
        assert here.count() == 1 and "risk value 20, Extreme" in here.inner_text()
        visit.assert_clean()
        visit.close()


@pytest.mark.parametrize("width", [320, 375])
def test_on_a_phone_the_heat_map_shows_counts_and_lists_its_risks_under_it_by_cell(sites, browser, width):
    with serve(sites, "english") as base:
        visit = Visit(browser, base, viewport={"width": width, "height": 667})
        page = visit.page
        page.goto(base + "risks/")
        heatmap = page.locator(".heatmap")
        assert heatmap.evaluate("e => e.scrollWidth - e.clientWidth") == 0  # 5×5 fits at 320 px
        assert not heatmap.get_by_role("link", name="Flooding of riverside parks").is_visible()
        cell = page.locator(".hm-cell", has_text="20 Extreme").filter(has=page.get_by_role("link", name="1 risk"))
        assert cell.count() == 1
        cell.get_by_role("link", name="1 risk").click()
        assert page.url.endswith("#cell-5-4")
        listed = page.locator("#cell-5-4")
        assert listed.inner_text().startswith("20 Extreme Probability 5, consequence 4")
        assert listed.get_by_role("link", name="Flooding of riverside parks").is_visible()
        assert page.locator(".hm-key > li").count() == 3  # one per cell that holds a risk
        visit.assert_clean()
        visit.close()
        wide = Visit(browser, base, viewport={"width": 1280, "height": 800})
        wide.page.goto(base + "risks/")  # a wide screen keeps the titles in the cells
        assert wide.page.locator(".heatmap").get_by_role("link", name="Flooding of riverside parks").is_visible()
        assert not wide.page.locator(".hm-key").is_visible()
        wide.assert_clean()
        wide.close()


def test_an_english_site_speaks_english_with_english_dates(sites, browser):
    with serve(sites, "english") as base:
        visit = Visit(browser, base)
        page = visit.page
        page.goto(base)
        assert page.locator("html").get_attribute("lang") == "en"
        nav = page.get_by_role("navigation", name="Main menu")
        assert nav.get_by_role("link", name="Risks").count() == 1
        assert page.get_by_role("heading", name="The most urgent risks").count() == 1
        page.get_by_role("link", name="Flooding of riverside parks").first.click()
        assert "16 March 2024" in page.locator("main").inner_text()
        assert "Last updated" in page.locator("main").inner_text()
        page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
        assert urlsplit(page.url).path == "/repo/accessibility/"
        text = page.locator("main").inner_text()
        assert "partially compliant" in text and "PDF minutes" in text and "2 May 2024" in text
        assert page.get_by_role("link", name="Report inaccessibility to DIGG").count() == 1
        visit.assert_clean()
        visit.close()


def test_the_accessibility_statement_is_linked_from_every_page_and_has_digg_items(sites):
    site = sites["demo"]
    for file in site.rglob("*.html"):  # in the page's language: the demo has an English section
        words = "Accessibility statement</a>" if file.relative_to(site).parts[0] == "en" else \
            "Tillgänglighetsredogörelse</a>"
        assert words in file.read_text("utf-8"), file
    text = (site / "tillganglighet" / "index.html").read_text("utf-8")
    for item in ("Lindesbergs kommun", "delvis förenlig", "Innehåll som inte är tillgängligt",
                 "kommunen@lindesberg.se", "Tillsyn", "digg.se", "Hur vi testat webbplatsen"):
        assert item in text, item


def test_the_risk_register_prints_for_a_board_meeting(sites, browser):
    with serve(sites, "demo") as base:
        visit = Visit(browser, base)
        page = visit.page
        page.goto(base + "risks/")
        page.emulate_media(media="print")
        assert not page.get_by_role("navigation", name="Huvudmeny").is_visible()
        assert not page.locator(".jump").first.is_visible()
        assert page.get_by_role("table", name=re.compile("Riskmatris")).is_visible()
        assert page.locator("table.register").is_visible()
        assert page.locator("table.register tbody tr").count() == 2
        visit.assert_clean()
        visit.close()


def test_every_internal_link_and_jump_of_the_english_site_resolves(sites):
    from test_render import internal_targets, parse
    output, checked = sites["english"], 0
    for page, value, target, fragment in internal_targets(output):
        assert target.is_file(), f"{page.relative_to(output)} links to missing {value}"
        if fragment:
            assert fragment in parse(target).ids, f"{page.relative_to(output)}: no #{fragment} in {value}"
        checked += 1
    assert checked > 100
