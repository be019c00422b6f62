"""The per-page cost of the Markdown setup, before and after issue 22, in one run.

    python benchmarks/bench_markdown.py [--pages 2000] [--rounds 5] [--before 3c31256]

Converts the same bodies with govsite's markup.py as it was at --before (read from git)
and as it is now, alternating rounds so that drift of the machine hits both alike.
Bodies: benchmarks/generate.py's 600-word Swedish pages with references (what the
benchmarks build), and the corpus of tests/markdown_parity/ (lists, tables, task lists,
code), each converted as one page. Prints µs per page (median of the rounds) and the ratio;
also the body-reference scan links.py runs over every body (`body_refs`).
"""
from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import body  # noqa: E402
from govsite import markup  # noqa: E402


def before_module(commit: str):
    source = subprocess.run(["git", "show", f"{commit}:govsite/markup.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("govsite.markup_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "govsite"
    exec(compile(source, f"{commit}:govsite/markup.py", "exec"), module.__dict__)  # noqa: S102
    return module


def per_page(convert, bodies) -> float:
    start = time.perf_counter()
    for text in bodies:
        convert(text)
    return (time.perf_counter() - start) / len(bodies) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", default="3c31256")
    args = parser.parse_args()
    rng = random.Random(22)
    refs = [f"risk:r{i}" for i in range(20)]
    sets = {
        "generated 600-word pages": [body(rng, rng.sample(refs, 3)) for _ in range(args.pages)],
        "Swedish corpus (lists, tables, tasks)": [p.read_text(encoding="utf-8") for p in
                                                  sorted((ROOT / "tests/markdown_parity/corpus").glob("*.md"))] * 50,
    }
    old = before_module(args.before)
    engines = {"before": old.Markup().convert, "now": markup.Markup().convert}
    print(f"Markdown.convert per page, µs (median of {args.rounds} alternating rounds); Python {sys.version.split()[0]}")
    for name, bodies in sets.items():
        times = {engine: [] for engine in engines}
        for _ in range(args.rounds):
            for engine, convert in engines.items():
                times[engine].append(per_page(convert, bodies))
        before, now = (statistics.median(times[e]) for e in engines)
        print(f"{name}: before {before:.0f} µs, now {now:.0f} µs, ratio {now / before:.2f} ({len(bodies)} pages)")
    bodies = sets["generated 600-word pages"]
    scan = statistics.median(per_page(lambda t: list(markup.body_refs(t)), bodies) for _ in range(args.rounds))
    print(f"body_refs scan (links.py): {scan:.0f} µs per generated page")


if __name__ == "__main__":
    main()
