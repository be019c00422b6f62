"""A persistent cache of parsed files and rendered Markdown, under `.govsite-cache/`.

The folder sits next to the content folder (git-ignored). It holds one pickle:

- parsed files: content path → (sha1 of the file's bytes, (RawDoc, its diagnostics)),
- Markdown: sha1 of a body → its sanitised HTML fragment (references still unresolved,
  see markup.py, so a fragment depends on the body text alone).

Every entry is keyed by the bytes it came from, and the whole cache by govsite's
version and a digest of govsite's own code, so a cache can never make the output
differ from a cold build; an unreadable, corrupt or old cache is ignored (the build
is then simply cold) and rewritten. Entries not used by a build are dropped, so the
cache never grows beyond the site.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from . import __version__

FOLDER = ".govsite-cache"
FILE = "cache.pickle"


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

    def __init__(self, folder: Path | None, key: str, docs: dict | None = None, bodies: dict | None = None):
        self.folder = folder
        self.key = key
        self._docs = docs or {}
        self._bodies = bodies or {}
        self._used_docs: dict = {}
        self._used_bodies: dict = {}
        self.hits = self.misses = 0
        self._dirty = False

    @classmethod
    def load(cls, content: Path) -> "BuildCache":
        folder = cache_dir_for(content)
        key = _code_digest()
        try:
            with open(folder / FILE, "rb") as stream:
                stored = pickle.load(stream)
            if not isinstance(stored, dict) or stored.get("key") != key:
                raise ValueError("another govsite version")
            docs, bodies = stored["docs"], stored["bodies"]
            if not isinstance(docs, dict) or not isinstance(bodies, dict):
                raise ValueError("not a govsite cache")
        except Exception:  # noqa: BLE001 - any broken cache means: build cold
            return cls(folder, key)
        return cls(folder, key, docs, bodies)

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
                and self._used_bodies.keys() == self._bodies.keys()):
            return
        try:
            self.folder.mkdir(exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n")
            temp = self.folder / f".{FILE}.{os.getpid()}"
            with open(temp, "wb") as stream:
                pickle.dump({"key": self.key, "docs": self._used_docs, "bodies": self._used_bodies}, stream,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.folder / FILE)
        except OSError:
            pass
