"""The single straight line: read → validate → resolve → render → write."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import model
from .cache import BuildCache
from .errors import BuildFailed, Diagnostic, Diagnostics, SourceLocation
from .links import resolve
from .parallel import render_pages
from .render import Renderer, default_theme, plan_pages
from .source import read_content
from .validate import validate
from .write import UnsafeOutput, write_site


@dataclass
class Options:
    content: Path = Path("content")
    theme: Path | None = None  # None: the default theme
    output: Path = Path("output")
    base_url: str | None = None  # overrides site.yaml
    with_drafts: bool = False
    today: dt.date | None = None  # None: SOURCE_DATE_EPOCH or the real date
    strict: bool = False  # warnings fail the build too
    cache: bool = True  # reuse parsed files and rendered Markdown from .govsite-cache/ (cache.py)


@dataclass
class Result:
    site: model.Site | None
    language: str = "sv"
    files: dict[str, bytes] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def today_for(options: Options) -> dt.date:
    if options.today:
        return options.today
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


def load(options: Options, diagnostics: Diagnostics, cache=None) -> tuple[str, model.Site | None]:
    """Content → (language, resolved Site), the Site None when there are errors (all reported)."""
    today = today_for(options)
    tree = read_content(options.content, diagnostics, cache)
    content = validate(tree, diagnostics, today)
    if content.config is None:
        return "sv", None
    if options.base_url is not None:
        content.config = dataclasses.replace(content.config, base_url=options.base_url)
    site = resolve(content, diagnostics, today, options.with_drafts)
    return content.config.language, None if diagnostics.errors else site


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
    cache = BuildCache.load(options.content) if options.cache else None
    language, site = load(options, diagnostics, cache)
    seconds["load"] = time.perf_counter() - started
    if site is None or _failed(diagnostics, options.strict):
        raise BuildFailed(diagnostics.items, language)
    renderer = Renderer(site, options.theme or default_theme())
    files = renderer.static_files()
    # Every core renders pages (parallel.py); same bytes as renderer.render_all(pages).
    files.update(render_pages(site, renderer.theme, plan_pages(site), diagnostics, cache=cache))
    seconds["render"] = time.perf_counter() - started - seconds["load"]
    if _failed(diagnostics, options.strict):
        raise BuildFailed(diagnostics.items, language)
    if write:
        content = Path(options.content).resolve()
        try:
            write_site(files, Path(options.output), protected=[content, content.parent, Path.cwd()])
        except UnsafeOutput as exc:
            diagnostics.error("output_unsafe", SourceLocation(str(options.output)), output=str(options.output),
                              reason=str(exc))
            raise BuildFailed(diagnostics.items, language) from exc
    if cache is not None:
        cache.save()
    seconds["total"] = time.perf_counter() - started
    return Result(site, language, files, diagnostics.items, seconds)
