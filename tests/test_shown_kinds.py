"""Only what exists is shown: kinds without a published entity are left out of the menu, the
home page and the footer; their index page still says, in words, that it is empty."""
from __future__ import annotations

import datetime as dt
import re

from conftest import run_govsite, tree_digest
from govsite.engine import Engine
from govsite.pipeline import Options
from test_performance import TODAY, cold_digest, without_search


def _menu(html: str) -> list[str]:
    nav = re.search(r'<ul class="main-nav">(.*?)</ul>', html, re.S).group(1)
    return re.findall(r">([^<>]+)</a>", nav)


def test_a_new_site_shows_no_empty_kinds_and_its_empty_register_says_so(tmp_path):
    site = tmp_path / "nora"
    assert run_govsite("init", site, "--organisation", "Nora kommun", cwd=tmp_path).returncode == 0
    result = run_govsite("build", "--today", TODAY, cwd=site)
    assert result.returncode == 0, result.stderr
    home = (site / "output" / "index.html").read_text("utf-8")
    assert _menu(home) == ["Sök"]
    assert "0</span>" not in home and "Principer" not in home and "Samverkansarenor" not in home
    assert "Källor</a>" not in home
    register = (site / "output" / "risks" / "index.html").read_text("utf-8")
    assert '<p class="empty">Risker: här finns inget publicerat ännu.</p>' in register
    assert "Riskmatris" not in register


def test_the_first_entity_of_a_kind_brings_it_into_the_menu_of_every_page_in_the_live_preview(tmp_path):
    site = tmp_path / "nora"
    assert run_govsite("init", site, "--organisation", "Nora kommun", cwd=tmp_path).returncode == 0
    content = site / "content"
    (content / "units").mkdir()  # the folder is there: only the file is new
    (content / "pages" / "om.md").write_text("---\ntitle: Om webbplatsen\n---\nText.\n", "utf-8")
    options = Options(content=content, output=tmp_path / "live", today=dt.date.fromisoformat(TODAY))
    live = Engine(options, keep_files=True)
    live.build()
    unit = content / "units" / "kommunstyrelsen.md"
    unit.write_text("---\ntitle: Kommunstyrelsen\ntype: nämnd\n---\n", "utf-8")
    live.build([unit])
    for page in ("index.html", "404.html", "risks/index.html", "units/kommunstyrelsen/index.html", "om/index.html"):
        assert "Organisation" in _menu((tmp_path / "live" / page).read_text("utf-8")), page
    assert without_search(tree_digest(tmp_path / "live")) == without_search(cold_digest(content, tmp_path / "cold"))
