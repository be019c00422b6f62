"""Read content/: walk the kind folders, split front matter, parse YAML with lines.

The only module that reads content. Lines are file-absolute (the opening
`---` is line 1), because that is the line a communicator's editor shows.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import gfm, limits, media
from .errors import Diagnostics, SourceLocation
from .locale import LANGUAGE_CODE
from .model import KINDS

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# `svagt-kulturutbud.en.md`: the English translation of risks/svagt-kulturutbud.md
TRANSLATION_NAME = re.compile(rf"^([a-z0-9]+(?:-[a-z0-9]+)*)\.({LANGUAGE_CODE})$")
LOCALES_FOLDER = "locales"  # content/locales/LANG.yaml: a site's own interface tables
MAX_FILE_BYTES = 2 * 1024 * 1024  # a governance text is never this long; a 50 MB file is a mistake
MAX_FRONT_MATTER_BYTES = 256 * 1024
MAX_DEPTH = 20  # front matter nests three levels deep at most (plan → goals → missions)
# An id names a file and a folder in the output (data/risks/<id>.json): 255 bytes is the most a
# file system allows in one name, and Windows (a communicator's checkout) 260 in a whole path.
MAX_ID_LENGTH = 100

Path_ = tuple  # a path of keys and indexes into the front matter, e.g. ("goals", 0, "id")


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):
    """Safe YAML without implicit timestamps: dates stay text until the schema
    parses them, so that `2021-13-45` becomes a message with a line, not a crash.
    (Nor `=` and `<<` as the rarely meant !!value and !!merge: they are text.)"""


_YAML = "tag:yaml.org,2002:"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_YAML + "timestamp", _YAML + "value",
                                                                       _YAML + "merge")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# The only types front matter is made of. Any other tag is written on purpose (`!!timestamp`,
# `!!binary`, `!!set`, `!!omap`…) and makes values no field expects (a datetime where a date
# is expected compares with nothing and is no date in the JSON): refused at its line.
_PLAIN_TAGS = frozenset(_YAML + name for name in ("str", "int", "float", "bool", "null", "seq", "map"))


@dataclass(frozen=True)
class RawDoc:
    """One content file, parsed but not validated."""

    kind: str  # the folder, e.g. "risks"; "site" for site.yaml
    id: str
    path: str  # relative to the site folder, e.g. "content/risks/svagt-kulturutbud.md"
    data: dict
    lines: dict  # Path_ -> 1-based line in the file
    body: str = ""
    body_line: int = 0
    digest: str = ""
    broken: bool = False  # unreadable: its id exists, but it is not validated further
    language: str = ""  # a translation (`ID.LANG.md` beside `ID.md`): its language

    def line(self, *path) -> int:
        """The line of a key (or the nearest enclosing key that has one)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1

    def at(self, *path) -> SourceLocation:
        return SourceLocation(self.path, self.line(*path))


@dataclass
class ContentTree:
    site: RawDoc | None
    docs: list[RawDoc] = field(default_factory=list)
    media: dict = field(default_factory=dict)  # "media/x.png" → bytes: content/media/, published as is
    translations: list[RawDoc] = field(default_factory=list)  # `ID.LANG.md` files, beside their originals
    locales: dict = field(default_factory=dict)  # content/locales/LANG.yaml: a site's own interface tables


def read_content(content_dir: Path, diagnostics: Diagnostics, cache=None) -> ContentTree:
    """Every content file under content_dir, in a deterministic order.

    `cache` (optional) maps a file digest to a previously parsed RawDoc, so an
    unchanged file is never parsed twice; see cache.py.
    """
    content_dir = Path(content_dir)
    real_root = content_dir.resolve()

    def rel(p: Path) -> str:
        return _relative(p, content_dir)

    site = read_site(content_dir, diagnostics)
    docs: list[RawDoc] = []
    translations: list[RawDoc] = []
    locales: dict[str, RawDoc] = {}
    files: dict[str, bytes] = {}
    for entry in sorted(os.scandir(content_dir), key=lambda e: e.name):
        if _ignored(entry.name) or entry.name == "site.yaml":
            continue
        if entry.is_dir():
            if entry.is_symlink() and not _inside(Path(entry.path), real_root):
                diagnostics.error("symlink_outside", SourceLocation(rel(Path(entry.path))))
                continue
            if entry.name == media.FOLDER:
                files = read_media(Path(entry.path), real_root, rel, diagnostics)
                continue
            if entry.name == LOCALES_FOLDER:
                locales = read_locales(Path(entry.path), real_root, rel, diagnostics)
                continue
            if entry.name not in KINDS:
                diagnostics.warning("unknown_folder", SourceLocation(rel(Path(entry.path))),
                                    folder=entry.name, kinds=", ".join((*KINDS, media.FOLDER, LOCALES_FOLDER)))
                continue
            for path in _walk(Path(entry.path)):
                relpath = rel(path)
                if path.is_symlink() and not _inside(path, real_root):
                    diagnostics.error("symlink_outside", SourceLocation(relpath))
                    continue
                if path.suffix != ".md":
                    diagnostics.warning("not_markdown", SourceLocation(relpath))
                    continue
                translation = TRANSLATION_NAME.match(nfc(path.stem))
                if translation:  # `ID.LANG.md`: a translation of ID.md (validate.translate)
                    doc = _read_entity(path, entry.name, relpath, diagnostics, cache, *translation.groups())
                    if doc is not None:
                        translations.append(doc)
                    continue
                doc = _read_entity(path, entry.name, relpath, diagnostics, cache)
                if doc is not None:
                    docs.append(doc)
        else:
            diagnostics.warning("stray_file", SourceLocation(rel(Path(entry.path))))
    return ContentTree(site=site, docs=docs, media=files, translations=translations, locales=locales)


def read_locales(folder: Path, real_root: Path, rel, diagnostics: Diagnostics) -> dict[str, RawDoc]:
    """content/locales/LANG.yaml → {LANG: RawDoc}: a site's own interface table for a language
    govsite has none for (validate.py checks its keys against the built-in tables)."""
    tables = {}
    for path in _walk(folder):
        relpath = rel(path)
        if path.is_symlink() and not _inside(path, real_root):
            diagnostics.error("symlink_outside", SourceLocation(relpath))
            continue
        if path.suffix != ".yaml" or not re.fullmatch(LANGUAGE_CODE, path.stem):
            diagnostics.error("locale_bad_name", SourceLocation(relpath), name=path.name)
            continue
        read = _read_text(path, relpath, diagnostics)
        parsed = parse_yaml(nfc(read[0]), relpath, 1, diagnostics) if read else None
        if parsed is not None:
            tables[path.stem] = RawDoc("locales", path.stem, relpath, parsed[0], parsed[1])
    return tables


def read_media(folder: Path, real_root: Path, rel, diagnostics: Diagnostics) -> dict[str, bytes]:
    """content/media/ → {"media/x.png": bytes}: every file that may be published as is
    (media.file_problem), the others refused at their path like any content file."""
    files = {}
    folded: dict[str, str] = {}  # "media/x.png" by its case-folded name: one file on macOS and Windows
    for path in _walk(folder):
        relpath = rel(path)
        name = path.relative_to(folder.parent).as_posix()  # "media/x.png", its address on the site
        where = SourceLocation(relpath)
        if name.casefold() in folded:
            diagnostics.error("media_same_name", where, other=folded[name.casefold()])
            continue
        folded[name.casefold()] = relpath
        if path.is_symlink() and not _inside(path, real_root):
            diagnostics.error("symlink_outside", where)
            continue
        if not all(media.NAME.match(part) for part in name.split("/")):
            diagnostics.error("media_bad_name", where, name=path.name)
            continue
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                diagnostics.error("file_special", where)
                continue
            if info.st_size > media.MAX_BYTES:
                diagnostics.error("media_too_large", where, size_mb=round(info.st_size / 1e6, 1),
                                  limit_mb=media.MAX_BYTES // 1_000_000)
                continue
            data = path.read_bytes()
        except OSError as exc:
            diagnostics.error("file_unreadable", where, reason=exc.strerror or str(exc))
            continue
        problem = media.file_problem(path.name, data)
        if problem:
            diagnostics.error(problem[0], where, **problem[1])
            continue
        files[name] = data
    return files


def read_site(content_dir: Path, diagnostics: Diagnostics) -> RawDoc | None:
    """content/site.yaml, parsed (None when it is missing or unreadable, after saying why)."""
    site_file = Path(content_dir) / "site.yaml"
    relpath = _relative(site_file, Path(content_dir))
    if site_file.is_symlink() and not _inside(site_file, Path(content_dir).resolve()):
        diagnostics.error("symlink_outside", SourceLocation(relpath))
    elif os.path.lexists(site_file) and not site_file.is_dir():
        return _read_site(site_file, relpath, diagnostics)
    else:
        diagnostics.error("site_yaml_missing", SourceLocation(relpath))
    return None


def _relative(path: Path, content_dir: Path) -> str:
    """A path as diagnostics name it: from the site folder, e.g. content/risks/x.md."""
    return path.absolute().relative_to(content_dir.absolute().parent).as_posix()


def site_language(content_dir: Path) -> str:
    """The language site.yaml names ("sv" when it names none, or cannot be read), for words
    said before the site is validated, or without it (a Ctrl-C while the content loads)."""
    path = Path(content_dir) / "site.yaml"
    read = _read_text(path, "site.yaml", Diagnostics())
    parsed = parse_yaml(read[0], "site.yaml", 1, Diagnostics()) if read else None
    return main_language(parsed[0] if parsed else {})


def main_language(data) -> str:
    """The main language site.yaml's data names (`language:`, or the first of `languages:`), if
    govsite has a table for it; else "sv"."""
    from .locale import LANGUAGES
    named = data.get("languages") if isinstance(data, dict) else None
    language = data.get("language") if isinstance(data, dict) else None
    language = language or (named[0] if isinstance(named, list) and named else None)
    return language if language in LANGUAGES else "sv"


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.startswith("_")


def _walk(folder: Path):
    """Files of a kind folder, sorted; sub-folders are walked too (ids stay flat)."""
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if _ignored(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        else:
            yield Path(entry.path)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def _read_text(path: Path, relpath: str, diagnostics: Diagnostics) -> tuple[str, bytes] | None:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # A named pipe would block the build forever, a device never ends.
            diagnostics.error("file_special", SourceLocation(relpath))
            return None
        size = info.st_size
        if size > MAX_FILE_BYTES:
            diagnostics.error("file_too_large", SourceLocation(relpath),
                              size_mb=round(size / 1e6, 1), limit_mb=MAX_FILE_BYTES // 1_000_000)
            return None
        raw = path.read_bytes()
    except OSError as exc:
        diagnostics.error("file_unreadable", SourceLocation(relpath), reason=exc.strerror or str(exc))
        return None
    if b"\0" in raw:
        diagnostics.error("file_binary", SourceLocation(relpath))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        diagnostics.error("file_not_utf8", SourceLocation(relpath, line))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n"), raw


def nfc(text: str) -> str:
    """Text in composed form (NFC): "Å" written as A and a ring (as macOS and some editors save
    it) is the same letter as "Å", sorts under Å and matches the same search."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _read_site(path: Path, relpath: str, diagnostics: Diagnostics) -> RawDoc | None:
    read = _read_text(path, relpath, diagnostics)
    if read is None:
        return None
    text, raw = read
    parsed = parse_yaml(nfc(text), relpath, first_line=1, diagnostics=diagnostics)
    if parsed is None:
        return RawDoc("site", "site", relpath, {}, {}, broken=True)
    data, lines = parsed
    return RawDoc("site", "site", relpath, data, lines, digest=hashlib.sha1(raw).hexdigest())


def _read_entity(path: Path, kind: str, relpath: str, diagnostics: Diagnostics, cache,
                 doc_id: str | None = None, language: str = "") -> RawDoc | None:
    doc_id = doc_id or nfc(path.stem)
    if not ID_PATTERN.match(doc_id):
        diagnostics.error("bad_file_name", SourceLocation(relpath), name=path.name,
                          suggestion=slugify(doc_id) or "namn")
        return None
    if len(doc_id) > MAX_ID_LENGTH:  # known (so no reference to it is "unknown"), but not built
        diagnostics.error("id_too_long", SourceLocation(relpath, 1), length=len(doc_id), limit=MAX_ID_LENGTH)
        return RawDoc(kind, doc_id, relpath, {}, {}, broken=True)
    read = _read_text(path, relpath, diagnostics)
    if read is None:
        return RawDoc(kind, doc_id, relpath, {}, {}, broken=True)
    text, raw = read
    digest = hashlib.sha1(raw).hexdigest()
    if cache is not None:
        cached = cache.get(relpath, digest)
        if cached is not None:
            diagnostics.extend(cached[1])
            return cached[0]
    local = Diagnostics()
    doc = parse_document(text, kind, doc_id, relpath, digest, local)
    diagnostics.extend(local.items)
    if language:
        doc = dataclasses.replace(doc, language=language)
    if cache is not None:
        cache.put(relpath, digest, (doc, local.items))
    return doc


def parse_document(text: str, kind: str, doc_id: str, relpath: str, digest: str,
                   diagnostics: Diagnostics) -> RawDoc:
    """Split `---` front matter from the Markdown body and parse it."""
    lines = nfc(text).split("\n")  # history.py parses old versions from git here too
    if not lines or lines[0].rstrip() != "---":
        diagnostics.error("no_front_matter", SourceLocation(relpath, 1))
        return RawDoc(kind, doc_id, relpath, {}, {}, broken=True)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        diagnostics.error("front_matter_not_closed", SourceLocation(relpath, 1))
        return RawDoc(kind, doc_id, relpath, {}, {}, broken=True)
    front = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    if len(front) > MAX_FRONT_MATTER_BYTES:
        diagnostics.error("front_matter_too_large", SourceLocation(relpath, 1))
        return RawDoc(kind, doc_id, relpath, {}, {}, broken=True)
    parsed = parse_yaml(front, relpath, first_line=2, diagnostics=diagnostics)
    if parsed is None:
        return RawDoc(kind, doc_id, relpath, {}, {}, body=body, body_line=end + 2, digest=digest, broken=True)
    if not _body_within_limits(body, relpath, end + 2, diagnostics):
        return RawDoc(kind, doc_id, relpath, parsed[0], parsed[1], body="", body_line=end + 2, digest=digest,
                      broken=True)
    for line, code, params in gfm.differences(body, end + 2):  # where GitHub's preview shows otherwise
        diagnostics.warning(code, SourceLocation(relpath, line), **params)
    data, key_lines = parsed
    return RawDoc(kind, doc_id, relpath, data, key_lines, body=body, body_line=end + 2, digest=digest)


def parse_yaml(text: str, relpath: str, first_line: int, diagnostics: Diagnostics):
    """YAML mapping → (data, {path: line}), or None after reporting why.

    Built from the node graph rather than yaml.load so that every key keeps its
    line, duplicate keys are caught, and aliases (which can expand a few bytes
    into gigabytes) are refused before anything is expanded.
    """
    offset = first_line - 1
    indented = limits.yaml_too_indented(text, first_line)
    if indented:
        diagnostics.error("yaml_too_indented", SourceLocation(relpath, indented[0]), columns=indented[1],
                          limit=limits.MAX_YAML_INDENT)
        return None
    if _too_deep(text):
        diagnostics.error("yaml_too_deep", SourceLocation(relpath, first_line), limit=MAX_DEPTH)
        return None
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark else first_line
        diagnostics.error("yaml_syntax", SourceLocation(relpath, line), problem=_yaml_problem(exc))
        return None
    except (yaml.YAMLError, RecursionError) as exc:
        diagnostics.error("yaml_syntax", SourceLocation(relpath, first_line), problem=str(exc).splitlines()[0])
        return None
    finally:
        loader.dispose()
    if root is None:
        return {}, {}
    if not isinstance(root, yaml.MappingNode):
        diagnostics.error("yaml_not_mapping", SourceLocation(relpath, root.start_mark.line + 1 + offset))
        return None
    lines: dict = {}
    seen: set[int] = set()

    class _Refused(Exception):
        pass

    def build(node, path: tuple, depth: int):
        if id(node) in seen:
            # An alias: its node is the anchor's, so name the line of the field that uses it.
            diagnostics.error("yaml_alias", SourceLocation(relpath, lines.get(path[:1], first_line)))
            raise _Refused
        seen.add(id(node))
        if depth > MAX_DEPTH:
            diagnostics.error("yaml_too_deep", SourceLocation(relpath, node.start_mark.line + 1 + offset),
                              limit=MAX_DEPTH)
            raise _Refused
        if node.tag not in _PLAIN_TAGS:
            tag = node.tag.replace(_YAML, "!!")
            diagnostics.error("yaml_tag", SourceLocation(relpath, node.start_mark.line + 1 + offset), tag=tag,
                              value=str(node.value)[:60] if isinstance(node, yaml.ScalarNode)
                              else "[…]" if isinstance(node, yaml.SequenceNode) else "{…}")
            raise _Refused
        if isinstance(node, yaml.MappingNode):
            result = {}
            for key_node, value_node in node.value:
                key = build(key_node, path, depth + 1)
                line = key_node.start_mark.line + 1 + offset
                if not isinstance(key, (str, int, bool, float)):
                    diagnostics.error("yaml_bad_key", SourceLocation(relpath, line))
                    raise _Refused
                key = str(key)
                if key in result:
                    diagnostics.error("yaml_duplicate_key", SourceLocation(relpath, line), key=key)
                    raise _Refused
                lines[path + (key,)] = line
                result[key] = build(value_node, path + (key,), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                lines[path + (index,)] = item.start_mark.line + 1 + offset
                items.append(build(item, path + (index,), depth + 1))
            return items
        try:
            value = loader.construct_object(node)
            return nfc(value) if isinstance(value, str) else value  # escapes ("\u030A") may decompose
        except (yaml.YAMLError, ValueError) as exc:
            diagnostics.error("yaml_value", SourceLocation(relpath, node.start_mark.line + 1 + offset),
                              value=str(node.value)[:60], problem=str(exc).splitlines()[0])
            raise _Refused from None

    try:
        return build(root, (), 0), lines
    except _Refused:
        return None


def _body_within_limits(body: str, relpath: str, first_line: int, diagnostics: Diagnostics) -> bool:
    """Refuse Markdown that would crash or stall the Markdown parser (see limits.py)."""
    deep = limits.markdown_too_deep(body, first_line)
    if deep:
        diagnostics.error("markdown_too_deep", SourceLocation(relpath, deep[0]), limit=limits.MAX_MARKDOWN_DEPTH)
        return False
    complex_ = limits.markdown_too_complex(body, first_line)
    if complex_:
        code = "markdown_too_deep" if complex_[1] == "depth" else f"markdown_too_complex_{complex_[1]}"
        diagnostics.error(code, SourceLocation(relpath, complex_[0]), limit=limits.MAX_MARKDOWN_DEPTH,
                          unclosed=limits.MAX_UNCLOSED, length=limits.MAX_PARAGRAPH)
        return False
    return True


def _too_deep(text: str) -> bool:
    """Refuse absurd flow nesting before libyaml recurses into it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return True
        elif char in "]}":
            depth = max(0, depth - 1)
    return False


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    return (exc.problem or exc.context or "").strip()


_TRANSLITERATE = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u",
                                "Å": "a", "Ä": "a", "Ö": "o", "É": "e", "æ": "ae", "ø": "o"})


def slugify(text: str) -> str:
    """A valid id from a Swedish title: "Brist på lokaler" → "brist-pa-lokaler"."""
    text = text.translate(_TRANSLITERATE).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")
