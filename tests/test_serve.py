"""`govsite serve`: the real server as a subprocess on a free port, real files edited on disk."""
from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import DEMO, ROOT

RISK = "content/risks/svagt-kulturutbud.md"
RISK_URL = "/risks/svagt-kulturutbud/"
TITLE = "För svag bredd i kultur- och fritidsaktiviteter"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    def __init__(self, process: subprocess.Popen, port: int, site: Path, log: Path):
        self.process, self.port, self.site, self.log = process, port, site, log

    def get(self, path: str) -> tuple[int, str]:
        """GET the raw path (no client-side normalisation of ../ or %2e)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()

    def wait_for(self, path: str, predicate, timeout: float = 10.0) -> str:
        """The page's text once predicate(text) holds; fails after a bounded wait."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.get(path)[1]
            if predicate(text):
                return text
            time.sleep(0.05)
        raise AssertionError(f"{path} did not change within {timeout} s:\n{text[:2000]}\nlog:\n{self.terminal()}")

    def terminal(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def edit(self, relpath: str, old: str, new: str) -> None:
        path = self.site / relpath
        text = path.read_text("utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), "utf-8")


@contextmanager
def serving(site: Path, *args, command=("-m", "govsite", "serve")):
    port = free_port()
    log = site / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, *command, "--port", str(port), *args], cwd=site,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    served = Served(process, port, site, log)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                served.get("/_govsite/serve.css")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the server did not start:\n" + served.terminal())
                time.sleep(0.1)
        yield served
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def site(tmp_path) -> Path:
    shutil.copytree(DEMO, tmp_path / "content")
    return tmp_path


def test_an_edit_is_served_a_mistake_is_shown_over_the_last_good_site_and_a_fix_recovers(site):
    with serving(site) as served:
        status, page = served.get(RISK_URL)
        assert status == 200 and TITLE in page
        assert 'role="alert"' not in page

        served.edit(RISK, f"title: {TITLE}", "title: Bredden i kulturutbudet är för svag")
        served.wait_for(RISK_URL, lambda text: "Bredden i kulturutbudet är för svag" in text)

        served.edit(RISK, "probability: 4", "probability: 9")
        # (a scan may catch the file half-written and show that problem first; the next poll corrects it)
        page = served.wait_for(RISK_URL, lambda text: 'role="alert"' in text and "bara nivåerna 1–4" in text)
        matrix_line = (DEMO / "site.yaml").read_text("utf-8").splitlines().index("risk_matrix:") + 1
        problem = ('content/risks/svagt-kulturutbud.md:5: fel: fältet "probability" är 9, men riskmatrisen har '
                   "bara nivåerna 1–4. Välj en av matrisens nivåer: 1 Osannolik, 2 Mindre sannolik, 3 Möjlig, "
                   f"4 Sannolik. Matrisen står i content/site.yaml under risk_matrix, rad {matrix_line}.")
        assert f"<li>{problem}</li>" in page.replace("&quot;", '"')
        assert "Webbplatsen kunde inte byggas om" in page
        assert "Bredden i kulturutbudet är för svag" in page, "the last good site is no longer served"
        assert served.get("/")[0] == 200 and 'role="alert"' in served.get("/")[1]
        assert problem in served.terminal()
        assert served.process.poll() is None, "the server stopped on a content error"

        served.edit(RISK, "probability: 9", "probability: 2")
        page = served.wait_for(RISK_URL, lambda text: 'role="alert"' not in text)
        assert "Bredden i kulturutbudet är för svag" in page
    assert not (site / "output").exists(), "serve writes nothing unless asked with --write"


def test_only_the_built_site_is_served_and_only_on_this_computer(site):
    with serving(site) as served:
        for path in ("/../content/site.yaml", "/%2e%2e/content/site.yaml", "/static/../../content/site.yaml",
                     "/static/%2E%2E/%2E%2E/content/site.yaml", "/..%2fcontent/site.yaml", "/serve.log",
                     "/content/site.yaml"):
            status, text = served.get(path)
            assert status == 404, path
            assert "organisation:" not in text
        status, text = served.get("/risks")
        assert status == 301
        with open("/proc/net/tcp") as table:  # the listening socket: 127.0.0.1 (0100007F), never 0.0.0.0
            listening = [line.split()[1] for line in table.read().splitlines()[1:] if line.split()[3] == "0A"]
        assert f"0100007F:{served.port:04X}" in listening
        assert f"00000000:{served.port:04X}" not in listening


def test_livereload_script_is_allowed_by_the_csp_only_when_served(site):
    import base64
    import hashlib
    import re
    with serving(site, "--write") as served:
        page = served.get(RISK_URL)[1]
    script = re.search(r"<script[^>]*>(.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = re.search(r'Content-Security-Policy" content="([^"]*)"', page).group(1)
    assert f"script-src 'self' 'sha256-{digest}'" in csp
    built = (site / "output" / RISK_URL.strip("/") / "index.html").read_text("utf-8")
    assert "livereload" not in built and "sha256-" not in built and "_govsite" not in built


def test_a_site_that_never_built_shows_an_error_page_until_fixed_also_through_build_py(site):
    (site / "content/site.yaml").write_text(
        (site / "content/site.yaml").read_text("utf-8").replace("organisation:", "organisatoin:"), "utf-8")
    with serving(site, command=(str(ROOT / "build.py"), "serve")) as served:
        status, page = served.get("/")
        assert status == 500
        assert 'role="alert"' in page and '<html lang="sv">' in page
        assert 'content/site.yaml:1: fel: fältet "organisation" saknas men måste finnas.' in page.replace("&quot;", '"')
        (site / "content/site.yaml").write_text(DEMO.joinpath("site.yaml").read_text("utf-8"), "utf-8")
        served.wait_for("/", lambda text: "role=\"alert\"" not in text and "Lindesbergs kommun" in text)


@pytest.mark.skipif(not os.environ.get("GOVSITE_DEEP_TESTS"), reason="timing figures: GOVSITE_DEEP_TESTS=1")
def test_save_to_served_latency(site):
    """Median time from saving a file to the server serving the rebuilt page (printed for the notes)."""
    latencies = []
    with serving(site) as served:
        for n in range(10):
            served.edit(RISK, f"severity: {3 if n % 2 == 0 else 2}", f"severity: {2 if n % 2 == 0 else 3}")
            marker = f"Mätning {n}"
            served.edit(RISK, "title: ", f"title: {marker} ")
            started = time.perf_counter()
            served.wait_for(RISK_URL, lambda text: marker in text, timeout=10)
            latencies.append(time.perf_counter() - started)
            served.edit(RISK, f"title: {marker} ", "title: ")
            served.wait_for(RISK_URL, lambda text: marker not in text, timeout=10)
    print(f"save→served latency: median {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s")
    assert statistics.median(latencies) < 2.0


def test_the_open_browser_page_reloads_by_itself_and_shows_the_banner(site):
    from browser import chromium
    with serving(site) as served, chromium() as browser:
        page = browser.new_page()
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(f"http://127.0.0.1:{served.port}{RISK_URL}")

        def connected(times: int) -> None:
            """Wait until the page has said hello over livereload's websocket `times` times: a reload
            sent before the reloaded page reconnects reaches no one."""
            page.wait_for_function("() => window.LiveReload !== undefined", timeout=10000)
            deadline = time.monotonic() + 10
            while served.terminal().count("Browser Connected") < times and time.monotonic() < deadline:
                time.sleep(0.05)

        connected(1)
        served.edit(RISK, f"title: {TITLE}", "title: Nytt namn på risken")
        # polled while the reloaded page is still being parsed, so its h1 may not exist yet
        page.wait_for_function("() => document.querySelector('h1')?.textContent.includes('Nytt namn')",
                               timeout=10000)
        connected(2)
        served.edit(RISK, "probability: 4", "probability: nio")
        alert = page.get_by_role("alert")
        page.wait_for_function("() => (document.querySelector('[role=alert]') || {}).textContent?.includes('nio')",
                               timeout=10000)
        assert alert.is_visible()
        assert "Webbplatsen kunde inte byggas om" in alert.inner_text()
        assert 'content/risks/svagt-kulturutbud.md:5: fel: fältet "probability" ska vara' in alert.inner_text()
        assert page.locator("h1").inner_text() == "Nytt namn på risken"
        assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def make_large_site(content: Path, count: int = 1000) -> None:
    """A site of `count` entities on top of the demo: units, missions, risks and arenas that link to each other."""
    shutil.copytree(DEMO, content)
    units, missions, risks, arenas = count // 10, count // 4, count // 2, count - count // 10 - count // 4 - count // 2
    for n in range(units):
        (content / f"units/enhet-{n}.md").write_text(
            f"---\ntitle: Enhet {n}\nparent: tillvaxtforvaltningen\n---\nEnhet nummer {n}.\n", "utf-8")
    for n in range(missions):
        (content / f"missions/uppdrag-{n}.md").write_text(
            f"---\ntitle: Uppdrag {n}\nunit: enhet-{n % units}\n---\nUppdraget hotas av [[risk:risk-{n}]].\n",
            "utf-8")
    for n in range(risks):
        (content / f"risks/risk-{n}.md").write_text(
            f"---\ntitle: Risk {n}\nunit: enhet-{n % units}\nprobability: {n % 4 + 1}\nseverity: {n % 3 + 1}\n"
            f"missions: [uppdrag-{n % missions}]\ncontrols: [{{title: Kontroll {n}}}]\n---\n"
            f"Risken beskrivs här, med en länk till [[mission:uppdrag-{n % missions}]].\n", "utf-8")
    for n in range(arenas):
        (content / f"arenas/arena-{n}.md").write_text(
            f"---\ntitle: Arena {n}\nstarts: 2026-01-01\nends: 2026-12-31\nrisks: [risk-{n}]\n"
            f"units: [enhet-{n % units}]\n---\nArena nummer {n}.\n", "utf-8")


@pytest.mark.skipif(not os.environ.get("GOVSITE_DEEP_TESTS"), reason="timing figures: GOVSITE_DEEP_TESTS=1")
@pytest.mark.parametrize("size", [0, 1000])
def test_one_file_rebuild_time(tmp_path, size):
    """Wall and CPU time of the Rebuilder after one edited file (printed for the notes)."""
    from govsite.pipeline import Options
    from govsite.serve import Rebuilder
    content = tmp_path / "content"
    if size:
        make_large_site(content, size)
    else:
        shutil.copytree(DEMO, content)
    options = Options(content=content, output=tmp_path / "output", base_url="http://127.0.0.1:8000/")
    rebuilder = Rebuilder(options, stream=open(os.devnull, "w"))
    assert rebuilder.rebuild([])
    walls, cpus = [], []
    risk = content / "risks/svagt-kulturutbud.md"
    for n in range(5):
        risk.write_text(risk.read_text("utf-8").replace("probability: 4", f"probability: {n % 4 + 1}", 1)
                        .replace(f"probability: {(n - 1) % 4 + 1}\n", f"probability: {n % 4 + 1}\n", 1), "utf-8")
        changed = rebuilder.changes()
        assert changed == [risk]
        assert rebuilder.rebuild(changed)
        walls.append(rebuilder.last_seconds[0])
        cpus.append(rebuilder.last_seconds[1])
    pages = sum(p.endswith(".html") for p in rebuilder.files)
    print(f"{size or 'demo'} entities, {pages} pages: one-file rebuild wall median {statistics.median(walls):.3f} s, "
          f"CPU median {statistics.median(cpus):.3f} s")


def test_a_page_that_was_not_connected_when_the_rebuild_finished_reloads_when_it_connects(site):
    """A save while the browser was reloading: the page it got is the old one, and it was not
    connected to livereload when the rebuild finished; it reloads as soon as it connects."""
    from browser import chromium
    with serving(site) as served, chromium() as browser:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{served.port}{RISK_URL}")
        page.wait_for_function("() => window.LiveReload !== undefined", timeout=10000)
        page.evaluate("() => window.LiveReload.connector.disconnect()")
        served.edit(RISK, f"title: {TITLE}", "title: Nytt namn på risken")
        served.wait_for(RISK_URL, lambda text: "Nytt namn" in text)
        assert page.locator("h1").inner_text() == TITLE
        page.evaluate("() => window.LiveReload.connector.connect()")
        page.wait_for_function("() => document.querySelector('h1')?.textContent.includes('Nytt namn')",
                               timeout=10000)


def test_a_folder_replaced_by_a_link_out_of_the_content_and_put_back_is_served_as_a_cold_build(site):
    """A folder-level problem (here a kind folder that became a symlink leading out of content/)
    clears once the folder is back, later edits are served, and the preview equals a cold build."""
    from conftest import run_govsite, tree_digest
    from test_performance import without_search
    pages, elsewhere = site / "content/pages", site / "elsewhere"
    with serving(site, "--write", "--today", "2026-11-28") as served:
        pages.rename(elsewhere)
        pages.symlink_to(elsewhere, target_is_directory=True)
        page = served.wait_for("/", lambda text: 'role="alert"' in text and "content/pages" in text)
        assert "Webbplatsen kunde inte byggas om" in page
        # the link turned to a copy inside content/ (which may be linked): no file changed, the link did
        shutil.copytree(elsewhere, site / "content/_sidor")
        deadline = time.monotonic() + 10
        while served.terminal().count("Ombyggnaden stoppades") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        (site / "content/_link").symlink_to("_sidor", target_is_directory=True)
        os.replace(site / "content/_link", pages)
        served.wait_for("/", lambda text: 'role="alert"' not in text)
        pages.unlink()
        shutil.rmtree(site / "content/_sidor")
        elsewhere.rename(pages)
        served.edit("content/pages/styrmodell.md", "title: Styrmodell för", "title: Ny styrmodell för")
        served.wait_for("/styrmodell/", lambda text: "Ny styrmodell för ledning" in text)
        served.edit("content/pages/styrmodell.md", "order: 2", "order: 5")  # last in every page's navigation
        served.wait_for("/", lambda text: text.find('href="omvarldsanalys/"') < text.find('href="styrmodell/"'))
        port = served.port
    cold = site / "cold"
    result = run_govsite("build", "--no-cache", "--content", site / "content", "--output", cold,
                         "--today", "2026-11-28", "--base-url", f"http://127.0.0.1:{port}/")
    assert result.returncode == 0, result.stderr
    assert without_search(tree_digest(site / "output")) == without_search(tree_digest(cold))
