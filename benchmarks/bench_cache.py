"""The persistent cache, before and after a change, measured in one run (A/B, alternating).

    python benchmarks/bench_cache.py 1000 --code OLD_TREE --code . [--runs 3] [--rounds 2] [--alternate 8]

For each code tree (a checkout of govsite: e.g. `git archive COMMIT | tar -x -C OLD_TREE`), on
its own copy of one generated site: a cold build with the cache (which writes it), the no-change
rebuild (the CLI's `build` again), a one-file edit, the cache file's size and the time to load it
(`BuildCache.load`, then every Markdown fragment, in a fresh process). Rounds alternate between
the trees so that the shared machine's drift weighs on both alike; then `--alternate N` times
one load and one no-change build of each tree in turn (minimum and median: the minimum is the
figure least disturbed by other work). Never part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import govsite, settle_disk, timed  # noqa: E402
from benchmarks.generate import generate  # noqa: E402

LOAD = """
import sys, time
from pathlib import Path
from govsite import cache
cache._code_digest()  # hashing govsite's own files: not the cache's cost
started = time.perf_counter()
loaded = cache.BuildCache.load(Path(sys.argv[1]))
header = time.perf_counter() - started
fragments = len(loaded._bodies)
print(header, time.perf_counter() - started, len(loaded._docs), fragments)
"""


def run(code: Path, site: Path, runs: int) -> dict:
    env = {"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"}
    content, output = site / "content", site / "output"
    shutil.rmtree(site / ".govsite-cache", ignore_errors=True)
    shutil.rmtree(output, ignore_errors=True)
    settle_disk()
    cold = timed(govsite(content, output), cwd=code, env=env)
    unchanged = [timed(govsite(content, output), cwd=code, env=env) for _ in range(runs)]
    files = [f for f in (site / ".govsite-cache").iterdir() if f.name.startswith("cache.")]
    loads = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", LOAD, str(content)], cwd=code, env=env, check=True,
                              capture_output=True, text=True)
        loads.append([float(x) for x in done.stdout.split()])
    target = sorted((content / "risks").glob("*.md"))[1]
    original = target.read_text()
    target.write_text(original + "\nEn ändring.\n")
    edit = timed(govsite(content, output), cwd=code, env=env)
    target.write_text(original)
    return {"cold_s": round(cold[0], 2), "cold_peak_mb": round(cold[1]),
            "unchanged_s": round(statistics.median(r[0] for r in unchanged), 3),
            "unchanged_ratio": round(statistics.median(r[0] for r in unchanged) / cold[0], 3),
            "cache_file": files[0].name, "cache_mb": round(files[0].stat().st_size / 1e6, 2),
            "load_s": round(statistics.median(r[0] for r in loads), 3),
            "load_with_fragments_s": round(statistics.median(r[1] for r in loads), 3),
            "docs": int(loads[0][2]), "fragments": int(loads[0][3]),
            "one_edit_s": round(edit[0], 2), "one_edit_peak_mb": round(edit[1])}


def alternate(codes: list[Path], sites: list[Path], times: int) -> None:
    loads: dict = {code: [] for code in codes}
    builds: dict = {code: [] for code in codes}
    for _ in range(times):
        for code, site in zip(codes, sites):
            env = {"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"}
            done = subprocess.run([sys.executable, "-c", LOAD, str(site / "content")], cwd=code, env=env,
                                  check=True, capture_output=True, text=True)
            loads[code].append([float(x) for x in done.stdout.split()[:2]])
            builds[code].append(timed(govsite(site / "content", site / "output"), cwd=code, env=env)[0])
    for code in codes:
        figures = {"load_s": [r[0] for r in loads[code]], "load_with_fragments_s": [r[1] for r in loads[code]],
                   "unchanged_s": builds[code]}
        print(json.dumps({"alternating": times, "code": str(code), **{
            f"{name}_{how}": round(fn(values), 3) for name, values in figures.items()
            for how, fn in (("min", min), ("median", statistics.median))}}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entities", type=int)
    parser.add_argument("--code", type=Path, action="append", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--alternate", type=int, default=0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/govsite-bench-cache"))
    args = parser.parse_args()
    codes = [code.resolve() for code in args.code]
    generate(args.entities, args.work / "generated")
    sites = []
    for i, _ in enumerate(codes):
        sites.append(args.work / f"site-{i}")
        shutil.copytree(args.work / "generated", sites[-1])
    for round_ in range(args.rounds):
        for code, site in zip(codes, sites):
            print(json.dumps({"round": round_ + 1, "code": str(code), **run(code, site, args.runs)}), flush=True)
    if args.alternate:
        alternate(codes, sites, args.alternate)
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
