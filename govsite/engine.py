"""The one build engine: `govsite build`, `serve` and `check` all drive it.

    engine = Engine(options)                # pipeline.Options
    result = engine.build()                 # everything the last build cannot vouch for
    result = engine.build([Path("content/risks/x.md")])   # serve: these files changed

A build is the five steps of docs/architecture.md, whoever calls it:

1. read    content/ → files (source.py; a file whose bytes are unchanged is not parsed again),
2. settle  validate and resolve (pipeline.settle), then the git history (history.py),
3. plan    every output page, and for each a *fingerprint*: a digest of everything the page
           can show (below); a page whose fingerprint is the one the last build wrote is kept,
4. render  the other pages (parallel.py), and the files beside them (publish.py),
5. write   through write.py: a new folder and a swap when every page is new, else the changed
           files in place (write.update_site), with the same protections either way.

What may be reused between builds lives in one object, `Memory`, which the engine owns:
in memory for `serve`, and for the CLI its fingerprints and the output they describe are
kept in `.govsite-cache/` (cache.py) beside the parsed files. The stages never see it.

A page's fingerprint is computed from the resolved site before anything renders
(`page_fingerprints`): the site-wide inputs every page shows (settings, theme, the
menu, the day, which kinds exist), the entity's own data, history and backlinks, and
what it links to or is linked from, without their bodies; a page that lists entities
(an index page, home, search, the statement) depends on every entity without its body,
and the data page on the open data's sizes too. So a body edit renders its own page and
the data page, a title edit its neighbours and the lists, a settings edit everything —
decided from the data, never from tags in a theme.
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import model, search
from .cache import BuildCache, OutputFiles, inputs_digest
from .errors import BuildFailed, Diagnostics, SourceLocation
from .history import history_revision, with_history
from .links import ResolveMemo
from .parallel import render_pages
from .pipeline import Options, Result, failed, output_identity, settle, site_settings_time_zone, today_for
from .publish import DATA_PAGE, Publication
from .links import entity_page
from .render import PageSpec, default_theme, plan_pages, site_files, theme_folders
from .source import TRANSLATION_NAME, ContentTree, _read_entity, read_content
from .views import shown_kinds
from .write import UnsafeOutput, WriteFailed, clean_stale, site_writer, update_site

# Above this share of the pages, a build writes a new folder and swaps it in (one rename,
# the old site whole until then); below it, only the changed files are replaced in place.
IN_PLACE_SHARE = 0.5


class _DocMemory:
    """read_content's cache protocol over parsed files kept in memory (and the disk cache)."""

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


@dataclass
class Memory:
    """Everything one build may reuse from the last good one, in one place."""
    disk: BuildCache | None  # the persisted part (parsed files, rendered Markdown, the last build)
    docs: _DocMemory
    validated: dict = field(default_factory=dict)  # (path, digest) → entity, per file (validate.py)
    resolved: ResolveMemo = field(default_factory=ResolveMemo)
    tree: ContentTree | None = None  # the content as last read, good or not
    read_diagnostics: list = field(default_factory=list)
    site: model.Site | None = None  # the last good site
    fingerprints: dict = field(default_factory=dict)  # output path → fingerprint, of the output as written
    paths: list = field(default_factory=list)  # every output path of the last good build
    files: dict | None = None  # every output file, when the caller keeps them (serve)
    records: dict = field(default_factory=dict)  # open data made last time, by entity key and kind
    az_order: list | None = None
    search_index: dict = field(default_factory=dict)  # serve's last index (made by its full builds)
    search_parts: dict = field(default_factory=dict)  # folder of a part of the index → digest of its pages


class Engine:
    def __init__(self, options: Options, write: bool = True, keep_files: bool = False, freeze_gc: bool = False):
        """`write`: write the output folder; `keep_files`: also keep every output file in
        memory (`result.files`, what serve serves); `freeze_gc`: this process is a preview's:
        after each full build the built site leaves the cyclic collector's way."""
        self.options = options
        self.write = write
        self.keep_files = keep_files
        self.freeze_gc = freeze_gc
        self.content = Path(options.content)
        self.theme = Path(options.theme or default_theme())
        disk = BuildCache.load(self.content) if options.cache else None
        self.memory = Memory(disk, _DocMemory(disk))
        if disk is not None and disk.last_build and write and not keep_files:
            # The CLI: the fingerprints of the output the last build wrote, if that output is still it.
            last = disk.last_build
            if last["output"] is not None and last["output"] == output_identity(options.output):
                self.memory.fingerprints = dict(last["pages"])
                self.memory.paths = list(last["paths"])
                self.memory.search_parts = dict(last["search"])

    # --- the build ---

    def build(self, changed: list[Path] | None = None) -> Result:
        """Build what changed (`changed`: the files a watcher saw change; None: find out);
        raises BuildFailed with every diagnostic, the output as it was."""
        started = time.perf_counter()
        options, memory = self.options, self.memory
        diagnostics = Diagnostics()
        if self.write:  # a build killed mid-swap left the site in a temp folder: put it back first
            clean_stale(Path(options.output))
        skipped, inputs = self._unchanged()
        if skipped is not None:
            skipped.seconds["total"] = time.perf_counter() - started
            return skipped
        tree = self._read(changed, diagnostics)  # 1. read
        language, site = settle(tree, options, diagnostics, memory.validated, memory.resolved)  # 2. settle
        seconds = {"load": time.perf_counter() - started}
        if site is None or failed(diagnostics, options.strict):
            raise BuildFailed(diagnostics.items, language)
        site = with_history(site, options, diagnostics)
        publication = Publication(site, known_order=memory.az_order if memory.site is not None else None,
                                  search_part_pages=options.search_part_pages)
        pages = plan_pages(site) + publication.pages()  # 3. plan
        parts = search.partition(publication.public_pages, options.search_part_pages, site.config.languages[1:])
        prints = page_fingerprints(site, pages, self._site_wide(site, publication, parts))
        # {folder of a part of the search index: a digest of its pages' fingerprints}: a part is made again
        # only when it changed (_search_index)
        part_prints = {folder: _digest(repr([(path, prints.get(path)) for path in members]))
                       for folder, members in parts.items()} if publication.makes_search_index() else {}
        self._reuse_open_data(publication, prints)
        if DATA_PAGE in prints:  # the data page lists the open data's sizes
            prints[DATA_PAGE] = _digest(prints[DATA_PAGE] + repr(publication.data_files()))
        wanted = [page for page in pages if memory.fingerprints.get(page.path) != prints[page.path]]
        files = site_files(self.theme, site)  # 4. render, 5. write
        files.update(publication.beside_pages([*files, *(page.path for page in pages)], diagnostics))
        everything = len(wanted) > IN_PLACE_SHARE * len(pages) or not (memory.paths or memory.files)
        if everything:
            paths = self._everything(site, publication, pages, files, diagnostics, language)
        else:
            paths = self._changes(site, publication, pages, parts, part_prints, wanted, files, diagnostics, language)
        seconds["render"] = time.perf_counter() - started - seconds["load"]
        self._remember(site, publication, prints, part_prints, paths, inputs, language, diagnostics, everything)
        seconds["total"] = time.perf_counter() - started
        result_files = memory.files if self.keep_files else OutputFiles(Path(options.output), paths) \
            if self.write else {}
        return Result(site, language, result_files, diagnostics.items, seconds, rendered=len(wanted),
                      everything=everything)

    def check(self) -> Result:
        """Steps 1 and 2 and the checks of what would be published: every problem build reports."""
        diagnostics = Diagnostics()
        language, site = settle(self._read(None, diagnostics), self.options, diagnostics)
        return Result(site, language, diagnostics=diagnostics.items)

    # --- 1. read ---

    def _read(self, changed: list[Path] | None, diagnostics: Diagnostics) -> ContentTree:
        memory = self.memory
        tree = self._patched(changed, diagnostics) if changed and memory.tree is not None else None
        if tree is None:
            fresh = Diagnostics()
            tree = read_content(self.content, fresh, memory.docs)
            memory.read_diagnostics = fresh.items
            diagnostics.extend(fresh.items)
        memory.tree = tree
        return tree

    def _patched(self, changed: list[Path], diagnostics: Diagnostics) -> ContentTree | None:
        """The last tree with the changed files read again, or None when reading all is needed:
        site.yaml, the theme, a file outside the kind folders, or a problem re-reading cannot clear."""
        memory = self.memory
        root = self.content.absolute()
        if any(not _entity_file(root, Path(d.location.path).parts[1:]) for d in memory.read_diagnostics
               if d.level == "error" or (self.options.strict and d.level == "warning")):
            return None
        docs = {doc.path: doc for doc in memory.tree.docs}
        fresh = Diagnostics()
        changed_rel = set()
        came_or_went = False
        for path in (Path(p).absolute() for p in changed):
            try:
                parts = path.relative_to(root).parts
            except ValueError:
                return None
            if not _entity_file(root, parts) or TRANSLATION_NAME.match(Path(parts[-1]).stem):
                return None  # a translation (ID.LANG.md): the whole content is read again
            relpath = "/".join((root.name,) + parts)
            changed_rel.add(relpath)
            doc = _read_entity(path, parts[0], relpath, fresh, memory.docs) if path.is_file() else None
            came_or_went = came_or_went or (doc is None) == (relpath in docs)
            if doc is None:
                docs.pop(relpath, None)
            else:
                docs[relpath] = doc
        memory.read_diagnostics = [d for d in memory.read_diagnostics
                                   if d.location.path not in changed_rel] + fresh.items
        diagnostics.extend(memory.read_diagnostics)
        order = list(docs.values()) if not came_or_went else sorted(
            docs.values(), key=lambda d: tuple(d.path.split("/")[1:]))  # the order read_content walks in
        return ContentTree(site=memory.tree.site, docs=order, media=memory.tree.media,
                           translations=memory.tree.translations, locales=memory.tree.locales)

    # --- 2. unchanged: nothing to do ---

    def _unchanged(self) -> tuple[Result | None, str]:
        """(the last build's result, when nothing it read changed and its output is intact;
        the digest of the inputs). Only for the CLI's `build` (options.skip_unchanged)."""
        options, disk = self.options, self.memory.disk
        if disk is None or not self.write or not options.skip_unchanged:
            return None, ""
        probe = Diagnostics()  # a bad SOURCE_DATE_EPOCH: no skipping; the build reports it
        today = today_for(options, site_settings_time_zone(options.content), probe)
        if probe.errors:
            return None, ""
        inputs = inputs_digest([options.content, *theme_folders(options.theme)], (
            options.base_url, options.with_drafts, today.isoformat(), options.strict,
            str(Path(options.output).resolve()), history_revision(options.content), options.search_part_pages,
            _file_digest(options.audit)))
        last = disk.last_build
        if last and last["inputs"] == inputs and last["output"] is not None \
                and last["output"] == output_identity(options.output):
            return Result(None, last["language"], OutputFiles(Path(options.output), last["paths"]),
                          list(last["diagnostics"]), {}), inputs
        return None, inputs

    # --- 3. plan ---

    def _reuse_open_data(self, publication: Publication, prints: dict) -> None:
        """The open data of an entity whose page is as it was is what it was (both show the same)."""
        memory = self.memory
        if memory.site is None:
            return
        kept = {key: data for key, data in memory.records.items()
                if isinstance(key, str) or memory.fingerprints.get(entity_page(*key)) == prints.get(entity_page(*key))}
        publication.reuse_records(kept)

    def _site_wide(self, site: model.Site, publication: Publication, parts: dict) -> str:
        """What every page can show besides entities: settings, the day, the menu, the theme."""
        def nav(page):
            return page.id, page.title, page.order, page.nav
        theme = inputs_digest(theme_folders(self.options.theme), ())
        tables = sorted((language, table.table) for language, table in site.config.tables.items())
        return _digest(repr((site.config, tables, site.today, site.with_drafts, shown_kinds(site), theme,
                             [nav(p) for p in site.entities.get("pages", {}).values() if p.nav],
                             publication.search_page, publication.data_page,
                             list(parts),
                             self.options.search_part_pages, sorted(site.media))))

    # --- 4 and 5: render and write ---

    def _everything(self, site, publication, pages, files, diagnostics, language) -> list[str]:
        """Every page rendered: into a new folder (the workers write the pages, so no process
        holds them all), indexed there, swapped in; or into memory for serve."""
        memory = self.memory
        cache = memory.disk

        def render(sink=None):
            return render_pages(site, self.theme, pages, diagnostics, helpers=publication.helpers(), cache=cache,
                                sink=sink)

        if not self.write or self.keep_files:
            kept = dict(files)
            kept.update(render())
            self._stop_on_problems(diagnostics, language)
            index = publication.index_pages(kept, diagnostics)
            kept.update(index)
            memory.search_index = index
            if self.write:
                self._write_folder(kept, lambda writer: [writer.put(p, d) for p, d in sorted(kept.items())],
                                   None, diagnostics, language)
            memory.files = kept
            return list(kept)
        paths = [*files, *(page.path for page in pages)]

        def fill(writer):
            for relpath in sorted(files):
                writer.put(relpath, files.pop(relpath))
            publication.forget_data()  # written: the workers need not inherit them
            render(writer.put)
            self._stop_on_problems(diagnostics, language)

        def index_search(folder: Path) -> list[str]:
            added = publication.index_written(folder, diagnostics)
            self._stop_on_problems(diagnostics, language)
            return added

        added = self._write_folder(paths, fill, index_search if publication.makes_search_index() else None,
                                   diagnostics, language)
        return paths + added

    def _changes(self, site, publication, pages, parts, part_prints, wanted, files, diagnostics,
                 language) -> list[str]:
        """Only the pages whose fingerprint changed, rendered into memory; then the files whose
        bytes changed replace theirs in place, and those no longer made go."""
        memory = self.memory
        rendered = render_pages(site, self.theme, wanted, diagnostics, helpers=publication.helpers(),
                                cache=memory.disk)
        self._stop_on_problems(diagnostics, language)
        files.update(rendered)
        kept: list[str] = []  # search index files kept as they are on disk
        if publication.makes_search_index() and memory.files is not None:
            # serve: the preview's index waits for the next full build (seconds per edit otherwise)
            files.update(memory.search_index)
        elif publication.makes_search_index():
            index, kept = self._search_index(publication, parts, part_prints, rendered, diagnostics)
            files.update(index)
        paths = set(files) | {page.path for page in pages} | set(kept)
        before = memory.files
        if before is not None:  # kept in memory: compare there
            changed = {p: d for p, d in files.items() if before.get(p) != d}
            removed = [p for p in before if p not in paths]
        else:  # on disk: update_site writes only what differs
            changed = files
            removed = [p for p in memory.paths if p not in paths]
        if self.write:
            content = self.content.resolve()
            try:
                update_site(Path(self.options.output), changed, removed, keep=paths,
                            protected=[content, content.parent, Path.cwd(), self.theme.resolve()],
                            forbid_inside=[content, self.theme.resolve()])
            except WriteFailed as exc:
                self._fail("output_write_failed", diagnostics, language, reason=exc.reason, exc=exc)
            except UnsafeOutput as exc:
                self._fail("output_unsafe", diagnostics, language, reason=str(exc), exc=exc)
        if before is not None:
            for path in removed:
                before.pop(path, None)
            before.update(changed)
            return list(before)
        return sorted(set(paths))

    def _search_index(self, publication, parts, part_prints, rendered,
                      diagnostics) -> tuple[dict[str, bytes], list[str]]:
        """The CLI's index after an edit, part by part (search.py): a part none of whose pages
        changed is kept as written; the others are made again from their pages, as rendered now
        or as on disk. (the files made, the paths kept)"""
        output = Path(self.options.output)
        made, kept = {}, []
        for folder, members in parts.items():
            if self.memory.search_parts.get(folder) == part_prints[folder]:
                kept += [p for p in self.memory.paths if search.in_part(p, folder)]
                continue
            pages = {p: rendered[p] if p in rendered else (output / p).read_bytes() for p in members}
            try:
                made.update(search.index_part(pages, folder))
            except search.SearchFailed as exc:
                diagnostics.warning("publish_search_failed", SourceLocation(publication.site.config.path, 1),
                                    problem=str(exc))
                return {}, []
        return made, kept

    def _write_folder(self, paths, fill, finish, diagnostics, language) -> list[str]:
        """A new output folder, filled by `fill(writer)`, finished and swapped in (write.py)."""
        options = self.options
        content = self.content.resolve()
        theme = self.theme.resolve()
        try:
            # Never replace, nor write inside, what the build reads: content, theme, project, cwd.
            with site_writer(Path(options.output), paths, protected=[content, content.parent, Path.cwd(), theme],
                             forbid_inside=[content, theme]) as writer:
                fill(writer)
                return writer.swap(finish)
        except WriteFailed as exc:
            self._fail("output_write_failed", diagnostics, language, reason=exc.reason, exc=exc)
        except UnsafeOutput as exc:
            self._fail("output_unsafe", diagnostics, language, reason=str(exc), exc=exc)

    def _stop_on_problems(self, diagnostics: Diagnostics, language: str) -> None:
        if failed(diagnostics, self.options.strict):
            raise BuildFailed(diagnostics.items, language)

    def _fail(self, code, diagnostics, language, reason, exc):
        output = str(self.options.output)
        diagnostics.error(code, SourceLocation(output), output=output, reason=reason)
        raise BuildFailed(diagnostics.items, language) from exc

    # --- after a good build ---

    def _remember(self, site, publication, prints, part_prints, paths, inputs, language, diagnostics,
                  everything) -> None:
        memory = self.memory
        memory.site, memory.fingerprints, memory.paths = site, prints, list(paths)
        memory.search_parts = part_prints
        memory.records = publication.records
        memory.az_order = publication.order
        if memory.disk is not None:
            if self.write and not self.keep_files:
                memory.disk.remember_build(inputs, language, diagnostics.items, list(paths),
                                           output=output_identity(self.options.output), pages=prints,
                                           search=memory.search_parts)
            if everything or not self.keep_files:  # a one-file edit in serve must stay instant
                memory.disk.save()
        if everything and self.freeze_gc:
            # The site just built lives until the next full build: out of the cyclic collector's
            # way, which otherwise walks its millions of objects for 0.2-0.4 s of every edit at
            # 10,000 entities. Unfrozen first, so that the previous site can be collected.
            gc.unfreeze()
            gc.collect()
            gc.freeze()


# --- fingerprints ---

_SHOWN_FIELDS: dict = {}  # entity class → its fields but `lines` (where each key is written, shown nowhere)


def _values(entity: model.Entity, leave_out: tuple = ()) -> tuple:
    names = _SHOWN_FIELDS.get(type(entity))
    if names is None:
        names = _SHOWN_FIELDS[type(entity)] = tuple(f.name for f in dataclasses.fields(entity) if f.name != "lines")
    return tuple(getattr(entity, name) for name in names if name not in leave_out)


def _pickled(value) -> str:
    """A digest of the value as pickled without pickle's memo, which writes an object met twice as a
    reference: an equal value whose parts happen to be shared differently would differ."""
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream, protocol=5)
    pickler.fast = True  # no memo (the values hold no cycles)
    pickler.dump(value)
    return hashlib.blake2b(stream.getbuffer(), digest_size=16).hexdigest()


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def page_fingerprints(site: model.Site, pages: list[PageSpec], site_wide: str) -> dict[str, str]:
    """{output path: digest of everything the page can show}: see the module's docstring.
    Values are hashed as pickled (pickle writes every value it is given, and does it in C:
    repr of 10,000 dataclasses took a second)."""
    shown = {}  # an entity as other pages show it: without its body
    whole = {}  # an entity as its own page shows it
    for entity in site.all():
        key = entity.key
        translations = sorted(site.translations.get(key, {}).items())  # every other language's text of it
        shown[key] = _pickled((key, _values(entity, ("body", "body_line")), site.links_out.get(key, ()),
                               [(language, _values(text, ("body", "body_line"))) for language, text in translations]))
        whole[key] = _pickled((shown[key], entity.body, [text.body for _, text in translations],
                               site.links_in.get(key, ()), site.history.entities.get(key, ())))
    lists = _digest(site_wide + "".join(shown.values()) + _pickled(site.history.changes))
    prints = {}
    for page in pages:
        if page.key is None or page.key == ("pages", "index"):
            prints[page.path] = _digest(lists + page.path + page.template + whole.get(page.key, ""))
            continue
        key = page.key
        near = {link.target for link in site.links_out.get(key, ())} | {
            link.source for link in site.links_in.get(key, ())}
        prints[page.path] = _digest(site_wide + page.path + page.template + whole.get(key, "")
                                    + "".join(shown.get(k, "") for k in sorted(near)))
    return prints


def _file_digest(path: Path | None) -> str | None:
    """A file the build reads outside content/ (the audit report), by content."""
    try:
        return hashlib.sha1(Path(path).read_bytes()).hexdigest() if path is not None else None
    except OSError:
        return "unreadable"


def _entity_file(root: Path, parts: tuple[str, ...]) -> bool:
    """Whether content/<parts> is (or was) one entity's file, which re-reading alone brings up to date:
    a .md file, not a link, in a kind folder (or its sub-folders) that is a real folder."""
    path = Path(root, *parts)
    return (len(parts) >= 2 and parts[0] in model.KINDS and path.suffix == ".md"
            and not any(p.startswith((".", "_")) for p in parts) and not path.is_symlink()
            and all(Path(root, *parts[:i]).is_dir() and not Path(root, *parts[:i]).is_symlink()
                    for i in range(1, len(parts))))


def build(options: Options, write: bool = True) -> Result:
    """Build the site; raises BuildFailed (with every diagnostic) and leaves the output alone.
    `write=False`: the files in memory only (result.files), nothing written."""
    return Engine(options, write=write, keep_files=not write).build()


def check(options: Options) -> Result:
    """Every problem `build` would report, without rendering or writing."""
    return Engine(options, write=False).check()
