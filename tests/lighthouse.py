"""Lighthouse (npm, pinned) in its default mobile mode, on Debian's Chromium.

Installed by .ci/install when the deep tests run, outside the repository:
`npm install --prefix ~/.cache/govsite/lighthouse -E lighthouse@12.2.3` (12.x runs on Node 20;
13.x wants Node 22), or into the folder GOVSITE_LIGHTHOUSE_DIR names.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from browser import ARGS, CHROMIUM

VERSION = "12.2.3"
FOLDER = Path(os.environ.get("GOVSITE_LIGHTHOUSE_DIR") or Path.home() / ".cache" / "govsite" / "lighthouse")
COMMAND = str(FOLDER / "node_modules" / ".bin" / "lighthouse")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def lighthouse(url: str) -> tuple[dict[str, int], list[str]]:
    """({category: score 0–100}, [what failed: "category: audit title"]) for one page."""
    result = subprocess.run(
        [COMMAND, url, "--quiet", "--output=json", "--output-path=stdout",
         "--chrome-flags=" + " ".join(ARGS), "--only-categories=" + ",".join(CATEGORIES)],
        env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["lighthouseVersion"] == VERSION
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    failed = [f"{name}: {report['audits'][ref['id']]['title']}"
              for name in CATEGORIES for ref in report["categories"][name]["auditRefs"]
              if ref["weight"] and (report["audits"][ref["id"]]["score"] or 0) < 1
              and report["audits"][ref["id"]]["scoreDisplayMode"] not in ("notApplicable", "informative", "manual")]
    return scores, failed
