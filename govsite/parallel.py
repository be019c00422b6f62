"""Render pages on every core, with the same bytes as one process would give.

    files = render_pages(site, theme, pages, diagnostics, helpers=..., cache=...)

`pages` is any list of `render.PageSpec` (the core's `plan_pages(site)` plus
whatever pages other features add); `helpers` are passed to each worker's
`Renderer` unchanged. Workers are forked, so the Site, the pages, the helpers
and the already-rendered Markdown are inherited, never pickled; each worker
builds ONE Renderer (one Markdown instance, templates compiled once) and renders
contiguous slices of `pages`; the slices come back in order, so the result is
the serial result. Markdown is rendered where the page needs it, and fragments
new to the persistent cache are sent back for it.

Small sites (below `PARALLEL_MIN_PAGES`), a single core, or a platform without
`fork` render in this process.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import model
from .errors import Diagnostics
from .render import PageSpec, Renderer

# Measured (benchmarks/RESULTS.md): starting the workers costs about 0.1 s, which
# about 100 pages' worth of rendering on 2 cores repays.
PARALLEL_MIN_PAGES = 150
SLICES_PER_WORKER = 6


def worker_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def render_pages(site: model.Site, theme: Path, pages: list[PageSpec], diagnostics: Diagnostics, *,
                 helpers: dict | None = None, cache=None, workers: int | None = None,
                 min_pages: int = PARALLEL_MIN_PAGES) -> dict[str, bytes]:
    """{output path: bytes} for `pages`, in their order; template errors go to `diagnostics`."""
    known: dict[str, str] = {}
    if cache is not None:
        known = cache.fragments(entity.body for entity in site.all() if entity.body.strip())
    workers = worker_count() if workers is None else workers
    if workers <= 1 or len(pages) < min_pages or "fork" not in multiprocessing.get_all_start_methods():
        renderer = Renderer(site, theme, body_cache=dict(known), helpers=helpers)
        files = renderer.render_all(pages, diagnostics)
        if cache is not None:
            cache.add_fragments({b: h for b, h in renderer.body_cache.items() if b not in known})
        return files

    size = max(1, -(-len(pages) // (workers * SLICES_PER_WORKER)))
    bounds = [(start, min(start + size, len(pages))) for start in range(0, len(pages), size)]
    files: dict[str, bytes] = {}
    problems = []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(site, theme, pages, known, helpers, cache is not None)) as pool:
        for chunk_files, chunk_problems, fragments in pool.map(_render_slice, bounds):
            files.update(chunk_files)
            problems.extend(chunk_problems)
            if cache is not None:
                cache.add_fragments(fragments)
    if problems:
        # A broken template: report exactly what a serial build reports (once per template).
        return Renderer(site, theme, body_cache=dict(known), helpers=helpers).render_all(pages, diagnostics)
    return files


# --- in a worker process (state of that process only) ---

_worker: dict = {}


def _start_worker(site, theme, pages, known, helpers, collect: bool) -> None:
    _worker["renderer"] = Renderer(site, theme, body_cache=dict(known), helpers=helpers)
    _worker["pages"] = pages
    _worker["sent"] = set(known)
    _worker["collect"] = collect  # without a cache, rendered Markdown need not travel back


def _render_slice(bounds: tuple[int, int]):
    renderer: Renderer = _worker["renderer"]
    start, end = bounds
    diagnostics = Diagnostics()
    files = renderer.render_all(_worker["pages"][start:end], diagnostics)
    if not _worker["collect"]:
        return files, diagnostics.items, {}
    sent = _worker["sent"]
    fresh = {b: h for b, h in renderer.body_cache.items() if b not in sent}
    sent.update(fresh)
    return files, diagnostics.items, fresh
