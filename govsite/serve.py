"""`govsite serve`: build, serve on 127.0.0.1 with live reload, rebuild on every save.

A failed rebuild never stops the server: the last good site stays served and
every HTML page shows the problems (`path:line: message`) in a banner with
role="alert", in the site's language, until the content is fixed.

The build is one call (`Rebuilder._build`) to the engine `govsite build` uses
(engine.py), which keeps the site in memory between edits. The site is served from the build's
in-memory files (`{relpath: bytes}`): only paths the build produced can ever
be served, and nothing is written (writing the output folder took longer than
rendering; `govsite build` publishes). `--write` keeps output/ in step too.

Only requests addressed to the preview are answered (host_allowed, on every route: a web
page the communicator visits could otherwise read it by DNS rebinding), and redirects
stay on the site (lookup).
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import ipaddress
import mimetypes
import os
import re
import sys
import time
import urllib.parse
from pathlib import Path

from .errors import BuildFailed
from .locale import Locale
from .engine import Engine
from .pipeline import Options

SERVE_CSS = "/_govsite/serve.css"  # the banner's style (inline style would break the site's CSP)
CSS = b"""\
.govsite-serve-errors{background:#fff4f4;color:#1a1a1a;border:4px solid #b00020;margin:0;padding:1rem 1.5rem;
font:1rem/1.5 system-ui,sans-serif}
.govsite-serve-errors h2{margin:0 0 .5rem;font-size:1.25rem;color:#8a0018}
.govsite-serve-errors ul{margin:.5rem 0 0;padding-left:1.25rem}
.govsite-serve-errors li{margin:.25rem 0;white-space:pre-wrap;overflow-wrap:anywhere}
"""
IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", "#")


def _watched_file(name: str) -> bool:
    """Editors' temporary and backup files are not content."""
    return not name.startswith((".", "#", "_")) and not name.endswith(IGNORED_SUFFIXES)


class Rebuilder:
    """Keeps the last good site and the problems of the latest build."""

    def __init__(self, options: Options, write: bool = False, stream=None):
        self.options = options
        self.write = write
        self.stream = stream or sys.stderr
        self.files: dict[str, bytes] = {}  # the last good site
        self.problems: list[str] = []  # formatted diagnostics of the latest failed build
        self.language = "sv"
        self.generation = 0  # counts good builds
        self.last_seconds: tuple[float, float] = (0.0, 0.0)  # (wall, cpu) of the latest build
        self._engine: Engine | None = None  # the build engine, its last site kept in memory between edits
        self.watched = [Path(options.content)] + ([Path(options.theme)] if options.theme else [])
        self._snapshot = self._scan()

    # --- what changed ---

    def _scan(self) -> dict[Path, tuple[int, int]]:
        state = {}
        for folder in self.watched:
            for root, dirs, names in os.walk(folder):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                # os.walk does not enter a linked folder: the link itself is watched (made, changed, removed)
                links = [Path(root) / d for d in dirs if os.path.islink(os.path.join(root, d))]
                for path in [Path(root) / name for name in names if _watched_file(name)] + links:
                    try:
                        stat = path.lstat() if path in links else path.stat()
                    except OSError:
                        continue
                    state[path] = (stat.st_mtime_ns, stat.st_size)
        return state

    def changes(self) -> list[Path]:
        """Files added, edited or removed under the watched folders since the last look."""
        now = self._scan()
        changed = sorted(p for p in now.keys() | self._snapshot.keys() if now.get(p) != self._snapshot.get(p))
        self._snapshot = now
        return changed

    def poll(self) -> bool:
        """Rebuild if anything changed; True when a rebuild ran (the browser should reload)."""
        changed = self.changes()
        if changed:
            self.rebuild(changed)
        return bool(changed)

    # --- building ---

    def _build(self, changed: list[Path]) -> tuple[str, dict[str, bytes], list]:
        """The single build step: (language, files, diagnostics), or BuildFailed.

        The engine keeps the site in memory (engine.py): an edit re-reads the changed files
        and renders only the pages whose inputs changed; no list of changes means read all."""
        if self._engine is None:
            self._engine = Engine(self.options, write=self.write, keep_files=True, freeze_gc=True)
        result = self._engine.build(changed or None)
        return result.language, dict(result.files), result.diagnostics

    def rebuild(self, changed: list[Path]) -> bool:
        """Build the site again; on failure keep the last good files and record the problems."""
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            language, files, diagnostics = self._build(changed)
        except BuildFailed as failure:
            self.language = failure.language
            locale = Locale.load(failure.language)
            self.problems = [locale.format(d) for d in failure.diagnostics if d.level != "notice"]
            self._done(wall, cpu)
            for line in self.problems:
                print(line, file=self.stream)
            print(locale.t("serve.failed", errors=sum(d.level == "error" for d in failure.diagnostics)),
                  file=self.stream, flush=True)
            return False
        except Exception as exc:  # a bug must not stop the preview; show it like a content problem
            self.problems = [f"{type(exc).__name__}: {exc}"]
            self._done(wall, cpu)
            print(self.problems[0], file=self.stream, flush=True)
            return False
        self.language, self.files, self.problems = language, files, []
        self.generation += 1
        self._done(wall, cpu)
        locale = Locale.load(language)
        for diagnostic in diagnostics:
            print(locale.format(diagnostic), file=self.stream)
        names = ", ".join(str(p) for p in changed[:3]) + (" …" if len(changed) > 3 else "")
        print(locale.t("serve.rebuilt", pages=sum(p.endswith(".html") for p in files),
                       seconds=f"{self.last_seconds[0]:.2f}", changed=names or "–"), file=self.stream, flush=True)
        return True

    def _done(self, wall: float, cpu: float) -> None:
        self.last_seconds = (time.perf_counter() - wall, time.process_time() - cpu)


class SiteApp:
    """A WSGI app that serves the Rebuilder's last good site, and its problems."""

    def __init__(self, rebuilder: Rebuilder):
        self.rebuilder = rebuilder
        self.script_hash = ""  # CSP hash of livereload's inline script, set by the server

    def __call__(self, environ, start_response):
        raw = environ.get("PATH_INFO", "/")
        try:
            path = raw.encode("latin-1").decode("utf-8")
        except UnicodeError:
            path = raw
        if path == SERVE_CSS:
            return self._send(start_response, "200 OK", "text/css; charset=utf-8", CSS)
        files = self.rebuilder.files
        if not files:
            return self._send(start_response, "500 Internal Server Error", "text/html; charset=utf-8",
                              self.error_page())
        status, target = lookup(files, path)
        if status == 301:
            start_response("301 Moved Permanently", [("Location", target), ("Cache-Control", "no-store")])
            return [b""]
        if status == 404:
            body = files.get("404.html", b"<!doctype html><html><head></head><body>404</body></html>")
            return self._send(start_response, "404 Not Found", "text/html; charset=utf-8", self.page(body))
        kind = mimetypes.guess_type(target)[0] or "application/octet-stream"
        body = files[target]
        if kind == "text/html":
            kind, body = "text/html; charset=utf-8", self.page(body)
        elif kind.startswith("text/") or kind in ("application/json", "image/svg+xml", "application/xml"):
            kind += "; charset=utf-8"
        return self._send(start_response, "200 OK", kind, body)

    @staticmethod
    def _send(start_response, status, kind, body: bytes):
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
        return [body]

    # --- what serve mode adds to a page ---

    def page(self, body: bytes) -> bytes:
        """A built page as served: livereload's script allowed by the CSP, the problems shown."""
        text = body.decode("utf-8", errors="replace")
        if self.script_hash:
            text = re.sub(r"(Content-Security-Policy\"\s+content=\"[^\"]*?script-src 'self')",
                          rf"\1 '{self.script_hash}'", text, count=1)
        text = text.replace("</head>", f'<link rel="stylesheet" href="{SERVE_CSS}">\n</head>', 1)
        if self.rebuilder.problems:
            text = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + self.banner(), text, count=1)
        return text.encode("utf-8")

    def banner(self, last_good: bool = True) -> str:
        locale = Locale.load(self.rebuilder.language)
        items = "\n".join(f"<li>{html.escape(line, quote=False)}</li>" for line in self.rebuilder.problems)
        note = locale.t("serve.banner_last_good" if last_good else "serve.banner_no_site")
        return (f'<div class="govsite-serve-errors" role="alert" lang="{locale.language}">\n'
                f"<h2>{html.escape(locale.t('serve.banner_title'))}</h2>\n<p>{html.escape(note)}</p>\n"
                f"<ul>\n{items}\n</ul>\n</div>")

    def error_page(self) -> bytes:
        """Served for every path while no build has ever succeeded."""
        locale = Locale.load(self.rebuilder.language)
        title = html.escape(locale.t("serve.banner_title"))
        csp = "default-src 'self'; style-src 'self'; script-src 'self'" + (
            f" '{self.script_hash}'" if self.script_hash else "")
        return (f'<!doctype html>\n<html lang="{locale.language}">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
                f'<title>{title}</title>\n<link rel="stylesheet" href="{SERVE_CSS}">\n</head>\n'
                f"<body>\n<main>\n{self.banner(last_good=False)}\n</main>\n</body>\n</html>\n").encode("utf-8")


def lookup(files: dict[str, bytes], path: str) -> tuple[int, str]:
    """(200, file) | (301, location) | (404, "") for a URL path, like GitHub Pages, inside the site only.

    A redirect's location is the folder's path under exactly one "/", made from the file's
    name, never from the request: "//risks" must not send a browser to the host "risks"."""
    parts = path.split("/")
    if any(part in (".", "..") for part in parts) or "\\" in path or "\0" in path:
        return 404, ""
    rel = path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    if rel in files:
        return 200, rel
    if rel + "/index.html" in files:
        return 301, "/" + urllib.parse.quote(rel) + "/"
    if rel + ".html" in files:
        return 200, rel + ".html"
    return 404, ""


# Where the preview answers (DNS rebinding: a web page the communicator visits can point a name
# of its own at this computer; the browser then sends that name as Host, never ours).
HOST_HEADER = re.compile(r"(?:\[(?P<ip6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>[0-9]{1,5}))?")
EVERY_ADDRESS = ("", "0.0.0.0", "::")


def host_allowed(header: str, host: str, port: int) -> bool:
    """Whether a request's Host (or a websocket's Origin host) names this preview, at `port`:

    - the address it listens on (`--host`, an IP address or a name);
    - on loopback (127.0.0.1, ::1, localhost): also localhost and every loopback address;
    - on every address (0.0.0.0, ::), to be seen from a phone: any IP address and localhost,
      but no name, since a name can be anyone's; open it by the computer's IP address.
    """
    match = HOST_HEADER.fullmatch(header)
    if not match or int(match["port"] or 80) != port:
        return False
    name = (match["ip6"] or match["name"]).lower()
    address = _address(name)
    bound = host.strip("[]").lower()
    if bound in EVERY_ADDRESS:
        return address is not None or name == "localhost"
    if name == bound or (address is not None and _address(bound) == address):
        return True
    loopback = bound == "localhost" or getattr(_address(bound), "is_loopback", False)
    return loopback and (name == "localhost" or (address is not None and address.is_loopback))


def _address(text: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def script_hash(script: bytes) -> str:
    """The CSP source ('sha256-…') that allows exactly this inline <script>…</script>."""
    inner = script[script.index(b">") + 1:script.rindex(b"</script>")]
    return "sha256-" + base64.b64encode(hashlib.sha256(inner).digest()).decode("ascii")


# How long a reloading page takes to reconnect to livereload, at most, on a slow phone.
RECONNECT_S = 2.0
# What livereload puts in every page: it loads livereload.js from the page's own address.
LIVE_SCRIPT = (b'<script type="text/javascript">(function(){var s=document.createElement("script");'
               b"var port=(window.location.port || (window.location.protocol == 'https:' ? 443: 80));"
               b's.src="//"+window.location.hostname+":"+port+ "/livereload.js?port=" + port;'
               b"document.head.appendChild(s);})();</script>")


def serve(options: Options, host: str = "127.0.0.1", port: int = 8000, stream=None,
          poll_ms: int = 200, write: bool = False) -> int:
    """Build, then serve and rebuild on every change until interrupted."""
    from livereload import Server
    from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
    from livereload.server import LiveScriptContainer
    from livereload.watcher import Watcher
    from tornado import ioloop, web
    from tornado.routing import AnyMatches, Matcher

    stream = stream or sys.stderr
    url = f"http://{_url_host(host)}:{port}/"
    options = dataclasses.replace(options, base_url=url)
    rebuilder = Rebuilder(options, write=write, stream=stream)
    rebuilder.rebuild([])
    app = SiteApp(rebuilder)

    class FastWatcher(Watcher):
        """Our own scan decides what changed (one walk of the content per poll, not livereload's
        walk and then ours); livereload only tells the browsers. A rebuild that finished while no
        browser was connected (a page was reloading) reloads the pages that connect within
        RECONNECT_S after it, so that a save during a reload is not lost."""
        reload_until = 0.0

        def start(self, callback):  # poll every poll_ms instead of livereload's fixed 800 ms
            ioloop.PeriodicCallback(callback, poll_ms).start()
            return True

        def examine(self):
            if self._changes:  # livereload's own start-up message
                return self._changes.pop()
            if rebuilder.poll():
                self.reload_until = time.monotonic() + RECONNECT_S
            # livereload drops a reload sent within DEFAULT_RELOAD_TIME of the last one: wait instead.
            spaced = time.time() - LiveReloadHandler._last_reload_time >= LiveReloadHandler.DEFAULT_RELOAD_TIME
            if LiveReloadHandler.waiters and spaced and time.monotonic() < self.reload_until:
                self.reload_until = 0.0
                self.filepath = str(rebuilder.watched[0])
                return self.filepath, None
            return None, None

    class ThisPreview(Matcher):
        """Requests whose Host names this preview (host_allowed)."""
        def match(self, request):
            return {} if host_allowed(request.host, host, port) else None

    class Misdirected(web.RequestHandler):
        """Any other Host, on every route and method: 421 and a short text."""
        SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")

        def prepare(self):
            self.set_status(421)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(Locale.load(rebuilder.language).t("serve.wrong_host", url=url) + "\n")

    class SameOriginLiveReload(LiveReloadHandler):
        """livereload's websocket, for this preview's pages only (livereload accepts any Origin)."""
        def check_origin(self, origin):
            parts = urllib.parse.urlsplit(origin)
            return parts.scheme == "http" and host_allowed(parts.netloc, host, port)

    class PreviewServer(Server):
        def application(self, port, host, liveport=None, debug=None, live_css=True):
            """livereload's routes (but /forcereload, which any web page could call), all behind the Host check."""
            LiveReloadHandler.watcher = self.watcher
            LiveReloadHandler.live_css = live_css
            app.script_hash = script_hash(LIVE_SCRIPT)
            routes = [(r"/livereload", SameOriginLiveReload), (r"/livereload.js", LiveReloadJSHandler),
                      (r".*", web.FallbackHandler, {"fallback": LiveScriptContainer(app, LIVE_SCRIPT)})]
            web.Application([(ThisPreview(), routes), (AnyMatches(), [(r".*", Misdirected)])]).listen(
                port, address=host)

    # A second save within livereload's default 3 s would not reload the browser.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0.2
    watcher = FastWatcher()
    for folder in rebuilder.watched:  # never the output folder: no reload loops (FastWatcher scans these)
        watcher.watch(str(folder))
    server = PreviewServer(app, watcher=watcher)
    locale = Locale.load(rebuilder.language)
    print(locale.t("serve.serving", url=url,
                   folders=", ".join(str(f) for f in rebuilder.watched)), file=stream, flush=True)
    server.serve(port=port, host=host, debug=False, restart_delay=0)
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
