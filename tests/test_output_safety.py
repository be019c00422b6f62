"""Output safety: govsite writes only inside its output folder, never over what it
reads, and a failed build — at any stage — leaves the previous site exactly as it was."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.generate import generate
from conftest import ROOT, SITES, run_govsite, tree_digest
from govsite import engine, pipeline
from govsite.cache import OutputFiles
from govsite.errors import Diagnostics
from govsite.parallel import PARALLEL_MIN_PAGES, render_pages
from govsite.pipeline import Options
from govsite.publish import Publication
from govsite.render import default_theme, plan_pages
from govsite.write import MARKER, UnsafeOutput, WriteFailed, site_writer, update_site, write_site

BASIC = SITES / "basic" / "content"
TODAY = "2026-11-28"


def _site(tmp_path: Path) -> Path:
    """A project folder with content/ and a first good build in output/."""
    project = tmp_path / "project"
    shutil.copytree(BASIC, project / "content")
    result = run_govsite("build", "--content", "content", "--output", "output", "--today", "2024-06-01",
                         cwd=project)
    assert result.returncode == 0, result.stderr
    return project


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


# --- where the output may be ---

@pytest.mark.parametrize("output", [
    "content",  # the content folder itself
    ".",  # the project root (and the working directory)
    "..",  # a parent of both
    "content/pages/out",  # inside the content
    "content/..",  # the root again, spelled differently
    "theme",  # the theme folder
    "theme/static",  # inside the theme
])
def test_the_output_can_never_be_what_the_build_reads(tmp_path, output):
    project = _site(tmp_path)
    shutil.copytree(ROOT / "templates", project / "theme")
    before = tree_digest(project)
    result = run_govsite("build", "--content", "content", "--templates", "theme", "--output", output,
                         "--today", "2024-06-01", cwd=project)
    assert result.returncode == 1
    assert "fel: utmappen" in result.stderr and "kan inte användas" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project) == before


def test_serve_write_refuses_an_output_inside_the_content_as_build_does(tmp_path):
    """The live preview had its own writer: with `--write` and the output in content/ it wrote the
    site into the content, where build refuses. Both now write through write.py's one set of checks,
    for the first build and for every edit after it."""
    from govsite.serve import Rebuilder
    project = _site(tmp_path)
    before = tree_digest(project)
    options = Options(content=project / "content", output=project / "content" / "out",
                      today=dt.date(2024, 6, 1))
    rebuilder = Rebuilder(options, write=True, stream=open(os.devnull, "w"))
    assert not rebuilder.rebuild([])
    assert any("utmappen" in line and "kan inte användas" in line for line in rebuilder.problems), rebuilder.problems
    risk = next((project / "content" / "risks").glob("*.md"))
    risk.write_text(risk.read_text("utf-8") + "\nEn ny mening.\n", "utf-8")
    assert not rebuilder.rebuild([risk])
    risk.write_text(risk.read_text("utf-8").removesuffix("\nEn ny mening.\n"), "utf-8")
    assert tree_digest(project) == before


@pytest.mark.parametrize("paths", [
    ["tags/../../etc/index.html"],
    ["tags/../../../x.html"],
    ["/etc/x.html"],
    ["tags/..\\..\\x.html"],
    ["C:/x.html"],
    ["tags/a\nb/index.html"],
    ["risks/\u00c5/index.html", "risks/A\u030a/index.html"],  # NFC and NFD: one file on macOS
    ["tags/Skola/index.html", "tags/skola/index.html"],  # one file on Windows and macOS
    ["tags/STRASSE.html", "tags/straße.html"],  # case folding, not just lower()
    ["tags/a", "tags/a/index.html"],  # a file where a folder must be
])
def test_no_path_can_escape_the_output_or_overwrite_another_page(tmp_path, paths):
    output = tmp_path / "output"
    write_site({"index.html": b"good"}, output, protected=[])
    before = tree_digest(output)
    with pytest.raises(UnsafeOutput):
        write_site({"index.html": b"bad", **{p: b"x" for p in paths}}, output, protected=[])
    assert tree_digest(output) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


# --- atomicity: the previous site survives every kind of failure ---

def test_a_validation_error_leaves_the_previous_output(tmp_path):
    project = _site(tmp_path)
    before = tree_digest(project / "output")
    (project / "content" / "risks" / "lag.md").write_text("---\ntitle: x\nunit: ingen\n---\n")
    result = run_govsite("build", "--content", "content", "--output", "output", cwd=project)
    assert result.returncode == 1
    assert tree_digest(project / "output") == before
    assert _leftovers(project) == []


def test_a_broken_template_names_its_line_and_leaves_the_previous_output(tmp_path):
    project = _site(tmp_path)
    before = tree_digest(project / "output")
    shutil.copytree(ROOT / "templates", project / "templates")
    (project / "templates" / "risk.html").write_text(
        "{% extends 'base.html' %}\n{% block main %}\n<p>{{ entity.no_such_field }}</p>\n{% endblock %}\n")
    (project / "templates" / "unit.html").write_text("{% extends 'base.html' %}\n\n{% block main %}{% if %}\n")
    result = run_govsite("build", "--content", "content", "--output", "output", cwd=project)
    assert result.returncode == 1
    assert "templates/risk.html:3: fel: mallen risk.html" in result.stderr
    assert "templates/unit.html:3: fel: mallen unit.html" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "output") == before
    assert _leftovers(project) == []


def _fsize_limit(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_leaves_the_previous_output_and_no_temp_folder(tmp_path):
    project = _site(tmp_path)
    (project / "content" / "pages" / "stor.md").write_text("---\ntitle: Stor\n---\n" + "Mycket text.\n\n" * 10_000)
    before = tree_digest(project / "output")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    # A file system that refuses any file over 100 kB: like a disk that fills up mid-build.
    result = subprocess.run([sys.executable, "-m", "govsite", "build", "--content", "content", "--output", "output"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=60,
                            preexec_fn=_fsize_limit(100_000))
    assert result.returncode == 1, result.stderr
    assert "output: fel: den färdiga webbplatsen kunde inte skrivas till output: File too large" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "output") == before
    assert _leftovers(project) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupt_while_writing_leaves_the_previous_output(tmp_path, signum):
    project = _site(tmp_path)
    for i in range(600):  # enough pages that writing takes a moment
        (project / "content" / "pages" / f"sida-{i}.md").write_text(f"---\ntitle: Sida {i}\n---\nText {i}.\n")
    before = tree_digest(project / "output")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "govsite", "build", "--content", "content", "--output",
                                "output"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 60
    temp = project / f".output.tmp-{process.pid}"
    while not temp.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert temp.exists(), "the build never started writing"
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr
    assert "Bygget avbröts" in stderr and "Traceback" not in stderr
    assert tree_digest(project / "output") == before
    assert _leftovers(project) == []


def test_temp_folders_of_a_killed_build_are_cleaned_by_the_next_build(tmp_path):
    project = _site(tmp_path)
    dead = 2 ** 22 + 12345  # above pid_max's default: no process has this id
    for name in (f".output.tmp-{dead}", f".output.old-{dead}"):
        (project / name / "risks").mkdir(parents=True)
        (project / name / MARKER).write_text("")
    (project / ".output.tmp-notours").mkdir()  # not govsite's pattern: left alone
    result = run_govsite("build", "--content", "content", "--output", "output", cwd=project)
    assert result.returncode == 0, result.stderr
    assert _leftovers(project) == [".output.tmp-notours"]


def test_an_output_swapped_out_by_a_kill_is_restored_when_the_next_build_fails(tmp_path):
    project = _site(tmp_path)
    before = tree_digest(project / "output")
    dead = 2 ** 22 + 12346
    os.replace(project / "output", project / f".output.old-{dead}")  # killed between the two renames
    (project / "content" / "pages" / "trasig.md").write_text("---\ntitle: [\n---\n")
    result = run_govsite("build", "--content", "content", "--output", "output", cwd=project)
    assert result.returncode == 1
    assert tree_digest(project / "output") == before  # the published site is back
    assert _leftovers(project) == []


# --- a site of many pages: forked workers write the pages straight into the temp folder ---

TWO_CORES = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: pages render in one process")


def _many_pages(tmp_path: Path, entities: int = 400) -> Path:
    """A project with more pages than parallel.PARALLEL_MIN_PAGES, and a first good build in output/."""
    project = tmp_path / "project"
    generate(entities, project, words=60)
    with open(project / "content" / "site.yaml", "a") as stream:
        stream.write("search: false\n")  # Pagefind is not what these tests are about (and costs seconds)
    result = run_govsite("build", "--content", "content", "--output", "output", "--today", TODAY, cwd=project)
    assert result.returncode == 0, result.stderr
    assert sum(1 for _ in (project / "output").rglob("index.html")) > PARALLEL_MIN_PAGES
    return project


def _processes_in(folder: Path) -> list[int]:
    """Processes working in `folder`: a build's workers must never outlive it."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and Path(os.readlink(entry / "cwd")) == folder:
                found.append(int(entry.name))
        except OSError:
            pass
    return found


@TWO_CORES
def test_pages_written_by_the_workers_are_the_bytes_of_a_serial_build(tmp_path):
    project = _many_pages(tmp_path)
    one_core = {min(os.sched_getaffinity(0))}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    serial = subprocess.run([sys.executable, "-m", "govsite", "build", "--content", "content", "--output", "serial",
                             "--today", TODAY, "--no-cache"], cwd=project, env=env, capture_output=True, text=True,
                            timeout=120, preexec_fn=lambda: os.sched_setaffinity(0, one_core))
    assert serial.returncode == 0, serial.stderr
    assert tree_digest(project / "output") == tree_digest(project / "serial")
    # The files of a written build are read from the output; an unwritten build holds them all.
    options = Options(content=project / "content", output=project / "again", today=dt.date.fromisoformat(TODAY),
                      cache=False)
    written = engine.build(options).files
    in_memory = engine.build(options, write=False).files
    assert isinstance(written, OutputFiles)
    assert sorted(written) == sorted(in_memory) == sorted(set(tree_digest(project / "serial")) - {MARKER})
    assert all(written[path] == in_memory[path] for path in in_memory)


@TWO_CORES
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("how", ["once", "to every process", "again and again"])
def test_an_interrupt_while_the_workers_write_pages_leaves_the_previous_output(tmp_path, signum, how):
    project = _many_pages(tmp_path, entities=1500)
    site_yaml = project / "content" / "site.yaml"  # every page of the new build differs: a new folder, swapped in
    site_yaml.write_text(site_yaml.read_text().replace("organisation: Testkommunen", "organisation: Nya kommunen"))
    before = tree_digest(project / "output")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "govsite", "build", "--content", "content", "--output",
                                "output", "--today", TODAY], cwd=project, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    rendered = project / f".output.tmp-{process.pid}" / "risks"
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if len(os.listdir(rendered)) >= 20:  # the workers are writing risk pages
                break
        time.sleep(0.005)
    assert process.poll() is None, "the build ended before it could be interrupted"
    if how == "to every process":  # as Ctrl-C in a terminal, or `kill -TERM -PGID`: the workers get it too
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    while how == "again and again" and process.poll() is None:  # an impatient user: the cleanup must finish
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signum)
        time.sleep(0.002)
    _, stderr = process.communicate(timeout=60)
    if how != "again and again":  # else one of the later signals may end it after the cleanup, as it should
        assert process.returncode == 128 + signum, stderr
        assert "Bygget avbröts" in stderr and "Traceback" not in stderr
    time.sleep(0.5)  # a worker still alive would write again, and make the temp folder anew
    assert _processes_in(project) == []
    assert tree_digest(project / "output") == before
    assert _leftovers(project) == []


@TWO_CORES
@pytest.mark.parametrize("risk_template, expected, reported", [
    # A template error: reported once, as a serial build reports it.
    ("{% extends 'base.html' %}\n{% block main %}\n<p>{{ entity.no_such_field }}</p>\n{% endblock %}\n",
     "theme/risk.html:3: fel: mallen risk.html", True),  # the site's theme folder is theme/
    # An exception the workers do not expect: a crash, but the old site stays all the same.
    ("{% extends 'base.html' %}\n{% block main %}{{ 1 // 0 }}{% endblock %}\n", "ZeroDivisionError", False),
])
def test_a_page_that_fails_in_a_worker_leaves_the_previous_output(tmp_path, risk_template, expected, reported):
    project = _many_pages(tmp_path)
    before = tree_digest(project / "output")
    shutil.copytree(ROOT / "templates", project / "theme")
    (project / "theme" / "risk.html").write_text(risk_template)
    result = run_govsite("build", "--content", "content", "--templates", "theme", "--output", "output",
                         "--today", TODAY, cwd=project)
    assert result.returncode == 1
    assert expected in result.stderr
    if reported:
        assert result.stderr.count(expected) == 1 and "Traceback" not in result.stderr, result.stderr
    assert _processes_in(project) == []
    assert tree_digest(project / "output") == before
    assert _leftovers(project) == []


def test_a_write_that_fails_in_a_worker_fails_the_whole_write(tmp_path):
    generate(200, tmp_path / "site", words=20)
    _, site = pipeline.load(Options(content=tmp_path / "site" / "content", cache=False), Diagnostics())
    publication = Publication(site)
    pages = plan_pages(site) + publication.pages()
    output = tmp_path / "output"
    write_site({"index.html": b"good"}, output, protected=[])
    diagnostics = Diagnostics()
    with pytest.raises(WriteFailed):
        with site_writer(output, [page.path for page in pages], protected=[]) as writer:
            (writer.temp / "risks").write_bytes(b"")  # a file where the workers need a folder
            render_pages(site, default_theme(), pages, diagnostics, helpers=publication.helpers(), workers=2,
                         min_pages=0, sink=writer.put)
    assert diagnostics.items == []
    assert (output / "index.html").read_bytes() == b"good"
    assert sorted(tree_digest(output)) == [MARKER, "index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output", "site"]


# --- write.update_site: the few files an edit changed, in place ---

def _written(tmp_path: Path) -> Path:
    output = tmp_path / "output"
    write_site({"index.html": b"start", "risks/a/index.html": b"a", "risks/b/index.html": b"b"}, output,
               protected=[tmp_path / "content"])
    return output


def test_an_update_in_place_writes_what_changed_and_removes_what_went(tmp_path):
    output = _written(tmp_path)
    kept = (output / "risks/a/index.html").stat().st_ino
    written = update_site(output, {"index.html": b"new", "risks/a/index.html": b"a"}, ["risks/b/index.html"],
                          keep={"index.html", "risks/a/index.html"}, protected=[tmp_path / "content"])
    assert written == ["index.html"]
    assert (output / "index.html").read_bytes() == b"new"
    assert (output / "risks/a/index.html").stat().st_ino == kept  # same bytes: not written again
    assert not (output / "risks/b").exists()  # its file gone, and the folder it leaves empty
    assert sorted(p.name for p in output.rglob("*") if ".tmp-" in p.name) == []


def test_an_update_never_writes_through_a_link_planted_in_the_output(tmp_path):
    output = _written(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(output / "risks")
    (output / "risks").symlink_to(elsewhere, target_is_directory=True)
    before = tree_digest(output)
    with pytest.raises(UnsafeOutput):
        update_site(output, {"index.html": b"new", "risks/a/index.html": b"changed"}, [],
                    keep={"index.html", "risks/a/index.html"}, protected=[tmp_path / "content"])
    assert list(elsewhere.iterdir()) == []
    assert tree_digest(output) == before  # nothing written, not even the file the checks passed first


def test_an_update_that_fails_while_writing_leaves_the_output_as_it_was(tmp_path):
    output = _written(tmp_path)
    (output / "risks" / "c").write_bytes(b"a file where the new page needs a folder")
    (output / "risks" / "d").mkdir()
    (output / "risks" / "d" / "index.html").mkdir()  # a folder where the new page is a file
    before = tree_digest(output)
    for page in ("risks/c/index.html", "risks/d/index.html"):
        with pytest.raises(WriteFailed):
            update_site(output, {"index.html": b"new", page: b"page"}, ["risks/b/index.html"],
                        keep={"index.html", page}, protected=[tmp_path / "content"])
        assert tree_digest(output) == before, page
        assert sorted(p.name for p in output.rglob("*") if ".tmp-" in p.name) == []


def test_an_update_refuses_an_output_inside_the_content(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    output = content / "out"
    write_site({"index.html": b"x"}, output, protected=[])
    with pytest.raises(UnsafeOutput):
        update_site(output, {"index.html": b"y"}, [], keep={"index.html"}, protected=[], forbid_inside=[content])
    assert (output / "index.html").read_bytes() == b"x"
