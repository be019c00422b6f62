"""Hostile content: nothing a communicator writes may run in a reader's browser,
crash or hang the build, or read files outside content/."""
from __future__ import annotations

import os
import re
import resource
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SITES
from output_scan import scan, scan_file

HOSTILE = SITES / "hostile" / "content"
BASIC = SITES / "basic" / "content"
MEMORY_LIMIT = 1 << 30  # 1 GiB of address space: an expanding alias bomb or huge tree would hit it


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("hostile") / "output"
    result = _build(HOSTILE, output)
    assert result.returncode == 0, result.stderr
    return output


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _build(content: Path, output: Path, *extra, cwd: Path = ROOT, timeout: float = 30):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "govsite", "build", "--content", str(content), "--output",
                           str(output), "--today", "2024-06-01", *map(str, extra)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=_limits)


# --- no executable content ---

def test_the_hostile_site_builds_and_no_output_file_can_execute(hostile_site):
    assert scan(hostile_site) == []
    assert len(list(hostile_site.rglob("*.html"))) >= 15


def test_html_in_titles_and_fields_is_shown_as_text(hostile_site):
    home = (hostile_site / "index.html").read_text()
    assert "&lt;svg onload=alert(1)&gt;Start" in home  # the title, visible as typed
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in home  # site title in the header
    risk = (hostile_site / "risks" / "risk-1" / "index.html").read_text()
    assert "&lt;script&gt;alert(&#39;control&#39;)&lt;/script&gt;" in risk
    assert "<script" not in risk


def test_jinja_syntax_in_content_is_text_not_template_code(hostile_site):
    unit = (hostile_site / "units" / "enhet" / "index.html").read_text()
    assert "{{ 7*7 }}" in unit and "49" not in unit.split("<main")[1].split("</main>")[0]


def test_every_page_has_a_strict_content_security_policy(hostile_site):
    for page in hostile_site.rglob("*.html"):
        text = page.read_text()
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
        assert policy, page
        words = policy.group(1).replace(";", " ").split()
        assert "'unsafe-inline'" not in words and "'unsafe-eval'" not in words  # 'wasm-unsafe-eval': search
        assert "script-src 'self'" in policy.group(1)


def test_links_from_content_to_other_sites_get_noopener(hostile_site):
    home = (hostile_site / "index.html").read_text()
    assert '<a href="https://example.com/" rel="noopener noreferrer">extern länk</a>' in home
    source = (hostile_site / "sources" / "s" / "index.html").read_text()
    assert 'rel="noopener noreferrer"' in source


def test_images_from_other_hosts_and_data_urls_are_dropped(hostile_site):
    main = (hostile_site / "index.html").read_text().split("<main")[1]
    assert "tracker.example" not in main and "data:" not in main


@pytest.mark.parametrize("name, text, expected", [
    ("x.html", "<p onclick='a()'>x</p>", "event handler"),
    ("x.html", "<script>alert(1)</script>", "inline <script>"),
    ("x.html", '<script src="https://cdn.example/x.js"></script>', "not from the site's own"),
    ("x.html", '<a href="java&#x09;script:alert(1)">x</a>', "dangerous URL"),
    ("x.html", '<img src=" data:image/svg+xml,x">', "dangerous URL"),
    ("x.html", '<a href="https://evil.example/">x</a>', "rel=noopener"),
    ("x.html", '<meta http-equiv="Content-Security-Policy" content="script-src \'unsafe-inline\'">', "CSP allows"),
    ("x.html", "<p>no policy</p>", "no Content-Security-Policy"),
    ("feed.xml", "<rss><item><description>&lt;img src=x onerror=alert(1)&gt;</description></item></rss>",
     "event handler"),
    ("feed.xml", '<feed><link href="javascript:alert(1)"/></feed>', "dangerous URL"),
    ("data/x.json", '{"title": "<script>alert(1)</script>"}', "inline <script>"),
    ("data/x.json", '{"url": "javascript:alert(1)"}', "dangerous URL"),
    ("data/x.csv", 'id,title\nx,"=HYPERLINK(""https://evil"")"\n', "formula"),
    ("data/x.csv", "id,title\nx,@SUM(A1)\n", "formula"),
    ("search/index.js", "alert(1)", "JavaScript outside"),
    ("static/x.css", "body{background:url(https://evil.example/x.png)}", "CSS loads"),
])
def test_the_scanner_finds_executable_content_in_every_kind_of_file(tmp_path, name, text, expected):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    problems = scan_file(path, name)
    assert any(expected in p for p in problems), problems


def test_the_scanner_accepts_plain_numbers_and_the_sites_own_scripts(tmp_path):
    (tmp_path / "data.csv").write_text("id,value\nx,-3\ny,+4.5\n")
    assert scan_file(tmp_path / "data.csv", "data.csv") == []
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.js").write_text("console.log(1)")
    assert scan_file(tmp_path / "static" / "app.js", "static/app.js") == []


def test_the_built_demo_site_is_clean_too(demo_site):
    assert scan(demo_site) == []


# --- resources: a clear error within seconds, bounded memory, never a hang or a traceback ---

def _alias_bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    return "---\ntitle: Bomb\n" + "\n".join(lines) + "\n---\n"


HOSTILE_FILES = {
    # name: (file text or bytes, expected location, expected words)
    "alias-bomb": (_alias_bomb(), "content/pages/x.md:4", "YAML-alias"),
    "50-mb-markdown": ("---\ntitle: Stor\n---\n" + "Lorem ipsum dolor sit amet.\n" * 1_900_000,
                       "content/pages/x.md", "större än gränsen"),
    "10000-deep-brackets": ("---\ntitle: x\ntags: " + "[" * 10_000 + "]" * 10_000 + "\n---\n",
                            "content/pages/x.md:2", "nästlade"),
    "30000-dashes-on-a-line": ("---\ntitle: x\ntags:\n" + "- " * 30_000 + "x\n---\n", "content/pages/x.md:4",
                               "indragen eller nästlad"),
    "indented-300-columns": ("---\ntitle: x\nsummary:\n" + " " * 300 + "text\n---\n", "content/pages/x.md:4",
                             "indragen eller nästlad"),
    "deep-indented-mappings": ("---\ntitle: x\n" + "".join(" " * i + "k:\n" for i in range(400)) + "---\n",
                               "content/pages/x.md", "nästlad"),
    "10000-deep-blockquote": ("---\ntitle: x\n---\n" + ">" * 10_000 + " citat\n", "content/pages/x.md:4",
                              "citat, listor eller hakparenteser"),
    "300-deep-list": ("---\ntitle: x\n---\n" + "".join("    " * i + "- punkt\n" for i in range(300)),
                      "content/pages/x.md:24", "citat, listor eller hakparenteser"),
    "20000-nested-brackets": ("---\ntitle: x\n---\n" + "[" * 20_000 + "a" + "]" * 20_000 + "\n",
                              "content/pages/x.md:4", "citat, listor eller hakparenteser"),
    "unclosed-brackets": ("---\ntitle: x\n---\nStart\n\n" + "[a " * 16_000 + "\n", "content/pages/x.md:6",
                          "aldrig stängs"),
    "unclosed-image-parens": ("---\ntitle: x\n---\n" + "![a](" * 8_000 + "\n", "content/pages/x.md:4",
                              "aldrig stängs"),
    "one-huge-paragraph": ("---\ntitle: x\n---\n" + "[a][b]" * 100_000 + "\n\n[b]: https://example.org\n",
                           "content/pages/x.md:4", "längre än"),
    "binary-file": (b"---\ntitle: x\n---\n\x00\x01\x02\xff", "content/pages/x.md", "inte en textfil"),
    "not-utf8": ("---\ntitle: Åsa\n---\n".encode("latin-1"), "content/pages/x.md:2", "UTF-8"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_hostile_files_get_a_clear_error_within_seconds(tmp_path, case):
    text, location, words = HOSTILE_FILES[case]
    content = tmp_path / "content"
    shutil.copytree(BASIC, content)
    path = content / "pages" / "x.md"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    started = time.monotonic()
    result = _build(content, tmp_path / "output")
    seconds = time.monotonic() - started
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    line = next((l for l in result.stderr.splitlines() if l.startswith(location + ":") or
                 l.startswith(location + " ")), None)
    assert line and words in line, result.stderr[-2000:]
    assert seconds < 10
    assert not (tmp_path / "output").exists()


def test_a_named_pipe_is_refused_not_waited_on(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(BASIC, content)
    os.mkfifo(content / "pages" / "x.md")
    os.mkfifo(content / "risks" / "y.md")
    result = _build(content, tmp_path / "output", timeout=20)
    assert result.returncode == 1
    assert "content/pages/x.md: fel: filen är ingen vanlig fil" in result.stderr
    assert "content/risks/y.md: fel: filen är ingen vanlig fil" in result.stderr


def test_a_named_pipe_as_site_yaml_is_refused(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(BASIC, content)
    (content / "site.yaml").unlink()
    os.mkfifo(content / "site.yaml")
    result = _build(content, tmp_path / "output", timeout=20)
    assert result.returncode == 1
    assert "content/site.yaml: fel: filen är ingen vanlig fil" in result.stderr


def test_a_device_file_is_refused(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(BASIC, content)
    try:
        os.mknod(content / "pages" / "x.md", stat.S_IFCHR | 0o644, os.makedev(1, 5))  # like /dev/zero
    except (PermissionError, OSError):
        pytest.skip("creating a device node needs privileges")
    result = _build(content, tmp_path / "output", timeout=20)
    assert result.returncode == 1
    assert "content/pages/x.md: fel: filen är ingen vanlig fil" in result.stderr


# --- symlinks that point outside content/ ---

def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: Hemlig fil utanför\n---\nHEMLIGT\n")
    shutil.copy(BASIC / "site.yaml", outside / "site.yaml")
    return outside


@pytest.mark.parametrize("link, target", [
    ("pages/x.md", "secret.md"),  # a file
    ("pages/sub", "."),  # a folder inside a kind folder
    ("sources", "."),  # a whole kind folder
    ("site.yaml", "site.yaml"),  # the settings
    ("pages/zero.md", "/dev/zero"),  # a device
])
def test_a_symlink_out_of_content_is_refused_with_a_message(tmp_path, link, target):
    content = tmp_path / "content"
    shutil.copytree(BASIC, content)
    outside = _outside(tmp_path)
    path = content / link
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    os.symlink(target if target.startswith("/") else outside / target, path)
    result = _build(content, tmp_path / "output")
    assert result.returncode == 1, result.stderr
    assert f"content/{link}: fel: länken pekar ut ur innehållsmappen" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "output").exists()


def test_a_symlink_inside_content_is_followed(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(BASIC, content)
    (content / "_shared").mkdir()
    (content / "_shared" / "delad.md").write_text("---\ntitle: Delad sida\n---\n")
    os.symlink(content / "_shared" / "delad.md", content / "pages" / "delad.md")
    result = _build(content, tmp_path / "output")
    assert result.returncode == 0, result.stderr
    assert "Delad sida" in (tmp_path / "output" / "delad" / "index.html").read_text()
