"""Change history: what changed, when and why, read from the content's git repository.

One `git log` pass over the whole content folder (renames followed) and one
`git cat-file --batch` process for the changed files' contents; both cached in
git's own folder (`.git/govsite/history-*.json`), keyed by HEAD, so a rebuild
with no new commits starts no git log at all and one new commit reads only that
commit. Consecutive versions of an entity are compared by their parsed front
matter (history_facts.py says what changed in plain words).

The history is a public record, so it comes from git alone. `git log` is read
field by field on NUL bytes, which git never puts in a commit message: a message
with any other bytes (the old separators \x01 and \x1f, newlines, a made-up hash
and date) is a subject and nothing else. The cache lives where only git's own data
lives: no file of the working tree, no pull request and no restored CI cache can
put one there (whoever can write `.git/` can rewrite the commits themselves); a
`.govsite-cache/history-*.json` beside the content is never read.

Without git, or in a shallow clone, the site builds as before with a notice.
The history depends only on the repository's commits, never on the build time.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path, PurePosixPath

from . import __version__, model
from .errors import Diagnostics, SourceLocation
from .history_facts import Context, assessment, describe
from .locale import for_site
from .source import parse_document

CACHE_VERSION = 2
CACHE_FOLDER = "govsite"  # inside the repository's git folder
RECENT_LIMIT = 100
# hash, author date, subject: NUL-separated fields (with -z, the file changes follow, NUL-separated too)
_FORMAT = "%H%x00%aI%x00%s"
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1 or SHA-256
_ISO_DATE = re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)")
_RAW = re.compile(r":[0-7]{6} [0-7]{6} [0-9a-f]{40}(?:[0-9a-f]{24})? ([0-9a-f]{40}(?:[0-9a-f]{24})?) ([A-Z])\d*")


class _Unexpected(ValueError):
    """git log printed something its format does not allow."""


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
    """`git log -z --raw --format=_FORMAT` output → (commits, events), oldest first.

    A commit is [hash, author date (ISO), subject]; an event is
    [commit index, status letter, old path, new path, blob hash], paths relative to content/.
    Read token by token on NUL: a hash, a date, a subject (any text but NUL), then its file
    changes, each a `:modes hashes status` token and one or two paths. Anything else raises
    _Unexpected: no history rather than a guessed one.
    """
    tokens = text.split("\0")
    if tokens and tokens[-1] == "":
        tokens.pop()
    newest_first: list[tuple[list, list]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].removeprefix("\n")
        raw = _RAW.fullmatch(token) if token.startswith(":") else None
        if raw is not None and newest_first:
            blob, status = raw.groups()
            count = 2 if status in "RC" else 1
            if i + count >= len(tokens):
                raise _Unexpected("a file change without its path")
            old, new = tokens[i + 1], tokens[i + count]
            newest_first[-1][1].append([status, _strip(old, prefix), _strip(new, prefix), blob])
            i += 1 + count
        elif _SHA.fullmatch(token) and i + 2 < len(tokens) and _ISO_DATE.fullmatch(tokens[i + 1]):
            newest_first.append(([token, tokens[i + 1], tokens[i + 2]], []))
            i += 3
        else:
            raise _Unexpected(f"token {i}")
    commits, events = [], []
    for commit, changes in reversed(newest_first):  # git log gives newest first
        index = first_index + len(commits)
        commits.append(commit)
        events.extend([index, *change] for change in changes)
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
    def __init__(self, top: Path, prefix: str, git_dir: Path, head: str):
        self.top, self.prefix, self.git_dir, self.head = top, prefix, git_dir, head


def _find_repo(content: Path, diagnostics: Diagnostics) -> _Repo | None:
    where = SourceLocation(content.as_posix())
    result = _git(["rev-parse", "--show-toplevel", "--show-prefix", "--is-shallow-repository",
                   "--absolute-git-dir", "HEAD"], content)
    lines = result.stdout.decode("utf-8", "replace").splitlines()
    if result.returncode != 0 or len(lines) < 5:
        problem = result.stderr.decode("utf-8", "replace").strip().splitlines()
        if problem and "ambiguous argument 'HEAD'" in problem[0]:
            return None  # a new repository without commits: no history yet, nothing wrong
        if result.returncode == 127 or not problem or "not a git repository" in problem[0]:
            diagnostics.notice("history_no_git", where)
        else:  # e.g. "detected dubious ownership": say why, the site still builds
            diagnostics.notice("history_git_failed", where, reason=problem[0].removeprefix("fatal: "))
        return None
    if lines[2].strip() == "true":
        diagnostics.notice("history_shallow", where)
        return None
    return _Repo(Path(lines[0]), lines[1], Path(lines[3]), lines[4].strip())


def _cache_file(repo: _Repo) -> Path:
    name = hashlib.sha1(repo.prefix.encode()).hexdigest()[:12]
    return repo.git_dir / CACHE_FOLDER / f"history-{name}.json"


def _load_cache(path: Path, prefix: str) -> dict | None:
    """The cache as this module wrote it, or None (absent, corrupt, another version: read git again)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        if type(data) is not dict or data.keys() != {"version", "prefix", "head", "commits", "events", "blobs"} \
                or data["version"] != f"{__version__}/{CACHE_VERSION}" or data["prefix"] != prefix \
                or type(data["head"]) is not str:
            return None
        commits, events, blobs = data["commits"], data["events"], data["blobs"]
        if not (type(commits) is list and all(type(c) is list and len(c) == 3 and all(type(f) is str for f in c)
                                              for c in commits)
                and type(events) is list and all(
                    type(e) is list and len(e) == 5 and type(e[0]) is int and 0 <= e[0] < len(commits)
                    and all(type(f) is str for f in e[1:]) for e in events)
                and type(blobs) is dict and all(
                    type(b) is dict and b.keys() == {"fm", "body"} and type(b["fm"]) in (dict, type(None))
                    and type(b["body"]) is str for b in blobs.values())):
            return None
    except (OSError, ValueError, RecursionError):
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
    cache_path = _cache_file(repo)
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
    # --no-color, --no-show-signature: nothing a user's git config adds may come between the fields
    result = _git(["log", "-z", "--raw", "--no-abbrev", "-M", "--no-merges", "--no-color", "--no-show-signature",
                   f"--format={_FORMAT}", revision, "--", spec], repo.top)
    if result.returncode != 0:
        diagnostics.notice("history_no_git", SourceLocation(content.as_posix()))
        return None
    try:
        commits, events = _parse_log(result.stdout.decode("utf-8", "replace"), repo.prefix, len(cached["commits"]))
    except _Unexpected:
        diagnostics.notice("history_git_failed", SourceLocation(content.as_posix()), reason="git log")
        return None
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


# Messages that tools write for the communicator, which tell a citizen nothing about why:
# GitHub's web editor ("Update risks/x.md", "Create …", "Delete …", "Rename a.md to b.md",
# "Add files via upload") and merges ("Merge pull request #12 from …", "Merge branch 'x'").
_TOOL_MESSAGE = re.compile(
    r"(?:(?:Update|Create|Delete|Rename|Add|Upload)\s+\S+(?:\s+to\s+\S+)?"
    r"|Add files via upload|Initial commit"
    r"|Merge (?:pull request|branch|remote-tracking branch|commit)\b.*|Merge \S+ into \S+)\s*", re.I)


def tells_why(subject: str) -> bool:
    """Whether a commit message is a person's words: a tool's default message is not shown."""
    return bool(subject.strip()) and not _TOOL_MESSAGE.fullmatch(subject.strip())


def build_history(site: model.Site, log: dict | None) -> model.History:
    locale = for_site(site.config)
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
                why = subject if site.config.history.commit_messages and tells_why(subject) else ""
                per_entity.setdefault(key, []).append(
                    model.Change(_date(date), key, entity.title, why, tuple(facts), sha, index + 1,
                                 assessment(entity.kind, current["fm"])))
                previous = current
    kind_order = {kind: i for i, kind in enumerate(model.KINDS)}
    changes = sorted((c for items in per_entity.values() for c in items),
                     key=lambda c: (-c.order, kind_order[c.key[0]], c.title, c.key[1]))
    entities = {}
    for entity in site.all():
        if not entity.history and entity.key not in per_entity:  # most entities, on every live edit
            continue
        notes = [model.Change(note.date, entity.key, entity.title, note.text,
                              assessment=(note.probability, note.severity)
                              if note.probability and note.severity else None) for note in entity.history]
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
