"""The static search index, made by Pagefind (its binary ships on PyPI as
`pagefind[bin]`). Pagefind reads the pages' `<html lang>` and stems Swedish
for a Swedish site. Only the `<main>` of pages marked `data-pagefind-body`
(base.html marks published entity pages) is indexed, so navigation, footers,
index pages and drafts never match.

A build indexes the site where write.py has just written it, before the swap
(`index_site`): the pages are not copied again and the index files are not
read back. The live preview, which keeps its pages in memory, uses
`search_index`.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

INDEX_DIR = "pagefind"
# Pagefind's own ready-made interfaces: our search page has its own small script.
UNUSED = ("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui", "pagefind-highlight")


class SearchFailed(Exception):
    pass


def index_site(root: Path, timeout: float = 300) -> list[str]:
    """Index the pages under `root` into `root/pagefind/`; the paths written, relative to root."""
    out = Path(root) / INDEX_DIR
    command = [sys.executable, "-m", "pagefind", "--site", str(root), "--output-path", str(out),
               "--root-selector", "main", "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchFailed(str(exc)) from exc
    if result.returncode != 0 or not (out / "pagefind.js").is_file():
        raise SearchFailed((result.stderr or result.stdout or "pagefind").strip().splitlines()[-1])
    written = []
    for path in sorted(out.rglob("*")):
        if path.is_file():
            if path.name.startswith(UNUSED):
                path.unlink()
            else:
                written.append(path.relative_to(root).as_posix())
    return written


def search_index(pages: dict[str, bytes], timeout: float = 300) -> dict[str, bytes]:
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
        return {path: (root / path).read_bytes() for path in index_site(root, timeout)}
