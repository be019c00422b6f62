"""Scan EVERY file of a built site for content that could execute in a reader's browser
or spreadsheet. Generic on purpose: feeds, open data, search indexes and whatever
later features write are covered by their file type, not by a list of known files.

    python tests/output_scan.py output/      # prints problems, exits 1 if any

- HTML (and HTML inside XML text, JSON strings): no <script> except files under the
  site's own static/ and pagefind/ (by src, never inline; JSON-LD is scanned as JSON), no on* attributes, no javascript:,
  data: or vbscript: URLs in any URL attribute, no iframe/object/embed/base, no form that sends elsewhere,
  no meta refresh; every page has a CSP meta without 'unsafe-inline'/'unsafe-eval';
  links to another host carry rel="noopener".
- XML/SVG: the same, by element and attribute; text that holds markup is scanned as HTML.
- JSON: every string is scanned for markup; a string in an address field (url, *_url, href,
  src, JSON-LD's @id …) must not use a dangerous scheme. Text elsewhere is never followed, so
  a title "Data: befolkningsprognos" is text, not an address.
- CSV/TSV: no cell that a spreadsheet would run as a formula (= + - @, tab, CR).
- JavaScript: only under the allowed prefixes (the site's own static/ by default).
- CSS: no expression(), no javascript: URL, no @import or url() to another host.
"""
from __future__ import annotations

import csv
import html
import io
import json
import posixpath
import re
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

BAD_SCHEME = re.compile(r"^(?:javascript|data|vbscript|livescript|jar):", re.I)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "background", "cite", "data",
                  "longdesc", "usemap", "xlink:href", "codebase", "manifest", "ping", "icon", "content-url"}
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}
# The site's own scripts: its static/ files and the search bundle Pagefind generates at build time.
OWN_SCRIPTS = ("static/", "pagefind/")
# A language section's own search bundle: en/pagefind/ (govsite/search.py, one index per language).
SECTION_INDEX = re.compile(r"^[a-z]{2,3}/pagefind/")


def own_script(path: str, allowed) -> bool:
    return any(path.startswith(prefix) for prefix in allowed) or (
        "pagefind/" in allowed and SECTION_INDEX.match(path) is not None)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# JSON keys whose strings a reader follows as addresses.
ADDRESS_KEY = re.compile(r"^(?:@id|\$id|href|src)$|(?:url|uri|link|homepage|image|logo)$", re.I)
NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?$")


def _clean_url(value: str) -> str:
    """What a browser makes of a URL: entities decoded, control characters and spaces dropped."""
    value = html.unescape(value)
    return re.sub(r"[\x00-\x20\x7f]+", "", value)


class _HtmlScan(HTMLParser):
    def __init__(self, where: str, page_path: str, allowed_scripts: tuple[str, ...], whole_page: bool):
        super().__init__(convert_charrefs=True)
        self.where = where
        self.page_path = page_path
        self.allowed_scripts = allowed_scripts
        self.whole_page = whole_page
        self.problems: list[str] = []
        self.csp: list[str] = []
        self.in_script = False
        self.json_ld: list[str] | None = None  # the text of a JSON-LD block being read

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.where}:{self.getpos()[0]}: {text}")

    def handle_starttag(self, tag, attrs):
        attributes = {name.lower(): value or "" for name, value in attrs}
        if tag == "script" and attributes.get("type", "").lower() == "application/ld+json" \
                and not attributes.get("src"):
            self.json_ld = []  # data, not code: its strings are scanned like any JSON file
        elif tag == "script":
            self.in_script = True
            src = attributes.get("src", "")
            if not src:
                self.problem("inline <script>")
            elif not self._own_static(src):
                self.problem(f"<script src={src!r}> not from the site's own static files")
        if tag in FORBIDDEN_TAGS:
            self.problem(f"<{tag}> element")
        if tag == "form" and re.match(r"^[a-z][a-z0-9+.-]*:|^//", _clean_url(attributes.get("action", "")), re.I):
            self.problem(f"<form> that sends to another address: {attributes['action'][:60]}")
        if tag == "meta":
            equiv = attributes.get("http-equiv", "").lower()
            if equiv == "refresh":
                self.problem("<meta http-equiv=refresh>")
            if equiv == "content-security-policy":
                self.csp.append(attributes.get("content", ""))
        for name, value in attributes.items():
            if name.startswith("on"):
                self.problem(f"event handler attribute {name}= on <{tag}>")
            if name in URL_ATTRIBUTES or name.endswith(":href"):
                for part in (value.split(",") if name == "srcset" else [value]):
                    if BAD_SCHEME.match(_clean_url(part.strip())):
                        self.problem(f"dangerous URL in <{tag} {name}={value[:60]!r}>")
            if name == "style" and re.search(r"expression\s*\(|javascript:|url\s*\(", html.unescape(value), re.I):
                self.problem(f"style attribute with code or URL on <{tag}>")
        if tag == "a" and re.match(r"^(?:https?:)?//", attributes.get("href", ""), re.I):
            rel = attributes.get("rel", "").lower().split()
            if "noopener" not in rel and "noreferrer" not in rel:
                self.problem(f"external link without rel=noopener: {attributes['href'][:60]}")

    def handle_endtag(self, tag):
        if tag == "script" and self.json_ld is not None:
            self.problems += scan_json("".join(self.json_ld), f"{self.where}:{self.getpos()[0]} JSON-LD",
                                       self.allowed_scripts)
            self.json_ld = None
        elif tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.json_ld is not None:
            self.json_ld.append(data)
        elif self.in_script and data.strip():
            self.problem("inline script code")

    def _own_static(self, src: str) -> bool:
        if re.match(r"^[a-z][a-z0-9+.-]*:|^//", src, re.I):
            return False
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.page_path), src.split("?")[0]))
        return own_script(target, self.allowed_scripts)


def scan_html(text: str, where: str, page_path: str = "", allowed_scripts=OWN_SCRIPTS,
              whole_page: bool = False) -> list[str]:
    scanner = _HtmlScan(where, page_path, tuple(allowed_scripts), whole_page)
    scanner.feed(text)
    scanner.close()
    problems = scanner.problems
    if whole_page:
        if not scanner.csp:
            problems.append(f"{where}: no Content-Security-Policy meta")
        for policy in scanner.csp:
            for word in ("'unsafe-inline'", "'unsafe-eval'", "*"):
                if word in policy.split():
                    problems.append(f"{where}: CSP allows {word}")
            scripts = re.search(r"script-src([^;]*)", policy) or re.search(r"default-src([^;]*)", policy)
            if scripts and re.search(r"\b(?:https?:|data:)|\*", scripts.group(1)):
                problems.append(f"{where}: CSP lets scripts come from elsewhere: {scripts.group(0).strip()}")
    return problems


def scan_xml(text: str, where: str, allowed_scripts=OWN_SCRIPTS) -> list[str]:
    problems: list[str] = []
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        return [f"{where}: not well-formed XML ({exc})"]
    for element in root.iter():
        tag = element.tag.split("}")[-1].lower() if isinstance(element.tag, str) else ""
        if tag == "script":
            problems.append(f"{where}: <script> in XML")
        if tag in FORBIDDEN_TAGS or tag == "foreignobject":
            problems.append(f"{where}: <{tag}> in XML")
        for name, value in element.attrib.items():
            local = name.split("}")[-1].lower()
            if local.startswith("on"):
                problems.append(f"{where}: event handler attribute {local}= on <{tag}>")
            if (local in URL_ATTRIBUTES or local == "href") and BAD_SCHEME.match(_clean_url(value)):
                problems.append(f"{where}: dangerous URL in <{tag} {local}={value[:60]!r}>")
        for text_part in (element.text, element.tail):
            if text_part and "<" in text_part:  # escaped HTML, as feeds carry it
                problems += scan_html(text_part, f"{where} <{tag}>", "", allowed_scripts)
            if text_part and BAD_SCHEME.match(_clean_url(text_part.strip())) and tag in ("link", "loc", "url", "id"):
                problems.append(f"{where}: dangerous URL in <{tag}>")
    return problems


def scan_json(text: str, where: str, allowed_scripts=OWN_SCRIPTS) -> list[str]:
    problems: list[str] = []
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [f"{where}: not valid JSON ({exc})"]

    def walk(value, path, key=""):
        if isinstance(value, dict):
            for name, item in value.items():
                walk(name, path + "{key}")
                walk(item, f"{path}.{name}", name)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]", key)
        elif isinstance(value, str):
            if ADDRESS_KEY.search(key) and BAD_SCHEME.match(_clean_url(value)):
                problems.append(f"{where} {path}: dangerous URL {value[:60]!r}")
            if "<" in value:
                problems.extend(scan_html(value, f"{where} {path}", "", allowed_scripts))

    walk(data, "$")
    return problems


def scan_csv(text: str, where: str, delimiter: str = ",") -> list[str]:
    problems = []
    for row_number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
        for column, cell in enumerate(row, 1):
            if cell.startswith(FORMULA_START) and not NUMBER.match(cell):
                problems.append(f"{where}:{row_number}: cell {column} would run as a formula: {cell[:40]!r}")
    return problems


def scan_css(text: str, where: str) -> list[str]:
    problems = []
    if re.search(r"expression\s*\(|javascript:|behavior\s*:|-moz-binding", text, re.I):
        problems.append(f"{where}: executable CSS")
    for match in re.finditer(r"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)|url\(\s*['\"]?([^'\")]+)", text, re.I):
        target = match.group(1) or match.group(2)
        if re.match(r"^(?:[a-z]+:)?//", target, re.I) or BAD_SCHEME.match(target) and not target.startswith("data:image/"):
            problems.append(f"{where}: CSS loads {target[:60]!r}")
    return problems


def scan_file(path: Path, relpath: str, allowed_scripts=OWN_SCRIPTS) -> list[str]:
    data = path.read_bytes()
    suffix = path.suffix.lower()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if suffix in (".html", ".htm", ".xml", ".json", ".csv", ".js", ".css", ".svg", ".txt"):
            return [f"{relpath}: not UTF-8"]
        return []  # a binary asset (image, font, search index chunk): nothing runs from it
    if suffix in (".html", ".htm", ".xhtml"):
        return scan_html(text, relpath, relpath, allowed_scripts, whole_page=True)
    if suffix in (".xml", ".svg", ".rss", ".atom", ".xsl", ".xslt"):
        return scan_xml(text, relpath, allowed_scripts)
    if suffix in (".json", ".geojson", ".jsonld", ".webmanifest"):
        return scan_json(text, relpath, allowed_scripts)
    if suffix == ".csv":
        return scan_csv(text, relpath)
    if suffix == ".tsv":
        return scan_csv(text, relpath, "\t")
    if suffix in (".js", ".mjs"):
        if not own_script(relpath, allowed_scripts):
            return [f"{relpath}: JavaScript outside the site's own static files"]
        return []
    if suffix == ".css":
        return scan_css(text, relpath)
    if "<" in text:  # anything else a browser might sniff as HTML
        return [p for p in scan_html(text, relpath, relpath, allowed_scripts) if "rel=noopener" not in p]
    return []


def scan(folder: Path, allowed_scripts=OWN_SCRIPTS) -> list[str]:
    """Every problem in every file under folder (none: the site is safe to publish)."""
    folder = Path(folder)
    problems: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            problems += scan_file(path, path.relative_to(folder).as_posix(), allowed_scripts)
    return problems


if __name__ == "__main__":
    found = scan(Path(sys.argv[1]))
    print("\n".join(found) or "no executable content found")
    sys.exit(1 if found else 0)
