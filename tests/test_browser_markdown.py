"""A page using every Markdown construct a communicator writes (issue 22), in a real
browser: zero axe violations, task-list checkboxes named by their words and unchangeable,
table alignment from the stylesheet (the CSP allows no inline styles)."""
from __future__ import annotations

import shutil

import pytest

from browser import Visit, chromium
from conftest import INVALID, run_govsite
from govsite.static_server import serve_like_pages
from test_browser_theme import axe_violations

EVERY_CONSTRUCT = """\
# Rubrik

Stycke med **fet**, *kursiv*, ~~struken~~ och `kod` text.\\
Ny rad efter snedstreck.

Förvaltningen ansvarar för:
- Kultur
  - Bibliotek
  - Musikskola
- Fritid

1. Välj kontroll
   - metod
   - frekvens
2. Skriv in fälten:

   ```yaml
   title: Brist på lokaler
   ```

3. Spara.

Nämnden beslutar att

1) godkänna planen,
2) följa upp den.

### Åtgärder

- [x] Inventera lokaler
- [ ] Besluta om upphandling

| Risk | Sannolikhet | Värde |
|:-----|:-----------:|------:|
| Lokalbrist | 3 | 12 |

> Nämnden ska särskilt beakta barns behov.

Se https://www.example.se/beslut, www.example.se och registrator@example.se,
[uppdraget](mission:brett-kulturutbud "Uppdraget") och [[mission:brett-kulturutbud]].

---

Slut.
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("markdown")
    content = root / "content"
    shutil.copytree(INVALID / "unknown-body-ref" / "content", content)
    (content / "pages" / "om.md").write_text(f"---\ntitle: Om Markdown\n---\n{EVERY_CONSTRUCT}", encoding="utf-8")
    result = run_govsite("build", "--content", content, "--output", root / "out", "--today", "2024-06-01")
    assert result.returncode == 0, result.stderr
    return root / "out"


def test_a_page_with_every_construct_has_no_axe_violations(site):
    with chromium() as browser, serve_like_pages(site, "/repo/") as base:
        visit = Visit(browser, base)
        visit.page.goto(base + "om/")
        assert axe_violations(visit.page) == []
        page = visit.page
        done = page.get_by_role("checkbox", name="Inventera lokaler")
        assert done.is_checked() and done.is_disabled()
        todo = page.get_by_role("checkbox", name="Besluta om upphandling")
        assert not todo.is_checked() and todo.is_disabled()
        cells = page.locator("main td")
        assert [cells.nth(i).evaluate("e => getComputedStyle(e).textAlign") for i in range(3)] == \
            ["left", "center", "right"]
        assert page.locator("main li li").count() == 4  # Bibliotek, Musikskola, metod, frekvens
        assert page.locator("main del").inner_text() == "struken"
        visit.assert_clean()
        visit.close()
    html = (site / "om" / "index.html").read_text(encoding="utf-8")
    assert "style=" not in html.split("<main", 1)[1]
