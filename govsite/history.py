"""Change history: what changed, when and why, read from the content's git repository.

One `git log` pass over the whole content folder (renames followed) and one
`git cat-file --batch` process for the changed files' contents; both cached in
`.govsite-cache/history-*.json` beside the content folder, keyed by HEAD, so a
rebuild with no new commits starts no git log at all and one new commit reads
only that commit. Consecutive versions of an entity are compared by their
parsed front matter (history_facts.py says what changed in plain words).

Without git, or in a shallow clone, the site builds as before with a notice.
The history depends only on the repository's commits, never on the build time.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import subprocess
from pathlib import Path, PurePosixPath

from . import __version__, model
from .errors import Diagnostics, SourceLocation
from .history_facts import Context, describe
from .locale import Locale
from .source import parse_document

CACHE_VERSION = 1
CACHE_FOLDER = ".govsite-cache"
CHANGES_PATH = "andringar/"  # the site-wide "Senaste ändringar" page
RECENT_LIMIT = 100
_FORMAT = "%x01%H%x1f%aI%x1f%s"


# --- reading git ------------------------------------------------------------------

def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    try:
        return subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd, input=stdin,
                              capture_output=True, env=env, check=False)
    except OSError:  # no git installed
        return subprocess.CompletedProcess(args, 127, b"", b"")


def _parse_log(text: str, prefix: str, first_index: int) -> tuple[list, list]:
    """`git log -z --raw` output → (commits, events), oldest first.

    A commit is [hash, author date (ISO), subject]; an event is
    [commit index, status letter, old path, new path, blob hash], paths relative to content/.
    """
    records = [r for r in text.split("\x01") if r]
    records.reverse()  # git log gives newest first
    commits, events = [], []
    for record in records:
        header, _, rest = record.partition("\0")
        sha, date, subject = (header.split("\x1f") + ["", ""])[:3]
        index = first_index + len(commits)
        commits.append([sha, date, subject])
        tokens = rest.lstrip("\n").split("\0")
        i = 0
        while i < len(tokens):
            meta = tokens[i]
            if not meta.startswith(":"):
                i += 1
                continue
            fields = meta[1:].split()
            status = fields[4][:1] if len(fields) > 4 else "M"
            blob = fields[3] if len(fields) > 3 else ""
            if status in "RC":
                old, new = tokens[i + 1], tokens[i + 2]
                i += 3
            else:
                old = new = tokens[i + 1]
                i += 2
            events.append([index, status, _strip(old, prefix), _strip(new, prefix), blob])
    return commits, events


def _strip(path: str, prefix: str) -> str:
    return path[len(prefix):] if prefix and path.startswith(prefix) else path


def _read_blobs(shas: list[str], cwd: Path) -> dict:
    """{blob hash: {"fm": front matter or None, "body": body digest}} — one git process."""
    if not shas:
        return {}
    result = _git(["cat-file", "--batch"], cwd, ("\n".join(shas) + "\n").encode())
    out = result.stdout
    blobs, pos = {}, 0
    for sha in shas:
        end = out.find(b"\n", pos)
        if end < 0:
            break
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            blobs[sha] = {"fm": None, "body": ""}
            continue
        size = int(header[2])
        raw = out[pos:pos + size]
        pos += size + 1
        blobs[sha] = _parse_blob(raw)
    return blobs


def _parse_blob(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return {"fm": None, "body": ""}
    doc = parse_document(text, "", "", "", "", Diagnostics())  # the project's own front-matter parser
    data = None if doc.broken else doc.data
    try:
        json.dumps(data)
    except (TypeError, ValueError):
        data = None
    return {"fm": data, "body": hashlib.sha1(doc.body.strip().encode()).hexdigest()[:16]}


class _Repo:
    def __init__(self, top: Path, prefix: str, head: str):
        self.top, self.prefix, self.head = top, prefix, head


def _find_repo(content: Path, diagnostics: Diagnostics) -> _Repo | None:
    where = SourceLocation(content.as_posix())
    result = _git(["rev-parse", "--show-toplevel", "--show-prefix", "--is-shallow-repository", "HEAD"], content)
    lines = result.stdout.decode("utf-8", "replace").splitlines()
    if result.returncode != 0 or len(lines) < 4:
        problem = result.stderr.decode("utf-8", "replace").strip().splitlines()
        if result.returncode == 127 or not problem or "not a git repository" in problem[0]:
            diagnostics.notice("history_no_git", where)
        else:  # e.g. "detected dubious ownership": say why, the site still builds
            diagnostics.notice("history_git_failed", where, reason=problem[0].removeprefix("fatal: "))
        return None
    if lines[2].strip() == "true":
        diagnostics.notice("history_shallow", where)
        return None
    return _Repo(Path(lines[0]), lines[1], lines[3].strip())


def _cache_file(content: Path, prefix: str) -> Path:
    name = hashlib.sha1(prefix.encode()).hexdigest()[:12]
    return content.resolve().parent / CACHE_FOLDER / f"history-{name}.json"


def _load_cache(path: Path, prefix: str) -> dict | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None  # absent or corrupt: read the history again
    if not isinstance(data, dict) or data.get("version") != f"{__version__}/{CACHE_VERSION}" \
            or data.get("prefix") != prefix or not isinstance(data.get("head"), str):
        return None
    if not all(isinstance(data.get(k), t) for k, t in (("commits", list), ("events", list), ("blobs", dict))):
        return None
    return data


def _save_cache(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
        os.replace(temp, path)
    except OSError:
        pass  # a read-only checkout still builds; it reads the history every time


def read_log(content: Path, diagnostics: Diagnostics) -> dict | None:
    """The content folder's history as {commits, events, blobs}, from the cache when it is current."""
    content = Path(content)
    repo = _find_repo(content, diagnostics)
    if repo is None:
        return None
    cache_path = _cache_file(content, repo.prefix)
    cached = _load_cache(cache_path, repo.prefix)
    if cached is not None and cached["head"] == repo.head:
        return cached
    spec = repo.prefix or "."
    since = None
    if cached is not None and _git(["merge-base", "--is-ancestor", cached["head"], repo.head],
                                   repo.top).returncode == 0:
        since = cached["head"]
    else:
        cached = {"commits": [], "events": [], "blobs": {}}
    revision = f"{since}..{repo.head}" if since else repo.head
    result = _git(["log", "-z", "--raw", "--no-abbrev", "-M", "--no-merges", f"--format={_FORMAT}",
                   revision, "--", spec], repo.top)
    if result.returncode != 0:
        diagnostics.notice("history_no_git", SourceLocation(content.as_posix()))
        return None
    commits, events = _parse_log(result.stdout.decode("utf-8", "replace"), repo.prefix, len(cached["commits"]))
    blobs = cached["blobs"]
    wanted = sorted({e[4] for e in events if e[1] != "D" and e[4] not in blobs and e[4].strip("0")})
    blobs.update(_read_blobs(wanted, repo.top))
    data = {"version": f"{__version__}/{CACHE_VERSION}", "prefix": repo.prefix, "head": repo.head,
            "commits": cached["commits"] + commits, "events": cached["events"] + events, "blobs": blobs}
    _save_cache(cache_path, data)
    return data


# --- from versions to changes ------------------------------------------------------

def _key_of(path: str) -> tuple | None:
    parts = PurePosixPath(path).parts
    if len(parts) < 2 or parts[0] not in model.KINDS or not path.endswith(".md"):
        return None
    return (parts[0], PurePosixPath(path).stem)


def _lineages(log: dict) -> dict:
    """{content path now: [(commit index, blob hash), ...]} oldest first, following renames."""
    lineages: dict[str, list] = {}
    for index, status, old, new, blob in log["events"]:
        if status == "D":
            lineages.pop(old, None)
        elif status == "R":
            lineages[new] = lineages.pop(old, []) + [(index, blob)]
        elif status == "C":
            lineages[new] = [(index, blob)]
        else:
            lineages.setdefault(new, []).append((index, blob))
    return lineages


def _date(iso: str) -> dt.date:
    try:
        return dt.date.fromisoformat(iso[:10])
    except ValueError:
        return dt.date(1970, 1, 1)


def build_history(site: model.Site, log: dict | None) -> model.History:
    locale = Locale.load(site.config.language)
    context = Context(locale, site)
    per_entity: dict[tuple, list] = {}
    if log is not None:
        commits, blobs = log["commits"], log["blobs"]
        for path, versions in _lineages(log).items():
            key = _key_of(path)
            entity = site.get(key) if key else None
            if entity is None:
                continue
            previous = None
            for index, blob in versions:
                current = blobs.get(blob) or {"fm": None, "body": ""}
                facts = describe(entity.kind, previous, current, context)
                sha, date, subject = commits[index]
                per_entity.setdefault(key, []).append(
                    model.Change(_date(date), key, entity.title, subject, tuple(facts), sha, index + 1))
                previous = current
    kind_order = {kind: i for i, kind in enumerate(model.KINDS)}
    changes = sorted((c for items in per_entity.values() for c in items),
                     key=lambda c: (-c.order, kind_order[c.key[0]], c.title, c.key[1]))
    entities = {}
    for entity in site.all():
        if not entity.history and entity.key not in per_entity:  # most entities, on every live edit
            continue
        notes = [model.Change(note.date, entity.key, entity.title, note.text) for note in entity.history]
        items = per_entity.get(entity.key, []) + notes
        if items:
            entities[entity.key] = tuple(sorted(items, key=lambda c: (c.date, c.order), reverse=True))
    return model.History(entities=entities, changes=tuple(changes))


def with_history(site: model.Site, options, diagnostics: Diagnostics) -> model.Site:
    """The Site with its change history attached; the pipeline (and serve) call this after resolve."""
    return dataclasses.replace(site, history=build_history(site, read_log(Path(options.content), diagnostics)))


# --- for other outputs (the Atom feed, open data) -----------------------------------

def recent_changes(site: model.Site, limit: int = 50) -> list[dict]:
    """The newest git changes of the site, newest first, as plain data."""
    return [_as_dict(change) for change in site.history.recent(limit)]


def history_as_data(site: model.Site, key: tuple) -> list[dict]:
    """One entity's history (git changes and front-matter notes), newest first, as plain data."""
    return [_as_dict(change) for change in site.history.entities.get(tuple(key), ())]


def _as_dict(change: model.Change) -> dict:
    return {"date": change.date.isoformat(), "key": list(change.key), "kind": change.key[0], "id": change.key[1],
            "title": change.title, "message": change.message, "details": list(change.facts),
            "commit": change.commit}


def history_revision(content: Path) -> str:
    """The commit the history is read at ("" outside git): a build whose files are unchanged
    must still run when a new commit changed what the history says."""
    repo = _find_repo(Path(content), Diagnostics())  # its notices are with_history's to give
    return repo.head if repo else ""
