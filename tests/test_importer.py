"""`govsite import risks FILE`: a spreadsheet into content/risks/, through the real CLI."""
from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest

from conftest import DEMO, SITES, run_govsite, tree_digest

SWEDISH = ["Risk", "Enhet", "Sannolikhet", "Konsekvens", "Status", "Riskägare", "Bedömd", "Uppdrag",
           "Kontroll", "Metod", "Frekvens", "Ansvarig", "Rapporteras till"]


@pytest.fixture
def content(tmp_path):
    shutil.copytree(SITES / "basic" / "content", tmp_path / "content")
    return tmp_path / "content"


def test_importing_the_sites_own_risks_csv_changes_no_file(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(DEMO, content)
    built = run_govsite("build", "--content", content, "--output", tmp_path / "output", "--no-cache")
    assert built.returncode == 0, built.stderr
    before = tree_digest(content)
    result = run_govsite("import", "risks", tmp_path / "output" / "data" / "risks.csv", "--content", content,
                         "--write")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Rad 2: content/risks/osakert-deltagande-efter-pandemin.md stämmer redan, ingenting ändras" in result.stdout
    assert "Rad 3: content/risks/svagt-kulturutbud.md stämmer redan, ingenting ändras" in result.stdout
    assert "0 skapade, 0 ändrade, 2 oförändrade, 0 hoppades över" in result.stdout
    assert tree_digest(content) == before


def test_an_xlsx_with_swedish_headers_creates_risks_that_check_accepts(content, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([f"  {name.upper()} " if name == "Enhet" else name for name in SWEDISH] + ["Riskkategori"])
    sheet.append(["Brist på badhustider", "Fritidsenheten", "Möjlig", 4, "Åtgärdas", "Fritidschefen",
                  dt.datetime(2024, 3, 1), "utbud", "Uppföljning av bokningar", "Stickprov", "Varje kvartal",
                  "Controllern", "Nämnden", "Ekonomisk risk"])
    sheet.append(["Svårt att rekrytera ledare", "enheten", "2", "Allvarlig", None, None, None, None, None, None,
                  None, None, None, None])
    book.save(tmp_path / "risker.xlsx")
    before = tree_digest(content)

    dry = run_govsite("import", "risks", tmp_path / "risker.xlsx", "--content", content)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "Rad 2: skapar content/risks/brist-pa-badhustider.md" in dry.stdout
    assert "Rad 3: skapar content/risks/svart-att-rekrytera-ledare.md" in dry.stdout
    assert "Inget är skrivet än" in dry.stdout
    assert tree_digest(content) == before  # without --write nothing is written

    written = run_govsite("import", "risks", tmp_path / "risker.xlsx", "--content", content, "--write")
    assert written.returncode == 0, written.stdout + written.stderr
    assert "Klart: 2 skapade" in written.stdout
    check = run_govsite("check", "--content", content, "--today", "2024-06-01")
    assert check.returncode == 0, check.stdout + check.stderr
    text = (content / "risks" / "brist-pa-badhustider.md").read_text("utf-8")
    assert text == ("---\ntitle: Brist på badhustider\nunit: enheten\nprobability: 3\nseverity: 4\nstatus: mitigating\n"
                    "category: ekonomi\nowner: Fritidschefen\nassessed: 2024-03-01\nmissions: [utbud]\ncontrols:\n"
                    "  - title: Uppföljning av bokningar\n    method: Stickprov\n    frequency: Varje kvartal\n"
                    "    responsible: Controllern\n    reported_to: Nämnden\n---\n")
    again = run_govsite("import", "risks", tmp_path / "risker.xlsx", "--content", content)
    assert "0 skapas, 0 ändras, 2 oförändrade" in again.stdout


RISK = """---
# Bedömd av ledningsgruppen
title: Lokalbrist
unit: enheten   # ansvarig enhet
probability: 2  # bedömd i mars
severity: 3
controls:
  - title: Årlig inventering
    method: Genomgång
---
Brödtext som *aldrig* ändras.\r
Sista raden utan radslut"""


def test_a_change_keeps_comments_layout_and_the_body_byte_for_byte(content, tmp_path):
    path = content / "risks" / "lokalbrist.md"
    path.write_bytes(RISK.encode("utf-8"))
    (tmp_path / "in.csv").write_text(
        "Titel,Sannolikhet,Ägare,Kontroll,Frekvens,Ansvarig\n"
        "Lokalbrist,4,Enhetschefen,Årlig inventering,En gång per år,Vaktmästaren\n", "utf-8")
    result = run_govsite("import", "risks", tmp_path / "in.csv", "--content", content, "--write")
    assert result.returncode == 0, result.stdout + result.stderr
    assert ("Rad 2: ändrar content/risks/lokalbrist.md (probability: 2 → 4; owner: – → Enhetschefen; "
            "controls.frequency: – → En gång per år; controls.responsible: – → Vaktmästaren)") in result.stdout
    assert path.read_bytes().decode("utf-8") == RISK.replace(
        "probability: 2  # bedömd i mars", "probability: 4  # bedömd i mars").replace(
        "    method: Genomgång\n", "    method: Genomgång\n    frequency: En gång per år\n    responsible: Vaktmästaren\nowner: Enhetschefen\n")


def test_a_field_that_would_lose_a_comment_is_skipped_and_the_file_untouched(content, tmp_path):
    path = content / "risks" / "lokalbrist.md"
    text = "---\ntitle: Lokalbrist\nunit: enheten\nprobability: 2\nseverity: 3\nmissions:\n" \
           "  - utbud  # sedan beslutet 2023\n  - hemlig\ncontrols: [{title: Inventering}]\n---\n"
    path.write_text(text, "utf-8")
    (tmp_path / "in.csv").write_text("id;Uppdrag\nlokalbrist;utbud\n", "utf-8")
    result = run_govsite("import", "risks", tmp_path / "in.csv", "--content", content, "--write")
    assert result.returncode == 1
    assert ("Rad 2: hoppas över: fältet missions i content/risks/lokalbrist.md har en kommentar eller en form "
            "som skulle gå förlorad; ändra det för hand") in result.stdout
    assert path.read_text("utf-8") == text


def test_unknown_units_missions_and_levels_are_refused_with_the_row_and_the_nearest_id(content, tmp_path):
    (tmp_path / "in.csv").write_text(
        "Risk,Enhet,Sannolikhet,Konsekvens,Uppdrag,Bedömd,Kategori\n"
        "Ny risk,enheen,2,2,,,\n"
        "Annan risk,enheten,2,2,utbd,,\n"
        "Tredje risk,enheten,Ofta,2,,,\n"
        "Fjärde risk,enheten,2,2,,1 mars,\n"
        "Femte risk,enheten,2,,,,\n"
        "Sjätte risk,enheten,2,2,,,Politisk risk\n", "utf-8")
    before = tree_digest(content)
    result = run_govsite("import", "risks", tmp_path / "in.csv", "--content", content, "--write")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[:6] == [
        'Rad 2: hoppas över: enheten "enheen" finns inte. Menade du "enheten"? (id i content/units/)',
        'Rad 3: hoppas över: uppdraget "utbd" finns inte. Menade du "utbud"? (id i content/missions/)',
        'Rad 4: hoppas över: probability "Ofta" är ingen nivå i riskmatrisen: 1 Osannolik, 2 Mindre sannolik, '
        '3 Möjlig, 4 Sannolik',
        'Rad 5: hoppas över: assessed "1 mars" är inget datum (ÅÅÅÅ-MM-DD)',
        "Rad 6: hoppas över: en ny risk behöver severity",
        'Rad 7: hoppas över: riskkategorin "Politisk risk" finns inte: Verksamhetsrisk, Ekonomisk risk, Legal risk, '
        'IT-risk, Omvärldsrisk, Risk i rapportering']
    assert tree_digest(content) == before
