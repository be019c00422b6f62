"""A persistent cache of parsed files and rendered Markdown, under `.govsite-cache/`.

The folder sits next to the content folder (git-ignored). It holds one file,
`cache.json`: data only, never code. Anyone who can commit a file or restore a CI
cache can put one there, so the build reads it as it reads content: as text it
checks before it uses any of it. It is JSON Lines:

- a header: the format, govsite's code digest (the key) and the last good build
  (what the engine needs to skip a build in which nothing changed, and to render only the
  pages whose fingerprint changed),
- parsed files, one a line: content path, sha1 of the file's bytes, the RawDoc
  (front matter as parsed, its lines, its body) and its diagnostics,
- the line `"fragments"`, then rendered Markdown, one a line: sha1 of a body, its
  sanitised HTML fragment (references still unresolved, see markup.py, so a fragment
  depends on the body text alone), then the line `"end"`.

Every field is checked on load (its type and shape, the digests, the message codes
and their parameters, the output paths); anything off, a truncated or foreign file
included, and the whole cache is ignored: the build is then simply cold, says
nothing, and writes a good one. Only a regular file is read (never a symlink, a named
pipe or a device), and a `.govsite-cache` that is a symlink is neither read nor written. The fragments are read, and checked the same way,
when the build first renders (not held while it makes the open data); if they are
off the build renders every body. A file whose front matter holds a value JSON does
not keep as it is (an explicit `!!timestamp`, `!!binary`) is parsed on every build.

Every entry is keyed by the bytes it came from, and the whole cache by govsite's
version and a digest of govsite's own code, so a cache the build wrote can never make
the output differ from a cold build. Entries not used by a build are dropped, so the
cache never grows beyond the site.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import stat
import subprocess
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from . import __version__
from .errors import Diagnostic, SourceLocation
from .locale import LANGUAGE_CODE, LANGUAGES, Locale
from .model import KINDS
from .source import RawDoc

FOLDER = ".govsite-cache"
FILE = "cache.json"
FORMAT = "govsite-cache"
VERSION = 3  # 3: a parsed file knows its language (a translation, ID.LANG.md)
_FRAGMENTS, _END = b'"fragments"\n', b'"end"\n'
_SHA1 = re.compile(r"[0-9a-f]{40}")
_PRINT = re.compile(r"[0-9a-f]{32}")  # a page's fingerprint (engine.py)
_PART = re.compile(r"([a-z]{2,8}(-[a-z0-9]{1,8})*/)?pagefind/([1-9][0-9]{0,5}/)?")  # a part of the search index
_LEVELS = ("error", "warning", "notice")
_SCALARS = (str, int, float, bool, type(None))


class _Invalid(ValueError):
    """A cache file that is not one this build would have written."""


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


def _committed(path: Path) -> bool:
    """Whether git tracks the file. A build writes the cache beside the content, git-ignored;
    one that came in a commit was made by whoever wrote the commit, and could put any text on
    any page (it is data, but data that says what a file says). A cache restored by CI from
    the main branch's own builds is not tracked, and is used."""
    if not path.is_file():
        return False
    try:
        result = subprocess.run(["git", "ls-files", "--error-unmatch", "--", path.name], cwd=path.parent,
                                capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):  # no git: nothing can have committed it
        return False
    return result.returncode == 0


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
        self.last_build = last_build  # {"inputs", "language", "diagnostics", "paths", "output"} of the last good build
        self._used_docs: dict = {}
        self._used_bodies: dict = {}
        self.hits = self.misses = 0
        self._dirty = False
        self._last_build_changed = False

    @property
    def _bodies(self) -> dict:
        if callable(self._stored_bodies):
            self._stored_bodies = self._stored_bodies()
            if self._stored_bodies is None:  # broken fragments: written again at the save
                self._stored_bodies, self._dirty = {}, True
        return self._stored_bodies or {}

    @classmethod
    def load(cls, content: Path) -> "BuildCache":
        folder = cache_dir_for(content)
        key = _code_digest()
        if folder.is_symlink():  # planted: a save would write wherever it leads
            return cls(None, key)
        if _committed(folder / FILE):  # arrived by a commit (a pull request), not made by a build here
            return cls(folder, key)
        try:
            with _open_file(folder / FILE) as stream:
                last_build = _header(json.loads(stream.readline()), key)
                docs = {}
                while (line := stream.readline()) != _FRAGMENTS:
                    relpath, digest, value = _doc_entry(json.loads(line))
                    if relpath in docs:
                        raise _Invalid("a file twice")
                    docs[relpath] = (digest, value)
                bodies = functools.partial(_read_fragments, folder / FILE, os.fstat(stream.fileno()), stream.tell())
        except Exception:  # noqa: BLE001 - absent, unreadable, foreign, corrupt or old: build cold
            return cls(folder, key)
        return cls(folder, key, docs, bodies, last_build)

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
                # A line per entry, written as it is made: the whole cache is never one string.
                try:
                    last_build = _stored_build(self.last_build)
                except (TypeError, ValueError):  # not kept as it is: the next build runs
                    last_build = None
                stream.write(_line({"format": FORMAT, "version": VERSION, "key": self.key,
                                    "last_build": last_build}))
                for relpath, (digest, (doc, problems)) in self._used_docs.items():
                    try:
                        stream.write(_line([relpath, digest, _stored_doc(doc), _stored_diagnostics(problems)]))
                    except (TypeError, ValueError):  # parsed again next time
                        pass
                stream.write(_FRAGMENTS)
                for body_key, fragment in self._used_bodies.items():
                    stream.write(_line([body_key, fragment]))
                stream.write(_END)
            os.replace(temp, self.folder / FILE)
        except OSError:
            pass

    # --- the whole build: nothing changed, nothing to do ---

    def remember_build(self, inputs: str, language: str, diagnostics: list, paths: list[str], output=None,
                       pages: dict | None = None, search: dict | None = None) -> None:
        """The last good build: what it read (`inputs`, "" when unknown), what it said, every path
        it wrote, which output folder it wrote (output.identity) and each page's fingerprint (engine.py)."""
        self.last_build = {"inputs": inputs, "language": language, "diagnostics": diagnostics, "paths": paths,
                           "output": output, "pages": dict(pages or {}), "search": dict(search or {})}
        self._last_build_changed = True
        # an unchanged build keeps every entry of the previous one
        if not self._used_docs:
            self._used_docs = dict(self._docs)
        if not self._used_bodies:
            self._used_bodies = dict(self._bodies)


# --- writing: JSON that reads back as exactly what was written, or a TypeError/ValueError ---

def _line(record) -> bytes:
    """One JSON line; TypeError for a value JSON would not give back as it is (a date, bytes)."""
    try:
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # a lone surrogate (a YAML "\ud800" escape): escaped, it reads back the same
        return json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n"


def _stored_doc(doc: RawDoc | None):
    if doc is None:
        return None
    return [doc.kind, doc.id, doc.path, doc.data, [list(path) for path in doc.lines], list(doc.lines.values()),
            doc.body, doc.body_line, doc.digest, doc.broken, doc.language]


def _stored_diagnostics(diagnostics: list[Diagnostic]) -> list:
    stored = []
    for d in diagnostics:
        if not all(type(value) in _SCALARS for value in d.params.values()):
            raise TypeError("a parameter JSON does not keep as it is")
        stored.append([d.level, d.code, d.location.path, d.location.line, d.params])
    return stored


def _stored_build(last: dict | None):
    if last is None:
        return None
    return {"inputs": last["inputs"], "language": last["language"],
            "diagnostics": _stored_diagnostics(last["diagnostics"]), "paths": list(last["paths"]),
            "output": None if last["output"] is None else list(last["output"]), "pages": dict(last["pages"]),
            "search": dict(last["search"])}


# --- reading: every field checked; _Invalid (or any error) means the whole file is ignored ---

def _require(condition: bool, what: str) -> None:
    if not condition:
        raise _Invalid(what)


def _is_int(value, least: int = 0) -> bool:
    return type(value) is int and value >= least


def _open_file(path: Path):
    """The cache file for reading, if it is a regular file: never a symlink (to /dev/zero, whose
    one endless line would fill the memory), a named pipe (which would wait for a writer) or a device."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        _require(stat.S_ISREG(os.fstat(fd).st_mode), "not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _header(header, key: str) -> dict | None:
    _require(type(header) is dict and header.keys() == {"format", "version", "key", "last_build"}, "header")
    _require(header["format"] == FORMAT and type(header["version"]) is int and header["version"] == VERSION and header["key"] == key, "another govsite")
    last = header["last_build"]
    if last is None:
        return None
    _require(type(last) is dict and last.keys() == {"inputs", "language", "diagnostics", "paths", "output", "pages",
                                                     "search"}, "build")
    _require(type(last["inputs"]) is str and (last["inputs"] == "" or _SHA1.fullmatch(last["inputs"]) is not None),
             "inputs")
    pages = last["pages"]
    _require(type(pages) is dict and all(_safe_output_path(p) and type(f) is str and _PRINT.fullmatch(f) is not None
                                         for p, f in pages.items()), "pages")
    parts = last["search"]
    _require(type(parts) is dict and all(type(p) is str and _PART.fullmatch(p) is not None and type(f) is str
                                         and _PRINT.fullmatch(f) is not None for p, f in parts.items()), "search")
    _require(last["language"] in LANGUAGES, "language")
    paths, output = last["paths"], last["output"]
    _require(type(paths) is list and all(type(p) is str and _safe_output_path(p) for p in paths), "paths")
    if output is not None:
        _require(type(output) is list and len(output) == 3 and type(output[0]) is str
                 and _is_int(output[1]) and _is_int(output[2]), "output")
        output = tuple(output)
    return {"inputs": last["inputs"], "language": last["language"], "diagnostics": _diagnostics(last["diagnostics"]),
            "paths": paths, "output": output, "pages": pages, "search": parts}


def _safe_output_path(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and "\0" not in path and "\\" not in path and not path.startswith("/") and \
        all(part not in ("", ".", "..") for part in parts)


def _doc_entry(entry) -> tuple[str, str, tuple]:
    _require(type(entry) is list and len(entry) == 4, "entry")
    relpath, digest, doc, problems = entry
    _require(type(relpath) is str and type(digest) is str and _SHA1.fullmatch(digest) is not None, "key")
    return relpath, digest, (_doc(doc, relpath), _diagnostics(problems))


def _doc(doc, relpath: str) -> RawDoc | None:
    if doc is None:
        return None
    _require(type(doc) is list and len(doc) == 11, "doc")
    kind, doc_id, path, data, keys, numbers, body, body_line, digest, broken, language = doc
    # `ID.md`, or a translation `ID.LANG.md` (source.TRANSLATION_NAME)
    _require(type(language) is str and (language == "" or re.fullmatch(LANGUAGE_CODE, language) is not None), "language")
    _require(kind in KINDS and path == relpath and PurePosixPath(relpath).stem == (
        f"{doc_id}.{language}" if language else doc_id), "doc path")
    _require(type(data) is dict and type(body) is str and _is_int(body_line) and type(broken) is bool, "doc fields")
    _require(digest == "" or (type(digest) is str and _SHA1.fullmatch(digest) is not None), "doc digest")
    _require(type(keys) is list and type(numbers) is list and len(keys) == len(numbers)
             and all(_is_int(n, 1) for n in numbers)
             and all(type(k) is list and k and all(type(p) is str or _is_int(p) for p in k) for k in keys), "lines")
    lines = dict(zip(map(tuple, keys), numbers))
    _require(len(lines) == len(keys), "lines twice")
    return RawDoc(kind, doc_id, path, data, lines, body, body_line, digest, broken, language)


def _diagnostics(stored) -> list[Diagnostic]:
    _require(type(stored) is list, "diagnostics")
    diagnostics = []
    for item in stored:
        _require(type(item) is list and len(item) == 5, "diagnostic")
        level, code, path, line, params = item
        _require(level in _LEVELS and type(code) is str and type(path) is str and _is_int(line), "diagnostic fields")
        _require(type(params) is dict and all(type(v) in _SCALARS for v in params.values()), "parameters")
        diagnostic = Diagnostic(level, code, SourceLocation(path, line), params)
        for language in LANGUAGES:  # a known message whose every placeholder has its parameter
            _require(code in Locale.load(language).table["messages"], "message code")
            Locale.load(language).message(diagnostic)  # KeyError, IndexError, ValueError: ignored whole
        diagnostics.append(diagnostic)
    return diagnostics


def _read_fragments(path: Path, status: os.stat_result, offset: int) -> dict[str, str] | None:
    """The cache's Markdown fragments, read when the build first asks for one (to render), not
    at load: 64 MB at 10,000 entities that the build need not hold while it makes the open data,
    its peak. A cache file replaced since (by another build) gives none: the build renders the
    Markdown, as without a cache. Any fragment off (a wrong type, a truncated file): None, and
    the build renders every body."""
    try:
        with _open_file(path) as stream:
            now = os.fstat(stream.fileno())
            if (now.st_ino, now.st_size, now.st_mtime_ns) != (status.st_ino, status.st_size, status.st_mtime_ns):
                return {}
            stream.seek(offset)
            bodies = {}
            while (line := stream.readline()) != _END:
                entry = json.loads(line)
                _require(type(entry) is list and len(entry) == 2 and type(entry[0]) is str
                         and _SHA1.fullmatch(entry[0]) is not None and type(entry[1]) is str, "fragment")
                _require(entry[0] not in bodies, "fragment twice")
                bodies[entry[0]] = entry[1]
            _require(stream.read(1) == b"", "after the end")
            return bodies
    except Exception:  # noqa: BLE001 - a broken part of a cache: render the Markdown
        return None


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
