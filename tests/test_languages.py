"""A site in several languages (issue 20): the built-in interface tables, a site's own table,
`languages:` in site.yaml, translations `ID.LANG.md` beside `ID.md`, and the pages of each
language. Real tables, the real CLI on fixture sites copied into temp folders."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest
import yaml

from conftest import SITES, run_govsite
from govsite.locale import LANGUAGES, Locale, keys


def _table(language: str) -> dict:
    return yaml.safe_load(resources.files("govsite.locales").joinpath(f"{language}.yaml").read_text("utf-8"))


def _leaves(table: dict, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "sv"])
def test_every_builtin_table_has_exactly_swedish_keys_and_placeholders(language):
    swedish, other = _table("sv"), _table(language)
    assert sorted(keys(swedish) - keys(other)) == [], "missing"
    assert sorted(keys(other) - keys(swedish)) == [], "not in sv.yaml"
    theirs = dict(_leaves(other))
    for key, words in _leaves(swedish):
        if isinstance(words, str):
            assert set(re.findall(r"\{(\w+)\}", theirs[key])) == set(re.findall(r"\{(\w+)\}", words)), key


def test_dates_and_numbers_are_written_as_cldr_writes_them_in_each_language():
    day = dt.date(2026, 3, 5)
    assert Locale.load("sv").date(day) == "5 mars 2026"
    assert Locale.load("en").date(day) == "5 March 2026"
    assert Locale.load("fi").date(day) == "5. maaliskuuta 2026"
    assert [Locale.load(lang).number(1.5) for lang in ("sv", "en", "fi")] == ["1,5", "1.5", "1,5"]
    assert not any("months" in _table(lang) for lang in LANGUAGES)  # no hand-written month lists


def _site(tmp_path: Path, settings: dict | None = None, **files: str) -> Path:
    """The basic fixture site (Swedish), site.yaml's keys replaced by `settings`, files added."""
    content = tmp_path / "content"
    shutil.copytree(SITES / "basic" / "content", content)
    lines = [line for line in (content / "site.yaml").read_text("utf-8").splitlines()
             if line.split(":", 1)[0] not in (settings or {})]
    lines[1:1] = [f"{key}: {value}" for key, value in (settings or {}).items()]
    (content / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for relpath, text in files.items():
        path = content / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


def _check(content: Path) -> list[dict]:
    result = run_govsite("check", "--content", content, "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def _build(content: Path, output: Path):
    return run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01")


def _line(content: Path, relpath: str, start: str) -> int:
    lines = (content / relpath).read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(start))


def test_a_finnish_site_is_accepted_and_speaks_finnish(tmp_path):
    content = _site(tmp_path, {"language": "fi"})
    result = _build(content, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    home = (tmp_path / "out" / "index.html").read_text("utf-8")
    assert '<html lang="fi"' in home
    assert "Siirry pääsisältöön" in home and "Päävalikko" in home
    assert (tmp_path / "out" / "saavutettavuus" / "index.html").is_file()
    assert "Valmis:" in result.stdout  # the terminal's words too


def test_languages_list_first_is_main_and_language_may_not_disagree(tmp_path):
    both = _site(tmp_path / "a", {"language": "en", "languages": "[sv, fi]"})
    found = _check(both)
    wrong = [d for d in found if d["code"] == "languages_disagree"]
    assert wrong and wrong[0]["path"] == "content/site.yaml"
    assert wrong[0]["line"] == _line(both, "site.yaml", "language:")
    unknown = _site(tmp_path / "b", {"languages": "[sv, xx]"})
    found = [d for d in _check(unknown) if d["code"] == "not_a_choice"]
    assert found and found[0]["line"] == _line(unknown, "site.yaml", "languages:")
    assert "fi" in found[0]["hint"]
    fine = _site(tmp_path / "c", {"language": "sv", "languages": "[sv, fi]"})
    assert [d for d in _check(fine) if d["level"] == "error"] == []


def test_a_site_table_for_another_language_is_accepted_and_its_missing_keys_are_named(tmp_path):
    table = yaml.safe_load(resources.files("govsite.locales").joinpath("fi.yaml").read_text("utf-8"))
    table["ui"]["site"]["skip_link"] = "Hyppää pääsisältöön"  # our Meänkieli, for the test
    del table["ui"]["site"]["menu"], table["messages"]["stray_file"]
    content = _site(tmp_path, {"language": "fit"},
                    **{"locales/fit.yaml": yaml.safe_dump(table, allow_unicode=True)})
    found = _check(content)
    missing = [d for d in found if d["code"] == "locale_missing_keys"]
    assert len(missing) == 1 and missing[0]["path"] == "content/locales/fit.yaml"
    assert "ui.site.menu" in missing[0]["message"] and "messages.stray_file" in missing[0]["message"]
    assert not [d for d in found if d["level"] == "error"]
    result = _build(content, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    home = (tmp_path / "out" / "index.html").read_text("utf-8")
    assert '<html lang="fit"' in home and "Hyppää pääsisältöön" in home
    assert ">Meny<" in home  # the missing key, in the main language's words (Swedish: none of its own)


RISK_EN = """---
title: Low risk of cancelled events
summary: Events are rarely cancelled.
probability: 1
controls: [{title: Yearly follow-up}]
---
The English text.
"""


def test_a_translation_that_changes_a_level_is_refused_at_its_line(tmp_path):
    content = _site(tmp_path, {"languages": "[sv, en]"},
                    **{"risks/lag.en.md": RISK_EN.replace("probability: 1", "probability: 3")})
    found = [d for d in _check(content) if d["level"] == "error"]
    assert [(d["code"], d["path"], d["line"]) for d in found] == [
        ("translation_structural", "content/risks/lag.en.md", 4)]
    assert "probability" in found[0]["message"] and "content/risks/lag.md:" in found[0]["message"]
    result = _build(content, tmp_path / "out")
    assert result.returncode != 0 and "lag.en.md:4" in result.stderr


def test_a_translation_without_original_or_in_a_language_not_published_is_an_error(tmp_path):
    content = _site(tmp_path, {"languages": "[sv, en]"},
                    **{"risks/saknas.en.md": RISK_EN, "risks/lag.fi.md": RISK_EN.replace("probability: 1\n", ""),
                       "risks/lokalbrist.sv.md": RISK_EN.replace("probability: 1\n", "")})
    found = {(d["code"], d["path"]) for d in _check(content) if d["level"] == "error"}
    assert found == {("translation_without_original", "content/risks/saknas.en.md"),
                     ("translation_language", "content/risks/lag.fi.md"),
                     ("translation_language", "content/risks/lokalbrist.sv.md")}


def test_a_valid_translation_checks_clean(tmp_path):
    content = _site(tmp_path, {"languages": "[sv, en]"}, **{"risks/lag.en.md": RISK_EN})
    assert [d for d in _check(content) if d["path"].endswith(".en.md")] == []


# --- the pages of each language ---------------------------------------------------

HOME_EN = """---
title: Welcome to Provkommun
summary: How Provkommun governs and controls its work.
---
The English home page.
"""


@pytest.fixture(scope="module")
def two_languages(tmp_path_factory) -> Path:
    """The basic site in [sv, en] with one translated risk and the home page translated."""
    folder = tmp_path_factory.mktemp("two-languages")
    content = _site(folder, {"languages": "[sv, en]"}, **{"risks/lag.en.md": RISK_EN, "pages/index.en.md": HOME_EN})
    result = _build(content, folder / "out")
    assert result.returncode == 0, result.stderr
    return folder / "out"


def _page(output: Path, path: str) -> str:
    return (output / path / "index.html").read_text("utf-8")


def test_a_translated_entity_has_its_own_page_in_its_language(two_languages):
    page = _page(two_languages, "en/risks/lag")
    assert '<html lang="en">' in page
    assert "<h1>Low risk of cancelled events</h1>" in page
    assert "Skip to main content" in page and "only available" not in page
    swedish = _page(two_languages, "risks/lag")  # the main language keeps its addresses and words
    assert '<html lang="sv">' in swedish and "<h1>Låg risk för inställda evenemang</h1>" in swedish
    assert "Low risk" not in swedish
    # The lists of the English section show the English title, linked within /en/
    register = _page(two_languages, "en/risks")
    assert re.search(r'<a href="lag/">Low risk of cancelled events</a>', register)


def test_an_untranslated_entity_says_so_in_the_readers_language_and_marks_its_swedish(two_languages):
    page = _page(two_languages, "en/risks/lokalbrist")
    assert '<html lang="en">' in page
    assert "This page is only available in Swedish." in page
    assert '<h1 lang="sv">Brist på lokaler för föreningslivet</h1>' in page
    assert re.search(r'<div lang="sv"><p>Risken hotar', page)  # the body
    assert "Risk owner" in page  # the interface stays English
    finnish_words = _page(two_languages, "risks/lokalbrist")
    assert "only available" not in finnish_words and "Den här sidan finns bara" not in finnish_words


def test_every_page_has_a_switcher_and_hreflang_links_that_resolve(two_languages):
    pages = sorted(two_languages.rglob("*.html"))
    checked = 0
    for file in pages:
        relative = file.relative_to(two_languages).as_posix()
        if relative.startswith(("pagefind/", "data/")) or relative == "404.html":
            continue
        html = file.read_text("utf-8")
        links = re.findall(r'<link rel="alternate" hreflang="([a-z]+)" href="([^"]*)">', html)
        switcher = re.findall(r'<a href="([^"]*)" hreflang="([a-z]+)"', html)
        if relative == "data/index.html":
            continue
        assert {lang for lang, _ in links} == {"sv", "en"}, relative
        assert len(switcher) == 1, relative  # the other language; the current one is no link
        # hreflang gives whole addresses (search engines and Lighthouse want them); the switcher links relatively
        base = "https://example.org/prov/"
        assert all(href.startswith(base) for _, href in links), (relative, links)
        targets = [two_languages / href.removeprefix(base) for _, href in links]
        for target in targets + [(file.parent / href).resolve() for href, _ in switcher]:
            assert (target / "index.html").is_file() or target.is_file(), (relative, target)
        checked += 1
    assert checked >= 40
    statement = _page(two_languages, "en/accessibility")  # the statement in each language
    assert '<html lang="en">' in statement and "<h1>Accessibility statement</h1>" in statement
    assert "Tillgänglighetsredogörelse</h1>" in _page(two_languages, "tillganglighet")
    sitemap = (two_languages / "sitemap.xml").read_text("utf-8")
    assert '<xhtml:link rel="alternate" hreflang="en" href="https://example.org/prov/en/risks/lag/"/>' in sitemap


def test_a_page_id_that_is_a_language_of_the_site_is_refused(tmp_path):
    content = _site(tmp_path, {"languages": "[sv, en]"}, **{"pages/en.md": "---\ntitle: En\n---\n"})
    found = [(d["code"], d["path"]) for d in _check(content) if d["level"] == "error"]
    assert found == [("reserved_page_id", "content/pages/en.md")]


def test_a_swedish_and_finnish_site_shows_finnish_interface_words(tmp_path):
    content = _site(tmp_path, {"languages": "[sv, fi]"})
    result = _build(content, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    home = _page(tmp_path / "out", "fi")
    assert '<html lang="fi">' in home
    for words in ("Siirry pääsisältöön", "Päävalikko", "Riskit", "Saavutettavuusseloste"):
        assert words in home
    risk = _page(tmp_path / "out", "fi/risks/lag")
    assert "Tätä sivua ei ole käännetty suomeksi. Sivun kieli: ruotsi." in risk
    assert "Todennäköisyys" in risk and "Epätodennäköinen" in risk  # the default matrix's words too
    assert "<h1>Saavutettavuusseloste</h1>" in _page(tmp_path / "out", "fi/saavutettavuus")


def test_feeds_and_open_data_of_each_language(two_languages):
    feed = (two_languages / "en" / "feed.xml").read_text("utf-8")
    assert 'xml:lang="en"' in feed and "<title>Recently updated – Styrning i Provkommun</title>" in feed
    assert "https://example.org/prov/en/" in feed
    unit = _page(two_languages, "en/units/namnden")
    assert 'title="Recently updated – Kulturnämnden" href="feed.xml"' in unit
    assert (two_languages / "en" / "units" / "namnden" / "feed.xml").is_file()
    assert '<meta property="og:locale" content="en_GB">' in unit
    data = json.loads((two_languages / "data" / "risks" / "lag.json").read_text("utf-8"))
    assert data["title"] == "Låg risk för inställda evenemang"
    english = data["translations"]["en"]
    assert english["title"] == "Low risk of cancelled events"
    assert english["page_url"] == "https://example.org/prov/en/risks/lag/"
    assert english["controls"][0]["title"] == "Yearly follow-up"
    assert "probability" not in english
    search = _page(two_languages, "en/search")  # A–Ö in English: the English title sorted in
    assert re.search(r'>Low risk of cancelled events</a> <span class="kind">\(risk\)', search)


def test_a_reference_in_a_translations_text_is_checked_at_its_line(tmp_path):
    content = _site(tmp_path, {"languages": "[sv, en]"},
                    **{"risks/lag.en.md": RISK_EN + "\nSee [[mission:utbudd]].\n"})
    found = [(d["code"], d["path"], d["line"]) for d in _check(content) if d["level"] == "error"]
    assert found == [("unknown_ref", "content/risks/lag.en.md", 9)]


def test_serve_shows_an_edited_translation_and_an_edited_original_in_both_languages(tmp_path):
    from test_serve import serving
    _site(tmp_path, {"languages": "[sv, en]"}, **{"risks/lag.en.md": RISK_EN.replace("probability: 1\n", "")})
    with serving(tmp_path) as served:
        assert "Low risk of cancelled events" in served.get("/en/risks/lag/")[1]
        served.edit("content/risks/lag.en.md", "title: Low risk", "title: A low risk")
        served.wait_for("/en/risks/lag/", lambda text: "<h1>A low risk of cancelled events</h1>" in text)
        served.edit("content/risks/lag.md", "probability: 1", "probability: 2")
        page = served.wait_for("/en/risks/lag/", lambda text: "2 – Less likely" in text)
        assert "<h1>A low risk of cancelled events</h1>" in page and 'role="alert"' not in page
        assert "2 – Mindre sannolik" in served.get("/risks/lag/")[1]
        served.edit("content/risks/lag.en.md", "controls:", "probability: 4\ncontrols:")
        page = served.wait_for("/en/risks/lag/", lambda text: 'role="alert"' in text)
        assert "content/risks/lag.en.md:4" in page


def test_a_site_table_value_that_could_reach_into_the_build_or_break_a_page_is_refused(tmp_path):
    table = {"ui": {"site": {"skip_link": "{title.__class__.__init__.__globals__}", "home": ["not", "text"],
                             "menu_current": "Olet täällä: {section}"},
                    "theme": {"accessibility_slug": "../../outside"}},
             "default_risk_matrix": {"ratings": [{"max": 3}]}}
    content = _site(tmp_path, {"language": "fit"}, **{"locales/fit.yaml": yaml.safe_dump(table)})
    found = [d for d in _check(content) if d["code"] == "locale_bad_values"]
    assert len(found) == 1 and found[0]["level"] == "error" and found[0]["path"] == "content/locales/fit.yaml"
    for key in ("ui.site.skip_link", "ui.site.home", "ui.theme.accessibility_slug", "default_risk_matrix.ratings"):
        assert key in found[0]["message"]
    assert "menu_current" not in found[0]["message"]


def test_the_change_history_on_a_page_of_another_language_is_marked_as_swedish(tmp_path):
    from test_history import git
    _site(tmp_path, {"languages": "[sv, en]"}, **{"risks/lag.en.md": RISK_EN.replace("probability: 1\n", "")})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "Första versionen")
    (tmp_path / "content/risks/lag.md").write_text(
        (tmp_path / "content/risks/lag.md").read_text("utf-8").replace("probability: 1", "probability: 2"), "utf-8")
    git(tmp_path, "commit", "-q", "-am", "Sannolikheten höjd", date="2024-02-10T09:00:00+01:00")
    result = _build(tmp_path / "content", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    page = _page(tmp_path / "out", "en/risks/lag")
    assert re.search(r'<ul lang="sv"><li>Sannolikheten höjdes från 1', page)
    assert "<h2 id=\"history-heading\">Change history</h2>" in page
    swedish = _page(tmp_path / "out", "risks/lag")
    assert "<ul><li>Sannolikheten höjdes från 1" in swedish


def test_a_translation_edit_in_serve_renders_its_pages_only_and_equals_a_cold_build(tmp_path):
    """Issue 20, item 5: the engine's fingerprints cover each language's text of an entity, so a
    new paragraph in a translation renders the entity's pages (both languages) and the data page."""
    from conftest import DEMO, tree_digest
    from govsite.engine import Engine
    from govsite.pipeline import Options
    content = tmp_path / "content"
    shutil.copytree(DEMO, content)
    today = dt.date(2026, 12, 1)
    engine = Engine(Options(content=content, output=tmp_path / "live", today=today), keep_files=True)
    total = engine.build().rendered
    translation = content / "risks" / "svagt-kulturutbud.en.md"
    translation.write_text(translation.read_text("utf-8") + "\nA new paragraph about the follow-up.\n", "utf-8")
    result = engine.build([translation])
    assert not result.everything and result.rendered == 3 < total
    assert "A new paragraph about the follow-up." in (tmp_path / "live/en/risks/svagt-kulturutbud/index.html").read_text()
    cold = run_govsite("build", "--no-cache", "--content", content, "--output", tmp_path / "cold", "--today", "2026-12-01")
    assert cold.returncode == 0, cold.stderr
    no_search = lambda digest: {p: d for p, d in digest.items() if "pagefind/" not in p}  # noqa: E731 - serve keeps its index
    assert no_search(tree_digest(tmp_path / "live")) == no_search(tree_digest(tmp_path / "cold"))
