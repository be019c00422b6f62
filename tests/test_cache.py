"""The persistent cache is data, checked before use: anyone can plant one (a pull request,
a restored CI cache), so a planted file must never run code, and a file with anything off
is ignored whole: the build is then cold, with the bytes of a cold build."""
from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import shutil
from pathlib import Path

import pytest

from conftest import DEMO, run_govsite, tree_digest
from govsite.cache import FILE, FOLDER, BuildCache
from govsite.errors import Diagnostics
from govsite.pipeline import Options, load
from govsite.source import RawDoc

TODAY = "2026-11-28"


class _Payload:
    """A pickle that, once unpickled, creates the marker file (as `os.system` could run anything)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


@pytest.fixture
def site(tmp_path) -> Path:
    shutil.copytree(DEMO, tmp_path / "content")
    return tmp_path


def build(site: Path, name: str, *extra) -> dict:
    result = run_govsite("build", "--content", site / "content", "--output", site / name, "--today", TODAY, *extra)
    assert result.returncode == 0, result.stderr
    return tree_digest(site / name)


def plant_pickle(site: Path, marker: Path) -> None:
    (site / FOLDER).mkdir(exist_ok=True)
    for name in ("cache.pickle", FILE):  # where the old cache was, and where the cache is
        (site / FOLDER / name).write_bytes(pickle.dumps(_Payload(marker)))


def test_a_planted_pickle_never_runs(site, tmp_path):
    marker = tmp_path / "owned"
    pickle.loads(pickle.dumps(_Payload(tmp_path / "works")))
    assert (tmp_path / "works").exists()  # the payload is real: unpickling it runs the command
    cold = build(site, "cold", "--no-cache")
    plant_pickle(site, marker)
    assert build(site, "first") == cold
    check = run_govsite("check", "--content", site / "content", "--today", TODAY)
    assert check.returncode == 0, check.stderr
    assert build(site, "first") == cold  # a cached build: nothing changed
    plant_pickle(site, marker)  # over the cache a build wrote
    risk = next((site / "content" / "risks").glob("*.md"))
    risk.write_text(risk.read_text("utf-8") + "\nEtt nytt stycke.\n", "utf-8")
    assert build(site, "first") == build(site, "cold", "--no-cache")
    assert not marker.exists()
    json.loads((site / FOLDER / FILE).read_bytes().splitlines()[0])  # written again, as JSON


def test_a_second_build_uses_the_cache(site):
    build(site, "out")
    lines = (site / FOLDER / FILE).read_bytes().splitlines()
    records = [json.loads(line) for line in lines]  # JSON Lines, every one
    assert records[0]["last_build"]["language"] == "sv"
    cache = BuildCache.load(site / "content")
    _, loaded = load(Options(content=site / "content"), Diagnostics(), cache)
    files = len(list((site / "content").rglob("*.md")))
    assert (cache.hits, cache.misses) == (files, 0)  # every file from the cache, none parsed
    bodies = [entity.body for entity in loaded.all() if entity.body.strip()]
    assert len(cache.fragments(bodies)) == len(set(bodies))  # every body's HTML too


@pytest.fixture(scope="module")
def valid_cache(tmp_path_factory) -> bytes:
    """The cache a build of the demo wrote."""
    site = tmp_path_factory.mktemp("valid")
    shutil.copytree(DEMO, site / "content")
    build(site, "out")
    return (site / FOLDER / FILE).read_bytes()


def _records(cache: bytes) -> list:
    return [json.loads(line) for line in cache.splitlines()]


def _doc(records, kind="risks"):
    return next(r for r in records if isinstance(r, list) and len(r) == 4 and f"/{kind}/" in r[0])


def _fragment(records):
    return records[records.index("fragments") + 1]


# Each: one field of a cache a build wrote, made wrong. (name, change of the parsed records)
BREAKAGES = {
    "format": lambda r: r[0].update(format="other"),
    "version as text": lambda r: r[0].update(version="2"),
    "another code digest": lambda r: r[0].update(key="0" * 40),
    "an extra header key": lambda r: r[0].update(extra=1),
    "last build a list": lambda r: r[0].update(last_build=[]),
    "inputs a number": lambda r: r[0]["last_build"].update(inputs=5),
    "unknown language": lambda r: r[0]["last_build"].update(language="de"),
    "diagnostics a dict": lambda r: r[0]["last_build"].update(diagnostics={}),
    "unknown message code": lambda r: r[0]["last_build"]["diagnostics"].append(["notice", "x_no_such", "p", 0, {}]),
    "a message without its parameter": lambda r: r[0]["last_build"]["diagnostics"].append(
        ["error", "yaml_duplicate_key", "content/risks/x.md", 3, {}]),
    "a parameter a list": lambda r: r[0]["last_build"]["diagnostics"].append(
        ["error", "yaml_duplicate_key", "content/risks/x.md", 3, {"key": [1]}]),
    "a level unknown": lambda r: r[0]["last_build"]["diagnostics"].append(["fatal", "history_no_git", "p", 0, {}]),
    "an output path out of the folder": lambda r: r[0]["last_build"]["paths"].append("../../etc/passwd"),
    "paths a string": lambda r: r[0]["last_build"].update(paths="index.html"),
    "output identity of numbers": lambda r: r[0]["last_build"].update(output=[1, 2, 3]),
    "a file's digest not a sha1": lambda r: _doc(r).__setitem__(1, "xyz"),
    "a file's path a number": lambda r: _doc(r).__setitem__(0, 7),
    "a doc a string": lambda r: _doc(r).__setitem__(2, "doc"),
    "a doc too short": lambda r: _doc(r)[2].pop(),
    "an unknown kind": lambda r: _doc(r)[2].__setitem__(0, "secrets"),
    "another file's id": lambda r: _doc(r)[2].__setitem__(1, "annan"),
    "front matter a list": lambda r: _doc(r)[2].__setitem__(3, []),
    "a key path with a float": lambda r: _doc(r)[2][4].__setitem__(0, [1.5]),
    "a line as text": lambda r: _doc(r)[2][5].__setitem__(0, "3"),
    "lines of another length": lambda r: _doc(r)[2][5].append(9),
    "the body a number": lambda r: _doc(r)[2].__setitem__(6, 5),
    "the body line negative": lambda r: _doc(r)[2].__setitem__(7, -1),
    "broken as 0": lambda r: _doc(r)[2].__setitem__(9, 0),
    "problems a string": lambda r: _doc(r).__setitem__(3, "inga"),
    "a file twice": lambda r: r.insert(2, _doc(r)),
}

FRAGMENT_BREAKAGES = {
    "a fragment's key not a sha1": lambda r: _fragment(r).__setitem__(0, "abc"),
    "a fragment a number": lambda r: _fragment(r).__setitem__(1, 5),
    "no end": lambda r: r.remove("end"),
    "after the end": lambda r: r.append(["0" * 40, "<p>x</p>"]),
}


def _write(site: Path, records: list) -> None:
    (site / FOLDER / FILE).write_bytes(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records))


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_cache_with_one_field_wrong_is_ignored_whole(tmp_path, valid_cache, breakage):
    site = tmp_path
    (site / FOLDER).mkdir()
    _write(site, _records(valid_cache))
    assert BuildCache.load(site / "content")._docs  # as written: read
    records = _records(valid_cache)
    BREAKAGES[breakage](records)
    _write(site, records)
    cache = BuildCache.load(site / "content")
    assert (cache._docs, cache.last_build, cache._bodies) == ({}, None, {})


@pytest.mark.parametrize("breakage", sorted(FRAGMENT_BREAKAGES))
def test_fragments_with_one_field_wrong_are_all_rendered_again(tmp_path, valid_cache, breakage):
    site = tmp_path
    (site / FOLDER).mkdir()
    records = _records(valid_cache)
    FRAGMENT_BREAKAGES[breakage](records)
    _write(site, records)
    cache = BuildCache.load(site / "content")
    assert cache._docs  # read before the fragments, and checked on their own
    assert cache._bodies == {}


@pytest.mark.parametrize("how", ["truncated", "garbage", "empty", "a file's front matter changed"])
def test_a_broken_cache_gives_the_bytes_of_a_cold_build(site, how):
    build(site, "out")
    records = _records((site / FOLDER / FILE).read_bytes())
    stored = site / FOLDER / FILE
    if how == "truncated":
        stored.write_bytes(stored.read_bytes()[: stored.stat().st_size // 2])
    elif how == "garbage":
        stored.write_bytes(os.urandom(5000))
    elif how == "empty":
        stored.write_bytes(b"")
    else:  # a valid file, but the header's code digest is another govsite's
        records[0]["key"] = "1" * 40
        _doc(records)[2][3]["title"] = "Förfalskad titel"
        _write(site, records)
    shutil.rmtree(site / "out")
    assert build(site, "out") == build(site, "cold", "--no-cache")
    assert "Förfalskad" not in (site / "out" / "index.html").read_text("utf-8")
    json.loads(stored.read_bytes().splitlines()[0])  # and written again, whole
    assert stored.read_bytes().endswith(b'"end"\n')


def test_a_value_json_cannot_keep_is_parsed_again_not_stored(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    cache = BuildCache.load(content)
    lines = {("title",): 2, ("date",): 3}
    dated = RawDoc("risks", "a", "content/risks/a.md", {"title": "A", "date": dt.date(2024, 1, 1)}, lines, "Text")
    plain = RawDoc("risks", "b", "content/risks/b.md", {"title": "B", "n": float("nan"), "s": "\ud800"}, lines, "Å")
    cache.put(dated.path, "a" * 40, (dated, []))
    cache.put(plain.path, "b" * 40, (plain, []))
    cache.save()
    again = BuildCache.load(content)
    assert again.get(dated.path, "a" * 40) is None
    stored, problems = again.get(plain.path, "b" * 40)
    assert (stored.data["title"], stored.data["s"], stored.body, stored.lines, problems) == ("B", "\ud800", "Å",
                                                                                             lines, [])
    assert stored.data["n"] != stored.data["n"]  # NaN, as YAML's .nan gave it


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_cache_file_that_is_no_file_is_never_read(site, target):
    """A planted symlink to /dev/zero (one endless line) or a named pipe (waits for a writer)."""
    cold = build(site, "cold", "--no-cache")
    (site / FOLDER).mkdir()
    if target == "fifo":
        os.mkfifo(site / FOLDER / FILE)
    else:
        (site / FOLDER / FILE).symlink_to(target)
    assert build(site, "out") == cold  # within run_govsite's timeout, memory as usual
    assert (site / FOLDER / FILE).is_file() and not (site / FOLDER / FILE).is_symlink()  # replaced by a good one


def test_a_cache_folder_that_leads_elsewhere_is_neither_read_nor_written(site, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (site / FOLDER).symlink_to(elsewhere)
    assert build(site, "out") == build(site, "cold", "--no-cache")
    assert list(elsewhere.iterdir()) == []


def test_a_committed_cache_with_forged_text_changes_nothing(site):
    """A well-formed cache that says a file holds other words (the file's bytes are public) came
    into the repository by a commit: the build ignores it, since only this machine's builds (or
    CI's restore of the main branch's own) write the cache."""
    import subprocess
    cold = build(site, "cold", "--no-cache")
    build(site, "first")  # writes a real cache
    path = site / FOLDER / FILE
    forged = path.read_text("utf-8").replace("För svag bredd i kultur", "Stängda lokaler i kultur")
    assert forged != path.read_text("utf-8")
    git = ["git", "-c", "user.name=A", "-c", "user.email=a@example.org"]
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    path.write_text(forged, "utf-8")
    subprocess.run([*git, "add", "-f", "content", str(path)], cwd=site, check=True)
    subprocess.run([*git, "commit", "-qm", "Update cache.json"], cwd=site, check=True)
    with_history = build(site, "cold-git", "--no-cache")
    assert build(site, "second") == with_history
    assert "Stängda lokaler i kultur" not in (site / "second" / "risks" / "svagt-kulturutbud" / "index.html").read_text()
    assert with_history != cold  # (the git history is on the pages now: the comparison is with git)
