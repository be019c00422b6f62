"""Messages that teach: the common mistakes, word for word, in Swedish and English; warnings vs --strict."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import SITES, run_govsite

NEW_RISK = """---
title: Ny risk
unit: enhten
probabilty: 3
severity: 2
review: 15/1 2030
missions: [kulturutbud-xyz]
---
"""
OLD_RISK = """---
title: Gammal risk
unit: enheten
probability: 2
severity: 2
review: 2024-01-01
---
"""

EXPECTED = {
    "sv": [
        'content/risks/ny.md:1: fel: fältet "probability" saknas men måste finnas. Lägg till fältet bland de andra '
        "fälten mellan raderna ---.",
        'content/risks/ny.md:3: fel: fältet "unit" pekar på enhet "enhten", som inte finns. Menade du "enheten"?',
        'content/risks/ny.md:4: varning: fältet "probabilty" är okänt och används inte. Menade du "probability"?',
        'content/risks/ny.md:6: fel: fältet "review" ska vara ett datum, inte "15/1 2030". Skriv datumet som '
        "ÅÅÅÅ-MM-DD, till exempel 2021-03-16.",
        'content/risks/ny.md:7: fel: fältet "missions[1]" pekar på uppdrag "kulturutbud-xyz", som inte finns. '
        "Kontrollera stavningen; id är filnamnet utan .md i mappen content/missions/. "
        "Närmaste befintliga: utbud, hemlig.",
    ],
    "en": [
        'content/risks/ny.md:1: error: the field "probability" is missing but is required. Add the field among the '
        "other fields between the --- lines.",
        'content/risks/ny.md:3: error: the field "unit" points to unit "enhten", which does not exist. '
        'Did you mean "enheten"?',
        'content/risks/ny.md:4: warning: the field "probabilty" is unknown and is not used. '
        'Did you mean "probability"?',
        'content/risks/ny.md:6: error: the field "review" must be a date, not "15/1 2030". Write the date as '
        "YYYY-MM-DD, for example 2021-03-16.",
        'content/risks/ny.md:7: error: the field "missions[1]" points to mission "kulturutbud-xyz", which does not '
        "exist. Check the spelling; the id is the file name without .md in the folder content/missions/. "
        "Nearest existing: utbud, hemlig.",
    ],
}
WARNINGS = {
    "sv": [
        "content/arenas/foreningsdialog.md:5: varning: samverkansarenan är markerad som pågående, men slutade "
        "2024-05-31. Ändra status till closed, eller ta bort status så räknas den fram av datumen.",
        "content/risks/gammal.md:1: varning: risken har inga kontroller. Lägg till minst en kontroll under fältet "
        "controls, så att läsaren ser hur risken följs upp.",
        "content/risks/gammal.md:6: varning: risken skulle ha setts över 2024-01-01. Gör en ny bedömning och ändra "
        "datumet i fältet review.",
    ],
    "en": [
        "content/arenas/foreningsdialog.md:5: warning: the collaboration arena is marked as ongoing, but ended on "
        "2024-05-31. Change status to closed, or remove status so that it is worked out from the dates.",
        "content/risks/gammal.md:1: warning: the risk has no controls. Add at least one control under the field "
        "controls, so that readers can see how the risk is followed up.",
        "content/risks/gammal.md:6: warning: the risk should have been reviewed on 2024-01-01. Make a new "
        "assessment and change the date in the field review.",
    ],
}


def make_site(tmp_path, language: str, mistakes: bool) -> None:
    content = tmp_path / "content"
    shutil.copytree(SITES / "basic" / "content", content)
    site = content / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("language: sv", f"language: {language}"), "utf-8")
    arena = content / "arenas/foreningsdialog.md"
    arena.write_text(arena.read_text("utf-8").replace("ends: 2024-12-31", "ends: 2024-05-31\nstatus: active"),
                     "utf-8")
    (content / "risks/gammal.md").write_text(OLD_RISK, "utf-8")
    if mistakes:
        (content / "risks/ny.md").write_text(NEW_RISK, "utf-8")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_common_mistakes_are_explained_word_for_word(tmp_path, language):
    make_site(tmp_path, language, mistakes=True)
    result = run_govsite("check", "--today", "2024-06-01", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    for line in EXPECTED[language] + WARNINGS[language]:
        assert line in lines, f"expected:\n{line}\ngot:\n{result.stderr}"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_warnings_are_shown_but_fail_only_with_strict(tmp_path, language):
    make_site(tmp_path, language, mistakes=False)
    output = tmp_path / "output"
    for command in ("check", "build"):
        result = run_govsite(command, "--today", "2024-06-01", "--output", output, cwd=tmp_path) \
            if command == "build" else run_govsite(command, "--today", "2024-06-01", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        for line in WARNINGS[language]:
            assert line in result.stderr.splitlines()
        strict = run_govsite(command, "--strict", "--today", "2024-06-01", cwd=tmp_path)
        assert strict.returncode == 1


def test_check_json_is_a_list_of_path_line_level_message_hint(tmp_path):
    make_site(tmp_path, "sv", mistakes=True)
    result = run_govsite("check", "--format", "json", "--today", "2024-06-01", cwd=tmp_path)
    assert result.returncode == 1
    problems = json.loads(result.stdout)
    assert isinstance(problems, list) and problems
    for problem in problems:
        assert {"path", "line", "level", "message", "hint"} <= problem.keys()
        assert problem["level"] in ("error", "warning")
    assert {"path": "content/risks/ny.md", "line": 3, "level": "error", "code": "unknown_ref",
            "message": 'fältet "unit" pekar på enhet "enhten", som inte finns.',
            "hint": 'Menade du "enheten"?'} in problems
    warnings_only = tmp_path / "w"
    make_site(warnings_only, "sv", mistakes=False)
    ok = run_govsite("check", "--format", "json", "--today", "2024-06-01", cwd=warnings_only)
    assert ok.returncode == 0 and all(p["level"] == "warning" for p in json.loads(ok.stdout))


# --- hints that teach (issue 15.9) -------------------------------------------------

def _mistakes(tmp_path, language: str, matrix: bool = False) -> list[str]:
    """The basic site (default matrix) or the English one (its own 5×5 matrix) with four mistakes."""
    content = tmp_path / "content"
    shutil.copytree(SITES / ("english" if matrix else "basic") / "content", content)
    site = content / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("language: sv", f"language: {language}")
                    .replace("language: en", f"language: {language}"), "utf-8")
    unit = sorted((content / "units").glob("*.md"))[0].stem
    mission = sorted((content / "missions").glob("*.md"))[0].stem
    (content / "risks/ny.md").write_text(f"---\ntitle: Ny risk\nunit: Förvaltningen\nprobability: 7\nseverity: 2\n"
                                         f"missions: {mission}, annat\n---\n", "utf-8")
    (content / "plans/ny.md").write_text(f"---\ntitle: Ny plan\nunit: {unit}\ngoals:\n  - id: mal\n    title: Mål\n"
                                         "    status: started\n  - id: mal-2\n    title: Mål 2\n    status: not-done\n"
                                         "---\n", "utf-8")
    result = run_govsite("check", "--today", "2024-06-01", cwd=tmp_path)
    assert result.returncode == 1
    return result.stderr.splitlines()


HINTS = {
    "sv": [
        'content/plans/ny.md:7: fel: fältet "goals[1].status" kan inte vara "started". Välj ett av: not-started, '
        "ongoing, done, cancelled.",
        'content/plans/ny.md:10: fel: fältet "goals[2].status" kan inte vara "not-done". Välj ett av: not-started, '
        "ongoing, done, cancelled.",
        'content/risks/ny.md:3: fel: fältet "unit" ska vara ett id (små bokstäver a–z, siffror och bindestreck), inte '
        '"Förvaltningen". Ett id är ett filnamn utan .md, med små bokstäver a–z, siffror och bindestreck, som den här '
        "filens: ny.",
        'content/risks/ny.md:4: fel: fältet "probability" är 7, men riskmatrisen har bara nivåerna 1–4. Välj en av '
        "nivåerna i govsites standardmatris: 1 Osannolik, 2 Mindre sannolik, 3 Möjlig, 4 Sannolik. Vill ni ha en egen "
        "matris skriver ni den i content/site.yaml under risk_matrix.",
        'content/risks/ny.md:6: fel: fältet "missions" ska vara en lista, men "hemlig, annat" är en enda text. Skriv '
        "listan inom hakparenteser: missions: [hemlig, annat]",
    ],
    "en": [
        'content/plans/ny.md:7: error: the field "goals[1].status" cannot be "started". Choose one of: not-started, '
        "ongoing, done, cancelled.",
        'content/plans/ny.md:10: error: the field "goals[2].status" cannot be "not-done". Choose one of: not-started, '
        "ongoing, done, cancelled.",
        'content/risks/ny.md:3: error: the field "unit" must be an id (lowercase letters a–z, digits and hyphens), not '
        '"Förvaltningen". An id is a file name without .md, in lowercase letters a–z, digits and hyphens, like this '
        "file's: ny.",
        'content/risks/ny.md:4: error: the field "probability" is 7, but the risk matrix only has the levels 1–5. '
        "Choose one of the matrix's levels: 1 Rare, 2 Unlikely, 3 Possible, 4 Likely, 5 Almost certain. The matrix is "
        "in content/site.yaml under risk_matrix, line 16.",
        'content/risks/ny.md:6: error: the field "missions" must be a list, but "green, annat" is a single text. '
        "Write the list in square brackets: missions: [green, annat]",
    ],
}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_hints_never_invert_name_the_matrix_in_use_show_the_list_and_use_the_sites_own_ids(tmp_path, language):
    lines = _mistakes(tmp_path, language, matrix=language == "en")
    for line in HINTS[language]:
        assert line in lines, f"expected:\n{line}\ngot:\n" + "\n".join(lines)
    assert not any("Menade du" in line or "Did you mean" in line for line in lines if ".status" in line)
    assert not any("svagt-kulturutbud" in line or "weak-cultural" in line for line in lines)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_level_hint_names_the_default_or_the_sites_own_matrix(tmp_path, language):
    """The same mistake on the other kind of matrix: the Swedish site with its own matrix and the
    English one with the default (its risk_matrix removed)."""
    content = tmp_path / "content"
    shutil.copytree(SITES / ("basic" if language == "sv" else "english") / "content", content)
    site = content / "site.yaml"
    text = site.read_text("utf-8")
    if language == "sv":
        english = (SITES / "english/content/site.yaml").read_text("utf-8")
        text += english[english.index("risk_matrix:"):]
    else:
        text = text[:text.index("risk_matrix:")]
    site.write_text(text, "utf-8")
    risk = sorted((content / "risks").glob("*.md"))[0]
    risk.write_text(re.sub(r"(?m)^probability: .*$", "probability: 9", risk.read_text("utf-8")), "utf-8")
    result = run_govsite("check", "--today", "2024-06-01", cwd=tmp_path)
    line = next(n for n, x in enumerate(site.read_text("utf-8").splitlines(), 1) if x.startswith("risk_matrix:")) \
        if language == "sv" else 0
    expected = {"sv": "Välj en av matrisens nivåer: 1 Rare, 2 Unlikely, 3 Possible, 4 Likely, 5 Almost certain. "
                      f"Matrisen står i content/site.yaml under risk_matrix, rad {line}.",
                "en": "Choose one of the levels of govsite's default matrix: 1 Unlikely, 2 Less likely, 3 Possible, "
                      "4 Likely. For a matrix of your own, write it in content/site.yaml under risk_matrix."}[language]
    assert any(x.endswith(expected) for x in result.stderr.splitlines()), result.stderr
