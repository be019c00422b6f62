"""A static server that behaves like GitHub Pages: for `govsite audit` and the tests.

Serves a built site under a prefix such as /repo/: `/repo/x/` from x/index.html,
`/repo/x` from x.html (or a redirect to x/ when x/ is a folder), no directory
listings, and the site's own 404.html for anything else, so that a
root-absolute link (`/style.css`) shows up as a broken link.
"""
from __future__ import annotations

import http.server
import mimetypes
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit


def served(root: Path, relative: str) -> tuple[int, Path | None]:
    """What GitHub Pages answers for a path under the site root: (200, file), (301, the folder's
    index.html, which may not exist) for a folder asked without its "/", or (404, None),
    also for anything outside the root."""
    root = root.resolve()
    target = (root / relative).resolve()
    if root != target and root not in target.parents:
        return 404, None
    if target.is_dir():
        if relative and not relative.endswith("/"):
            return 301, target / "index.html"
        target = target / "index.html"
    elif not target.exists() and target.with_suffix(".html").is_file():
        target = target.with_suffix(".html")
    return (200, target) if target.is_file() else (404, None)


def _handler(root: Path, prefix: str):
    root = root.resolve()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

        def do_HEAD(self):  # noqa: N802
            self._serve(send_body=False)

        def do_GET(self):  # noqa: N802
            self._serve(send_body=True)

        def _serve(self, send_body: bool):
            path = unquote(urlsplit(self.path).path)
            if not path.startswith(prefix):
                return self._not_found(send_body)
            status, target = served(root, path[len(prefix):])
            if status == 301:
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.end_headers()
            elif status == 200:
                self._send(200, target, send_body)
            else:
                self._not_found(send_body)

        def _not_found(self, send_body: bool):
            page = root / "404.html"
            if page.is_file():
                self._send(404, page, send_body)
            else:
                self.send_error(404)

        def _send(self, status: int, file: Path, send_body: bool):
            body = file.read_bytes()
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
                kind += "; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

    return Handler


@contextmanager
def serve_like_pages(root: Path, prefix: str = "/repo/"):
    """Serve `root` at http://127.0.0.1:PORT{prefix}; yields that base URL."""
    mimetypes.add_type("application/wasm", ".wasm")
    mimetypes.add_type("application/javascript", ".js")
    mimetypes.add_type("image/svg+xml", ".svg")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(Path(root), prefix))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
