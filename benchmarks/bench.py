"""Build generated governance sites and print the figures of issue 6.

    python benchmarks/bench.py 1000 10000 [--runs 3] [--work /tmp/govsite-bench]

For each N: cold build (no cache, no output), no-change rebuild, one-file-edit
rebuild (CLI, with the cache), and one-file edits in `serve` (a new title, a new
paragraph; engine.Engine, in process: in memory as `govsite serve` keeps it, and
written to disk as `govsite serve --write` does), with the peak memory of the
build and its workers. Whole-process wall time of `python -m govsite build`,
median of --runs. Never part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate  # noqa: E402

MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - started
if done.returncode:
    sys.stderr.write(done.stdout + done.stderr)
    sys.exit(done.returncode)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""


def timed(command: list[str], cwd: Path = ROOT, env: dict | None = None) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB of the command or any of its children, CPU seconds of all)."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *map(str, command)], cwd=cwd, capture_output=True,
                          text=True, env=env or {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    if done.returncode:
        raise SystemExit(f"failed: {' '.join(map(str, command))}\n{done.stderr}")
    seconds, rss_kb, cpu = done.stdout.split()
    return float(seconds), int(rss_kb) / 1024, float(cpu)


def settle_disk() -> None:
    """Let the disk finish deleting the previous output before the next timed run: on these
    machines (ext4 with discard) creating files right after deleting 10,000 folders is up to
    4× slower for a while, which charged one tool for the clean-up after another."""
    os.sync()
    time.sleep(1)


def govsite(content: Path, output: Path, *extra) -> list:
    return [sys.executable, "-m", "govsite", "build", "--content", content, "--output", output,
            "--today", "2026-11-28", *extra]


def median(runs):
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def live_edits(content: Path, output: Path, write: bool, edits: int = 5) -> dict:
    """The engine as `serve` drives it (`write`: as `serve --write`): a full build, then one-file edits."""
    import datetime as dt

    from govsite.engine import Engine
    from govsite.pipeline import Options
    live = Engine(Options(content=content, output=output, today=dt.date(2026, 11, 28)), write=write,
                  keep_files=True, freeze_gc=True)
    started = time.perf_counter()
    live.build()
    first = time.perf_counter() - started
    risks = sorted((content / "risks").glob("*.md"))
    seconds, rendered = [], []
    for i in range(edits):
        path = risks[(i * 37) % len(risks)]
        path.write_text(path.read_text().replace("title: ", f"title: Ändrad {i} ", 1))
        result = live.build([path])
        assert not result.everything
        seconds.append(result.seconds["total"])
        rendered.append(result.rendered)
    texts = []  # the commonest edit: a paragraph added to a risk's text, nothing else
    for i in range(edits):
        path = risks[(i * 41 + 5) % len(risks)]
        path.write_text(path.read_text() + f"\nEtt nytt stycke ({i}) om uppföljningen.\n")
        result = live.build([path])
        assert not result.everything
        texts.append(result.seconds["total"])
    name = "serve_write" if write else "serve"
    return {f"{name}_start_s": round(first, 2), f"{name}_first_edit_s": round(seconds[0], 3),
            f"{name}_edit_s": round(statistics.median(seconds), 3), f"{name}_edit_max_s": round(max(seconds), 3),
            f"{name}_edit_pages": statistics.median(rendered),
            f"{name}_text_edit_s": round(statistics.median(texts), 3), f"{name}_text_edit_max_s": round(max(texts), 3)}


def bench(n: int, runs: int, work: Path) -> dict:
    site = work / f"site-{n}"
    generate(n, site)
    content, output = site / "content", site / "output"
    cold = []
    for _ in range(runs):
        shutil.rmtree(site / ".govsite-cache", ignore_errors=True)
        shutil.rmtree(output, ignore_errors=True)
        settle_disk()
        cold.append(timed(govsite(content, output)))
    unchanged = [timed(govsite(content, output)) for _ in range(runs)]
    edit = []
    target = sorted((content / "risks").glob("*.md"))[1]
    for i in range(runs):
        target.write_text(target.read_text() + f"\nEn ändring ({i}).\n")
        edit.append(timed(govsite(content, output)))
    result = {"entities": n, "pages": sum(1 for _ in output.rglob("*.html")),
              "cold_s": round(median(cold)[0], 2), "cold_peak_mb": round(median(cold)[1]),
              "cold_cpu_s": round(statistics.median(r[2] for r in cold), 2),
              "unchanged_s": round(median(unchanged)[0], 2), "unchanged_peak_mb": round(median(unchanged)[1]),
              "one_edit_s": round(median(edit)[0], 2), "one_edit_peak_mb": round(median(edit)[1])}
    serial = timed([*govsite(content, site / "serial-out"), "--no-cache"], cwd=ROOT)
    result.update(live_edits(content, site / "live-out", write=False))
    result.update(live_edits(content, site / "live-out", write=True))
    result["unchanged_ratio"] = round(result["unchanged_s"] / result["cold_s"], 3)
    result["cold_no_cache_s"] = round(serial[0], 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/govsite-bench"))
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        results.append(bench(n, args.runs, args.work))
        print(json.dumps(results[-1]), flush=True)
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(f"scaling: {large['entities']} / {small['entities']} entities cost "
              f"{large['cold_s'] / small['cold_s']:.1f}× (target ≤ {1.1 * large['entities'] / small['entities']:.0f}×)")


if __name__ == "__main__":
    main()
