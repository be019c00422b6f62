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

With a `sink` (a written build: `write.SiteWriter.put`), each page goes to the
sink in the process that rendered it, and only the diagnostics and Markdown
fragments travel back: the main process never holds the site's pages (177 MB
of HTML at 10,000 entities). A worker inherits the sink with the fork.

Small sites (below `PARALLEL_MIN_PAGES`), a single core, or a platform without
`fork` render in this process.

A failure or a signal (write.py raises SIGINT/SIGTERM as `Interrupted` in the
main process) stops the workers at once: the temp folder they write into is
about to be removed, and nothing may be written into it after that.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
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
                 min_pages: int = PARALLEL_MIN_PAGES,
                 sink: Callable[[str, bytes], None] | None = None) -> dict[str, bytes]:
    """{output path: bytes} for `pages`, in their order; template errors go to `diagnostics`.
    With `sink`, every page goes to sink(path, bytes) instead and the result is empty."""
    known: dict[str, str] = {}
    if cache is not None:
        known = cache.fragments(entity.body for entity in site.all() if entity.body.strip())
    workers = worker_count() if workers is None else workers
    if workers <= 1 or len(pages) < min_pages or "fork" not in multiprocessing.get_all_start_methods():
        renderer = Renderer(site, theme, body_cache=dict(known), helpers=helpers)
        files = renderer.render_all(pages, diagnostics, sink)
        if cache is not None:
            cache.add_fragments({b: h for b, h in renderer.body_cache.items() if b not in known})
        return files

    size = max(1, -(-len(pages) // (workers * SLICES_PER_WORKER)))
    bounds = [(start, min(start + size, len(pages))) for start in range(0, len(pages), size)]
    files: dict[str, bytes] = {}
    problems = []
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker,
                               initargs=(site, theme, pages, known, helpers, cache is not None, sink))
    try:
        for chunk_files, chunk_problems, fragments in pool.map(_render_slice, bounds):
            files.update(chunk_files)
            problems.extend(chunk_problems)
            if cache is not None:
                cache.add_fragments(fragments)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()
    if problems:
        # A broken template: report exactly what a serial build reports (once per template);
        # the build fails, so what a sink would get is thrown away.
        return Renderer(site, theme, body_cache=dict(known), helpers=helpers).render_all(
            pages, diagnostics, None if sink is None else _discard)
    return files


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the workers now, not after the slices they have started or been queued
    (ProcessPoolExecutor's shutdown waits for those), and wait until they are gone."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public list before 3.14
    for process in processes:
        process.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    for process in processes:
        process.join()


def _discard(relpath: str, data: bytes) -> None:
    pass


# --- in a worker process (state of that process only) ---

_worker: dict = {}


def _start_worker(site, theme, pages, known, helpers, collect: bool, sink) -> None:
    # Signals are the main process's to handle (write.py undoes the write, then exits): Ctrl-C,
    # which a terminal sends to the whole group, is ignored here; the inherited handler that
    # raises Interrupted is replaced, so SIGTERM simply ends a worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker["sink"] = sink
    _worker["renderer"] = Renderer(site, theme, body_cache=dict(known), helpers=helpers)
    _worker["pages"] = pages
    _worker["sent"] = set(known)
    _worker["collect"] = collect  # without a cache, rendered Markdown need not travel back


def _render_slice(bounds: tuple[int, int]):
    renderer: Renderer = _worker["renderer"]
    start, end = bounds
    diagnostics = Diagnostics()
    files = renderer.render_all(_worker["pages"][start:end], diagnostics, _worker["sink"])
    if not _worker["collect"]:
        return files, diagnostics.items, {}
    sent = _worker["sent"]
    fresh = {b: h for b, h in renderer.body_cache.items() if b not in sent}
    sent.update(fresh)
    return files, diagnostics.items, fresh
