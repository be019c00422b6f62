"""`govsite audit`: the built site in Chromium before it is published, as the publish workflow runs it."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import DEMO, ROOT, SITES, run_govsite
from govsite.audit import choose, page_type


def test_a_template_that_adds_an_image_without_alt_text_fails_the_audit(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "templates", theme)
    home = theme / "home.html"
    home.write_text(home.read_text().replace("{% block main %}", '{% block main %}<img src="static/favicon.svg">', 1))
    assert '<img src="static/favicon.svg">' in home.read_text()
    output = tmp_path / "output"
    built = run_govsite("build", "--content", SITES / "basic" / "content", "--templates", theme, "--output", output,
                        "--base-url", "https://example.org/repo/", "--no-cache")
    assert built.returncode == 0, built.stderr
    report = tmp_path / "audit.json"
    result = run_govsite("audit", "--output", output, "--base-url", "https://example.org/repo/", "--report", report,
                         timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "  image-alt (critical)" in result.stdout
    assert "    /repo/  img" in result.stdout  # the page, then the element
    found = json.loads(report.read_text())
    assert [(v["rule"], v["page"]) for v in found["violations"]] == [("image-alt", "")]
    assert found["pages_checked"] == found["pages_total"] > 20 and found["axe_version"]
    assert found["all_pages"]  # a sample that covered every page is every page, as the statement then says
    assert found["broken_links"] == [] and found["third_party_requests"] == []


def test_a_large_site_is_checked_by_page_type_plus_an_even_sample():
    pages = ["", "404.html", "risks/", *(f"risks/r{n:04}/" for n in range(1000)), "units/", "units/a/"]
    chosen = choose(pages, everything=False, per_type=2, sample=10)
    assert chosen[:5] == ["", "404.html", "risks/", "risks/r0000/", "risks/r0001/"]
    assert {"units/", "units/a/"} <= set(chosen)
    assert len(chosen) == 7 + 10  # each type's first pages (at most two), and ten more spread over the rest
    assert "risks/r0500/" in chosen or "risks/r0499/" in chosen or "risks/r0501/" in chosen
    assert page_type("risks/r0001/") == "risks/*/" and page_type("risks/") == "risks/"
    assert choose(pages, everything=True) == pages


@pytest.mark.skipif(not os.environ.get("GOVSITE_DEEP_TESTS"), reason="deep test: set GOVSITE_DEEP_TESTS=1")
def test_the_demo_under_a_sub_path_passes_the_audit_on_every_page(tmp_path):
    output = tmp_path / "output"
    built = run_govsite("build", "--content", DEMO, "--output", output, "--base-url", "https://example.org/repo/",
                        "--no-cache")
    assert built.returncode == 0, built.stderr
    report = tmp_path / "audit.json"
    result = run_govsite("audit", "--output", output, "--content", DEMO, "--base-url", "https://example.org/repo/",
                         "--all", "--report", report, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(report.read_text())
    assert found["all_pages"] and found["pages_checked"] == found["pages_total"] >= 30
    assert "Granskade" in result.stdout
