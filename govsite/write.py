"""The only module that writes the site, in one of two ways with the same checks:

- `site_writer` / `write_site`: a whole new site, into a sibling temp folder, then a swap;
- `update_site`: the few files an edit changed, each written beside its place and then
  renamed over it, all renames together (the engine's choice when most pages are kept).

A build that fails at any point — a refused path, a full disk, SIGINT or
SIGTERM while writing — leaves the previous output exactly as it was and no
temp file or folder behind; a temp folder left by a killed build (SIGKILL, power
loss) is removed, or the previous output restored, by the next build.
"""
from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import re
import shutil
import signal
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

MARKER = ".govsite"  # marks a folder as govsite's output, so we never replace anything else


class UnsafeOutput(Exception):
    """The output folder or a path inside it is not safe to write."""


class WriteFailed(Exception):
    """The disk refused a write (full, read-only, too large); nothing changed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived while writing; nothing changed. Exit with 128 + signum."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def check_output_dir(output: Path, protected: list[Path], forbid_inside: list[Path] = ()) -> None:
    """Refuse an output folder that is, or contains, something we must not replace,
    or that lies inside a folder govsite reads from (content, theme)."""
    output = output.resolve()
    for path in protected:
        path = path.resolve()
        if output == path or output in path.parents:
            raise UnsafeOutput(f"{output} contains {path}")
    for path in forbid_inside:
        path = path.resolve()
        if output == path or path in output.parents:
            raise UnsafeOutput(f"{output} is inside {path}")
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
            or normal.startswith("../") or normal in ("..", ".") or normal == MARKER
            or any(ord(c) < 32 for c in relpath) or re.match(r"^[A-Za-z]:", relpath)):
        raise UnsafeOutput(f"refusing to write {relpath!r}")
    return normal


def _holds(existing: Path, data: bytes) -> bool:
    """Whether the file (not a link) already holds exactly these bytes."""
    return not existing.is_symlink() and existing.is_file() and existing.stat().st_size == len(data) \
        and existing.read_bytes() == data


def _keep(existing: Path, target: Path, data: bytes) -> bool:
    """Hard-link the previous build's file into the new folder when its bytes are the
    same: nothing is rewritten (mtimes stay, so rsync and browsers see no change), and
    the previous output stays untouched until the swap, as before."""
    try:
        if not _holds(existing, data):
            return False
        os.link(existing, target)
        return True
    except OSError:
        return False


def collision_key(relpath: str) -> str:
    """Two paths with the same key are one file on macOS or Windows (NFD/NFC, case)."""
    return unicodedata.normalize("NFC", relpath).casefold()


def check_paths(paths: Iterable[str]) -> frozenset[str]:
    """The paths, if every one is safe and no two are one file on any system; else UnsafeOutput."""
    seen: dict[str, str] = {}
    for relpath in paths:
        normal = safe_relpath(relpath)
        key = collision_key(normal)
        if key in seen:
            raise UnsafeOutput(f"two pages would be written to {relpath!r} and {seen[key]!r}")
        seen[key] = relpath
    parents = {collision_key(parent) for p in seen for parent in _ancestors(safe_relpath(p))}
    for key, relpath in seen.items():
        if key in parents:
            raise UnsafeOutput(f"{relpath!r} would be both a file and a folder")
    return frozenset(seen.values())


def write_site(files: Mapping[str, bytes], output: Path, protected: list[Path],
               forbid_inside: list[Path] = (), finish: Callable[[Path], list[str]] | None = None) -> list[str]:
    """Replace `output` with exactly `files`; on any failure nothing changes.

    `finish(folder)` may add files made from the written site (the search index) to the
    new folder before it replaces `output`; what it returns (the paths it added) is returned."""
    with site_writer(output, files, protected, forbid_inside) as writer:
        for relpath in sorted(files):
            writer.put(relpath, files[relpath])
        return writer.swap(finish)


class SiteWriter:
    """The new site's temp folder while `site_writer` holds it open; see there."""

    def __init__(self, output: Path, temp: Path, paths: frozenset[str]):
        self.output = output
        self.temp = temp
        self.paths = paths
        self.swapped = False
        self._previous = (output / MARKER).is_file()
        self._made: set[Path] = {temp}  # folders made by this process (a forked worker has its own copy)

    def put(self, relpath: str, data: bytes) -> None:
        """Write one file of the new site. Any process forked after the folder opened may call
        this (parallel.py's workers do), so pages never travel back to the main process."""
        if relpath not in self.paths:  # only checked paths: the checks must come before any write
            raise UnsafeOutput(f"{relpath!r} was not among the paths checked")
        target = self.temp / safe_relpath(relpath)
        try:
            if target.parent not in self._made:
                target.parent.mkdir(parents=True, exist_ok=True)  # exist_ok: another worker may be first
                self._made.add(target.parent)
            if self._previous and _keep(self.output / relpath, target, data):
                return
            with open(target, "xb") as stream:  # "x": never through a planted link, never twice
                stream.write(data)
        except OSError as exc:
            raise WriteFailed(exc.strerror or str(exc)) from exc

    def swap(self, finish: Callable[[Path], list[str]] | None = None) -> list[str]:
        """Replace the output with the new folder. `finish(folder)` may first add files made from
        the written site (the search index); the paths it added are returned. Main process only."""
        try:
            added = finish(self.temp) if finish else []
            old = _old_folder(self.output)
            with _signals_blocked():  # the two renames happen together or not at all
                if self.output.exists():
                    os.replace(self.output, old)
                os.replace(self.temp, self.output)
                self.swapped = True
        except OSError as exc:
            raise WriteFailed(exc.strerror or str(exc)) from exc
        return added


@contextlib.contextmanager
def site_writer(output: Path, paths: Iterable[str], protected: list[Path],
                forbid_inside: list[Path] = ()) -> Iterator[SiteWriter]:
    """Write a new site in steps, so that its files can be written as they are made:

        with site_writer(output, paths, protected) as writer:  # every path checked, then the temp folder
            writer.put(relpath, data)                            # also from forked workers
            writer.swap()                                        # the new site replaces `output`

    The output folder and every path are checked before anything is written. Leaving the
    block without `swap` — an exception, SIGINT or SIGTERM (raised as Interrupted while the
    block runs) — removes the temp folder and leaves `output` exactly as it was."""
    output = Path(output)
    check_output_dir(output, protected, forbid_inside)
    checked = check_paths(paths)
    output.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(output)
    temp = output.parent / f".{output.name}.tmp-{os.getpid()}"
    old = _old_folder(output)
    shutil.rmtree(temp, ignore_errors=True)
    with _signals_raise() as signals:
        writer = None
        try:
            try:
                temp.mkdir()
                (temp / MARKER).write_text("govsite output: this folder is replaced by every build\n")
            except OSError as exc:
                raise WriteFailed(exc.strerror or str(exc)) from exc
            writer = SiteWriter(output, temp, checked)
            yield writer
        except BaseException:
            if writer is not None and writer.swapped:  # a signal that waited for the swap: the new site is whole
                signals.clean_up(shutil.rmtree, old, True)
            else:
                signals.clean_up(_undo, temp, old, output)
            raise
        if not writer.swapped:  # left without a swap: nothing changes
            signals.clean_up(_undo, temp, old, output)
    shutil.rmtree(old, ignore_errors=True)


def update_site(output: Path, files: Mapping[str, bytes], removed: Iterable[str], keep: Iterable[str],
                protected: list[Path], forbid_inside: list[Path] = ()) -> list[str]:
    """Bring an output folder govsite wrote up to date in place: the files of `files` whose bytes
    differ are replaced, the paths in `removed` deleted; `keep` is every path of the new site
    (checked together, as a whole build checks them). The output folder and every path are checked
    first; the new files are written beside their places, then renamed over them with signals
    held, so a failure or a signal before that leaves the output as it was. The paths written."""
    output = Path(output)
    check_output_dir(output, protected, forbid_inside)
    if not (output / MARKER).is_file():
        raise UnsafeOutput(f"{output} was not written by govsite")
    check_paths(keep)
    root = output.resolve()
    pending: list[tuple[Path, Path]] = []

    def undo():
        for temp, _ in pending:
            with contextlib.suppress(OSError):
                temp.unlink()

    with _signals_raise() as signals:
        try:
            for relpath in sorted(files):
                data = files[relpath]
                target = output / safe_relpath(relpath)
                _inside(root, target)
                if _holds(target, data):
                    continue
                if target.is_dir() and not target.is_symlink():  # the rename would fail after others
                    raise IsADirectoryError(errno.EISDIR, "a folder is where a file must go", str(target))
                target.parent.mkdir(parents=True, exist_ok=True)
                temp = target.parent / f".{target.name}.tmp-{os.getpid()}"
                with open(temp, "xb") as stream:  # "x": never through a planted link
                    pending.append((temp, target))
                    stream.write(data)
            marker = output / f".{MARKER}.tmp-{os.getpid()}"
            marker.write_text("govsite output: this folder is replaced by every build\n")
            pending.append((marker, output / MARKER))  # a new marker: the output is another build's now
        except OSError as exc:
            signals.clean_up(undo)
            raise WriteFailed(exc.strerror or str(exc)) from exc
        except BaseException:
            signals.clean_up(undo)
            raise
        try:
            with _signals_blocked():
                for temp, target in pending:
                    os.replace(temp, target)
        except OSError as exc:
            undo()
            raise WriteFailed(exc.strerror or str(exc)) from exc
        for relpath in sorted(set(removed)):
            target = output / safe_relpath(relpath)
            with contextlib.suppress(OSError):
                _inside(root, target)
                target.unlink()
                for parent in target.parents:
                    if parent == output or any(parent.iterdir()):
                        break
                    parent.rmdir()
    return [target.relative_to(output).as_posix() for _, target in pending[:-1]]


def _inside(root: Path, target: Path) -> None:
    """A file's folder must be inside the output, not reached through a link planted there."""
    folder = Path(os.path.realpath(target.parent))
    if folder != root and root not in folder.parents:
        raise UnsafeOutput(f"{target} leads out of {root}")


def _old_folder(output: Path) -> Path:
    """Where the previous output waits during the swap (clean_stale restores it after a kill)."""
    return output.parent / f".{output.name}.old-{os.getpid()}"


def _ancestors(relpath: str):
    parent = posixpath.dirname(relpath)
    while parent:
        yield parent
        parent = posixpath.dirname(parent)


def _undo(temp: Path, old: Path, output: Path) -> None:
    shutil.rmtree(temp, ignore_errors=True)
    if old.exists() and not output.exists():
        os.replace(old, output)


def clean_stale(output: Path) -> None:
    """Remove temp folders of builds that were killed; restore an output a kill left swapped out."""
    pattern = re.compile(rf"^\.{re.escape(output.name)}\.(tmp|old)-(\d+)$")
    if not output.parent.is_dir():
        return
    for entry in sorted(os.scandir(output.parent), key=lambda e: e.name):
        match = pattern.match(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False):
            continue
        pid = int(match.group(2))
        if pid != os.getpid() and _alive(pid):
            continue  # another build of the same output is writing right now
        path = Path(entry.path)
        if not (path / MARKER).is_file() and any(path.iterdir()):
            continue  # not ours: never delete what govsite did not write
        if match.group(1) == "old" and not output.exists():
            os.replace(path, output)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Signals:
    """SIGINT and SIGTERM while a site is written: the first raises Interrupted, so that the
    cleanup runs; from then on, and during any cleanup, a signal waits until the cleanup is
    done. Otherwise a second Ctrl-C, or SIGTERM sent to every process of a build (the workers
    die first, so the failed rendering starts the cleanup, and then the main process's own
    SIGTERM arrives), could stop shutil.rmtree halfway and leave the temp folder."""

    def __init__(self):
        self.cleaning = False
        self.raised = False
        self.pending = 0  # a signal that came during a cleanup no Interrupted had started

    def handler(self, signum, frame):
        if self.cleaning:
            self.pending = self.pending or signum
            return
        self.cleaning = self.raised = True  # what follows this Interrupted is cleanup
        raise Interrupted(signum)

    def clean_up(self, action: Callable, *args) -> None:
        self.cleaning = True
        action(*args)
        if self.pending and not self.raised:
            raise Interrupted(self.pending)


@contextlib.contextmanager
def _signals_raise() -> Iterator[_Signals]:
    """While writing, SIGINT and SIGTERM raise Interrupted so that the cleanup runs (see _Signals)."""
    signals = _Signals()
    if threading.current_thread() is not threading.main_thread():
        yield signals
        return
    previous = {sig: signal.signal(sig, signals.handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield signals
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def _signals_blocked():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
