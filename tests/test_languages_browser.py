"""A site in Swedish and English in a real browser (issue 20): axe finds nothing on the pages
of either language, the switcher leads to the same page in the other one, and the search of
each language finds that language's pages."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from browser import Visit, chromium
from test_browser_theme import axe_violations
from test_languages import HOME_EN, RISK_EN, _build, _site
from govsite.static_server import serve_like_pages

PAGES = ["", "risks/", "risks/lag/", "risks/lokalbrist/", "units/namnden/", "plans/vp-2024/", "search/", "om/"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("languages-browser")
    content = _site(folder, {"languages": "[sv, en]"}, **{"risks/lag.en.md": RISK_EN, "pages/index.en.md": HOME_EN})
    result = _build(content, folder / "out")
    assert result.returncode == 0, result.stderr
    return folder / "out"


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def test_axe_finds_nothing_on_the_pages_of_both_languages(site, browser):
    problems = {}
    with serve_like_pages(site, "/prov/") as base:
        visit = Visit(browser, base)
        for path in PAGES + [f"en/{path}" for path in PAGES] + ["tillganglighet/", "en/accessibility/"]:
            visit.page.goto(base + path)
            found = axe_violations(visit.page)
            if found:
                problems[path] = found
        visit.assert_clean()
        visit.close()
    assert problems == {}


def _search(page, query: str) -> list[tuple[str, str]]:
    """(title, path) of each result."""
    page.fill("#search-query", query)
    page.press("#search-query", "Enter")
    page.wait_for_selector("#search-results p")
    links = page.locator("#search-results li a")
    return [(link.inner_text(), urlsplit(link.evaluate("a => a.href")).path) for link in links.all()]


def test_the_switcher_and_the_search_of_each_language(site, browser):
    with serve_like_pages(site, "/prov/") as base:
        visit = Visit(browser, base, bypass_csp=False)  # the search script runs under the site's CSP
        page = visit.page
        page.goto(base + "risks/lag/")
        page.get_by_role("link", name="English").click()
        assert urlsplit(page.url).path == "/prov/en/risks/lag/"
        assert page.locator("h1").inner_text() == "Low risk of cancelled events"
        page.get_by_role("link", name="Search").click()
        assert urlsplit(page.url).path == "/prov/en/search/"
        found = _search(page, "cancelled")
        assert found[0] == ("Low risk of cancelled events", "/prov/en/risks/lag/")
        assert all(path.startswith("/prov/en/") for _, path in found)  # the pages that name it: English ones
        page.locator("#search-results li a").first.click()
        assert urlsplit(page.url).path == "/prov/en/risks/lag/"
        page.goto(base + "search/")
        found = _search(page, "inställda")
        assert found[0] == ("Låg risk för inställda evenemang", "/prov/risks/lag/")
        assert not any(path.startswith("/prov/en/") for _, path in found)
        page.goto(base + "search/?q=cancelled")  # a fresh page: no earlier results to wait past
        page.wait_for_selector("#search-results p")
        assert page.locator("#search-results li a").count() == 0
        visit.assert_clean()
        visit.close()
