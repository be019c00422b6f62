"""Searching the demo site in a real browser, in Swedish, under a GitHub Pages sub-path."""
from urllib.parse import urlsplit

import pytest

from browser import Visit, chromium
from conftest import DEMO, run_govsite
from govsite.static_server import serve_like_pages


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    output = tmp_path_factory.mktemp("search") / "output"
    result = run_govsite("build", "--content", DEMO, "--output", output, "--base-url",
                         "https://example.github.io/govsite/", "--today", "2026-11-28")
    assert result.returncode == 0, result.stderr
    return output


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def _search(page, query: str) -> list[str]:
    page.fill("#search-query", query)
    page.press("#search-query", "Enter")
    page.wait_for_selector("#search-results p")
    return page.locator("#search-results li a").all_inner_texts()


def test_swedish_search_finds_stemmed_words_without_outside_requests(site, browser):
    with serve_like_pages(site, "/govsite/") as base:
        visit = Visit(browser, base, bypass_csp=False)  # the search script must run under the site's CSP
        page = visit.page
        page.goto(base)
        page.get_by_role("link", name="Sök").click()
        assert page.locator("h1").inner_text() == "Sök"
        found = _search(page, "risker")
        assert "För svag bredd i kultur- och fritidsaktiviteter" in found
        assert "Osäkert deltagande i arrangemang och föreningsliv efter pandemin" in found
        # "kulturutbudet" stems to "kulturutbud": the pages that say "kulturutbud" are found.
        found = _search(page, "kulturutbudet")
        assert "För svag bredd i kultur- och fritidsaktiviteter" in found
        page.locator("#search-results li a", has_text="För svag bredd i kultur- och fritidsaktiviteter").first.click()
        assert urlsplit(page.url).path == "/govsite/risks/svagt-kulturutbud/"
        page.go_back()
        assert _search(page, "xyzzyqwerty") == []
        assert page.locator("#search-results p").first.inner_text() == "Inga träffar."
        # The risk matrix, the same on every risk page, is not indexed: only a text that says it is found.
        page.goto(f"{base}search/?q=riskmatrisen")
        page.wait_for_selector("#search-results li a")
        found = page.locator("#search-results li a").all_inner_texts()
        assert "För svag bredd i kultur- och fritidsaktiviteter" in found
        assert "Osäkert deltagande i arrangemang och föreningsliv efter pandemin" not in found
        visit.assert_clean()
        visit.close()


def test_without_javascript_the_search_page_is_an_a_to_o_index(site, browser):
    with serve_like_pages(site, "/govsite/") as base:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(base + "search/")
        assert not page.locator("#search").is_visible()
        letters = page.locator(".az-letters li").all_inner_texts()
        assert letters == sorted(letters, key=lambda x: "ZZ" + x if x in "ÅÄÖ" else x)
        titles = page.locator(".az-list li a").all_inner_texts()
        assert "För svag bredd i kultur- och fritidsaktiviteter" in titles
        assert "Tillväxtnämnden" in titles
        assert len(titles) == sum(1 for path in DEMO.glob("*/*.md") if "." not in path.stem)  # translations: /en/
        page.get_by_role("link", name="Tillväxtnämnden", exact=True).click()
        assert urlsplit(page.url).path == "/govsite/units/tillvaxtnamnden/"
        context.close()


def test_search_and_data_pages_pass_axe(site, browser):
    from axe_playwright_python.sync_playwright import Axe
    with serve_like_pages(site, "/govsite/") as base:
        page = browser.new_page()
        for path in ("search/?q=risker", "data/"):
            page.goto(base + path)
            if "q=" in path:
                page.wait_for_selector("#search-results li")
            results = Axe().run(page, options={"runOnly": {"type": "tag",
                                                           "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
            assert results.response["violations"] == [], (path, results.generate_report())
        page.close()


def test_a_site_indexed_in_parts_finds_what_a_site_indexed_whole_finds(site, browser, tmp_path):
    """A large site's search index comes in parts of at most --search-part-pages pages (Pagefind's
    memory grows with a part's pages); the search page merges them: the same pages are found."""
    output = tmp_path / "output"
    result = run_govsite("build", "--content", DEMO, "--output", output, "--base-url",
                         "https://example.github.io/govsite/", "--today", "2026-11-28", "--search-part-pages", "4")
    assert result.returncode == 0, result.stderr
    part_folders = sorted(p.parent.name for p in output.glob("pagefind/**/pagefind.js"))
    assert len(part_folders) >= 5, part_folders
    found = {}
    for built in (site, output):
        with serve_like_pages(built, "/govsite/") as base:
            visit = Visit(browser, base, bypass_csp=False)
            visit.page.goto(base + "search/")
            found[built] = {query: sorted(_search(visit.page, query))
                            for query in ("risker", "kulturutbudet", "föreningar", "trygghet", "Lindesberg")}
            visit.assert_clean()
            visit.close()
    assert found[output] == found[site]
    assert sum(len(titles) for titles in found[site].values()) >= 15, found[site]
