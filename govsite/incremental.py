"""A site kept in memory between builds, for `govsite serve`: a one-file edit
re-reads that file and re-renders only the pages that can show it.

    live = LiveBuild(options)              # pipeline.Options; helpers/extra_pages optional
    result = live.build()                  # full build (cache + every core), writes output
    result = live.rebuild([Path("content/risks/x.md")])   # after an edit, add, delete or rename
    result.ok, result.written, result.removed, result.diagnostics, result.seconds

`rebuild` takes the paths that changed (any order; deleted and new files too;
a rename is its old and its new path). It re-reads only those files, validates
and resolves the references of those again (unchanged files reuse their earlier
validation, and their resolved references while no id appears, disappears or
becomes a draft), and re-renders:

- the pages of changed, added and removed entities,
- the pages they link to and the pages linking to them (before and after),
- every page without an entity (index pages, home, 404 and the pages other
  features add), since each of them lists entities of several kinds; their
  `{% fragment %}` rows of entities the edit cannot reach are kept (render.py),
- when an edit changed entities' text only (the body, the commonest edit:
  no field, no link, no file came or went, no new commit), none of those
  but the changed entities' own pages and the data page (it lists the open
  data's sizes),
- every page, when site.yaml, a navigation page or anything outside the kind
  folders changed (then a full rebuild, still from memory and the cache), and
  while a problem found at anything but an entity file (a kind folder that links
  out of content/) stops the build: re-reading files cannot tell it is fixed.

Feeds and open data are made again on every rebuild, from the kept open data of
the entities the edit cannot reach; the search index only on a full one (a
preview's search may lag behind an edit until the next full build).

Output files are rewritten only when their bytes changed, each atomically; a
failed rebuild writes nothing and keeps the last good site (result.ok False,
with every diagnostic). The output equals a cold `govsite build` of the same
content, search index aside (tests/test_performance.py checks this after edits, adds,
deletes, renames).
"""
from __future__ import annotations

import dataclasses
import gc
import itertools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import model
from .cache import BuildCache
from .errors import BuildFailed, Diagnostic, Diagnostics, SourceLocation
from .feeds import feed_path
from .history import with_history
from .links import ResolveMemo
from .parallel import render_pages
from .pipeline import Options, _failed, settle
from .publish import DATA_PAGE, Publication
from .render import FragmentStore, PageSpec, Renderer, default_theme, plan_pages, site_files
from .source import TRANSLATION_NAME, ContentTree, _read_entity, read_content
from .views import shown_kinds
from .write import UnsafeOutput, safe_relpath, write_site


@dataclass
class LiveResult:
    ok: bool
    site: model.Site | None
    language: str = "sv"
    written: list[str] = field(default_factory=list)  # output paths whose bytes changed
    removed: list[str] = field(default_factory=list)  # output paths deleted
    rendered: int = 0  # pages rendered (the rest were kept)
    full: bool = False  # everything was rendered
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0


class _MemoryCache:
    """read_content's cache protocol over RawDocs kept in memory (and the disk cache)."""

    def __init__(self, disk: BuildCache | None):
        self.disk = disk
        self.docs: dict[str, tuple] = {}

    def get(self, relpath, digest):
        entry = self.docs.get(relpath)
        if entry and entry[0] == digest:
            return entry[1]
        value = self.disk.get(relpath, digest) if self.disk else None
        if value is not None:
            self.docs[relpath] = (digest, value)
        return value

    def put(self, relpath, digest, value):
        self.docs[relpath] = (digest, value)
        if self.disk:
            self.disk.put(relpath, digest, value)


class LiveBuild:
    def __init__(self, options: Options, helpers: dict | None = None,
                 extra_pages: Callable[[model.Site], list[PageSpec]] | None = None, write: bool = True,
                 freeze_gc: bool = False):
        """`helpers` (a dict, or a function of the Site giving one, for helpers that read
        the Site) and `extra_pages` (a function of the Site) are what other features give
        a Renderer and add to plan_pages(site); `write=False` keeps files in `self.files` only.
        `freeze_gc`: the process is this preview's (serve): after each full build, freeze
        the built site out of the cyclic garbage collector's way (gc.freeze is process-wide)."""
        self.freeze_gc = freeze_gc
        self.options = options
        self.helpers = helpers
        self.extra_pages = extra_pages
        self.write = write
        self.content = Path(options.content)
        self.theme = Path(options.theme or default_theme())
        self.disk = BuildCache.load(self.content) if options.cache else None
        self.docs = _MemoryCache(self.disk)
        self.validated: dict = {}
        self.resolved = ResolveMemo()
        self.tree: ContentTree | None = None
        self.site: model.Site | None = None
        self.files: dict[str, bytes] = {}  # every output file of the last good site
        self.page_files: dict[str, bytes] = {}  # its pages and static files
        self.index_files: dict[str, bytes] = {}  # its search index (made by full builds only)
        self.bodies: dict[str, str] = {}  # body text → HTML, shared by every rebuild
        # One for every partial rebuild (templates compile once), with the rows of index pages
        # of the last good site; dropped when a build fails after rendering.
        self.renderer: Renderer | None = None
        self.read_diagnostics: list[Diagnostic] = []  # what reading the current tree reported
        self.records: dict = {}  # the open data of the last good site: export.EntityData by entity, KindData by kind
        self.az_order: list | None = None  # the A–Ö index's order of the last good site (publish.py)
        self._pages: tuple | None = None  # (what plan_pages read, its pages)

    # --- public API ---

    def build(self) -> LiveResult:
        """Read everything (from memory and the cache where unchanged) and render every page."""
        started = time.perf_counter()
        diagnostics = Diagnostics()
        tree = read_content(self.content, diagnostics, self.docs)
        self.read_diagnostics = diagnostics.items
        return self._finish(tree, diagnostics, None, started)

    def rebuild(self, changed_paths: list[Path]) -> LiveResult:
        """Apply edits of these files to the in-memory site; render what they can change."""
        started = time.perf_counter()
        if self.tree is None:
            return self.build()
        diagnostics = Diagnostics()
        tree = self._patched_tree(changed_paths, diagnostics)
        if tree is None:  # site.yaml, the theme or a file outside the kind folders: all of it
            return self.build()
        return self._finish(tree, diagnostics, changed_paths, started)

    # --- steps ---

    def _patched_tree(self, changed_paths, diagnostics: Diagnostics) -> ContentTree | None:
        """The last tree with the changed files re-read, or None when that is not enough."""
        root = self.content.absolute()
        # A problem at anything but an entity file (a kind folder that links out of content/, a
        # stray file) is not found again by re-reading files: while one stops the build, read all.
        if any(not _entity_file(root, Path(d.location.path).parts[1:]) for d in self.read_diagnostics
               if d.level == "error" or (self.options.strict and d.level == "warning")):
            return None
        docs = {doc.path: doc for doc in self.tree.docs}
        fresh = Diagnostics()
        changed_rel = set()
        came_or_went = False
        for changed in changed_paths:
            path = Path(changed).absolute()
            try:
                parts = path.relative_to(root).parts
            except ValueError:
                return None  # the theme or anything else: rebuild everything
            if not _entity_file(root, parts) or TRANSLATION_NAME.match(Path(parts[-1]).stem):
                return None  # a translation (ID.LANG.md): the whole content is read again
            relpath = "/".join((root.name,) + parts)
            changed_rel.add(relpath)
            doc = _read_entity(path, parts[0], relpath, fresh, self.docs) if path.is_file() else None
            came_or_went = came_or_went or (doc is None) == (relpath in docs)
            if doc is None:  # deleted, or not a file read gives (what a full read does)
                docs.pop(relpath, None)
            else:
                docs[relpath] = doc  # in its place, if it was there
        # Every other file's read diagnostics are as they were.
        self.read_diagnostics = [d for d in self.read_diagnostics if d.location.path not in changed_rel] + fresh.items
        diagnostics.extend(self.read_diagnostics)
        kept = {"site": self.tree.site, "media": self.tree.media, "translations": self.tree.translations,
                "locales": self.tree.locales}
        if not came_or_went:  # edits only: the walk order is kept
            return ContentTree(docs=list(docs.values()), **kept)
        return ContentTree(docs=sorted(docs.values(), key=lambda d: _walk_order(d.path)), **kept)

    def _finish(self, tree: ContentTree, diagnostics: Diagnostics, changed_paths, started) -> LiveResult:
        options = self.options
        self.tree = tree  # the content as it is now, even if it does not build
        language, site = settle(tree, options, diagnostics, self.validated, self.resolved)
        if site is None or _failed(diagnostics, options.strict):
            return self._failed(language, diagnostics, started)
        # What pipeline.build adds to the core: the history, then publishing's pages, helpers and files.
        site = with_history(site, options, diagnostics)
        old_site = self.site
        full = changed_paths is None or old_site is None or self._needs_everything(old_site, site)
        affected, listed = (set(), True) if full else self._affected(old_site, site)
        # The open data of an entity the edit cannot reach is what it was (as its page is).
        # A unit's feed lists the unit and what links to it by a unit field: all of them affect the unit.
        publication = Publication(
            site, None if full else {key: data for key, data in self.records.items() if key not in affected},
            None if full else {feed_path(unit_id): self.files[feed_path(unit_id)] for unit_id in site.entities.get(
                "units", {}) if ("units", unit_id) not in affected and feed_path(unit_id) in self.files},
            None if full else self.az_order, options.search_part_pages)
        publication.data  # noqa: B018 - made here once, not also in the worker that renders the data page
        pages = self._planned(site) + publication.pages() + (self.extra_pages(site) if self.extra_pages else [])
        extra_helpers = self.helpers(site) if callable(self.helpers) else self.helpers
        helpers = {**publication.helpers(), **(extra_helpers or {})}
        wanted = pages if full else self._affected_pages(affected, listed, pages)
        render_diagnostics = Diagnostics()
        if full:
            files = site_files(self.theme, site)
            cache = self.disk if self.disk is not None else BuildCache.disabled()
            files.update(render_pages(site, self.theme, [p for p in wanted if p.key is not None],
                                      render_diagnostics, helpers=helpers, cache=cache))
            self.bodies = cache.fragments(e.body for e in site.all() if e.body.strip())
            # The pages without an entity here, by the renderer kept for edits: the first edit
            # then finds the rows of the index pages already rendered.
            renderer = self._new_renderer(site, helpers)
            files.update(renderer.render_all([p for p in wanted if p.key is None], render_diagnostics))
        else:
            renderer = self.renderer or self._new_renderer(site, helpers)
            renderer.env.fragments.forget(affected)  # what shows these entities is rendered again
            renderer.use_site(site)
            renderer.env.globals.update(helpers or {})
            renderer.body_cache = self.bodies
            page_paths = {p.path for p in pages}
            # A theme edit rebuilds everything (_patched_tree), so static files are as they were;
            # then the pages kept, then those rendered again.
            files = {path: data for path, data in self.page_files.items()
                     if path in page_paths or path.startswith(("static/", "media/"))}
            rendered = renderer.render_all(wanted, render_diagnostics)
            files.update(rendered)
        page_files = dict(files)
        # Feeds and open data again; the search index only on a full build (seconds on a large site).
        derived = publication.files(files, render_diagnostics, None if full else self.index_files)
        files.update(derived)
        diagnostics.extend(render_diagnostics.items)
        self.renderer = None  # until this build is the last good one: its rows may be of a failed site
        if render_diagnostics.errors or _failed(diagnostics, options.strict):
            return self._failed(language, diagnostics, started)
        # A page kept is the very bytes of the last build: only the files made now can differ.
        made = files.items() if full else itertools.chain(rendered.items(), derived.items())
        written = sorted(p for p, data in made if self.files.get(p) != data)
        removed = sorted(p for p in self.files if p not in files)
        if self.write:
            try:
                self._write(files, written, removed, full and old_site is None)
            except UnsafeOutput as exc:
                diagnostics.error("output_unsafe", SourceLocation(str(options.output)),
                                  output=str(options.output), reason=str(exc))
                return self._failed(language, diagnostics, started)
        self.site, self.files, self.records = site, files, publication.records  # the last good site
        if publication.order is not None:  # None: the A–Ö index was not rendered, its order is as it was
            self.az_order = publication.order
        self.page_files = page_files
        self.index_files = {p: data for p, data in derived.items() if p.startswith("pagefind/")}
        self.renderer = renderer
        if full and self.disk is not None:
            self.disk.save()  # after a full build only: a one-file edit must stay instant
        if full and self.freeze_gc:
            # The site just built lives until the next full build: out of the cyclic collector's
            # way, which otherwise walks its millions of objects for 0.2-0.4 s of every edit
            # at 10,000 entities. Unfrozen first, so that the previous site can be collected.
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        return LiveResult(True, site, language, written, removed, len(wanted), full, diagnostics.items,
                          time.perf_counter() - started)

    def _planned(self, site: model.Site) -> list[PageSpec]:
        """plan_pages(site), made again only when an entity came or went or the settings changed."""
        signature = (site.config, [tuple(site.entities.get(kind, {})) for kind in model.KINDS])
        if self._pages is None or self._pages[0] != signature:
            self._pages = signature, plan_pages(site)
        return self._pages[1]

    def _new_renderer(self, site: model.Site, helpers: dict) -> Renderer:
        """A renderer for this preview's edits: it keeps the {% fragment %} rows it renders."""
        renderer = Renderer(site, self.theme, body_cache=self.bodies, helpers=helpers)
        renderer.env.fragments = FragmentStore()
        return renderer

    def _failed(self, language, diagnostics: Diagnostics, started) -> LiveResult:
        return LiveResult(False, None, language, diagnostics=diagnostics.items,
                          seconds=time.perf_counter() - started)

    def _needs_everything(self, old: model.Site, new: model.Site) -> bool:
        """Changes every page shows: the settings, the pages in the navigation, or which kinds
        have entities (the menu and the footer show only those)."""
        def nav(site):
            return [(p.id, p.title, p.order, p.nav) for p in site.entities.get("pages", {}).values() if p.nav]
        return old.config != new.config or nav(old) != nav(new) or shown_kinds(old) != shown_kinds(new)

    def _affected(self, old: model.Site, new: model.Site) -> tuple[set, bool]:
        """The entities an edit can change the page (and open data) of, and whether it can
        change what the pages listing entities show: not when it changed entities' text only
        (and the git history is as it was)."""
        changed, text_only = set(), set()
        for kind in model.KINDS:
            before, after = old.entities.get(kind, {}), new.entities.get(kind, {})
            for entity_id in before.keys() | after.keys():
                a, b = before.get(entity_id), after.get(entity_id)
                if a is b:  # the same object: the file was not read again
                    continue
                if a is None or b is None or a != b or a.lines != b.lines:
                    changed.add((kind, entity_id))
                    if a is not None and b is not None and dataclasses.replace(
                            a, body=b.body, body_line=b.body_line) == b:
                        text_only.add((kind, entity_id))
        affected = set(changed)
        for key in changed - text_only:  # their titles and summaries show on the pages they link or are linked from
            for site in (old, new):
                affected.update(link.target for link in site.links_out.get(key, ()))
                affected.update(link.source for link in site.links_in.get(key, ()))
        relinked = False
        for before, after in ((old.links_out, new.links_out), (old.links_in, new.links_in)):
            if before is after:  # resolve kept the index: nothing links differently
                continue
            for key in before.keys() | after.keys():  # pages whose relations changed
                if before.get(key) != after.get(key):
                    affected.add(key)
                    relinked = True
        # A commit made during the preview changes the recent changes the lists show, too.
        return affected, relinked or changed != text_only or old.history.changes != new.history.changes

    def _affected_pages(self, affected: set, listed: bool, pages: list[PageSpec]) -> list[PageSpec]:
        # Every page without an entity (the index pages, search, data) and home list entities of
        # several kinds (the organisation tree shows risks, the register groups by unit): all
        # again, unless the edit changed text only (`listed` False), which the data page's sizes show.
        def lists(page: PageSpec) -> bool:
            return page.key is None or page.key == ("pages", "index")
        return [p for p in pages if p.path not in self.files or p.key in affected
                or (lists(p) and (listed or p.path == DATA_PAGE))]

    def _write(self, files: dict[str, bytes], written: list[str], removed: list[str], first: bool) -> None:
        output = Path(self.options.output)
        if first or not output.is_dir():
            content = self.content.resolve()
            write_site(files, output, protected=[content, content.parent, Path.cwd()])
            return
        for relpath in written:
            target = output / safe_relpath(relpath)
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.parent / f".{target.name}.tmp-{os.getpid()}"
            temp.write_bytes(files[relpath])
            os.replace(temp, target)
        for relpath in removed:
            target = output / safe_relpath(relpath)
            try:
                target.unlink()
                for parent in target.parents:
                    if parent == output or any(parent.iterdir()):
                        break
                    parent.rmdir()
            except OSError:
                pass


def _entity_file(root: Path, parts: tuple[str, ...]) -> bool:
    """Whether content/<parts> is (or was) one entity's file, which re-reading alone brings up to date:
    a .md file, not a link, in a kind folder (or its sub-folders) that is a real folder."""
    path = Path(root, *parts)
    return (len(parts) >= 2 and parts[0] in model.KINDS and path.suffix == ".md"
            and not any(p.startswith((".", "_")) for p in parts) and not path.is_symlink()
            and all(Path(root, *parts[:i]).is_dir() and not Path(root, *parts[:i]).is_symlink()
                    for i in range(1, len(parts))))


def _walk_order(relpath: str):
    """The order read_content yields files in: by kind folder, then path parts sorted."""
    return tuple(relpath.split("/")[1:])


__all__ = ["LiveBuild", "LiveResult", "BuildFailed"]
