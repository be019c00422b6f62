"""The dev server binds to 127.0.0.1 and serves nothing outside the output folder.

`govsite serve` is written on another branch; these tests run against the real CLI
as soon as it exists (skipped while `python -m govsite serve --help` fails).
"""
from __future__ import annotations

import http.client
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, SITES


def _serve_exists() -> bool:
    result = subprocess.run([sys.executable, "-m", "govsite", "serve", "--help"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=60)
    return result.returncode == 0


pytestmark = pytest.mark.skipif(not _serve_exists(), reason="govsite serve is not on this branch yet")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _outside_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent
            address = sock.getsockname()[0]
        return None if address.startswith("127.") else address
    except OSError:
        return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    project = tmp_path_factory.mktemp("serve")
    shutil.copytree(SITES / "basic" / "content", project / "content")
    (project / "secret.txt").write_text("HEMLIGT")
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "govsite", "serve", "--port", str(port)], cwd=project,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("govsite serve did not start")
    yield port
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _get(port: int, raw_path: str) -> tuple[int, bytes]:
    """GET with the path sent exactly as written (no client-side normalisation)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", raw_path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def test_the_site_is_served(server):
    status, body = _get(server, "/")
    assert status == 200 and b"<html" in body


@pytest.mark.parametrize("path", [
    "/../content/site.yaml",
    "/%2e%2e/content/site.yaml",
    "/..%2fcontent/site.yaml",
    "/%2e%2e%2fcontent%2fsite.yaml",
    "/..%5ccontent%5csite.yaml",
    "/static/../../content/site.yaml",
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "//etc/passwd",
    "/.govsite",
])
def test_nothing_outside_the_output_is_served(server, path):
    status, body = _get(server, path)
    assert status == 404, (path, status)
    assert b"organisation" not in body and b"HEMLIGT" not in body and b"root:" not in body


def test_it_listens_on_loopback_only(server):
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    with pytest.raises(OSError):
        socket.create_connection((address, server), timeout=2).close()


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send these exact bytes; (status, headers, body) of the answer (a 101 ends at its headers)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", 0))
        while status != 101 and len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return status, headers, body


def _request(path: str, host: str, *extra: str) -> bytes:
    connection = "Upgrade" if any(line.startswith("Upgrade:") for line in extra) else "close"
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", *extra, f"Connection: {connection}", "", ""]
    return "\r\n".join(lines).encode("utf-8")


WEBSOCKET = ("Upgrade: websocket", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13")
ROUTES = ("/", "/risks/", "/risks", "/risks/lokalbrist/", "/livereload.js", "/_govsite/serve.css", "/finns-inte",
          "/forcereload")


@pytest.mark.parametrize("host", [
    "evil.example:{port}", "evil.example", "127.0.0.1.evil.example:{port}", "localhost.evil.example:{port}",
    "evil.example@127.0.0.1:{port}", "127.0.0.1:{port}@evil.example", "127.0.0.1:{port}.evil.example",
    "127.0.0.1:{other}", "localhost", "localhost.:{port}", "[::1]:{other}", "", "127.0.0.1:{port}, evil.example",
])
def test_a_request_for_another_host_is_refused_on_every_route(server, host):
    """DNS rebinding: a web page points a name of its own at 127.0.0.1; the browser sends that name."""
    host = host.format(port=server, other=server + 1 if server < 65535 else server - 1)
    for path in ROUTES:
        status, headers, body = _raw(server, _request(path, host))
        if status == 400:  # a Host that is no host at all: tornado answers before the preview does
            assert set(host) & set("@, ") and b"<html" not in body, (host, path)
            continue
        assert status == 421, (host, path, status)
        expected = f"Förhandsvisningen svarar bara på sin egen adress: http://127.0.0.1:{server}/\n"
        assert body.decode("utf-8") == expected
        assert headers["content-type"] == "text/plain; charset=utf-8"
    status, _, body = _raw(server, _request("/livereload", host, *WEBSOCKET, f"Origin: http://{host}"))
    assert status in (400, 421), (host, status)


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LocalHost:{port}", "[::1]:{port}"])
def test_the_addresses_of_this_computer_are_answered(server, host):
    host = host.format(port=server)
    status, _, body = _raw(server, _request("/risks/lokalbrist/", host))
    assert status == 200 and b"<html" in body
    status, headers, _ = _raw(server, _request("/livereload", host, *WEBSOCKET, f"Origin: http://{host}"))
    assert status == 101 and headers["upgrade"].lower() == "websocket"
    assert _raw(server, _request("/livereload.js", host))[0] == 200
    assert _raw(server, _request("/forcereload", host))[0] == 404, "any web page could make the previews reload"


@pytest.mark.parametrize("origin", ["http://evil.example", "http://evil.example:{port}", "null",
                                    "http://127.0.0.1:{other}", "http://localhost.evil.example:{port}"])
def test_the_livereload_websocket_refuses_pages_of_other_sites(server, origin):
    """A page of another site may open a websocket to 127.0.0.1 (Host is right, Origin is not)."""
    origin = origin.format(port=server, other=server + 1 if server < 65535 else server - 1)
    for fetch_site in ([], ["Sec-Fetch-Site: cross-site"], ["Sec-Fetch-Site: same-site"]):
        status, _, _ = _raw(server, _request("/livereload", f"127.0.0.1:{server}", *WEBSOCKET, f"Origin: {origin}",
                                             *fetch_site))
        assert status == 403, (origin, fetch_site, status)


def test_the_hosts_answered_when_listening_on_every_address():
    """--host 0.0.0.0 (to look from a phone): IP addresses and localhost, never a name (a name can be anyone's)."""
    from govsite.serve import host_allowed
    for host in ("0.0.0.0", "::"):
        for header in ("192.168.1.7:8000", "10.0.0.2:8000", "[fe80::1]:8000", "127.0.0.1:8000", "localhost:8000"):
            assert host_allowed(header, host, 8000), (host, header)
        for header in ("evil.example:8000", "mylaptop.local:8000", "192.168.1.7:8001", "192.168.1.7",
                       "1.2.3.4.nip.io:8000"):
            assert not host_allowed(header, host, 8000), (host, header)
    assert host_allowed("192.168.1.7:80", "192.168.1.7", 80) and host_allowed("192.168.1.7", "192.168.1.7", 80)
    assert not host_allowed("localhost:8000", "192.168.1.7", 8000), "bound to one address: only that one"
    assert host_allowed("[::1]:8000", "::1", 8000) and host_allowed("127.0.0.1:8000", "localhost", 8000)


# --- redirects stay on the site (a folder without its "/" is redirected to it) ---

PREFIXES = ["/", "//", "///", "////", "/%2f", "/%2F", "%2f", "/%2f%2f", "//%2f", "/\\", "\\", "\\\\", "/%5c", "/%5C",
            "/%5c%5c", "/./", "/.//", "//./", "/%2e/", "/%2e%2f", "/.%2f", "/%2e%2e/", "/\t/", "/%09/", "/%09",
            "/%20/", "/%0a/", "/%0d/", "/%00/", "/;/", "/@", "//@", "/http:/", "http://evil.example/", "/%2f%5c",
            "//evil.example/", "/%2fevil.example%2f", "/\\evil.example/", "/%5cevil.example/", "//evil.example%2f",
            "/%2f/evil.example/", "/%E3%80%82/", "/%ef%bc%8f", "/%c0%af", "/%252f", "/%%32%66"]
TARGETS = ["risks", "risks/lokalbrist", "units", "units/enheten"]


def _browser_location(origin: str, location: str) -> str:
    """Where a browser goes for this Location: it strips C0 controls and spaces around it,
    drops tabs and newlines, and reads a backslash as a slash (WHATWG URL, http)."""
    cleaned = location.strip("".join(map(chr, range(0x21))))
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    return urllib.parse.urljoin(origin + "/", cleaned)


def test_redirects_never_name_another_host(server):
    origin = f"http://127.0.0.1:{server}"
    redirects = {}
    for prefix, target, suffix in itertools.product(PREFIXES, TARGETS, ["", "?next=//evil.example", "/.."]):
        path = prefix + target + suffix
        status, headers, _ = _raw(server, _request(path, f"127.0.0.1:{server}"))
        if 300 <= status < 400:
            location = headers["location"]
            redirects[path] = location
            resolved = urllib.parse.urlsplit(_browser_location(origin, location))
            assert (resolved.scheme, resolved.netloc) == ("http", f"127.0.0.1:{server}"), (path, location)
            assert re.fullmatch(r"/[a-z0-9][a-z0-9/._-]*/", location), (path, location)
    assert redirects["//risks"] == "/risks/"
    assert redirects["/%2f%2frisks"] == "/risks/"
    assert redirects["/risks/lokalbrist"] == "/risks/lokalbrist/"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["/", "//", "\\", "%2f", ".", "..", "risks", "lokalbrist", "\t", "\n", " ", "@",
                                 "evil.example", ":", "?", "#", "%", "\x00", "é", "\u3002", "\uff0f"]), max_size=8))
def test_redirects_of_any_path_stay_on_the_site(pieces):
    from govsite.serve import lookup
    files = {"index.html": b"", "risks/index.html": b"", "risks/lokalbrist/index.html": b"", "404.html": b""}
    status, location = lookup(files, "".join(pieces))
    if status == 301:
        resolved = urllib.parse.urlsplit(_browser_location("http://127.0.0.1:8000", location))
        assert (resolved.scheme, resolved.netloc) == ("http", "127.0.0.1:8000"), (pieces, location)
        assert location.startswith("/") and location[1:2] not in ("/", "\\"), location
