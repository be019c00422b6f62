"""Messages that teach: the common mistakes, word for word, in Swedish and English; warnings vs --strict."""
from __future__ import annotations

import json
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
