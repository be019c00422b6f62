"""The real command line, as a subprocess, on the demo site and on every kind of bad input."""
import subprocess
from pathlib import Path

import pytest

from conftest import DEMO, INVALID, ROOT, SITES, run_govsite, tree_digest

CASES = sorted(p.name for p in INVALID.iterdir() if (p / "expected.txt").is_file())


def test_the_demo_site_builds_with_every_kind(tmp_path):
    output = tmp_path / "output"
    result = run_govsite("build", "--content", DEMO, "--output", output)
    assert result.returncode == 0, result.stderr
    assert "Klart:" in result.stdout
    assert (output / "index.html").is_file()
    assert (output / "risks/svagt-kulturutbud/index.html").is_file()
    for kind in ("principles", "units", "missions", "risks", "arenas", "plans", "sources"):
        assert (output / kind / "index.html").is_file()
    assert (output / "omvarldsanalys/index.html").is_file()
    assert "För svag bredd i kultur- och fritidsaktiviteter" in (output / "risks/index.html").read_text()


def test_build_py_is_govsite_build(tmp_path):
    import subprocess
    import sys
    output = tmp_path / "out"
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--output", str(output)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (output / "risks/svagt-kulturutbud/index.html").is_file()


def test_it_works_from_any_working_directory_with_the_built_in_theme(tmp_path):
    output = tmp_path / "site"
    result = run_govsite("build", "--content", DEMO, "--output", output, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (output / "static/site.css").is_file()


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_reported_with_file_line_and_words(case, tmp_path):
    output = tmp_path / "output"
    good = run_govsite("build", "--content", SITES / "basic" / "content", "--output", output)
    assert good.returncode == 0, good.stderr
    before = tree_digest(output)

    result = run_govsite("build", "--content", INVALID / case / "content", "--output", output)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    reported = result.stderr.splitlines()
    for line in (INVALID / case / "expected.txt").read_text("utf-8").splitlines():
        assert line in reported, f"expected:\n{line}\ngot:\n{result.stderr}"
    assert tree_digest(output) == before, "a failed build changed the published site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"], "a temp folder was left behind"


def test_check_reports_the_same_problems_without_writing(tmp_path):
    case = INVALID / "many-problems" / "content"
    result = run_govsite("check", "--content", case, cwd=tmp_path)
    assert result.returncode == 1
    for line in (INVALID / "many-problems" / "expected.txt").read_text().splitlines():
        assert line in result.stderr.splitlines()
    assert list(tmp_path.iterdir()) == []


def test_check_json_lists_path_line_level_message_and_hint():
    import json
    result = run_govsite("check", "--content", INVALID / "unknown-unit" / "content", "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == [{
        "path": "content/missions/utbud.md", "line": 3, "level": "error", "code": "unknown_ref",
        "message": 'fältet "unit" pekar på enhet "kultur", som inte finns.',
        "hint": 'Menade du "kulturenheten"?',
    }]


def test_check_github_format_annotates_the_file_from_the_repository_root(tmp_path):
    """GitHub shows `::error file=…,line=…::` lines on the pull request's changed lines; the
    file must be named from the repository root, here a site in a sub-folder of the repository."""
    import shutil
    site = tmp_path / "repo" / "sites" / "kommun"
    shutil.copytree(INVALID / "unknown-unit" / "content", site / "content")
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    result = run_govsite("check", "--content", site / "content", "--format", "github", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::error file=sites/kommun/content/missions/utbud.md,line=3,title=unknown_ref::"
        'fältet "unit" pekar på enhet "kultur", som inte finns. Menade du "kulturenheten"?']


def test_check_github_format_escapes_what_would_end_a_workflow_command(tmp_path):
    """A newline or `%` in a message would end or corrupt the command; `,` and `:` in a file name
    would split its properties (GitHub's toolkit escapes them as %0A, %25, %2C, %3A)."""
    import shutil
    content = tmp_path / "a,b:c" / "content"
    shutil.copytree(INVALID / "unknown-unit" / "content", content)
    page = content / "missions" / "utbud.md"
    page.write_text(page.read_text(encoding="utf-8").replace("unit: kultur", "unit: \"50%\""), encoding="utf-8")
    result = run_govsite("check", "--content", content, "--format", "github", cwd=tmp_path)
    line = result.stdout.splitlines()[0]
    assert line.startswith("::error file=a%2Cb%3Ac/content/missions/utbud.md,line=3,")
    assert "50%25" in line and "50%" not in line.replace("50%25", "")


def test_two_builds_are_byte_identical(tmp_path):
    for name in ("a", "b"):
        result = run_govsite("build", "--content", DEMO, "--output", tmp_path / name, "--today", "2026-11-28")
        assert result.returncode == 0, result.stderr
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_drafts_are_published_only_when_asked_and_then_marked(tmp_path):
    content = SITES / "basic" / "content"
    result = run_govsite("build", "--content", content, "--output", tmp_path / "o", "--drafts")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "o/missions/hemlig/index.html").read_text()
    assert "Utkast – inte publicerat" in html
    assert "../../missions/hemlig/" in (tmp_path / "o/risks/lokalbrist/index.html").read_text()


def test_base_url_option_overrides_site_yaml_for_the_404_page(tmp_path):
    result = run_govsite("build", "--content", DEMO, "--output", tmp_path / "o",
                         "--base-url", "https://kommun.example/styrning/")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "o/404.html").read_text()
    assert 'href="/styrning/static/site.css"' in html


def test_warnings_fail_the_build_only_with_strict(tmp_path):
    content = SITES / "basic" / "content"  # a risk links to a draft: a warning
    assert run_govsite("build", "--content", content, "--output", tmp_path / "o").returncode == 0
    strict = run_govsite("build", "--content", content, "--output", tmp_path / "o", "--strict")
    assert strict.returncode == 1
    assert 'varning: fältet "missions[2]" pekar på uppdrag "hemlig", som är ett utkast' in strict.stderr


def test_a_missing_content_folder_is_explained(tmp_path):
    result = run_govsite("build", cwd=tmp_path)
    assert result.returncode == 2
    assert "Hittar ingen innehållsmapp content" in result.stderr


def test_a_search_part_size_below_one_is_refused_before_anything_is_built(tmp_path):
    result = run_govsite("build", "--content", DEMO, "--output", tmp_path / "o", "--search-part-pages", "0")
    assert result.returncode == 2
    assert "--search-part-pages: not a whole number above 0: 0" in result.stderr
    assert not (tmp_path / "o").exists()
