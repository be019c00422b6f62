"""The demo site in a real browser under a GitHub Pages sub-path: the base the theme tests build on."""
from urllib.parse import urlsplit

import pytest

from browser import chromium
from pages_server import serve_like_pages


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def test_the_risk_register_opens_under_a_sub_path_without_outside_requests(demo_site, browser):
    with serve_like_pages(demo_site, "/repo/") as base:
        page = browser.new_page()
        hosts, failures, errors = set(), [], []
        page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
        page.on("response", lambda response: response.status >= 400 and failures.append(response.url))
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(base + "risks/")
        assert page.locator("h1").inner_text() == "Risker"
        page.get_by_role("link", name="För svag bredd i kultur- och fritidsaktiviteter").first.click()
        assert page.locator("h1").inner_text() == "För svag bredd i kultur- och fritidsaktiviteter"
        assert urlsplit(page.url).path == "/repo/risks/svagt-kulturutbud/"
        assert hosts == {urlsplit(base).netloc}
        assert failures == [] and errors == []
        page.close()
