"""`govsite init`: a new municipality's site repository, as a new user starts one."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import ROOT, run_govsite
from govsite.starter import requirement

WORKFLOWS = (".github/workflows/publish.yml", ".github/workflows/check.yml")


def _init(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return run_govsite("init", folder, "--organisation", "Nora kommun", *args, cwd=folder.parent)


def test_a_new_site_checks_and_builds_at_once_with_its_placeholders_as_warnings(tmp_path):
    site = tmp_path / "nora"
    result = _init(site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} == {
        "content/site.yaml", "content/pages/index.md", "README.md", ".gitignore", "requirements.txt", *WORKFLOWS}
    assert "/output/" in (site / ".gitignore").read_text() and ".govsite-cache/" in (site / ".gitignore").read_text()
    assert "govsite serve" in (site / "README.md").read_text() and "Settings → Pages" in (site / "README.md").read_text()

    check = run_govsite("check", cwd=site)
    assert check.returncode == 0, check.stdout + check.stderr
    site_yaml = (site / "content/site.yaml").read_text().splitlines()
    email_line = next(n for n, line in enumerate(site_yaml, 1) if line.strip().startswith("email:"))
    assert (f'content/site.yaml:{email_line}: varning: fältet "contact.email" har fortfarande platshållaren '
            "<fyll i>") in check.stderr
    assert "tillgänglighetsredogörelsen måste enligt lag ge ett sätt att kontakta er" in check.stderr

    build = run_govsite("build", cwd=site)
    assert build.returncode == 0, build.stderr
    home = (site / "output/index.html").read_text()
    assert "Styrning och kontroll i Nora kommun" in home
    assert "<fyll i>" not in home and "&lt;fyll i&gt;" not in home


def test_the_default_matrix_is_written_out_so_it_can_be_edited(tmp_path):
    site = tmp_path / "nora"
    assert _init(site).returncode == 0
    path = site / "content/site.yaml"
    path.write_text(path.read_text().replace("label: Hög,", "label: Mycket hög,"))
    (site / "content/units").mkdir()
    (site / "content/units/ks.md").write_text("---\ntitle: Kommunstyrelsen\n---\n")
    (site / "content/risks").mkdir()
    (site / "content/risks/brand.md").write_text(
        "---\ntitle: Brand i stadshuset\nunit: ks\nprobability: 4\nseverity: 4\nstatus: open\n---\n")
    result = run_govsite("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "Mycket hög" in (site / "output/risks/brand/index.html").read_text()


def test_an_english_site_speaks_english_from_the_first_file(tmp_path):
    site = tmp_path / "testville"
    result = run_govsite("init", site, "--organisation", "Testville", "--language", "en", cwd=tmp_path)
    assert result.returncode == 0
    assert "Created a new site" in result.stdout
    assert "language: en" in (site / "content/site.yaml").read_text()
    assert "Publishing" in (site / "README.md").read_text()
    check = run_govsite("check", cwd=site)
    assert check.returncode == 0
    assert 'the field "contact.email" still holds the placeholder <fill in>' in check.stderr


def test_init_never_overwrites_and_refuses_an_existing_site(tmp_path):
    site = tmp_path / "nora"
    (site / "content/risks").mkdir(parents=True)
    (site / "content/risks/x.md").write_text("mine")
    result = _init(site)
    assert result.returncode == 1
    assert "finns redan och innehåller en webbplats" in result.stdout
    assert sorted(p.name for p in site.rglob("*")) == ["content", "risks", "x.md"]

    other = tmp_path / "other"
    other.mkdir()
    (other / "README.md").write_text("our own readme")
    result = _init(other)
    assert result.returncode == 1
    assert "README.md" in result.stdout
    assert [p.name for p in other.iterdir()] == ["README.md"]
    assert (other / "README.md").read_text() == "our own readme"


@pytest.mark.parametrize("path", [*WORKFLOWS, "project"])
def test_every_workflow_passes_the_schema_and_zizmor(tmp_path, path):
    """The workflows that init writes, and the project's own: GitHub's workflow schema, and
    zizmor's security audits with nothing but `unpinned-uses` (tags' commits cannot be looked
    up here)."""
    if path == "project":
        workflow = ROOT / ".github/workflows/pages.yml"
    else:
        assert _init(tmp_path / "site").returncode == 0
        workflow = tmp_path / "site" / path
    schema = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                             str(workflow)], capture_output=True, text=True)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run(["zizmor", "--offline", "--format", "json", str(workflow)], capture_output=True, text=True)
    findings = {finding["ident"] for finding in json.loads(audit.stdout)}
    assert findings <= {"unpinned-uses"}, audit.stdout


def test_the_publish_workflow_caches_and_the_check_workflow_annotates(tmp_path):
    assert _init(tmp_path / "site").returncode == 0
    publish = (tmp_path / "site" / WORKFLOWS[0]).read_text()
    check = (tmp_path / "site" / WORKFLOWS[1]).read_text()
    assert "fetch-depth: 0" in publish and "path: .govsite-cache" in publish and "actions/deploy-pages" in publish
    assert "pip install -r requirements.txt" in publish and "pip install -r requirements.txt" in check
    assert "govsite check --format github" in check
    assert publish.index("govsite build") < publish.index("govsite audit") < publish.index("upload-pages-artifact")
    assert "actions/cache/restore" in check and "actions/cache@" not in check  # a pull request never saves one


@pytest.mark.parametrize(("direct_url", "line", "replace"), [
    ({"url": "https://github.com/nora/govsite", "vcs_info": {"vcs": "git", "commit_id": "a" * 40}},
     f"govsite[audit] @ git+https://github.com/nora/govsite@{'a' * 40}", ""),
    (None, "govsite[audit]==0.1.0", ""),
    ({"url": "file:///home/k/govsite", "dir_info": {}}, "govsite[audit]==0.1.0", "folder"),
    ({"url": "file:///home/k/govsite", "vcs_info": {"vcs": "git", "commit_id": "b" * 40}},
     f"git+file:///home/k/govsite@{'b' * 40}#egg=govsite[audit]", "address"),
])
def test_the_pin_follows_how_govsite_was_installed(direct_url, line, replace):
    """PEP 610's direct_url.json as pip writes it for each way of installing."""
    pin = requirement(direct_url, "0.1.0")
    assert (pin.line, pin.replace) == (line, replace)


@pytest.mark.skipif(not os.environ.get("GOVSITE_DEEP_TESTS"), reason="deep test: set GOVSITE_DEEP_TESTS=1")
def test_installed_from_a_clean_clone_init_pins_that_commit(tmp_path):
    """A new user: a fresh virtual environment, govsite installed from a git clone at a commit
    (not editable), a site in an empty folder elsewhere, checked and built by that install."""
    clone = tmp_path / "govsite"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True,
                            check=True).stdout.strip()
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv/bin/python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                              f"git+file://{clone}@{commit}#egg=govsite"], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    site = tmp_path / "elsewhere" / "nora"
    site.parent.mkdir()
    made = subprocess.run([str(tmp_path / "venv/bin/govsite"), "init", str(site), "--organisation", "Nora kommun"],
                          cwd=site.parent, capture_output=True, text=True, env=env)
    assert made.returncode == 0, made.stderr
    assert f"git+file://{clone}@{commit}#egg=govsite[audit]" in (site / "requirements.txt").read_text()
    assert "BYT UT adressen" in (site / "requirements.txt").read_text()
    built = subprocess.run([str(tmp_path / "venv/bin/govsite"), "build"], cwd=site, capture_output=True, text=True,
                           env=env)
    assert built.returncode == 0, built.stderr
    assert (site / "output/index.html").is_file()
