"""The content half of the build, which engine.py drives: options, the site's day, and
settle (validate, apply the options, resolve references)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import model
from .audit import read_report
from .errors import Diagnostic, Diagnostics, SourceLocation
from .links import ResolveMemo, resolve
from .write import MARKER
from .schema import base_url_problem, time_zone as time_zone_of
from .search import PAGES_PER_PART
from .source import ContentTree, main_language, read_content
from .validate import site_settings, validate


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
    rendered: int = 0  # pages rendered (the others were as the last build left them)
    everything: bool = False  # every page was rendered, and the output written anew


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


def site_settings_time_zone(content: Path) -> str:
    """The time zone site.yaml names (the default when it names none, or has errors)."""
    config = site_settings(content)
    return config.time_zone if config else model.DEFAULT_TIME_ZONE


def load(options: Options, diagnostics: Diagnostics, cache=None) -> tuple[str, model.Site | None]:
    """Content → (language, resolved Site), the Site None when there are errors (all reported)."""
    return settle(read_content(options.content, diagnostics, cache), options, diagnostics)


def settle(tree: ContentTree, options: Options, diagnostics: Diagnostics, memo=None,
           resolved: ResolveMemo | None = None) -> tuple[str, model.Site | None]:
    """Files read → (language, resolved Site): validate, apply the options, resolve references.
    `memo` and `resolved` let the engine (engine.py) reuse the validation and the
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


def output_identity(output: Path):
    """Which write made the output folder: its marker file is new with every write_site."""
    try:
        stat = (Path(output) / MARKER).stat()
        return str(Path(output).resolve()), stat.st_ino, stat.st_mtime_ns
    except OSError:
        return None


def failed(diagnostics: Diagnostics, strict: bool) -> bool:
    return bool(diagnostics.errors or (strict and diagnostics.warnings))
