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
