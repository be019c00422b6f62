"""Two builds of the same content are byte-identical, whatever the working directory,
the order in which the file system lists files, or Python's hash seed."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import DEMO, SITES, run_govsite, tree_digest


def _copy(source: Path, target: Path, reverse: bool) -> None:
    """Copy file by file, in the given order, so the folders list their entries differently."""
    files = sorted((p for p in source.rglob("*") if p.is_file()), reverse=reverse)
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


def _build_copy(source: Path, place: Path, reverse: bool, seed: str) -> dict[str, str]:
    _copy(source, place / "content", reverse)
    (place / "elsewhere").mkdir()
    result = run_govsite("build", "--content", place / "content", "--output", place / "out", "--today",
                         "2026-11-28", cwd=place / "elsewhere" if reverse else place,
                         env={"PYTHONHASHSEED": seed})
    assert result.returncode == 0, result.stderr
    return tree_digest(place / "out")


def test_demo_builds_are_byte_identical_across_folders_orders_and_hash_seeds(tmp_path):
    first = _build_copy(DEMO, tmp_path / "a", reverse=False, seed="0")
    second = _build_copy(DEMO, tmp_path / "b" / "deeper", reverse=True, seed="4242")
    assert first == second
    assert len(first) > 20


def test_the_hostile_site_builds_identically_too(tmp_path):
    first = _build_copy(SITES / "hostile" / "content", tmp_path / "a", reverse=False, seed="1")
    second = _build_copy(SITES / "hostile" / "content", tmp_path / "b", reverse=True, seed="2")
    assert first == second
