"""The static search index, made by Pagefind (its binary ships on PyPI as
`pagefind[bin]`). Pagefind reads the pages' `<html lang>` and stems Swedish
for a Swedish site. Only the `<main>` of pages marked `data-pagefind-body`
(base.html marks published entity pages) is indexed, so navigation, footers,
index pages and drafts never match.

A build indexes the site where write.py has just written it, before the swap
(`index_site`): the pages are not copied again and the index files are not
read back. The live preview, which keeps its pages in memory, uses
`search_index`.

Pagefind holds ~200 KB of memory per page it indexes (2.0 GB for a site of 10,000
entities), so a large site is indexed in parts of at most PAGES_PER_PART pages,
one Pagefind run and bundle each: `pagefind/`, then `pagefind/2/`, … The search
page merges them in the browser (Pagefind's `mergeIndex`), so one search finds
pages of every part.
"""
from __future__ import annotations

import json
import os
import shutil
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


def index_site(root: Path, pages: Iterable[str], per_part: int = PAGES_PER_PART, timeout: float = 300,
               sections: tuple = ()) -> list[str]:
    """Index `pages` (paths under `root`, any order: the parts take them sorted) into
    `root/pagefind/`, at most `per_part` pages to a part (`parts`); the paths written, relative
    to root. No pages: no index. The pages of each language section in `sections` get an index
    of their own under it (the search page of a language merges the parts of its own index
    only: a part holding pages of two languages would answer in the other's too)."""
    root = Path(root)
    by_section: dict[str, list[str]] = {}
    for page in sorted(pages):
        by_section.setdefault(section_of(page, sections), []).append(page)
    written = []
    for section, found in sorted(by_section.items()):
        for number, folder in enumerate(parts(len(found), per_part, section)):
            # Pagefind reads a folder, not a list: each part's pages are linked into one of their own.
            with tempfile.TemporaryDirectory(dir=root, prefix=".search-part-") as tmp:
                for page in found[number * per_part:(number + 1) * per_part]:
                    _link(root / page, Path(tmp) / page)
                _pagefind(Path(tmp), root / folder, timeout)
        for path in sorted((root / parts(0, per_part, section)[0]).rglob("*")):
            if path.is_file():
                if path.name.startswith(UNUSED):
                    path.unlink()
                else:
                    written.append(path.relative_to(root).as_posix())
    return sorted(written)


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)


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
                 sections: tuple = ()) -> dict[str, bytes]:
    """{output path: bytes} of the Pagefind index of `pages` (HTML by output path)."""
    with tempfile.TemporaryDirectory(prefix="govsite-search-") as tmp:
        root = Path(tmp)
        try:
            for path, html in pages.items():  # a full disk fails here as it fails the whole build later
                target = root / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(html)
        except OSError as exc:
            raise SearchFailed(str(exc)) from exc
        return {path: (root / path).read_bytes() for path in index_site(root, pages, per_part, timeout, sections)}
