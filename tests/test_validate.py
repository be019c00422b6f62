"""Validation through the real CLI: each problem is one message at its line, from `check`
and from `build` alike, never a traceback, never a value that leaks into the output."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import SITES, run_govsite

BASIC = SITES / "basic" / "content"


def _site(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(BASIC, content)
    return content


def _both(content: Path, tmp_path: Path) -> list[str]:
    """`check` and `build` of the content: both fail, with the same errors, and write nothing."""
    checked = run_govsite("check", "--content", content, cwd=tmp_path)
    built = run_govsite("build", "--content", content, "--output", tmp_path / "output", "--no-cache",
                        cwd=tmp_path)
    for result in (checked, built):
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in checked.stderr.splitlines() if ": fel: " in line]
    assert errors == [line for line in built.stderr.splitlines() if ": fel: " in line]
    assert not (tmp_path / "output").exists()
    return errors


# --- site.yaml `accessibility:` ------------------------------------------------------

ACCESSIBILITY = {
    # name: (what follows `accessibility:` in site.yaml, the error expected)
    "deviations-a-number": ("\n  compliance: full\n  deviations: 5\n",
                            'content/site.yaml:9: fel: fältet "accessibility.deviations" ska vara en lista.'),
    "not-a-mapping": (" true\n", 'content/site.yaml:7: fel: fältet "accessibility" ska bestå av underfält.'
                                 " Möjliga underfält: compliance, assessed"),
    "assessed-a-number": ("\n  assessed: 20210101\n",
                          'content/site.yaml:8: fel: fältet "accessibility.assessed" ska vara ett datum, '
                          'inte "20210101".'),
    "updated-a-list": ("\n  method: Granskning\n  updated: [1]\n",
                       'content/site.yaml:9: fel: fältet "accessibility.updated" ska vara ett datum'),
    "impossible-date": ("\n  assessed: 2021-02-30\n",
                        'content/site.yaml:8: fel: datumet 2021-02-30 i fältet "accessibility.assessed" finns inte.'),
    "unknown-compliance": ("\n  compliance: partiell\n",
                           'content/site.yaml:8: fel: fältet "accessibility.compliance" kan inte vara "partiell". '
                           'Menade du "partial"?'),
}


@pytest.mark.parametrize("case", sorted(ACCESSIBILITY))
def test_a_bad_accessibility_block_is_an_error_at_its_line(tmp_path, case):
    block, expected = ACCESSIBILITY[case]
    content = _site(tmp_path)
    with open(content / "site.yaml", "a", encoding="utf-8") as site_yaml:
        site_yaml.write("accessibility:" + block)
    errors = _both(content, tmp_path)
    assert any(line.startswith(expected) for line in errors), errors


def test_a_good_accessibility_block_shows_on_the_statement(tmp_path):
    content = _site(tmp_path)
    with open(content / "site.yaml", "a", encoding="utf-8") as site_yaml:
        site_yaml.write("accessibility:\n  compliance: full\n  assessed: 2024-05-02\n"
                        "  deviations: PDF-protokollen är inte tillgängliga.\n  bogus: 1\n")
    result = run_govsite("build", "--content", content, "--output", tmp_path / "output", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'content/site.yaml:11: varning: fältet "accessibility.bogus" är okänt' in result.stderr
    page = (tmp_path / "output" / "tillganglighet" / "index.html").read_text("utf-8")
    assert "<li>PDF-protokollen är inte tillgängliga.</li>" in page
    assert "2 maj 2024" in page
    assert "mailto:info@provkommun.example" in page  # contact.email, as the statement names none


def test_check_reports_at_their_lines_the_publishing_settings_build_would_leave_out(tmp_path):
    """A `cname` that is no domain name and a licence without a known address were said by `build`
    only, at site.yaml:1; `check` was silent. Now both say them, at the lines that hold them."""
    content = _site(tmp_path)
    lines = len((content / "site.yaml").read_text("utf-8").splitlines())
    with open(content / "site.yaml", "a", encoding="utf-8") as site_yaml:
        site_yaml.write("cname: https://styrning.provkommun.se/\nlicence: Egen licens\n")
    checked = run_govsite("check", "--content", content, cwd=tmp_path)
    built = run_govsite("build", "--content", content, "--output", tmp_path / "output", "--no-cache", cwd=tmp_path)
    for result in (checked, built):
        assert result.returncode == 0, result.stderr
        warnings = [line for line in result.stderr.splitlines() if ": varning: " in line]
        assert any(line.startswith(f"content/site.yaml:{lines + 1}: varning: cname") for line in warnings), warnings
        assert any(line.startswith(f'content/site.yaml:{lines + 2}: varning: licensen "Egen licens"')
                   for line in warnings), warnings
    assert not (tmp_path / "output" / "CNAME").exists()
    strict = run_govsite("check", "--strict", "--content", content, cwd=tmp_path)
    assert strict.returncode == 1


# --- YAML tags ------------------------------------------------------------------------

TAGS = {
    # name: (front matter line replacing `starts: 2024-03-01` in the arena, expected error start)
    "timestamp-beside-a-date": ("starts: !!timestamp 2024-01-01T10:00:00Z",
                                'content/arenas/foreningsdialog.md:3: fel: YAML-taggen !!timestamp vid '
                                '"2024-01-01T10:00:00Z" stöds inte.'),
    "timestamp-date": ("starts: !!timestamp 2024-01-01", "content/arenas/foreningsdialog.md:3: fel: YAML-taggen "
                                                         "!!timestamp"),
    "binary": ("starts: 2024-03-01\nsummary: !!binary aGVq", "content/arenas/foreningsdialog.md:4: fel: YAML-taggen "
                                                             "!!binary"),
    "set": ("starts: 2024-03-01\ntags: !!set {a, b}", "content/arenas/foreningsdialog.md:4: fel: YAML-taggen !!set"),
    "omap": ("starts: 2024-03-01\ntags: !!omap [a: 1]", "content/arenas/foreningsdialog.md:4: fel: YAML-taggen "
                                                        "!!omap"),
    "pairs": ("starts: 2024-03-01\nhistory: !!pairs [a: 1]", "content/arenas/foreningsdialog.md:4: fel: "
                                                             "YAML-taggen !!pairs"),
    "local-tag": ("starts: 2024-03-01\noutcome: !ok text", "content/arenas/foreningsdialog.md:4: fel: YAML-taggen "
                                                           "!ok"),
    "str-on-a-date": ("starts: !!str 2024-03-01T10:00", 'content/arenas/foreningsdialog.md:3: fel: fältet "starts" '
                                                        "ska vara ett datum"),
}


@pytest.mark.parametrize("case", sorted(TAGS))
def test_an_explicit_yaml_tag_is_an_error_at_its_line(tmp_path, case):
    line, expected = TAGS[case]
    content = _site(tmp_path)
    arena = content / "arenas" / "foreningsdialog.md"
    arena.write_text(arena.read_text("utf-8").replace("starts: 2024-03-01", line), "utf-8")
    errors = _both(content, tmp_path)
    assert any(error.startswith(expected) for error in errors), errors
    if "YAML-taggen" in expected:
        assert any("ett datum skrivs ÅÅÅÅ-MM-DD utan klockslag" in error for error in errors)


def test_float_and_str_tags_on_levels_are_errors_at_their_lines(tmp_path):
    content = _site(tmp_path)
    risk = content / "risks" / "lag.md"
    risk.write_text(risk.read_text("utf-8").replace("probability: 1", "probability: !!float 1")
                    .replace("severity: 2", "severity: !!str 2"), "utf-8")
    errors = _both(content, tmp_path)
    assert any(e.startswith('content/risks/lag.md:4: fel: fältet "probability" ska vara en nivå') for e in errors)
    assert any(e.startswith('content/risks/lag.md:5: fel: fältet "severity" ska vara en nivå') for e in errors)


def test_a_timestamp_never_reaches_the_open_data(tmp_path):
    """A datetime in `updated` built before, and its JSON broke the schema's date pattern."""
    content = _site(tmp_path)
    source = content / "sources" / "artikel.md"
    text = source.read_text("utf-8")
    source.write_text(text.replace("---\n", "---\nupdated: !!timestamp 2024-01-01 10:00:00\n", 1), "utf-8")
    errors = _both(content, tmp_path)
    assert any(e.startswith("content/sources/artikel.md:2: fel: YAML-taggen !!timestamp") for e in errors), errors


# --- ids and output paths -----------------------------------------------------------------

def test_an_id_longer_than_the_limit_is_an_error_at_its_file_from_check(tmp_path):
    """A 252-character id passed `check`; `build` then failed on data/risks/<id>.json with no line."""
    content = _site(tmp_path)
    risk = "---\ntitle: Lång\nunit: enheten\nprobability: 1\nseverity: 1\n---\n"
    longest, too_long = "a" * 100, "b" * 252
    (content / "risks" / f"{longest}.md").write_text(risk, "utf-8")
    (content / "risks" / f"{too_long}.md").write_text(risk, "utf-8")
    errors = _both(content, tmp_path)
    assert errors == [f"content/risks/{too_long}.md:1: fel: id:t (filnamnet utan .md) är 252 tecken långt; "
                      "det får vara högst 100 tecken. Döp om filen till ett kortare namn (id:t blir en del av "
                      "webbplatsens filnamn och adresser)."]
    (content / "risks" / f"{too_long}.md").unlink()
    result = run_govsite("build", "--content", content, "--output", tmp_path / "output", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "output" / "data" / "risks" / f"{longest}.json").is_file()


def test_a_page_named_like_the_cname_file_is_an_error_at_the_page(tmp_path):
    """`pages/cname.md` beside `cname:` failed the build, blaming the output folder."""
    content = _site(tmp_path)
    with open(content / "site.yaml", "a", encoding="utf-8") as site_yaml:
        site_yaml.write("cname: styrning.provkommun.se\n")
    (content / "pages" / "cname.md").write_text("---\ntitle: Vår domän\n---\nText.\n", "utf-8")
    errors = _both(content, tmp_path)
    assert errors == ['content/pages/cname.md:1: fel: sidan kan inte heta "cname", eftersom den adressen används '
                      "av webbplatsen själv. Döp om filen, till exempel till om-cname.md."]


def test_every_name_the_site_writes_at_the_top_is_reserved_for_pages(tmp_path):
    """A page is written at <id>/index.html: every top-level name of a build that an id could
    take (where case and Unicode form do not count) is one a page may not have."""
    from govsite.validate import RESERVED_PAGE_IDS
    from govsite.write import collision_key
    from govsite.source import ID_PATTERN
    for site, extra in ((SITES / "basic" / "content", "cname: styrning.provkommun.se\n"),
                        (SITES / "english" / "content", "")):
        content = tmp_path / site.parent.name
        shutil.copytree(site, content)
        with open(content / "site.yaml", "a", encoding="utf-8") as site_yaml:
            site_yaml.write(extra)
        output = tmp_path / f"{site.parent.name}-output"
        result = run_govsite("build", "--content", content, "--output", output, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        pages = {path.stem for path in (content / "pages").glob("*.md")}
        names = {collision_key(path.name) for path in output.iterdir()}
        claimable = {name for name in names if ID_PATTERN.match(name)} - pages
        assert claimable <= RESERVED_PAGE_IDS, claimable - RESERVED_PAGE_IDS
        assert "cname" in names or not extra
