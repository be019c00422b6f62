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

import json
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


def parts(pages: int, per_part: int, section: str = "") -> list[str]:
    """The folders of the search index of a site of `pages` indexed pages, relative to its root;
    of a language's section (`en`), its own index under it (en/pagefind/, en/pagefind/2/, …)."""
    index = f"{section}/{INDEX_DIR}" if section else INDEX_DIR
    return [f"{index}/"] + [f"{index}/{n}/" for n in range(2, -(-pages // per_part) + 1)]


def section_of(page: str, sections: Iterable[str]) -> str:
    """The language section a page is in: "en" for en/risks/x/index.html, "" for the main one's."""
    first = page.split("/", 1)[0]
    return first if first in sections else ""


def partition(pages: Iterable[str], per_part: int, sections: Iterable[str] = ()) -> dict[str, list[str]]:
    """{folder of a part of the index: its pages}: the pages of each language section in `sections`
    get an index of their own under it (the search page of a language merges the parts of its own
    index only: a part holding pages of two languages would answer in the other's too), each cut
    into parts of at most `per_part` pages, sorted."""
    by_section: dict[str, list[str]] = {}
    for page in sorted(pages):
        by_section.setdefault(section_of(page, sections), []).append(page)
    out = {}
    for section, found in sorted(by_section.items()):
        for number, folder in enumerate(parts(len(found), per_part, section)):
            out[folder] = found[number * per_part:(number + 1) * per_part]
    return out


def index_site(root: Path, pages: Iterable[str], per_part: int = PAGES_PER_PART, timeout: float = 300,
               sections: Iterable[str] = ()) -> list[str]:
    """Index `pages` (paths under `root`) into `root/pagefind/` (and each language section's own),
    part by part (`partition`); the paths written, relative to root. No pages: no index. Each
    part is made as `index_part` makes it after an edit, so a part made again is the very part
    a whole build makes."""
    root = Path(root)
    written = []
    for folder, members in partition(pages, per_part, sections).items():
        files = index_part({page: (root / page).read_bytes() for page in members}, folder, timeout)
        for path, data in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(path)
    return sorted(written)


def in_part(path: str, folder: str) -> bool:
    """Whether an output path belongs to the part of the index in `folder` (`parts`): the first
    part's folder holds the others' folders, which are not its own."""
    if not path.startswith(folder):
        return False
    rest = path[len(folder):]
    return not folder.endswith(f"{INDEX_DIR}/") or not (rest.split("/", 1)[0].isdigit() and "/" in rest)


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


def _pagefind(site: Path, out: Path, timeout: float) -> None:
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(out),
               "--root-selector", "main", "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchFailed(str(exc)) from exc
    if result.returncode != 0 or not (out / "pagefind.js").is_file():
        raise SearchFailed((result.stderr or result.stdout or "pagefind").strip().splitlines()[-1])
    _sorted_entry(out / "pagefind-entry.json")


def _sorted_entry(path: Path) -> None:
    """Pagefind lists the languages of its index in a different order each run (a hash map):
    sorted, two builds of a site in several languages are byte-identical."""
    try:
        entry = json.loads(path.read_text("utf-8"))
        languages = entry["languages"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # another Pagefind's entry: as it is
    entry["languages"] = dict(sorted(languages.items()))
    path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), "utf-8")


def search_index(pages: dict[str, bytes], per_part: int = PAGES_PER_PART, timeout: float = 300,
                 sections: Iterable[str] = ()) -> dict[str, bytes]:
    """{output path: bytes} of the Pagefind index of `pages` (HTML by output path)."""
    files = {}
    for folder, members in partition(pages, per_part, sections).items():
        files.update(index_part({path: pages[path] for path in members}, folder, timeout))
    return files
