"""The static search index, made by Pagefind (its binary ships on PyPI as
`pagefind[bin]`). Pagefind reads the pages' `<html lang>` and stems Swedish
for a Swedish site. Only the `<main>` of pages marked `data-pagefind-body`
(base.html marks published entity pages) is indexed, so navigation, footers,
index pages and drafts never match.

A build indexes the site where write.py has just written it, before the swap
(`index_site`), part by part (`index_part`): each part's pages are copied into
memory-backed scratch space (/dev/shm) for Pagefind to read, in one order, so a
part made again after an edit is byte for byte the part a whole build makes.
The live preview, which keeps its pages in memory, uses `search_index`.

Pagefind holds ~200 KB of memory per page it indexes (2.0 GB for a site of 10,000
entities), so a large site is indexed in parts of at most PAGES_PER_PART pages,
one Pagefind run and bundle each: `pagefind/`, then `pagefind/2/`, … The search
page merges them in the browser (Pagefind's `mergeIndex`), so one search finds
pages of every part.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

INDEX_DIR = "pagefind"
# 1,500 pages: Pagefind's process stays near 300-450 MB (770 MB for 3,500 risk pages in one part).
PAGES_PER_PART = 1500
# Pagefind's own ready-made interfaces: our search page has its own small script.
UNUSED = ("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui", "pagefind-highlight")


class SearchFailed(Exception):
    pass


def parts(pages: int, per_part: int) -> list[str]:
    """The folders of the search index of a site of `pages` indexed pages, relative to its root."""
    return [f"{INDEX_DIR}/"] + [f"{INDEX_DIR}/{n}/" for n in range(2, -(-pages // per_part) + 1)]


def index_site(root: Path, pages: Iterable[str], per_part: int = PAGES_PER_PART, timeout: float = 300) -> list[str]:
    """Index `pages` (paths under `root`, any order: the parts take them sorted) into
    `root/pagefind/`, at most `per_part` pages to a part (`parts`); the paths written, relative
    to root. No pages: no index. Each part is made as `index_part` makes it after an edit, so a
    part made again is the very part a whole build makes."""
    root = Path(root)
    pages = sorted(pages)
    written = []
    for number, folder in enumerate(parts(len(pages), per_part) if pages else []):
        members = pages[number * per_part:(number + 1) * per_part]
        files = index_part({page: (root / page).read_bytes() for page in members}, folder, timeout)
        for path, data in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(path)
    return sorted(written)


def _pagefind(site: Path, out: Path, timeout: float) -> None:
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(out),
               "--root-selector", "main", "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchFailed(str(exc)) from exc
    if result.returncode != 0 or not (out / "pagefind.js").is_file():
        raise SearchFailed((result.stderr or result.stdout or "pagefind").strip().splitlines()[-1])


def in_part(path: str, folder: str) -> bool:
    """Whether an output path belongs to the part of the index in `folder` (`parts`): the first
    part's folder holds the others' folders, which are not its own."""
    if not path.startswith(folder):
        return False
    rest = path[len(folder):]
    return folder != f"{INDEX_DIR}/" or not (rest.split("/", 1)[0].isdigit() and "/" in rest)


def scratch() -> str | None:
    """Where pages are copied for Pagefind to read: memory (/dev/shm) where there is one, since a
    part's 1,500 page folders made and removed on a busy disk cost more than indexing them."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def index_part(pages: dict[str, bytes], folder: str, timeout: float = 300) -> dict[str, bytes]:
    """{output path: bytes} of one part of the index (at `folder`, one of `parts`) made of these
    pages (HTML by output path): a part is made again when one of its pages changed, the others kept."""
    with tempfile.TemporaryDirectory(prefix="govsite-search-", dir=scratch()) as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / "out"
        try:
            for path, html in sorted(pages.items()):
                target = site / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(html)
        except OSError as exc:
            raise SearchFailed(str(exc)) from exc
        _pagefind(site, out, timeout)
        return {folder + path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*"))
                if path.is_file() and not path.name.startswith(UNUSED)}


def search_index(pages: dict[str, bytes], per_part: int = PAGES_PER_PART, timeout: float = 300) -> dict[str, bytes]:
    """{output path: bytes} of the Pagefind index of `pages` (HTML by output path)."""
    paths = sorted(pages)
    files = {}
    for number, folder in enumerate(parts(len(paths), per_part) if paths else []):
        members = paths[number * per_part:(number + 1) * per_part]
        files.update(index_part({path: pages[path] for path in members}, folder, timeout))
    return files
