"""The static search index, made by Pagefind (its binary ships on PyPI as
`pagefind[bin]`). Pagefind reads the pages' `<html lang>` and stems Swedish
for a Swedish site. It runs on a temporary copy of the rendered entity pages:
the index files come back as data, and write.py writes them like any other.
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


def search_index(pages: dict[str, bytes], timeout: float = 300) -> dict[str, bytes]:
    """{output path: bytes} of the Pagefind index of `pages` (HTML by output path).

    Only each page's <main> is indexed, so navigation and footers never match."""
    with tempfile.TemporaryDirectory(prefix="govsite-search-") as tmp:
        root = Path(tmp) / "site"
        out = Path(tmp) / INDEX_DIR
        command = [sys.executable, "-m", "pagefind", "--site", str(root), "--output-path", str(out),
                   "--root-selector", "main", "--silent"]
        try:
            for path, html in pages.items():  # a full disk fails here as it fails the whole build later
                target = root / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(html)
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SearchFailed(str(exc)) from exc
        if result.returncode != 0 or not (out / "pagefind.js").is_file():
            raise SearchFailed((result.stderr or result.stdout or "pagefind").strip().splitlines()[-1])
        files = {}
        for path in sorted(out.rglob("*")):
            if path.is_file() and not path.name.startswith(UNUSED):
                files[f"{INDEX_DIR}/{path.relative_to(out).as_posix()}"] = path.read_bytes()
        return files
