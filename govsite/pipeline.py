"""The single straight line: read → validate → resolve → render → write."""
from __future__ import annotations

import dataclasses
import hashlib
import datetime as dt
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import model
from .audit import read_report
from .cache import BuildCache, OutputFiles, inputs_digest
from .errors import BuildFailed, Diagnostic, Diagnostics, SourceLocation
from .history import history_revision, with_history
from .links import ResolveMemo, resolve
from .parallel import render_pages
from .publish import Publication
from .render import default_theme, plan_pages, site_files, theme_folders
from .schema import base_url_problem, time_zone as time_zone_of
from .search import PAGES_PER_PART
from .source import ContentTree, main_language, read_content
from .validate import site_settings, validate
from .write import MARKER, UnsafeOutput, WriteFailed, clean_stale, site_writer


@dataclass
class Options:
    content: Path = Path("content")
    theme: Path | None = None  # None: the default theme
    output: Path = Path("output")
    base_url: str | None = None  # overrides site.yaml
    with_drafts: bool = False
    today: dt.date | None = None  # None: the day in the site's time zone at SOURCE_DATE_EPOCH, or now
    strict: bool = False  # warnings fail the build too
    cache: bool = True  # reuse parsed files and rendered Markdown from .govsite-cache/ (cache.py)
    # With the cache: when nothing the build reads changed and the output is the one the last build
    # wrote, do nothing; Result.site is then None (the CLI's `build` sets this; callers that need
    # the Site, like serve, leave it off).
    skip_unchanged: bool = False
    # At most this many pages in each part of the search index: Pagefind's memory grows with
    # the pages of a part (search.py); a host with little memory may lower it.
    search_part_pages: int = PAGES_PER_PART
    # The report `govsite audit --report` wrote: the accessibility statement cites it (date,
    # tool, pages checked, result); without one it says no automated test was recorded.
    audit: Path | None = None


@dataclass
class Result:
    site: model.Site | None
    language: str = "sv"
    files: Mapping[str, bytes] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


# The last second of the year 9999 (as compilers that read SOURCE_DATE_EPOCH bound it).
MAX_EPOCH = 253402300799


def today_for(options: Options, time_zone: str, diagnostics: Diagnostics) -> dt.date:
    """The site's day: --today, else the day in the site's time zone at the instant SOURCE_DATE_EPOCH
    names (reproducible builds), else now; never the machine's own zone. SOURCE_DATE_EPOCH is
    a decimal count of seconds (reproducible-builds.org): anything else is an error, not ignored."""
    if options.today:
        return options.today
    zone = time_zone_of(time_zone) or dt.timezone.utc  # UTC only where no time zone data exists at all
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    where = SourceLocation("SOURCE_DATE_EPOCH")
    if epoch and not re.fullmatch(r"[0-9]+", epoch):
        diagnostics.error("source_date_epoch_invalid", where, value=epoch[:40])
    elif epoch:
        try:
            if len(epoch) > len(str(MAX_EPOCH)) or int(epoch) > MAX_EPOCH:
                raise OverflowError(epoch)
            return dt.datetime.fromtimestamp(int(epoch), zone).date()
        except (OverflowError, ValueError, OSError):  # beyond 9999 in the site's zone
            diagnostics.error("source_date_epoch_range", where, value=epoch[:40])
    return dt.datetime.now(zone).date()


def _time_zone(content: Path) -> str:
    """The time zone site.yaml names (the default when it names none, or has errors)."""
    config = site_settings(content)
    return config.time_zone if config else model.DEFAULT_TIME_ZONE


def load(options: Options, diagnostics: Diagnostics, cache=None) -> tuple[str, model.Site | None]:
    """Content → (language, resolved Site), the Site None when there are errors (all reported)."""
    return settle(read_content(options.content, diagnostics, cache), options, diagnostics)


def settle(tree: ContentTree, options: Options, diagnostics: Diagnostics, memo=None,
           resolved: ResolveMemo | None = None) -> tuple[str, model.Site | None]:
    """Files read → (language, resolved Site): validate, apply the options, resolve references.
    `memo` and `resolved` let the live build (incremental.py) reuse the validation and the
    resolved references of files it did not re-read."""
    content = validate(tree, diagnostics, lambda zone: today_for(options, zone, diagnostics), memo)
    if content.config is None:  # its words in the language site.yaml asks for, if it names one we have
        return main_language(tree.site.data if tree.site else {}), None
    if options.base_url is not None:
        problem = base_url_problem(options.base_url)
        if problem:
            diagnostics.error(problem, SourceLocation("--base-url"), field="--base-url", value=options.base_url)
        content.config = dataclasses.replace(content.config, base_url=options.base_url)
    if options.audit is not None:
        record = read_report(options.audit, diagnostics)
        content.config = dataclasses.replace(content.config, accessibility=dataclasses.replace(
            content.config.accessibility, audit=record))
    site = resolve(content, diagnostics, content.today, options.with_drafts, resolved)
    return content.config.language, None if diagnostics.errors else site


def _file_digest(path: Path | None) -> str | None:
    """A file the build reads outside content/ (the audit report), by content."""
    try:
        return hashlib.sha1(Path(path).read_bytes()).hexdigest() if path is not None else None
    except OSError:
        return "unreadable"


def output_identity(output: Path):
    """Which write made the output folder: its marker file is new with every write_site."""
    try:
        stat = (Path(output) / MARKER).stat()
        return str(Path(output).resolve()), stat.st_ino, stat.st_mtime_ns
    except OSError:
        return None


def _failed(diagnostics: Diagnostics, strict: bool) -> bool:
    return bool(diagnostics.errors or (strict and diagnostics.warnings))


def check(options: Options) -> Result:
    diagnostics = Diagnostics()
    language, site = load(options, diagnostics)
    return Result(site, language, diagnostics=diagnostics.items)


def build(options: Options, write: bool = True) -> Result:
    """Build the site; raises BuildFailed (with every diagnostic) and leaves output alone."""
    seconds = {}
    started = time.perf_counter()
    diagnostics = Diagnostics()
    if write:  # a build killed mid-swap left the site in a temp folder: put it back first
        clean_stale(Path(options.output))
    cache = BuildCache.load(options.content) if options.cache else None
    inputs = ""
    if cache is not None and write and options.skip_unchanged:
        # Nothing read by the build changed since the last one, whose output is intact:
        # nothing to do (Result.site is then None; the files are read from the output).
        probe = Diagnostics()  # a bad SOURCE_DATE_EPOCH: no skipping; the build below reports it
        today = today_for(options, _time_zone(options.content), probe)
        inputs = "" if probe.errors else inputs_digest([options.content, *theme_folders(options.theme)], (
            options.base_url, options.with_drafts, today.isoformat(), options.strict,
            str(Path(options.output).resolve()), history_revision(options.content), options.search_part_pages,
            _file_digest(options.audit)))
        last = cache.last_build
        if inputs and last and last["inputs"] == inputs and last["output"] is not None \
                and last["output"] == output_identity(options.output):
            seconds["total"] = time.perf_counter() - started
            return Result(None, last["language"], OutputFiles(Path(options.output), last["paths"]),
                          list(last["diagnostics"]), seconds)
    language, site = load(options, diagnostics, cache)
    seconds["load"] = time.perf_counter() - started
    if site is None or _failed(diagnostics, options.strict):
        raise BuildFailed(diagnostics.items, language)
    site = with_history(site, options, diagnostics)  # git history: what changed, when and why
    publication = Publication(site, search_part_pages=options.search_part_pages)
    theme = Path(options.theme or default_theme())
    pages = plan_pages(site) + publication.pages()
    files = site_files(theme, site)
    # Open data, feeds and the sitemap need only the pages' paths: made before the pages, so that a
    # written build knows every path before it writes anything (write.py checks them all first).
    # The open data is also made before the workers fork: the data page lists its files' sizes,
    # and without this the worker rendering it made it too (3 s at 10,000 entities).
    files.update(publication.beside_pages([*files, *(page.path for page in pages)], diagnostics))

    def render(sink=None) -> dict[str, bytes]:
        # Every core renders pages (parallel.py); same bytes as Renderer.render_all(pages).
        return render_pages(site, theme, pages, diagnostics, helpers=publication.helpers(), cache=cache, sink=sink)

    if not write:
        files.update(render())
        files.update(publication.index_pages(files, diagnostics))
        seconds["render"] = time.perf_counter() - started - seconds["load"]
        if _failed(diagnostics, options.strict):
            raise BuildFailed(diagnostics.items, language)
    else:
        files = _write(options, publication, files, pages, render, diagnostics, language)
        seconds["render"] = time.perf_counter() - started - seconds["load"]
    if cache is not None:
        if inputs:  # only when skip_unchanged: a build that may be skipped next time
            cache.remember_build(inputs, language, diagnostics.items, list(files),
                                 output=output_identity(options.output) if write else None)
        cache.save()
    seconds["total"] = time.perf_counter() - started
    return Result(site, language, files, diagnostics.items, seconds)


def _write(options: Options, publication: Publication, files: dict[str, bytes], pages: list, render,
           diagnostics: Diagnostics, language: str) -> OutputFiles:
    """Render the pages straight into the new output folder (the workers write them: this process
    never holds them all, 177 MB at 10,000 entities), index them, swap; the files, read on demand.
    A failure anywhere, rendering included, leaves the old output as it was (write.py)."""
    content = Path(options.content).resolve()
    theme = Path(options.theme or default_theme()).resolve()
    paths = [*files, *(page.path for page in pages)]  # `files` is emptied as it is written
    try:
        # Never replace, nor write inside, what the build reads: content, theme, project, cwd.
        with site_writer(Path(options.output), paths, protected=[content, content.parent, Path.cwd(), theme],
                         forbid_inside=[content, theme]) as writer:
            for relpath in sorted(files):
                writer.put(relpath, files.pop(relpath))
            publication.forget_data()  # written: the workers need not inherit them, nor this process keep them
            render(writer.put)
            if _failed(diagnostics, options.strict):  # before the swap: the old site stays
                raise BuildFailed(diagnostics.items, language)

            def index_search(folder: Path) -> list[str]:
                added = publication.index_written(folder, diagnostics)
                if _failed(diagnostics, options.strict):
                    raise BuildFailed(diagnostics.items, language)
                return added

            # The search index is made where the pages are (no copy, no read-back).
            added = writer.swap(index_search if publication.makes_search_index() else None)
    except WriteFailed as exc:
        diagnostics.error("output_write_failed", SourceLocation(str(options.output)), output=str(options.output),
                          reason=exc.reason)
        raise BuildFailed(diagnostics.items, language) from exc
    except UnsafeOutput as exc:
        diagnostics.error("output_unsafe", SourceLocation(str(options.output)), output=str(options.output),
                          reason=str(exc))
        raise BuildFailed(diagnostics.items, language) from exc
    return OutputFiles(Path(options.output), paths + added)
