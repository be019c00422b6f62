"""The accessibility statement tells only the truth (issue 16.4): how the site was tested
comes from an audit report or is said not to exist, the compliance level follows from the
listed shortcomings, and the contact part never shows an empty list."""
from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import SITES, run_govsite

STATEMENT = {"sv": "tillganglighet", "en": "accessibility"}
SITE = {"sv": SITES / "basic" / "content", "en": SITES / "english" / "content"}


def _site(tmp_path: Path, language: str = "sv", settings: str = "") -> Path:
    content = tmp_path / "content"
    shutil.copytree(SITE[language], content)
    if settings:  # in place of the site's own accessibility block, if it has one
        site_yaml = content / "site.yaml"
        text = re.sub(r"^accessibility:\n(?:  .*\n)*", "", site_yaml.read_text("utf-8"), flags=re.M)
        site_yaml.write_text(text + settings, encoding="utf-8")
    return content


def _statement(tmp_path: Path, language: str, *args) -> str:
    """The statement's text as a citizen reads it (tags dropped, spaces joined)."""
    content = tmp_path / "content"
    result = run_govsite("build", "--content", content, "--output", tmp_path / "output", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "output" / STATEMENT[language] / "index.html").read_text("utf-8")
    article = page[page.index("<article>"):page.index("</article>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())


def _report(path: Path, **changes) -> Path:
    """A report as `govsite audit --report` writes it (audit.write_report)."""
    report = {"date": "2026-11-30", "tool": "axe-core", "axe_version": "4.12.1",
              "tags": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"], "base_path": "/prov/", "pages_total": 120,
              "pages_checked": 57, "all_pages": False, "seconds": 31.5, "pages": [], "violations": [],
              "broken_links": [], "third_party_requests": []}
    report.update(changes)
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_site_built_without_an_audit_does_not_claim_one(tmp_path, language):
    _site(tmp_path, language)
    text = _statement(tmp_path, language)
    if language == "sv":
        assert "Ingen automatisk granskning av den här webbplatsen finns registrerad." in text
        assert "testas automatiskt" not in text and "axe" not in text
    else:
        assert "No automated test of this website has been recorded." in text
        assert "tested automatically" not in text and "axe" not in text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_report_names_its_date_tool_version_pages_and_result(tmp_path, language):
    _site(tmp_path, language)
    report = _report(tmp_path / "audit.json")
    text = _statement(tmp_path, language, "--audit", report)
    if language == "sv":
        assert ("30 november 2026 granskades 57 av webbplatsens 120 sidor automatiskt i webbläsaren Chromium "
                "med verktyget axe-core 4.12.1") in text
        assert "Granskningen hittade inga brister." in text
        assert "Ingen automatisk granskning" not in text
    else:
        assert ("On 30 November 2026, 57 of the website's 120 pages were tested automatically in the Chromium "
                "browser with axe-core 4.12.1") in text
        assert "The test found no shortcomings." in text


def test_a_report_with_findings_says_so_and_every_page_is_said_when_all_were_checked(tmp_path):
    _site(tmp_path)
    report = _report(tmp_path / "audit.json", pages_checked=120, all_pages=True,
                     violations=[{"rule": "image-alt"}, {"rule": "label"}],
                     broken_links=[{"page": "", "url": "/prov/x/"}])
    text = _statement(tmp_path, "sv", "--audit", report)
    assert "granskades alla webbplatsens 120 sidor" in text
    assert ("Granskningen hittade brister. Brister enligt axe-core: 2. Trasiga länkar: 1. Anrop till andra "
            "webbplatser: 0.") in text
    assert "inga brister" not in text


BAD_REPORTS = {
    # name: (the file's text, or None for no file; the error expected)
    "missing": (None, "audit.json: fel: granskningsrapporten audit.json finns inte."),
    "not-json": ("<html>", "audit.json: fel: granskningsrapporten audit.json går inte att läsa"),
    "a-list": ("[]", "audit.json: fel: granskningsrapporten audit.json går inte att läsa (not a JSON object)"),
    "bad-date": (dict(date="30/11/2026"),
                 'audit.json: fel: fältet "date" i granskningsrapporten audit.json ska vara ett datum (ÅÅÅÅ-MM-DD), '
                 'men är "30/11/2026".'),
    "no-version": (dict(axe_version=""), 'fältet "axe_version" i granskningsrapporten audit.json ska vara en text'),
    "negative": (dict(pages_total=-1), 'fältet "pages_total" i granskningsrapporten audit.json ska vara ett heltal'),
    "more-checked-than-exist": (dict(pages_checked=500),
                                'fältet "pages_checked" i granskningsrapporten audit.json ska vara högst pages_total'),
    "violations-a-number": (dict(violations=3), 'fältet "violations" i granskningsrapporten audit.json ska vara en lista'),
}


@pytest.mark.parametrize("case", sorted(BAD_REPORTS))
def test_a_missing_or_bad_report_is_a_clear_error_and_nothing_is_written(tmp_path, case):
    text, expected = BAD_REPORTS[case]
    _site(tmp_path)
    report = tmp_path / "audit.json"
    if isinstance(text, dict):
        _report(report, **text)
    elif text is not None:
        report.write_text(text, encoding="utf-8")
    result = run_govsite("build", "--content", "content", "--output", "output", "--audit", "audit.json",
                         cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert expected in result.stderr, result.stderr
    assert not (tmp_path / "output").exists()


def test_a_changed_report_is_a_new_build(tmp_path):
    """The no-change skip (cache.py) notices the report: a new audit is a new statement."""
    _site(tmp_path)
    report = _report(tmp_path / "audit.json")
    assert "57 av webbplatsens 120" in _statement(tmp_path, "sv", "--audit", report)
    _report(report, pages_checked=60)
    assert "60 av webbplatsens 120" in _statement(tmp_path, "sv", "--audit", report)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_partial_without_deviations_is_a_warning_at_its_line_and_the_text_adapts(tmp_path, language):
    content = _site(tmp_path, language, "accessibility:\n  assessed: 2024-05-02\n  compliance: partial\n")
    line = len((content / "site.yaml").read_text("utf-8").splitlines())  # the compliance line is the last
    check = run_govsite("check", "--content", content, cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    if language == "sv":
        assert (f"content/site.yaml:{line}: varning: tillgänglighetsredogörelsen säger att webbplatsen inte är helt "
                "förenlig med lagen (compliance: partial), men listar inga brister.") in check.stderr
    else:
        assert (f"content/site.yaml:{line}: warning: the accessibility statement says the website is not fully "
                "compliant (compliance: partial) but lists no shortcomings.") in check.stderr
    text = _statement(tmp_path, language)
    if language == "sv":
        assert "delvis förenlig" in text and "Vilka delar som inte är tillgängliga har vi ännu inte beskrivit" in text
        assert "på grund av de brister som beskrivs nedan" not in text
        assert "Vi känner inte till några brister" not in text
    else:
        assert "partially compliant" in text and "has not yet been described here" in text
        assert "described below" not in text and "We know of no accessibility shortcomings" not in text


def test_full_with_deviations_is_shown_as_partial_and_warned_at_its_line(tmp_path):
    content = _site(tmp_path, "sv", "accessibility:\n  compliance: full\n  deviations:\n    - PDF-filerna saknar taggar.\n")
    check = run_govsite("check", "--content", content, cwd=tmp_path)
    assert ("content/site.yaml:8: varning: tillgänglighetsredogörelsen säger compliance: full men listar brister under "
            "deviations (1), så den visas som delvis förenlig.") in check.stderr, check.stderr
    text = _statement(tmp_path, "sv")
    assert "delvis förenlig med lagen om tillgänglighet till digital offentlig service, på grund av de brister " \
           "som beskrivs nedan" in text
    assert "Webbplatsen är förenlig" not in text and "PDF-filerna saknar taggar." in text


def test_full_without_deviations_says_none_are_known(tmp_path):
    _site(tmp_path, "sv", "accessibility:\n  compliance: full\n")
    text = _statement(tmp_path, "sv")
    assert "Webbplatsen är förenlig med lagen" in text and "Vi känner inte till några brister" in text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_site_without_contact_never_shows_an_empty_list(tmp_path, language):
    content = _site(tmp_path, language)
    site_yaml = content / "site.yaml"
    site_yaml.write_text("".join(line for line in site_yaml.read_text("utf-8").splitlines(keepends=True)
                                 if not line.startswith("contact")), encoding="utf-8")
    page_text = _statement(tmp_path, language)
    page = (tmp_path / "output" / STATEMENT[language] / "index.html").read_text("utf-8")
    assert not re.search(r"<ul>\s*</ul>", page)
    assert "kontakta oss:" not in page_text and "contact us:" not in page_text
    organisation = {"sv": "Provkommun", "en": re.search(r"organisation: (.*)", site_yaml.read_text())[1]}[language]
    assert (f"kontakta {organisation}." if language == "sv" else f"contact {organisation}.") in page_text


def test_the_publish_workflow_cites_the_audit_before_it_uploads(tmp_path):
    """build → audit → build again with --audit audit.json → upload: the published statement
    names the audit that let the deploy through."""
    result = run_govsite("init", tmp_path / "site", "--organisation", "Nora kommun", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import yaml
    workflow = yaml.safe_load((tmp_path / "site/.github/workflows/publish.yml").read_text("utf-8"))
    steps = [step.get("run", step.get("uses", "")) for step in workflow["jobs"]["build"]["steps"]]
    order = [next(i for i, s in enumerate(steps) if s.startswith(start)) for start in (
        'govsite build --base-url "$BASE_URL/"',
        "govsite audit", 'govsite build --base-url "$BASE_URL/" --audit audit.json', "actions/upload-pages-artifact")]
    assert order == sorted(order) and len(set(order)) == 4, steps


# --- the site's own text (issue 15.6) ------------------------------------------------

OWN_TEXT = {"sv": ("tillganglighet", "Så arbetar Provkommun med tillgänglighet",
                   "Vi granskar webbplatsen varje kvartal tillsammans med Funktionsrätt Provkommun."),
            "en": ("accessibility", "How Testville works with accessibility",
                   "We review the website every quarter with the local disability council.")}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_sites_own_statement_page_is_the_body_of_the_statement(tmp_path, language):
    page_id, title, text = OWN_TEXT[language]
    content = _site(tmp_path, language)
    (content / "pages" / f"{page_id}.md").write_text(
        f"---\ntitle: {title}\nsummary: {title}.\n---\n\n{text}\n\nSe [[pages:index]].\n", encoding="utf-8")
    check = run_govsite("check", "--content", content, cwd=tmp_path)
    assert check.returncode == 0 and "reserved" not in check.stderr and ": fel:" not in check.stderr, check.stderr
    statement = _statement(tmp_path, language)
    assert text in statement and f"{title}." in statement
    # …with the items DIGG requires still generated from site.yaml around it
    for item in {"sv": ("Hur tillgänglig är webbplatsen?", "Tillsyn", "Anmäl bristande tillgänglighet till DIGG",
                        "Hur vi testat webbplatsen", "info@provkommun.example"),
                 "en": ("How accessible is the website?", "Enforcement", "Report inaccessibility to DIGG",
                        "How we tested the website", "info@testville.example")}[language]:
        assert item in statement, item
    assert statement.index(text) < statement.index({"sv": "Tillsyn", "en": "Enforcement"}[language])
    assert {"sv": "står bakom den här webbplatsen", "en": "is responsible for this website"}[language] not in statement
    output = tmp_path / "output"
    assert len(list(output.rglob(f"{page_id}/index.html"))) == 1  # one page at the address, the statement


def test_the_other_languages_statement_address_and_the_sites_own_addresses_stay_errors(tmp_path):
    content = _site(tmp_path)
    for page_id in ("accessibility", "media", "risks"):
        (content / "pages" / f"{page_id}.md").write_text("---\ntitle: Sida\n---\n\nText.\n", encoding="utf-8")
    for command in (["check"], ["build", "--output", tmp_path / "output"]):
        result = run_govsite(*command, "--content", content, cwd=tmp_path)
        assert result.returncode == 1
        assert ('content/pages/accessibility.md:1: fel: sidan "accessibility" är tillgänglighetsredogörelsens adress '
                "på en webbplats på ett annat språk, inte på den här. Tillgänglighetsredogörelsens egen text skrivs i "
                "pages/tillganglighet.md på den här webbplatsen: döp om filen till tillganglighet.md.") in result.stderr
        for page_id in ("media", "risks"):
            assert (f'content/pages/{page_id}.md:1: fel: sidan kan inte heta "{page_id}", eftersom den adressen '
                    "används av webbplatsen själv.") in result.stderr
    assert not (tmp_path / "output").exists()


def test_the_statement_with_its_own_text_and_an_audit_has_no_axe_violations_in_chromium(tmp_path):
    pytest.importorskip("axe_playwright_python")
    from browser import Visit, chromium
    from test_browser_theme import axe_violations
    from govsite.static_server import serve_like_pages
    page_id, title, text = OWN_TEXT["sv"]
    content = _site(tmp_path, "sv", "accessibility:\n  compliance: partial\n  deviations:\n    - Kartan saknar textalternativ.\n")
    (content / "pages" / f"{page_id}.md").write_text(f"---\ntitle: {title}\n---\n\n## Vårt arbete\n\n{text}\n",
                                                     encoding="utf-8")
    statement = _statement(tmp_path, "sv", "--audit", _report(tmp_path / "audit.json"))
    assert text in statement and "57 av webbplatsens 120 sidor" in statement
    with chromium() as browser, serve_like_pages(tmp_path / "output", "/prov/") as base:
        visit = Visit(browser, base)
        visit.page.goto(base + f"{page_id}/")
        assert visit.page.get_by_role("heading", name="Vårt arbete").count() == 1
        assert axe_violations(visit.page) == []
        visit.assert_clean()
        visit.close()


def test_the_live_preview_shows_an_edit_of_the_statements_own_text(tmp_path):
    from test_serve import serving
    content = _site(tmp_path)
    page = content / "pages" / "tillganglighet.md"
    page.write_text("---\ntitle: Tillgänglighet\n---\n\nFörsta versionen.\n", encoding="utf-8")
    with serving(tmp_path) as served:
        status, text = served.get("/tillganglighet/")
        assert status == 200 and "Första versionen." in text and "Tillsyn" in text
        page.write_text("---\ntitle: Tillgänglighet\n---\n\nAndra versionen.\n", encoding="utf-8")
        text = served.wait_for("/tillganglighet/", lambda t: "Andra versionen." in t)
        assert "Första versionen." not in text and "Anmäl bristande tillgänglighet till DIGG" in text


def test_the_report_govsite_audit_writes_is_the_report_build_reads(tmp_path):
    """The writer (audit.write_report) and the reader (audit.read_report) agree on every field."""
    from govsite.audit import AXE_TAGS, Report, Violation, write_report
    _site(tmp_path)
    report = Report(date="2026-12-01", tool="axe-core", axe_version="4.12.1", tags=AXE_TAGS, base_path="/prov/",
                    pages_total=31, pages_checked=31, all_pages=True, seconds=12.5, pages=["", "risks/"],
                    violations=[Violation("image-alt", "critical", "Images must have alt text", "om/", ["img"])])
    write_report(report, tmp_path / "audit.json")
    text = _statement(tmp_path, "sv", "--audit", tmp_path / "audit.json")
    assert "1 december 2026 granskades alla webbplatsens 31 sidor" in text and "axe-core 4.12.1" in text
    assert "Granskningen hittade brister. Brister enligt axe-core: 1. Trasiga länkar: 0." in text
