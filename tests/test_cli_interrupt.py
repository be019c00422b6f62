"""Ctrl-C (SIGINT) while the content loads: a short message in the site's language, exit 130,
the published output untouched; never a KeyboardInterrupt traceback."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SITES, run_govsite, tree_digest
from generate_site import generate

MESSAGES = {
    ("build", "sv"): "Bygget avbröts (SIGINT). Den tidigare webbplatsen i output/ är orörd.",
    ("build", "en"): "The build was interrupted (SIGINT). The previous website in output/ is untouched.",
    ("check", "sv"): "Kontrollen avbröts (SIGINT). Inget skrevs.",
}


@pytest.fixture(scope="module")
def large_site(tmp_path_factory) -> Path:
    """About 4,000 entities: loading them takes seconds (--no-cache), the time to press Ctrl-C."""
    return generate(tmp_path_factory.mktemp("large") / "content", 4000)


def _import_seconds(env: dict) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import govsite.cli, govsite.pipeline"], env=env, check=True)
    return time.monotonic() - started


@pytest.mark.parametrize("command, language", sorted(MESSAGES))
def test_ctrl_c_while_the_content_loads_is_a_short_message_and_exit_130(tmp_path, large_site, command, language):
    content = tmp_path / "content"
    shutil.copytree(large_site, content)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8").replace("language: sv", f"language: {language}"), "utf-8")
    good = run_govsite("build", "--content", SITES / "basic" / "content", "--output", tmp_path / "output")
    assert good.returncode == 0, good.stderr
    before = tree_digest(tmp_path / "output")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    arguments = ["--no-cache", "--output", "output"] if command == "build" else []
    wait = 2 * _import_seconds(env) + 0.3  # govsite is loaded; its content is not (several seconds)
    process = subprocess.Popen([sys.executable, "-m", "govsite", command, "--content", "content", *arguments],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(wait)
    assert process.poll() is None, "the content loaded before the Ctrl-C: make the site larger"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert stderr.strip().splitlines() == [MESSAGES[command, language]]
    assert stdout == ""
    assert tree_digest(tmp_path / "output") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "output"]
