"""A persistent cache of parsed files and rendered Markdown, under `.govsite-cache/`.

The folder sits next to the content folder (git-ignored). It holds one file:

- parsed files: content path → (sha1 of the file's bytes, (RawDoc, its diagnostics)),
- Markdown: sha1 of a body → its sanitised HTML fragment (references still unresolved,
  see markup.py, so a fragment depends on the body text alone).

The file is a header pickle, then one pickle per entry, its long text (a body, a
fragment) as UTF-8 bytes: pickling a str that is not pure ASCII leaves a UTF-8
copy inside that str for as long as it lives (CPython), and one pickle of the
whole cache did so for every body and fragment, ~95 MB at 10,000 entities.

Every entry is keyed by the bytes it came from, and the whole cache by govsite's
version and a digest of govsite's own code, so a cache can never make the output
differ from a cold build; an unreadable, corrupt or old cache is ignored (the build
is then simply cold) and rewritten. Entries not used by a build are dropped, so the
cache never grows beyond the site.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import stat
import pickle
from collections.abc import Mapping
from pathlib import Path

from . import __version__

FOLDER = ".govsite-cache"
FILE = "cache.pickle"


@functools.cache
def _code_digest() -> str:
    """govsite's version plus a digest of its code: a changed parser or Markdown setup
    (even without a version bump, as in development) invalidates the cache."""
    digest = hashlib.sha1(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_dir_for(content: Path) -> Path:
    return Path(content).resolve().parent / FOLDER


class BuildCache:
    """Load with `BuildCache.load(content_dir)`, use, then `save()` after a good build."""

    def __init__(self, folder: Path | None, key: str, docs: dict | None = None, bodies: dict | None = None,
                 last_build: dict | None = None):
        self.folder = folder
        self.key = key
        self._docs = docs or {}
        self._stored_bodies = bodies  # or a function that reads them (see load)
        self.last_build = last_build  # {"inputs", "language", "diagnostics", "paths"} of the last good build
        self._used_docs: dict = {}
        self._used_bodies: dict = {}
        self.hits = self.misses = 0
        self._dirty = False
        self._last_build_changed = False

    @property
    def _bodies(self) -> dict:
        if callable(self._stored_bodies):
            self._stored_bodies = self._stored_bodies()
        return self._stored_bodies or {}

    @classmethod
    def load(cls, content: Path) -> "BuildCache":
        folder = cache_dir_for(content)
        key = _code_digest()
        try:
            with open(folder / FILE, "rb") as stream:
                header = pickle.load(stream)
                if not isinstance(header, dict) or header.get("key") != key:
                    raise ValueError("another govsite version")
                docs = {}
                for _ in range(header["docs"]):
                    relpath, digest, doc, body, problems = pickle.load(stream)
                    docs[relpath] = (digest, (doc if doc is None else dataclasses.replace(doc, body=body.decode()),
                                              problems))
                bodies = functools.partial(_read_fragments, stream.name, os.fstat(stream.fileno()), stream.tell(),
                                           header["bodies"])
        except Exception:  # noqa: BLE001 - any broken cache means: build cold
            return cls(folder, key)
        return cls(folder, key, docs, bodies, header.get("last_build"))

    @classmethod
    def disabled(cls) -> "BuildCache":
        return cls(None, "")

    # --- parsed files (the protocol source.read_content expects) ---

    def get(self, relpath: str, digest: str):
        entry = self._docs.get(relpath)
        if entry is not None and entry[0] == digest:
            self._used_docs[relpath] = entry
            self.hits += 1
            return entry[1]
        self.misses += 1
        return None

    def put(self, relpath: str, digest: str, value) -> None:
        self._used_docs[relpath] = (digest, value)
        self._dirty = True

    # --- rendered Markdown ---

    @staticmethod
    def body_key(body: str) -> str:
        return hashlib.sha1(body.encode("utf-8")).hexdigest()

    def fragment(self, body: str) -> str | None:
        key = self.body_key(body)
        fragment = self._used_bodies.get(key) or self._bodies.get(key)
        if fragment is not None:
            self._used_bodies[key] = fragment
        return fragment

    def fragments(self, bodies) -> dict[str, str]:
        """{body text: HTML} for the bodies already rendered by an earlier build."""
        found = {}
        for body in bodies:
            fragment = self.fragment(body)
            if fragment is not None:
                found[body] = fragment
        return found

    def add_fragments(self, rendered: dict[str, str]) -> None:
        for body, fragment in rendered.items():
            key = self.body_key(body)
            if key not in self._used_bodies:
                self._used_bodies[key] = fragment
                self._dirty = True

    def save(self) -> None:
        """Keep what this build used; written atomically, failures ignored (a cache is optional)."""
        if self.folder is None:
            return
        if (not self._dirty and self._used_docs.keys() == self._docs.keys()
                and self._used_bodies.keys() == self._bodies.keys() and not self._last_build_changed):
            return
        try:
            self.folder.mkdir(exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n")
            temp = self.folder / f".{FILE}.{os.getpid()}"
            with open(temp, "wb") as stream:
                # A pickle per entry: each its own memo, so nothing is kept alive from one to the next.
                pickle.dump({"key": self.key, "docs": len(self._used_docs), "bodies": len(self._used_bodies),
                             "last_build": self.last_build}, stream, protocol=pickle.HIGHEST_PROTOCOL)
                for relpath, (digest, (doc, problems)) in self._used_docs.items():
                    body = b"" if doc is None else doc.body.encode()
                    pickle.dump((relpath, digest, doc if doc is None else dataclasses.replace(doc, body=""), body,
                                 problems), stream, protocol=pickle.HIGHEST_PROTOCOL)
                for body_key, fragment in self._used_bodies.items():
                    pickle.dump((body_key, fragment.encode()), stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.folder / FILE)
        except OSError:
            pass

    # --- the whole build: nothing changed, nothing to do ---

    def remember_build(self, inputs: str, language: str, diagnostics: list, paths: list[str], output=None) -> None:
        self.last_build = {"inputs": inputs, "language": language, "diagnostics": diagnostics, "paths": paths,
                           "output": output}
        self._last_build_changed = True
        # an unchanged build keeps every entry of the previous one
        if not self._used_docs:
            self._used_docs = dict(self._docs)
        if not self._used_bodies:
            self._used_bodies = dict(self._bodies)


def _read_fragments(path: str, status: os.stat_result, offset: int, count: int) -> dict[str, str]:
    """The cache's Markdown fragments, read when the build first asks for one (to render), not
    at load: 64 MB at 10,000 entities that the build need not hold while it makes the open data,
    its peak. A cache file replaced since (by another build) gives none: the build renders the
    Markdown, as without a cache."""
    try:
        with open(path, "rb") as stream:
            now = os.fstat(stream.fileno())
            if (now.st_ino, now.st_size, now.st_mtime_ns) != (status.st_ino, status.st_size, status.st_mtime_ns):
                return {}
            stream.seek(offset)
            bodies = {}
            for _ in range(count):
                body_key, fragment = pickle.load(stream)
                bodies[body_key] = fragment.decode()
            return bodies
    except Exception:  # noqa: BLE001 - a broken part of a cache: render the Markdown
        return {}


def inputs_digest(folders: list[Path], settings: tuple) -> str:
    """Everything a build reads: every file under the content and theme folders (by
    content hash, not date), govsite's code, and the build's settings."""
    digest = hashlib.sha1(_code_digest().encode())
    digest.update(repr(settings).encode())
    for folder in map(Path, folders):
        digest.update(b"\0folder\0" + str(folder.resolve()).encode())
        for root, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                digest.update(path.encode() + b"\0")
                try:
                    status = os.stat(path)
                    if not stat.S_ISREG(status.st_mode):  # a pipe or device is never opened (source.py refuses it)
                        digest.update(f"special {status.st_mode} {status.st_mtime_ns}".encode())
                        continue
                    with open(path, "rb") as stream:
                        digest.update(hashlib.sha1(stream.read()).digest())
                except OSError:
                    digest.update(b"unreadable")
    return digest.hexdigest()


class OutputFiles(Mapping):
    """{output path: bytes} of an output folder left as it was; bytes read on demand."""

    def __init__(self, folder: Path, paths: list[str]):
        self.folder = Path(folder)
        self.paths = list(paths)
        self._known = set(self.paths)

    def __getitem__(self, relpath: str) -> bytes:
        if relpath not in self._known:
            raise KeyError(relpath)
        return (self.folder / relpath).read_bytes()

    def __iter__(self):
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)
