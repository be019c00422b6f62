"""The change history is a public record: only git can put anything in it.

A commit message may hold any bytes (the separators an older parser split on, newlines,
text shaped like another commit's hash and date); a history cache may be planted beside
the content. Neither may credit a change to a commit git does not have, or show a date or
a text git does not give.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_govsite, tree_digest
from govsite import __version__
from govsite.errors import Diagnostics
from govsite.history import read_log
from test_history import TODAY, edit, git, make_repo, section

FORGED = "Kommunfullmäktige beslutade att stänga alla lokaler"
ENV = {"LC_ALL": "C", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def literal_commit(repo: Path, message: bytes, when: int) -> str:
    """Commit the working tree with exactly these message bytes (NUL included: `git commit` refuses
    those, but a repository can hold such an object, made by any tool)."""
    git(repo, "add", "-A")
    tree = git(repo, "write-tree").strip()
    parent = git(repo, "rev-parse", "HEAD").strip()
    raw = (f"tree {tree}\nparent {parent}\nauthor Kommunikatören <info@provkommun.example> {when} +0100\n"
           f"committer Kommunikatören <info@provkommun.example> {when} +0100\n\n").encode() + message
    sha = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"], cwd=repo,
                         input=raw, capture_output=True, check=True).stdout.decode().strip()
    git(repo, "update-ref", "HEAD", sha)
    return sha


def real_commits(repo: Path, *paths: str) -> list[tuple[str, str]]:
    """(hash, author day) of the commits that changed these paths, newest first, from git's fixed fields."""
    out = git(repo, "log", "--no-merges", "--format=%H %as", "HEAD", "--", *paths)
    return [tuple(line.split(" ")) for line in out.splitlines()]


@pytest.fixture(scope="module")
def hostile_repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    repo = make_repo(root)
    content = repo / "content"
    risk = content / "risks" / "lokalbrist.md"
    when = 1717225200  # 2024-06-01 09:00 +01:00
    # What an older parser read as a second record: a made-up hash, dated 2099, with made-up text.
    edit(risk, "severity: 4", "severity: 3")
    literal_commit(repo, "Ny bedömning\x01".encode() + b"f" * 40 + f"\x1f2099-01-01T00:00:00+00:00\x1f{FORGED}\n"
                   .encode(), when)
    edit(risk, "severity: 3", "severity: 2")
    literal_commit(repo, b"Rad\x1fett\x02\x03\x1e\x7f\r\n\n\x01" + b"0" * 40 + b"\x1f2099-12-31T00:00:00+00:00\x1f"
                   + FORGED.encode() + b"\n:100644 100644 " + b"1" * 40 + b" " + b"2" * 40
                   + b" M\x00content/risks/lag.md\x00\xff\xfe ogiltig UTF-8", when + 60)
    edit(risk, "severity: 2", "severity: 1")
    literal_commit(repo, b"Sista\x00\x01" + b"e" * 40 + f"\x1f2099-06-01T00:00:00+00:00\x1f{FORGED}".encode(),
                   when + 120)
    output = root / "output"
    result = run_govsite("build", "--content", content, "--output", output, "--today", TODAY)
    assert result.returncode == 0, result.stderr
    return repo, output


def test_commit_messages_with_any_bytes_credit_only_real_commits(hostile_repo):
    repo, output = hostile_repo
    real = real_commits(repo, "content/risks/lokalbrist.md")
    assert len(real) == 5 and all(day < "2099" for _, day in real)
    data = json.loads((output / "data" / "risks" / "lokalbrist.json").read_text("utf-8"))
    assert [(c["commit"], c["date"]) for c in data["changes"] if c["commit"]] == real
    shown = [line for line in section(output / "risks" / "lokalbrist" / "index.html") if re.match(r"\d+ \w+ \d{4}:", line)]
    assert [line.split(":")[0] for line in shown] == ["1 juni 2024"] * 3 + ["1 februari 2024", "10 januari 2024"]
    assert shown[0] == "1 juni 2024: Sista"  # the subject ends where git ends it, at the NUL
    # The other risk, which a forged raw line named, has only its own real commits.
    other = json.loads((output / "data" / "risks" / "installda-evenemang.json").read_text("utf-8"))
    assert {c["commit"] for c in other["changes"] if c["commit"]} <= {sha for sha, _ in real_commits(repo)}
    assert len([c for c in other["changes"] if c["commit"]]) == 2
    every_sha = {sha for sha, _ in real_commits(repo)}
    atom = "{http://www.w3.org/2005/Atom}"
    for feed in [output / "feed.xml", *(output / "units").glob("*/feed.xml")]:
        for entry in ET.parse(feed).getroot().iter(f"{atom}entry"):
            assert not entry.find(f"{atom}updated").text.startswith("2099")
    # Every commit any open-data file names is one git has (a subject may quote any text: it is text).
    def commits_in(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "commit" and isinstance(item, str) and item:
                    yield item
                yield from commits_in(item)
        elif isinstance(value, list):
            for item in value:
                yield from commits_in(item)

    named = {c for path in output.rglob("*.json") for c in commits_in(json.loads(path.read_text("utf-8")))}
    assert named and named <= every_sha
    days = section(output / "andringar" / "index.html", "changes")
    assert not [line for line in days if re.match(r"\d+ \w+ 2099", line)]


def _oracle(repo: Path, sha: str, field: str) -> str:
    """One commit's field as git prints it alone (nothing else in the output to confuse it with)."""
    out = subprocess.run(["git", "-c", "core.quotepath=off", "log", "-1", f"--format={field}", sha], cwd=repo,
                         capture_output=True, check=True, env={**ENV, "PATH": "/usr/bin:/bin"}).stdout
    return out.decode("utf-8", "replace").removesuffix("\n")


PIECES = st.sampled_from([b"\x00", b"\x01", b"\x1f", b"\n", b"\r", b"\x00\x01", b"f" * 40, b"2099-01-01T00:00:00+00:00",
                          b":100644 100644 ", b" M\x00content/risks/lokalbrist.md\x00", b"\xff", "å".encode()])
MESSAGES = st.lists(st.one_of(PIECES, st.binary(max_size=12)), max_size=8).map(b"".join)


def test_property_any_commit_message_gives_only_gits_own_commits(tmp_path):
    repo = make_repo(tmp_path)
    content = repo / "content"
    risk = content / "risks" / "lokalbrist.md"
    counter = iter(range(10_000))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(MESSAGES)
    def check(message: bytes):
        n = next(counter)
        risk.write_text(risk.read_text("utf-8") + f"\nStycke {n}.\n", "utf-8")
        sha = literal_commit(repo, message, 1717225200 + n)
        log = read_log(content, Diagnostics())
        assert log is not None
        shas = git(repo, "rev-list", "--reverse", "--no-merges", "HEAD", "--", "content").split()
        assert [c[0] for c in log["commits"]] == shas  # every commit git has, once, and no other
        assert log["commits"][-1] == [sha, _oracle(repo, sha, "%aI"), _oracle(repo, sha, "%s")]
        blob = git(repo, "rev-parse", f"{sha}:content/risks/lokalbrist.md").strip()
        assert [e[1:] for e in log["events"] if e[0] == len(shas) - 1] == [
            ["M", "risks/lokalbrist.md", "risks/lokalbrist.md", blob]]

    check()


def test_a_planted_history_cache_changes_nothing(tmp_path):
    repo = make_repo(tmp_path)
    content = repo / "content"
    clean = tmp_path / "clean"
    result = run_govsite("build", "--content", content, "--output", clean, "--today", TODAY)
    assert result.returncode == 0, result.stderr
    head = git(repo, "rev-parse", "HEAD").strip()
    commits = [[sha, f"{day}T09:00:00+01:00", "x"] for sha, day in reversed(real_commits(repo))]
    forged_blob = "9" * 40
    fm = {"title": "Brist på lokaler för föreningslivet", "probability": 4, "severity": 4, "status": "closed",
          "unit": "kultur-fritid", "owner": "Kommunfullmäktige"}
    planted = {"prefix": "content/", "head": head,
               "commits": [*commits, ["d" * 40, "2020-01-01T12:00:00+01:00", FORGED]],
               "events": [[len(commits), "M", "risks/lokalbrist.md", "risks/lokalbrist.md", forged_blob]],
               "blobs": {forged_blob: {"fm": fm, "body": "0" * 16}}}
    name = hashlib.sha1(b"content/").hexdigest()[:12]
    (repo / ".govsite-cache").mkdir(exist_ok=True)  # where, and as, an older govsite read it (a pull request can add it)
    (repo / ".govsite-cache" / f"history-{name}.json").write_text(
        json.dumps({"version": f"{__version__}/1", **planted}), "utf-8")
    for cached in (repo / ".git" / "govsite").glob("*"):
        cached.unlink()  # no cache of its own: the build must read git, not the planted one
    planted_out = tmp_path / "planted"
    result = run_govsite("build", "--content", content, "--output", planted_out, "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert tree_digest(planted_out) == tree_digest(clean)
    again = tmp_path / "again"  # and with its own cache made, the planted one is still never read
    result = run_govsite("build", "--content", content, "--output", again, "--today", TODAY)
    assert tree_digest(again) == tree_digest(clean)
    assert FORGED not in (again / "risks" / "lokalbrist" / "index.html").read_text("utf-8")
