"""Shared helpers: the real CLI as a subprocess, real files on disk."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "content"
SITES = Path(__file__).resolve().parent / "sites"
INVALID = Path(__file__).resolve().parent / "invalid"


def run_govsite(*args, cwd: Path = ROOT, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m govsite ARGS`, as a communicator's terminal would run it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "govsite", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def tree_digest(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under folder."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def basic_site(tmp_path_factory) -> Path:
    """The basic fixture site, built once into a temp folder."""
    output = tmp_path_factory.mktemp("basic") / "output"
    result = run_govsite("build", "--content", SITES / "basic" / "content", "--output", output,
                         "--today", "2024-06-01")
    assert result.returncode == 0, result.stderr
    return output


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("demo") / "output"
    result = run_govsite("build", "--content", DEMO, "--output", output, "--today", "2026-11-28")
    assert result.returncode == 0, result.stderr
    return output
