"""A site's theme folder holds only what differs; the built-in theme gives the rest."""
from __future__ import annotations

import shutil

from conftest import ROOT, SITES, run_govsite


def _site(tmp_path):
    shutil.copytree(SITES / "basic" / "content", tmp_path / "content")
    (tmp_path / "templates").mkdir()
    return tmp_path


def test_one_overridden_block_shows_on_every_page_and_the_rest_comes_from_the_built_in_theme(tmp_path):
    site = _site(tmp_path)
    (site / "templates" / "base.html").write_text(
        '{% extends "govsite/base.html" %}\n'
        "{% block footer_links %}{{ super() }}<li>Nämndens diarium: 0581-810 00</li>{% endblock %}\n")
    result = run_govsite("build", "--no-cache", cwd=site)
    assert result.returncode == 0, result.stderr
    pages = [p for p in (site / "output").rglob("*.html") if "pagefind" not in p.parts]
    assert len(pages) > 20
    for page in pages:
        html = page.read_text()
        assert "<li>Nämndens diarium: 0581-810 00</li>" in html, page
    # The built-in theme's own footer links are still there (super()), and every kind renders.
    assert (site / "output" / "risks" / "index.html").is_file()
    assert (site / "output" / "static" / "site.css").read_bytes() == (ROOT / "templates/static/site.css").read_bytes()


def test_a_static_file_of_the_site_replaces_the_built_in_one_of_the_same_name(tmp_path):
    site = _site(tmp_path)
    (site / "templates" / "static").mkdir()
    (site / "templates" / "static" / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    result = run_govsite("build", "--no-cache", cwd=site)
    assert result.returncode == 0, result.stderr
    assert (site / "output/static/favicon.svg").read_text() == '<svg xmlns="http://www.w3.org/2000/svg"/>'
    assert (site / "output/static/site.css").is_file()


def test_an_error_in_the_sites_template_names_the_sites_file_and_line(tmp_path):
    site = _site(tmp_path)
    (site / "templates" / "base.html").write_text(
        '{% extends "govsite/base.html" %}\n\n{% block footer_links %}{{ no_such_thing.x }}{% endblock %}\n')
    result = run_govsite("build", "--no-cache", cwd=site)
    assert result.returncode == 1
    assert "templates/base.html:3: fel: mallen" in result.stderr
    assert "Traceback" not in result.stderr


def _example(name: str) -> str:
    import re
    text = (ROOT / "docs" / "theming.md").read_text("utf-8")
    block = re.search(rf"<!-- example:{name} -->\n```jinja\n(.*?)```\n<!-- /example -->", text, re.S)
    assert block, name
    return block.group(1)


def test_the_footer_example_of_the_theming_guide_builds_as_written(tmp_path):
    site = _site(tmp_path)
    (site / "templates" / "base.html").write_text(_example("footer"))
    result = run_govsite("build", "--no-cache", cwd=site)
    assert result.returncode == 0, result.stderr
    for page in ("index.html", "risks/lokalbrist/index.html", "404.html"):
        html = (site / "output" / page).read_text()
        assert '<li><a href="https://www.nora.se/diarium">Nämndens diarium</a></li>' in html
        assert "Senaste ändringar" in html  # the built-in footer is still there


def test_the_header_example_of_the_theming_guide_builds_as_written(tmp_path):
    site = _site(tmp_path)
    (site / "templates" / "base.html").write_text(_example("header"))
    (site / "templates" / "static").mkdir()
    (site / "templates" / "static" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48"><circle cx="24" cy="24" r="20"/></svg>')
    result = run_govsite("build", "--no-cache", cwd=site)
    assert result.returncode == 0, result.stderr
    html = (site / "output" / "risks" / "lokalbrist" / "index.html").read_text()
    brand, header = html.index('<div class="site-brand">'), html.index('<header class="site-header">')
    assert brand < header  # the logo above the built-in header, which follows by super()
    assert '<img src="../../static/logo.svg" alt="Provkommun" width="48" height="48">' in html
    assert (site / "output" / "static" / "logo.svg").is_file()
