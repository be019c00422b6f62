"""The dev server binds to 127.0.0.1 and serves nothing outside the output folder.

`govsite serve` is written on another branch; these tests run against the real CLI
as soon as it exists (skipped while `python -m govsite serve --help` fails).
"""
from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
