"""Follow-up results of controls, actions and risk categories (issue 17): validated at the
communicator's line through the real CLI, shown on the risk page, carried by the open data."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SITES, run_govsite

BASIC = SITES / "basic" / "content"

RISK = """\
---
title: Brist på lokaler för föreningslivet
unit: enheten
probability: 3
severity: 4
status: mitigating
{category}
actions:
  - title: Hyra in tillfälliga lokaler
    responsible: Fritidschefen
    due: {risk_due}
    status: ongoing
controls:
  - title: Genomgång av lokalbokningar
    method: Stickprov
    results:
      - date: 2024-03-31
        outcome: ok
      - date: 2024-05-15
        outcome: {outcome}
{finding}
        actions:
          - title: Nya rutiner för bokning
            responsible: Bokningsansvarig
            due: 2024-05-20
            status: {status}
      - date: 2023-12-01
        outcome: not-done
---
Risken följs upp.
"""


def _site(tmp_path: Path, *, category: str = "category: ekonomi", risk_due: str = "2024-12-31",
          outcome: str = "deviation", finding: str = "        finding: Dubbelbokningar i fyra fall av tio.",
          status: str = "done", site_extra: str = "") -> Path:
    content = tmp_path / "content"
    shutil.copytree(BASIC, content)
    (content / "risks/lokalbrist.md").write_text(
        RISK.format(category=category, risk_due=risk_due, outcome=outcome, finding=finding, status=status), "utf-8")
    if site_extra:
        with (content / "site.yaml").open("a", encoding="utf-8") as site:
            site.write(site_extra)
    return content


def _check(content: Path, tmp_path: Path, *args) -> tuple[int, list[str]]:
    result = run_govsite("check", "--content", content, "--today", "2024-06-01", *args, cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, [line for line in result.stderr.splitlines() if "lokalbrist" in line or "site.yaml" in line]


def test_results_actions_and_a_category_are_valid_content(tmp_path):
    content = _site(tmp_path)
    code, lines = _check(content, tmp_path, "--strict")
    assert code == 0, lines
    assert lines == []


def test_a_deviation_without_a_finding_is_an_error_at_its_outcome_line(tmp_path):
    content = _site(tmp_path, finding="")
    code, lines = _check(content, tmp_path)
    assert code == 1
    assert lines == ['content/risks/lokalbrist.md:20: fel: kontrollens resultat är en avvikelse (deviation), men '
                     'fältet "controls[1].results[2].finding" saknas. Skriv under finding vad kontrollen fann, så '
                     'att nämnden och läsaren vet vad avvikelsen består i.']
    built = run_govsite("build", "--content", content, "--output", tmp_path / "output", "--today", "2024-06-01",
                        cwd=tmp_path)
    assert built.returncode == 1 and "lokalbrist.md:20: fel:" in built.stderr
    assert not (tmp_path / "output").exists()


def test_an_unknown_outcome_lists_the_outcomes_at_its_line(tmp_path):
    code, lines = _check(_site(tmp_path, outcome="avvikelse"), tmp_path)
    assert code == 1
    assert lines == ['content/risks/lokalbrist.md:20: fel: fältet "controls[1].results[2].outcome" kan inte vara '
                     '"avvikelse". Välj ett av: ok, deviation, not-done.']


def test_an_overdue_action_is_a_warning_at_its_due_line_and_fails_strict(tmp_path):
    content = _site(tmp_path, status="ongoing", risk_due="2024-05-31")
    code, lines = _check(content, tmp_path)
    assert code == 0
    assert lines == [
        'content/risks/lokalbrist.md:11: varning: åtgärden "Hyra in tillfälliga lokaler" skulle vara klar '
        '2024-05-31, men är inte markerad som genomförd. Skriv status: done om åtgärden är klar, eller ett nytt '
        'datum i fältet due.',
        'content/risks/lokalbrist.md:25: varning: åtgärden "Nya rutiner för bokning" skulle vara klar 2024-05-20, '
        'men är inte markerad som genomförd. Skriv status: done om åtgärden är klar, eller ett nytt datum i fältet '
        'due.']
    strict, _ = _check(content, tmp_path, "--strict")
    assert strict == 1
    # Due today is not yet overdue; done is never overdue.
    code, lines = _check(_site(tmp_path / "today", status="done", risk_due="2024-06-01"), tmp_path, "--strict")
    assert (code, lines) == (0, [])


def test_an_unknown_category_is_an_error_with_the_nearest_category(tmp_path):
    code, lines = _check(_site(tmp_path, category="category: IT-risk"), tmp_path)
    assert code == 1
    assert lines == ['content/risks/lokalbrist.md:7: fel: fältet "category" kan inte vara "IT-risk", som inte är '
                     'en av webbplatsens riskkategorier. Menade du "it"? Möjliga värden: verksamhet '
                     '(Verksamhetsrisk), ekonomi (Ekonomisk risk), legal (Legal risk), it (IT-risk), omvarld '
                     '(Omvärldsrisk), rapportering (Risk i rapportering).']
    code, lines = _check(_site(tmp_path / "typo", category="category: ekonomu"), tmp_path)
    assert code == 1 and 'Menade du "ekonomi"?' in lines[0]


def test_a_site_list_of_categories_replaces_the_default(tmp_path):
    own = "risk_categories:\n  - {id: miljo, label: Miljörisk}\n  - {id: personal, label: Personalrisk}\n"
    code, lines = _check(_site(tmp_path, site_extra=own), tmp_path)
    assert code == 1
    assert lines == ['content/risks/lokalbrist.md:7: fel: fältet "category" kan inte vara "ekonomi", som inte är '
                     'en av webbplatsens riskkategorier. Välj ett av: miljo (Miljörisk), personal (Personalrisk). '
                     'Egna kategorier skrivs i site.yaml under risk_categories.']
    code, lines = _check(_site(tmp_path / "own", category="category: miljo", site_extra=own), tmp_path, "--strict")
    assert (code, lines) == (0, [])
    twice = own + "  - {id: miljo, label: Miljö}\n"
    code, lines = _check(_site(tmp_path / "twice", category="category: miljo", site_extra=twice), tmp_path)
    assert code == 1
    assert lines == ['content/site.yaml:10: fel: riskkategorin "miljo" finns två gånger. Ge varje kategori under '
                     'risk_categories ett eget id.']
