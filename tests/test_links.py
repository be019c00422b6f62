"""Reference checking through the real CLI: unknown ids get their nearest ids as hints,
at a bounded cost."""
from __future__ import annotations

import random
from pathlib import Path

from conftest import run_govsite

WORDS = ("kultur fritid utbud bredd kvalitet foreningsliv samverkan risk kontroll uppfoljning budget "
         "personal lokaler barn unga aldre bibliotek idrott musik konst").split()


def _site(content: Path, missions: int) -> list[str]:
    """A unit and `missions` missions with ids like `kultur-budget-17`; their ids."""
    rnd = random.Random(3)
    for folder in ("units", "missions", "risks"):
        (content / folder).mkdir(parents=True)
    (content / "site.yaml").write_text("title: Referenser\norganisation: Kommunen\n", "utf-8")
    (content / "units" / "enheten.md").write_text("---\ntitle: Enheten\n---\n", "utf-8")
    ids = [f"{rnd.choice(WORDS)}-{rnd.choice(WORDS)}-{i}" for i in range(missions)]
    for number, mission in enumerate(ids):
        (content / "missions" / f"{mission}.md").write_text(f"---\ntitle: Uppdrag {number}\nunit: enheten\n---\n",
                                                             "utf-8")
    return ids


def _risk(content: Path, name: str, missions: list[str]) -> None:
    listed = "".join(f"  - {mission}\n" for mission in missions)
    (content / "risks" / f"{name}.md").write_text(
        f"---\ntitle: Risk {name}\nunit: enheten\nprobability: 1\nseverity: 1\nmissions:\n{listed}---\n", "utf-8")


def _misspelt(mission: str) -> str:
    return mission.replace("-", "x", 1) + "q"


def test_a_misspelt_id_gets_the_nearest_as_did_you_mean(tmp_path):
    content = tmp_path / "content"
    ids = _site(content, 12)
    _risk(content, "en", [ids[3][:-1] + "x" + ids[3][-1]])
    result = run_govsite("check", "--content", content, cwd=tmp_path)
    assert result.returncode == 1
    assert (f'content/risks/en.md:7: fel: fältet "missions[1]" pekar på uppdrag "{ids[3][:-1]}x{ids[3][-1]}", '
            f'som inte finns. Menade du "{ids[3]}"?') in result.stderr.splitlines()


def test_a_thousand_misspelt_ids_among_two_thousand_are_checked_in_seconds(tmp_path):
    """One risk naming 1,000 misspelt ids among 2,000 missions took `check` 67 s."""
    content = tmp_path / "content"
    ids = _site(content, 2000)
    _risk(content, "manga", [_misspelt(mission) for mission in ids[:1000]])
    _risk(content, "en", [_misspelt(ids[1500])])  # another file: its own hints
    result = run_govsite("check", "--content", content, cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": fel: " in line]
    assert len(errors) == 1001
    # Among 2,000 ids the nearest is still found, for the first unknown ids of a file...
    assert f'content/risks/en.md:7: fel: fältet "missions[1]" pekar på uppdrag "{_misspelt(ids[1500])}", ' \
           f'som inte finns. Menade du "{ids[1500]}"?' in errors
    assert f'content/risks/manga.md:7: fel: fältet "missions[1]" pekar på uppdrag "{_misspelt(ids[0])}", ' \
           f'som inte finns. Menade du "{ids[0]}"?' in errors
    hinted = [line for line in errors if "manga.md" in line and "Menade du" in line]
    assert len(hinted) == 20
    # ...and the rest say why they have none.
    assert f'content/risks/manga.md:1006: fel: fältet "missions[1000]" pekar på uppdrag "{_misspelt(ids[999])}", ' \
           "som inte finns. Kontrollera stavningen; id är filnamnet utan .md i mappen content/missions/. " \
           "(Filen har fler än 20 okända id; bara de första 20 får förslag.)" in errors
