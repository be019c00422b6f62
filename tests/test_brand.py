"""A municipality's graphic profile without templates: logo, colour and favicon in site.yaml."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser import Visit, chromium
from conftest import SITES, run_govsite
from govsite.static_server import serve_like_pages
from test_browser_theme import axe_violations

LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="120" height="40" '
        'fill="#005a9c"/><circle cx="20" cy="20" r="12" fill="#ffffff"/></svg>\n')
FOOTER = ('{% extends "govsite/base.html" %}\n{% block footer_links %}{{ super() }}'
          '<li>Nämndens diarium: 0581-810 00</li>{% endblock %}\n')


def _site(tmp_path: Path, theme: str) -> Path:
    shutil.copytree(SITES / "basic" / "content", tmp_path / "content")
    (tmp_path / "content" / "media").mkdir()
    (tmp_path / "content" / "media" / "logo.svg").write_text(LOGO)
    site_yaml = tmp_path / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8") + theme, "utf-8")
    return tmp_path


BRAND = ('theme:\n  logo: media/logo.svg\n  logo_alt: Provkommun\n  colour: "#005a9c"\n'
         '  favicon: media/logo.svg\n'
         'repository: {url: "https://github.com/provkommun/styrning", branch: main}\n'
         'feedback: {email: synpunkter@provkommun.example}\n')


@pytest.fixture(scope="module")
def branded(tmp_path_factory) -> Path:
    site = _site(tmp_path_factory.mktemp("brand"), BRAND)
    (site / "templates").mkdir()
    (site / "templates" / "base.html").write_text(FOOTER)
    result = run_govsite("build", "--no-cache", "--base-url", "https://example.org/repo/", cwd=site)
    assert result.returncode == 0, result.stderr
    return site / "output"


def test_the_logo_colour_favicon_and_footer_are_on_every_page(branded):
    pages = [p for p in branded.rglob("*.html") if "pagefind" not in p.parts]
    assert len(pages) > 20
    for page in pages:
        html = page.read_text("utf-8")
        assert 'class="site-logo"' in html and 'alt="Provkommun" width="120" height="40"' in html, page
        assert "brand.css" in html and 'type="image/svg+xml"' in html and "logo.svg" in html, page
        assert "<li>Nämndens diarium: 0581-810 00</li>" in html, page
    assert (branded / "static" / "brand.css").read_text() == ":root { --brand: #005a9c; --brand-dark: #003f6d; }\n"
    assert (branded / "media" / "logo.svg").read_text() == LOGO


@pytest.mark.parametrize("path", ["", "risks/", "risks/lokalbrist/", "404.html"])
def test_a_branded_page_in_chromium_has_the_colour_the_logo_and_no_axe_violations(branded, path):
    with chromium() as browser, serve_like_pages(branded, "/repo/") as base:
        visit = Visit(browser, base)
        visit.page.goto(base + path)
        header = visit.page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
        assert header == "rgb(0, 90, 156)"
        assert visit.page.eval_on_selector(".site-logo", "e => e.complete && e.naturalWidth") > 0
        assert axe_violations(visit.page) == []
        visit.assert_clean()
        visit.close()


def _check(tmp_path, theme: str) -> str:
    site = _site(tmp_path, theme)
    result = run_govsite("check", cwd=site)
    assert result.returncode == 1, result.stderr
    return result.stderr


def test_a_colour_too_light_for_white_text_is_refused_at_its_line_with_the_ratio(tmp_path):
    stderr = _check(tmp_path, 'theme:\n  colour: "#ffcc00"\n')
    line = len((tmp_path / "content/site.yaml").read_text().splitlines())
    assert (f'content/site.yaml:{line}: fel: färgen #ffcc00 i fältet "theme.colour" har kontrasten 1,5:1 mot vitt'
            in stderr)
    assert 'till exempel "#907300"' in stderr


@pytest.mark.parametrize("theme, expected", [
    ("theme:\n  logo: media/saknas.svg\n  logo_alt: X\n", 'fältet "theme.logo" pekar på media/saknas.svg, som inte finns'),
    ("theme:\n  logo: media/logo.svg\n", "logotypen saknar en alternativtext"),
    ("theme:\n  favicon: site.yaml\n", 'fältet "theme.favicon" pekar på site.yaml, som inte finns'),
    ('theme:\n  colour: "blå"\n', 'fältet "theme.colour" ska vara en färg skriven som #RRGGBB'),
])
def test_brand_files_and_colours_that_cannot_be_shown_are_errors_at_their_line(tmp_path, theme, expected):
    stderr = _check(tmp_path, theme)
    assert "content/site.yaml:" in stderr and expected in stderr, stderr


def test_a_logo_too_large_for_every_page_is_refused(tmp_path):
    site = _site(tmp_path, "theme:\n  logo: media/big.png\n  logo_alt: X\n")
    (site / "content/media/big.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(600_000))
    result = run_govsite("check", cwd=site)
    assert result.returncode == 1
    assert "bilden media/big.png i fältet \"theme.logo\" är 600 kB" in result.stderr


def test_each_page_links_to_its_file_in_the_web_editor_and_to_feedback_with_its_title(branded):
    risk = (branded / "risks" / "lokalbrist" / "index.html").read_text("utf-8")
    assert ('<a href="https://github.com/provkommun/styrning/edit/main/content/risks/lokalbrist.md">'
            "Föreslå en ändring</a>") in risk
    assert ('href="mailto:synpunkter@provkommun.example?subject=Synpunkter%20p%C3%A5%20sidan%3A%20Brist%20p%C3%A5'
            '%20lokaler%20f%C3%B6r%20f%C3%B6reningslivet&amp;body=https%3A//example.org/repo/risks/lokalbrist/">'
            "Lämna synpunkter på sidan</a>") in risk
    index = (branded / "risks" / "index.html").read_text("utf-8")
    assert "Föreslå en ändring" not in index and "Lämna synpunkter på sidan" in index  # no file of its own


def test_a_feedback_form_gets_the_pages_title_and_address_and_an_english_site_english_words(tmp_path):
    shutil.copytree(SITES / "english" / "content", tmp_path / "content")
    site_yaml = tmp_path / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8") + 'feedback: {url: "https://testville.example/form?page={url}&t={title}"}\n'
                         'repository: {url: "https://github.com/testville/site", branch: live, folder: web}\n')
    result = run_govsite("build", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "output" / "risks" / "flooding" / "index.html").read_text("utf-8")
    assert 'href="https://github.com/testville/site/edit/live/web/content/risks/flooding.md">Suggest a change' in page
    assert ('href="https://testville.example/form?page=https%3A%2F%2Fexample.org%2Frepo%2Frisks%2Fflooding%2F'
            '&amp;t=Flooding%20of%20riverside%20parks">Give feedback on this page') in page
