"""`govsite audit`: the built site in a real browser, before it is published.

Serves the output folder on 127.0.0.1 under the site's base path (as GitHub Pages will),
opens pages in Chromium, runs axe-core's WCAG 2.2 A/AA rules, follows every internal link
and records every request to another host. At about half a second a page a large site
would hold a deploy for an hour, so by default it checks every page type (the first pages
of each kind of address) plus an evenly spread sample of the rest; `--all` checks every
page. The report says which and how many pages were checked: the accessibility statement
may then say exactly that, and no more (see publish.py).

Needs the optional extra `govsite[audit]` (Playwright and axe-core). Chromium comes from
the system (GOVSITE_CHROMIUM, `chromium` on the PATH) or from `playwright install chromium`.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import model
from .errors import SourceLocation
from .static_server import serve_like_pages, served
from .validate import site_settings

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
PER_TYPE = 2  # pages checked of each page type before sampling
SAMPLE = 40  # further pages, spread evenly over the rest


@dataclass
class Violation:
    rule: str
    impact: str
    help: str
    page: str
    elements: list[str]


@dataclass
class Report:
    date: str
    tool: str
    axe_version: str
    tags: list[str]
    base_path: str
    pages_total: int
    pages_checked: int
    all_pages: bool
    seconds: float
    pages: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    broken_links: list[dict] = field(default_factory=list)
    third_party_requests: list[dict] = field(default_factory=list)

    @property
    def findings(self) -> int:
        return len(self.violations) + len(self.broken_links) + len(self.third_party_requests)


def site_pages(output: Path) -> list[str]:
    """Every page's address relative to the site root: "", "risks/", "risks/x/", "404.html"."""
    pages = []
    for path in sorted(output.rglob("*.html")):
        relative = path.relative_to(output).as_posix()
        if relative.startswith(("pagefind/", "search/pagefind")):
            continue
        pages.append(relative.removesuffix("index.html"))
    return pages


def page_type(page: str) -> str:
    """"risks/x/" → "risks/*/": pages of one type share a template."""
    parts = page.rstrip("/").split("/") if page else []
    if len(parts) <= 1:
        return page
    return "/".join([parts[0], *("*" for _ in parts[1:])]) + "/"


def choose(pages: list[str], everything: bool, per_type: int = PER_TYPE, sample: int = SAMPLE) -> list[str]:
    """Every type's first pages, then `sample` more spread evenly over the rest (or all)."""
    if everything:
        return pages
    by_type: dict[str, list[str]] = defaultdict(list)
    for page in pages:
        by_type[page_type(page)].append(page)
    chosen = {page for group in by_type.values() for page in group[:per_type]}
    rest = [page for page in pages if page not in chosen]
    if rest and sample:
        step = max(1, len(rest) / sample)
        chosen |= {rest[int(i * step)] for i in range(min(sample, len(rest)))}
    return [page for page in pages if page in chosen]


def chromium_path() -> str | None:
    """The system's Chromium (GOVSITE_CHROMIUM, else `chromium` on the PATH); None: the browser
    `playwright install chromium` brought (a GitHub runner), as Playwright finds it."""
    found = os.environ.get("GOVSITE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found or None


def audit(output: Path, base_path: str = "/", everything: bool = False, progress=None) -> Report:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    progress = progress or (lambda text: None)
    started = time.perf_counter()
    base_path = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    pages = site_pages(output)
    chosen = choose(pages, everything)
    violations, broken, outside = [], [], []
    axe_version = ""
    links: dict[str, set[str]] = defaultdict(set)  # internal address → pages linking to it
    with serve_like_pages(output, base_path) as base, sync_playwright() as playwright:
        host = urlsplit(base).netloc
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        # bypass_csp: axe is injected as a script, which the site's own CSP rightly forbids.
        context = browser.new_context(bypass_csp=True)
        current = {"page": ""}

        def route(request_route):
            url = request_route.request.url
            if urlsplit(url).netloc == host or url.startswith(("data:", "blob:", "about:")):
                request_route.continue_()
            else:
                outside.append({"page": current["page"], "url": url})
                request_route.abort()

        context.route("**/*", route)
        tab = context.new_page()
        axe = Axe()
        for number, page in enumerate(chosen, 1):
            current["page"] = page
            progress(f"[{number}/{len(chosen)}] {base_path}{page}")
            response = tab.goto(base + page)
            if response is None or response.status >= 400 and page != "404.html":
                broken.append({"page": page, "url": base_path + page, "status": response.status if response else 0})
                continue
            result = axe.run(tab, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                           "resultTypes": ["violations"]}).response
            axe_version = result.get("testEngine", {}).get("version", axe_version)
            for found in result["violations"]:
                violations.append(Violation(found["id"], found.get("impact") or "", found["help"], page,
                                            [" ".join(node["target"]) for node in found["nodes"][:5]]))
            for href in tab.eval_on_selector_all("a[href], link[href]", "els => els.map(e => e.href)"):
                if urlsplit(href).netloc == host:
                    links[href.split("#")[0]].add(page)
        browser.close()
        broken += _broken_links(output, base, base_path, links)
    return Report(date=dt.date.today().isoformat(), tool="axe-core", axe_version=axe_version, tags=AXE_TAGS,
                  base_path=base_path, pages_total=len(pages), pages_checked=len(chosen),
                  all_pages=len(chosen) == len(pages),
                  seconds=round(time.perf_counter() - started, 1), pages=chosen, violations=violations,
                  broken_links=broken, third_party_requests=outside)


def _broken_links(output: Path, base: str, base_path: str, links: dict[str, set[str]]) -> list[dict]:
    """Internal addresses that the pages link to and that GitHub Pages would not serve."""
    broken = []
    for url in sorted(links):
        path = unquote(urlsplit(url).path)
        status, file = served(output, path[len(base_path):]) if path.startswith(base_path) else (404, None)
        if status == 404 or status == 301 and not file.is_file():  # a redirect to a folder without a page
            broken.extend({"page": page, "url": path, "status": 404} for page in sorted(links[url]))
    return broken


def summary(report: Report, locale) -> list[str]:
    """The terminal's report: counts, then each rule with its pages and elements."""
    lines = [locale.t("audit.summary", checked=report.pages_checked, total=report.pages_total,
                      violations=len(report.violations), broken=len(report.broken_links),
                      outside=len(report.third_party_requests), seconds=report.seconds)]
    by_rule: dict[str, list[Violation]] = defaultdict(list)
    for violation in report.violations:
        by_rule[violation.rule].append(violation)
    for rule, found in sorted(by_rule.items()):
        lines.append(f"  {rule} ({found[0].impact}): {found[0].help}")
        lines.extend(f"    {report.base_path}{v.page}  {'; '.join(v.elements)}" for v in found)
    lines.extend(locale.t("audit.broken", page=b["page"] or "/", url=b["url"]) for b in report.broken_links)
    lines.extend(locale.t("audit.outside", page=o["page"] or "/", url=o["url"])
                 for o in report.third_party_requests)
    return lines


def write_report(report: Report, path: Path) -> None:
    data = asdict(report)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# The fields of a report that the accessibility statement cites, and what each must be.
REPORT_FIELDS = {"date": "date", "tool": "text", "axe_version": "text", "pages_total": "count",
                 "pages_checked": "count", "all_pages": "yes_no", "violations": "list",
                 "broken_links": "list", "third_party_requests": "list"}
REPORT_LIMIT = 64 * 1024 * 1024  # a report of 10,000 pages with findings is a few MB


def _field_ok(value, expected: str) -> bool:
    if expected == "date":
        try:
            return isinstance(value, str) and bool(dt.date.fromisoformat(value))
        except ValueError:
            return False
    if expected == "text":
        return isinstance(value, str) and 0 < len(value.strip()) <= 200
    if expected == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if expected == "yes_no":
        return isinstance(value, bool)
    return isinstance(value, list)


def read_report(path: Path, diagnostics) -> model.AuditRecord | None:
    """The report `govsite audit --report FILE` wrote, checked field by field; None (and an
    error naming the file and field) when it is missing, unreadable or not such a report."""
    where = SourceLocation(Path(path).as_posix())
    try:
        if Path(path).stat().st_size > REPORT_LIMIT:
            raise ValueError("too large")
        data = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        diagnostics.error("audit_report_missing", where, file=where.path)
        return None
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON, too large
        diagnostics.error("audit_report_unreadable", where, file=where.path, reason=str(exc)[:200])
        return None
    if not isinstance(data, dict):
        diagnostics.error("audit_report_unreadable", where, file=where.path, reason="not a JSON object")
        return None
    bad = [name for name, expected in REPORT_FIELDS.items() if not _field_ok(data.get(name), expected)]
    for name in bad:
        diagnostics.error("audit_report_field", where, file=where.path, field=name,
                          expected=REPORT_FIELDS[name], value=json.dumps(data.get(name))[:60])
    if not bad and data["pages_checked"] > data["pages_total"]:
        diagnostics.error("audit_report_field", where, file=where.path, field="pages_checked",
                          expected="count_of_total", value=str(data["pages_checked"]))
        bad.append("pages_checked")
    if bad:
        return None
    return model.AuditRecord(date=dt.date.fromisoformat(data["date"]), tool=data["tool"].strip(),
                             axe_version=data["axe_version"].strip(), pages_total=data["pages_total"],
                             pages_checked=data["pages_checked"], all_pages=data["all_pages"],
                             violations=len(data["violations"]), broken_links=len(data["broken_links"]),
                             third_party_requests=len(data["third_party_requests"]))


def base_path_of(content: Path, base_url: str | None) -> str:
    """The path the site will be served under: --base-url, else site.yaml's base_url."""
    if base_url is None:
        settings = site_settings(content)
        base_url = settings.base_url if settings else "/"
    return urlsplit(str(base_url or "/")).path or "/"


def main(output: Path, content: Path, base_url: str | None, everything: bool, report_path: Path | None,
         locale) -> int:
    if not (output / "index.html").is_file():
        print(locale.t("audit.no_site", output=output.as_posix()), file=sys.stderr)
        return 2
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError:
        print(locale.t("audit.missing_extra"), file=sys.stderr)
        return 2
    report = audit(output, base_path_of(content, base_url), everything,
                   progress=lambda text: print(text, file=sys.stderr, flush=True))
    for line in summary(report, locale):
        print(line)
    if report_path:
        write_report(report, report_path)
    return 1 if report.findings else 0
