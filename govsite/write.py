"""The only module that writes the site: into a sibling temp folder, then a swap.

A build that fails at any point leaves the previous output exactly as it was.
"""
from __future__ import annotations

import os
import posixpath
import shutil
from pathlib import Path

MARKER = ".govsite"  # marks a folder as govsite's output, so we never replace anything else


class UnsafeOutput(Exception):
    """The output folder or a path inside it is not safe to write."""


def check_output_dir(output: Path, protected: list[Path]) -> None:
    """Refuse an output folder that is, or contains, something we must not replace."""
    output = output.resolve()
    for path in protected:
        path = path.resolve()
        if output == path or output in path.parents:
            raise UnsafeOutput(f"{output} contains {path}")
    if output == Path(output.anchor) or output == Path.home():
        raise UnsafeOutput(f"{output} is not a folder of its own")
    if output.exists():
        if not output.is_dir():
            raise UnsafeOutput(f"{output} is a file")
        names = [n for n in os.listdir(output) if n != ".gitkeep"]
        if names and not (output / MARKER).is_file():
            raise UnsafeOutput(f"{output} has files that govsite did not write")


def safe_relpath(relpath: str) -> str:
    """A normalised path inside the output folder, or UnsafeOutput."""
    normal = posixpath.normpath(relpath)
    if (not relpath or relpath.startswith("/") or "\\" in relpath or "\0" in relpath
            or normal.startswith("../") or normal in ("..", ".") or normal == MARKER):
        raise UnsafeOutput(f"refusing to write {relpath!r}")
    return normal


def _keep(existing: Path, target: Path, data: bytes) -> bool:
    """Hard-link the previous build's file into the new folder when its bytes are the
    same: nothing is rewritten (mtimes stay, so rsync and browsers see no change), and
    the previous output stays untouched until the swap, as before."""
    try:
        if existing.is_symlink() or existing.stat().st_size != len(data) or existing.read_bytes() != data:
            return False
        os.link(existing, target)
        return True
    except OSError:
        return False


def write_site(files: dict[str, bytes], output: Path, protected: list[Path]) -> None:
    """Replace `output` with exactly `files`; on any failure nothing changes."""
    output = Path(output)
    check_output_dir(output, protected)
    seen: set[str] = set()
    for relpath in files:
        normal = safe_relpath(relpath)
        if normal.lower() in seen:
            raise UnsafeOutput(f"two pages would be written to {relpath!r}")
        seen.add(normal.lower())
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = output.parent / f".{output.name}.tmp-{os.getpid()}"
    old = output.parent / f".{output.name}.old-{os.getpid()}"
    shutil.rmtree(temp, ignore_errors=True)
    try:
        temp.mkdir()
        (temp / MARKER).write_text("govsite output: this folder is replaced by every build\n")
        made: set[Path] = {temp}
        previous = (output / MARKER).is_file()
        for relpath in sorted(files):
            target = temp / safe_relpath(relpath)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            data = files[relpath]
            if not (previous and _keep(output / relpath, target, data)):
                target.write_bytes(data)
        if output.exists():
            os.replace(output, old)
        os.replace(temp, output)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        if old.exists() and not output.exists():
            os.replace(old, output)
        raise
    shutil.rmtree(old, ignore_errors=True)
