"""Cost of reading the change history: 1,000 entities, 2,000 commits.

    python benchmarks/bench_history.py [--entities 1000] [--commits 2000] [--keep DIR]

Creates the repository with one `git fast-import` (seconds), then times, in
this process: the first read (no cache), a rebuild with no new commits (cache
only), and a rebuild after one new commit (reads only that commit). Also the
whole CLI build, first and cached, for scale.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govsite.errors import Diagnostics  # noqa: E402
from govsite.history import build_history, read_log  # noqa: E402
from govsite.pipeline import Options, load  # noqa: E402

SITE = """title: Benchmark
organisation: Provkommun
language: sv
base_url: https://example.org/bench/
"""
UNIT = "---\ntitle: Enheten\n---\n"
STATUSES = ("open", "mitigating", "accepted", "closed")


def risk(n: int, p: int, s: int, status: str, owner: str, version: int = 0) -> str:
    return (f"---\ntitle: Risk nummer {n}\nunit: enheten\nprobability: {p}\nseverity: {s}\n"
            f"status: {status}\nowner: {owner}\n---\nRisken {n} beskrivs här (version {version}).\n")


def generate(repo: Path, entities: int, commits: int) -> None:
    rng = random.Random(8)
    state = {n: [rng.randint(1, 4), rng.randint(1, 4), "open", "Chefen"] for n in range(1, entities)}
    names = {n: f"risk-{n:04d}" for n in state}
    epoch = int(dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc).timestamp())
    out = []

    def data(text: str) -> None:
        raw = text.encode()
        out.append(f"data {len(raw)}\n".encode() + raw + b"\n")

    def header(i: int, message: str) -> None:
        when = epoch + i * 3600
        out.append(f"commit refs/heads/main\nauthor Bench <b@example.org> {when} +0100\n"
                   f"committer Bench <b@example.org> {when} +0100\n".encode())
        data(message)

    header(0, "Alla risker")
    for path, text in (("content/site.yaml", SITE), ("content/units/enheten.md", UNIT)):
        out.append(f"M 100644 inline {path}\n".encode())
        data(text)
    for n, (p, s, status, owner) in state.items():
        out.append(f"M 100644 inline content/risks/{names[n]}.md\n".encode())
        data(risk(n, p, s, status, owner))
    for i in range(1, commits):
        header(i, f"Ändring {i}")
        for n in rng.sample(sorted(state), rng.randint(1, 3)):
            if i % 50 == 0:  # now and then a file is renamed
                old, names[n] = names[n], f"{names[n]}-r{i}"
                out.append(f"R content/risks/{old}.md content/risks/{names[n]}.md\n".encode())
            entry = state[n]
            entry[rng.randrange(2)] = rng.randint(1, 4)
            if rng.random() < 0.2:
                entry[2] = rng.choice(STATUSES)
            if rng.random() < 0.1:
                entry[3] = rng.choice(("Chefen", "Ledningsgruppen", "Nämnden"))
            out.append(f"M 100644 inline content/risks/{names[n]}.md\n".encode())
            data(risk(n, *entry, version=i))  # every commit changes something
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(out), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True)


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-history-"))
    repo = args.keep or folder / "repo"
    try:
        seconds, _ = timed(lambda: generate(repo, args.entities, args.commits))
        print(f"generated {args.entities} entities, {args.commits} commits with git fast-import in {seconds:.2f} s")
        content = repo / "content"
        options = Options(content=content, today=dt.date(2024, 6, 1))
        _, site = load(options, Diagnostics())
        cache = repo / ".git" / "govsite"  # the history cache, in git's own folder

        def history():
            log = read_log(content, Diagnostics())
            return log, build_history(site, log)

        seconds, (log, result) = timed(history)
        size = sum(f.stat().st_size for f in cache.glob("*.json"))
        changes = sum(len(v) for v in result.entities.values())
        print(f"first read (git log + cat-file + compare): {seconds:.2f} s; {len(log['commits'])} commits, "
              f"{len(log['events'])} file changes, {len(log['blobs'])} versions, {changes} changes on "
              f"{len(result.entities)} pages; cache {size / 1e6:.1f} MB")
        seconds, _ = timed(lambda: read_log(content, Diagnostics()))
        seconds_all, _ = timed(history)
        print(f"rebuild, no new commits: read {seconds:.3f} s, read + compare {seconds_all:.3f} s")
        target = content / "risks" / sorted(p.name for p in (content / "risks").iterdir())[0]
        target.write_text(target.read_text().replace("severity: ", "severity: 1\n#", 1))
        env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.org",
               "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.org"}
        subprocess.run(["git", "commit", "-qam", "En till"], cwd=repo, check=True, env=env)
        seconds, _ = timed(lambda: read_log(content, Diagnostics()))
        seconds_all, _ = timed(history)
        print(f"rebuild after one new commit: read {seconds:.3f} s (then cached: read + compare {seconds_all:.3f} s)")

        def cli_build(name: str) -> str:
            result = subprocess.run([sys.executable, "-m", "govsite", "build", "--content", str(content), "--output",
                                     str(folder / name), "--today", "2024-06-01"], check=True, capture_output=True,
                                    text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            return result.stdout.strip().splitlines()[-1]

        print("whole CLI build, history cached:", cli_build("out1"))
        shutil.rmtree(cache)
        print("whole CLI build, no history cache:", cli_build("out2"))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
