"""Issue 18's targets in one run, as ratios to Hugo's cold build of the same number of pages.

    python benchmarks/bench_engine.py 10000 [--venv /tmp/govsite-compare-venv]

For N: Hugo's cold build of N plain pages (compare.py's setup); govsite's cold build of the
N-entity governance site (generate.py) with and without the search index; a no-change
rebuild; a one-file edit (a risk's new title, and a paragraph added to a risk's text)
through `govsite build` with the cache, as a deploy with a restored cache runs it; and the
same edits in serve (engine.Engine in this process, as `govsite serve` keeps it). Every
figure is whole-process wall time (peak memory of the process tree), one run each, so the
ratios compare minutes of the same machine.
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import govsite, settle_disk, timed  # noqa: E402
from benchmarks.compare import commands, ensure_venv, prepare  # noqa: E402
from benchmarks.generate import generate  # noqa: E402


def edit_title(content: Path, i: int) -> Path:
    path = sorted((content / "risks").glob("*.md"))[(i * 37) % 100]
    path.write_text(path.read_text().replace("title: ", f"title: Ändrad {i} ", 1))
    return path


def edit_text(content: Path, i: int) -> Path:
    path = sorted((content / "risks").glob("*.md"))[(i * 41 + 5) % 100]
    path.write_text(path.read_text() + f"\nEtt nytt stycke ({i}) om uppföljningen.\n")
    return path


def serve_edits(content: Path, output: Path) -> dict:
    from govsite.engine import Engine
    from govsite.pipeline import Options
    engine = Engine(Options(content=content, output=output, today=dt.date(2026, 11, 28)), write=False,
                    keep_files=True, freeze_gc=True)
    engine.build()
    out = {}
    for name, edit in (("title", edit_title), ("text", edit_text)):
        seconds = []
        for i in range(3):
            started = time.perf_counter()
            result = engine.build([edit(content, 100 + i)])
            seconds.append(time.perf_counter() - started)
            assert not result.everything
        out[f"serve, one-file edit ({name})"] = (sorted(seconds)[1], None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--venv", type=Path, default=Path("/tmp/govsite-compare-venv"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/govsite-bench-engine"))
    args = parser.parse_args()
    bin_dir = ensure_venv(args.venv)
    folders = prepare(args.n, args.work)
    command, env, clean = commands(folders, bin_dir)["hugo"]
    clean()
    settle_disk()
    hugo = timed(command, env=env)
    site = folders["governance"]
    content, output = site / "content", site / "out"
    rows = {"Hugo, cold, plain pages": (hugo[0], hugo[1])}

    def run(name, *extra):
        settle_disk()
        wall, peak, _ = timed(govsite(content, output, *extra))
        rows[name] = (wall, peak)

    run("govsite, cold, with search index", "--no-cache")
    shutil.rmtree(output)
    no_search = args.work / f"plain-{args.n}" / "governance-no-search"
    if not no_search.exists():
        generate(args.n, no_search)
        with (no_search / "content/site.yaml").open("a") as config:
            config.write("search: false\n")
    settle_disk()
    wall, peak, _ = timed(govsite(no_search / "content", no_search / "out", "--no-cache"))
    rows["govsite, cold, no search index"] = (wall, peak)
    run("govsite, first build with the cache")
    run("govsite, no-change rebuild")
    edit_title(content, 1)
    run("govsite build, one-file edit (title)")
    edit_text(content, 2)
    run("govsite build, one-file edit (text)")
    rows.update(serve_edits(content, site / "serve-out"))
    print(f"| {args.n:,} entities / pages | wall s | ÷ Hugo cold | peak MB |")
    print("|---|---|---|---|")
    for name, (wall, peak) in rows.items():
        print(f"| {name} | {wall:.2f} | {wall / hugo[0]:.2f} | {'' if peak is None else round(peak)} |")


if __name__ == "__main__":
    main()
