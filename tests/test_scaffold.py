"""`govsite new`, then `govsite check`, then a build: the communicator's first steps, via the real CLI."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import SITES, run_govsite
from govsite import model
from govsite.schema import KIND_SPECS

# A valid value for every required field that `new` leaves as a placeholder.
FILLED = {"unit": "enheten", "probability": "2", "severity": "3", "starts": "2024-01-01", "ends": "2024-12-31"}


@pytest.fixture
def content(tmp_path):
    shutil.copytree(SITES / "basic" / "content", tmp_path / "content")
    return tmp_path / "content"


def test_new_for_every_kind_is_flagged_by_check_until_filled_then_builds(content, tmp_path):
    created = {}
    for kind in model.KINDS:
        result = run_govsite("new", model.SINGULAR[kind], "Ny på Åre-ön: café é", "--content", content)
        assert result.returncode == 0, result.stderr
        path = content / kind / "ny-pa-are-on-cafe-e.md"
        assert f"Skapade {path.as_posix()}" in result.stdout
        text = path.read_text("utf-8")
        assert text.startswith("---\ntitle: \"Ny på Åre-ön: café é\"\n")
        for name in KIND_SPECS[kind]:  # every field of the kind, from the schema
            assert f"\n{name}:" in text or f"\n# {name}:" in text, (kind, name)
        created[kind] = path

    check = run_govsite("check", "--content", content, "--today", "2024-06-01", "--format", "json")
    assert check.returncode == 1
    problems = json.loads(check.stdout)
    flagged = {(p["path"].split("/")[1], p["message"]) for p in problems if p["code"] == "placeholder"}
    expected = {(kind, f'fältet "{name}" har fortfarande platshållaren <fyll i>.')
                for kind in model.KINDS for name, spec in KIND_SPECS[kind].items()
                if spec.required and name != "title"}
    assert flagged == expected
    risk = [p for p in problems if p["path"] == "content/risks/ny-pa-are-on-cafe-e.md"]
    assert risk[0] == {"path": "content/risks/ny-pa-are-on-cafe-e.md", "line": 3, "level": "error",
                       "code": "placeholder", "message": 'fältet "unit" har fortfarande platshållaren <fyll i>.',
                       "hint": "Byt ut <fyll i> mot ett riktigt värde; kommentaren efter # på samma rad "
                               "säger vad som ska stå där."}

    for path in created.values():
        lines = path.read_text("utf-8").splitlines()
        for index, line in enumerate(lines):
            name = line.split(":", 1)[0]
            if "<fyll i>" in line:
                lines[index] = f"{name}: {FILLED[name]}"
        path.write_text("\n".join(lines) + "\n", "utf-8")
    output = tmp_path / "output"
    build = run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01")
    assert build.returncode == 0, build.stderr
    assert (output / "risks/ny-pa-are-on-cafe-e/index.html").is_file()
    assert "Ny på Åre-ön: café é" in (output / "arenas/ny-pa-are-on-cafe-e/index.html").read_text("utf-8")


def test_new_makes_the_id_from_a_swedish_title_and_never_overwrites(content):
    result = run_govsite("new", "risk", "Brist på lokaler för föreningslivet", "--content", content)
    path = content / "risks/brist-pa-lokaler-for-foreningslivet.md"
    assert result.returncode == 0 and path.is_file()
    path.write_text(path.read_text("utf-8") + "Min text.\n", "utf-8")
    before = path.read_text("utf-8")
    again = run_govsite("new", "risker", "Brist på lokaler för föreningslivet", "--content", content)
    assert again.returncode == 1
    assert again.stdout.strip() == (f"{path.as_posix()} finns redan och skrivs inte över. "
                                    "Välj en annan titel eller redigera den befintliga filen.")
    assert path.read_text("utf-8") == before


def test_new_accepts_plural_and_swedish_kind_names_and_explains_unknown_ones(content):
    assert run_govsite("new", "missions", "Ett uppdrag", "--content", content).returncode == 0
    assert (content / "missions/ett-uppdrag.md").is_file()
    assert run_govsite("new", "samverkansarena", "Dialog", "--content", content).returncode == 0
    assert (content / "arenas/dialog.md").is_file()
    wrong = run_govsite("new", "risc", "X", "--content", content)
    assert wrong.returncode == 1
    assert wrong.stdout.strip() == ('Okänd innehållstyp "risc". Välj en av: page, principle, unit, mission, '
                                    "risk, arena, plan, source.")


def test_new_writes_english_comments_and_placeholders_for_an_english_site(content):
    site = content / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("language: sv", "language: en"), "utf-8")
    assert run_govsite("new", "risk", "Venues", "--content", content).returncode == 0
    text = (content / "risks/venues.md").read_text("utf-8")
    assert "unit: <fill in>" in text
    assert "# How likely the risk is to happen (required; level 1–4 of the risk matrix)" in text
    check = run_govsite("check", "--content", content, "--today", "2024-06-01")
    assert ('content/risks/venues.md:3: error: the field "unit" still has the placeholder <fill in>. '
            "Replace <fill in> with a real value; the comment after # on the same line says what belongs there."
            in check.stderr.splitlines())
