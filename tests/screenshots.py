"""Screenshots of the demo site for the README: `python tests/screenshots.py`.

Builds the demo, serves it like GitHub Pages and saves the home page, a risk page and
the risk register at phone and desktop width under docs/screenshots/.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import chromium  # noqa: E402
from conftest import DEMO, ROOT, run_govsite  # noqa: E402
from govsite.static_server import serve_like_pages  # noqa: E402

PAGES = {"home": "", "risk": "risks/svagt-kulturutbud/", "risk-register": "risks/"}
WIDTHS = {"phone": 375, "desktop": 1280}


def main() -> None:
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        result = run_govsite("build", "--content", DEMO, "--output", site, "--today", "2026-11-28")
        if result.returncode:
            sys.exit(result.stderr)
        with chromium() as browser, serve_like_pages(site, "/govsite/") as base:
            for width_name, width in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": 900})
                for name, path in PAGES.items():
                    page.goto(base + path)
                    page.screenshot(path=str(out / f"{name}-{width_name}.png"), full_page=True)
                page.close()
    print(f"saved {len(PAGES) * len(WIDTHS)} screenshots in {out}")


if __name__ == "__main__":
    main()
