"""Debian's Chromium driven by Playwright (never `playwright install`: it downloads browsers)."""
from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

from govsite.audit import CHROMIUM_ARGS as ARGS, chromium_path

# Launched as `govsite audit` launches it (one place for the flags that keep it off the network).
CHROMIUM = chromium_path() or "/usr/bin/chromium"


@contextmanager
def chromium():
    """A launched browser; the caller makes pages from it."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Visit:
    """One browser page that routes every request: only the local server is let through."""

    def __init__(self, browser, base: str, bypass_csp: bool = True, **context_options):
        """bypass_csp lets axe be injected; a test of the site's own scripts keeps the CSP."""
        self.host = urlsplit(base).netloc
        self.context = browser.new_context(bypass_csp=bypass_csp, **context_options)
        self.outside, self.failures, self.errors = [], [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("response", lambda r: r.status >= 400 and "no-such-page" not in r.url
                     and self.failures.append(f"{r.status} {r.url}"))
        self.page.on("console", lambda m: m.type == "error" and "404" not in m.text and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route):
        if urlsplit(route.request.url).netloc == self.host:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()

    def assert_clean(self):
        assert self.outside == [], f"requests to other hosts: {self.outside}"
        assert self.failures == [], f"broken links or assets: {self.failures}"
        assert self.errors == [], f"console errors: {self.errors}"
