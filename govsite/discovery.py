"""How machines find the site: sitemap.xml, robots.txt, canonical addresses,
Open Graph, schema.org JSON-LD, and the files GitHub Pages looks for
(.nojekyll, CNAME)."""
from __future__ import annotations

import functools
import json
from xml.sax.saxutils import escape

from . import model
from .export import absolute, has_address, safe_strings
from .schema import HOSTNAME
from .links import entity_page
from .markup import safe_address, xml_text

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


def page_address(site: model.Site, path: str) -> str:
    """The public address of an output HTML file: "risks/x/index.html" → ".../risks/x/"."""
    return absolute(site, _served_path(path))


def _served_path(path: str) -> str:
    """The site path an output HTML file is served at: "risks/x/index.html" → "risks/x/"."""
    return path[: -len("index.html")] if path.endswith("index.html") else path


def sitemap(site: model.Site, html_paths: list[str], lastmod: dict[str, str], alternates: dict | None = None) -> bytes:
    """`alternates`: output path → ((language, served path), …), the page in each of the site's
    languages, written as xhtml:link alternates (what search engines read as hreflang)."""
    # Written as text, as ElementTree would indent it: building and serialising 30,000
    # elements took 0.1 s of every live edit at 10,000 pages.
    address = absolute(site, "")
    alternates = alternates or {}
    entries = [_sitemap_entry(address, path, lastmod.get(path), alternates.get(path, ()))
               for path in sorted(html_paths) if path != "404.html"]
    namespaces = f'xmlns="{SITEMAP}"' + (f' xmlns:xhtml="{XHTML}"' if alternates else "")
    urlset = f'<urlset {namespaces}>\n' + "".join(entries) + "</urlset>" if entries else \
        f'<urlset {namespaces} />'
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + urlset + "\n").encode("utf-8")


@functools.lru_cache(maxsize=1 << 16)  # pure; the live preview writes the same 10,000 entries after each edit
def _sitemap_entry(address: str, path: str, lastmod: str | None, alternates: tuple = ()) -> str:
    loc = safe_address(xml_text(address + _served_path(path)))
    lastmod = f"    <lastmod>{escape(xml_text(lastmod))}</lastmod>\n" if lastmod else ""
    links = "".join(f'    <xhtml:link rel="alternate" hreflang="{escape(language)}" '
                    f'href="{escape(safe_address(xml_text(address + served)))}"/>\n' for language, served in alternates)
    return f"  <url>\n    <loc>{escape(loc)}</loc>\n{lastmod}{links}  </url>\n"


def lastmods(site: model.Site) -> dict[str, str]:
    """Output HTML path → the entity's `updated` date."""
    return dict(_lastmod(entity.kind, entity.id, entity.updated) for entity in site.all() if entity.updated)


@functools.lru_cache(maxsize=1 << 16)  # pure; the live preview asks for the same 10,000 after each edit
def _lastmod(kind: str, entity_id: str, updated) -> tuple[str, str]:
    return entity_page(kind, entity_id), updated.isoformat()


def robots(site: model.Site) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if has_address(site):
        lines.append(f"Sitemap: {absolute(site, 'sitemap.xml')}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def cname(site: model.Site) -> bytes | None:
    """GitHub Pages' CNAME file for a custom domain, if site.yaml names a valid one."""
    host = site.config.cname.strip().lower()
    if host and HOSTNAME.match(host):
        return (host + "\n").encode("ascii")
    return None


def json_ld(data: dict) -> str:
    """JSON for a <script type="application/ld+json"> block: never closes the script early."""
    text = json.dumps(safe_strings(data), ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def organisation_ld(site: model.Site) -> dict:
    config = site.config
    data = {"@context": "https://schema.org", "@type": "GovernmentOrganization", "name": config.organisation,
            "url": absolute(site, "")}
    if config.contact.email:
        data["email"] = config.contact.email
    if config.contact.phone:
        data["telephone"] = config.contact.phone
    return data


def dataset_ld(site: model.Site, name: str, description: str, licence: str, files: list[tuple[str, str]]) -> dict:
    return {"@context": "https://schema.org", "@type": "Dataset", "name": name, "description": description,
            "url": absolute(site, "data/"), "license": licence, "inLanguage": site.config.language,
            "isAccessibleForFree": True,
            "creator": {"@type": "GovernmentOrganization", "name": site.config.organisation},
            "distribution": [{"@type": "DataDownload", "contentUrl": absolute(site, path), "encodingFormat": media}
                             for path, media in files]}
