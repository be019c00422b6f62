"""Publishing, as a visitor, a feed reader, a search engine and a data user meet it:
the demo site built for a GitHub Pages sub-path, its feeds, sitemap and open data."""
from __future__ import annotations

import csv
import datetime
import io
import json
import os
import re
import shutil
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import jsonschema
import pytest
import yaml

from conftest import DEMO, SITES, run_govsite
from govsite.feeds import ENTITIES_IN_FEED
from govsite.static_server import serve_like_pages

BASE = "https://example.github.io/repo/"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
KINDS = ("pages", "principles", "units", "missions", "risks", "arenas", "plans", "sources")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The demo site built for https://example.github.io/repo/."""
    output = tmp_path_factory.mktemp("published") / "output"
    result = run_govsite("build", "--content", DEMO, "--output", output, "--base-url", BASE, "--today", "2026-11-28")
    assert result.returncode == 0, result.stderr
    return output


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8").split("---")[1])


def published_sources(content: Path) -> dict[tuple[str, str], dict]:
    """What the communicator wrote: (kind, id) → front matter, drafts left out."""
    out = {}
    for kind in KINDS:
        for file in sorted((content / kind).glob("*.md")):
            if "." in file.stem:  # a translation (ID.LANG.md): its original's entity, in another language
                continue
            data = front_matter(file)
            if not data.get("draft"):
                out[(kind, file.stem)] = data
    return out


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.main: list[str] = []
        self._in_main = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self._in_main += 1
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                self.urls.append(attrs[name])
                if self._in_main and tag == "a":
                    self.main.append(attrs[name])

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main -= 1


def parse_links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def page_url(path: str, base: str = BASE) -> str:
    return base + (path[: -len("index.html")] if path.endswith("index.html") else path)


# --- GitHub Pages -------------------------------------------------------------------------

def broken_links(site: Path, prefix: str) -> tuple[list, int]:
    """(href/src that do not resolve inside the site, addresses checked), serving like GitHub Pages."""
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    # Outside addresses only where the content or the licence names them.
    outside = {s.get("url") for s in json.loads((site / "data/sources.json").read_text("utf-8"))["items"]}
    outside.add(json.loads((site / "data/catalog.jsonld").read_text("utf-8"))["dct:license"]["@id"])
    outside.add("https://www.digg.se/tdosanmalan")  # the accessibility statement must link DIGG's complaint form
    checked: dict[str, int] = {}
    broken = []
    with serve_like_pages(site, prefix) as base:
        public = json.loads((site / "data/catalog.jsonld").read_text("utf-8"))["foaf:homepage"]["@id"]
        for path in pages:
            if path == "404.html":
                continue
            here = page_url(path, base)
            for raw in parse_links((site / path).read_text("utf-8")).urls:
                if raw.startswith(("mailto:", "tel:", "#")) or raw in outside:
                    continue
                target = urldefrag(urljoin(here, raw)).url
                if not target.startswith(base):
                    if not target.startswith(public):  # else: the canonical address of the site itself
                        broken.append((path, raw))
                    continue
                if target not in checked:
                    try:
                        checked[target] = urllib.request.urlopen(urllib.request.Request(target, method="HEAD")).status
                    except urllib.error.HTTPError as exc:
                        checked[target] = exc.code
                if checked[target] != 200:
                    broken.append((path, raw))
        # The 404 page works at any depth.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "risks/finns-inte/djupt/")
        for raw in parse_links(missing.value.read().decode("utf-8")).urls:
            if not raw.startswith(("mailto:", "tel:", "#")):
                target = urljoin(base + "risks/finns-inte/djupt/", raw)
                if not target.startswith(base) or urllib.request.urlopen(target).status != 200:
                    broken.append(("404.html", raw))
    return broken, len(checked)


def test_every_link_and_asset_resolves_inside_the_site_under_a_sub_path(site):
    assert (site / "search/index.html").is_file() and (site / "data/index.html").is_file()
    broken, checked = broken_links(site, "/repo/")
    assert broken == [] and checked > 40


def test_the_same_content_works_at_the_root_of_a_domain(tmp_path):
    output = tmp_path / "output"
    result = run_govsite("build", "--content", DEMO, "--output", output, "--base-url", "https://styrning.example.se/",
                         "--today", "2026-11-28")
    assert result.returncode == 0, result.stderr
    broken, checked = broken_links(output, "/")
    assert broken == [] and checked > 40
    assert "<loc>https://styrning.example.se/risks/svagt-kulturutbud/</loc>" in (output / "sitemap.xml").read_text()


def test_github_pages_files(site):
    assert (site / ".nojekyll").read_bytes() == b""
    assert not (site / "CNAME").exists()  # the demo names no custom domain
    robots = (site / "robots.txt").read_text("utf-8")
    assert f"Sitemap: {BASE}sitemap.xml" in robots.splitlines()


def test_canonical_open_graph_and_json_ld(site):
    html = (site / "risks/svagt-kulturutbud/index.html").read_text("utf-8")
    assert f'<link rel="canonical" href="{BASE}risks/svagt-kulturutbud/">' in html
    assert '<meta property="og:title" content="För svag bredd i kultur- och fritidsaktiviteter">' in html
    assert '<meta property="og:locale" content="sv_SE">' in html
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert '<link rel="alternate" type="application/json" href="../../data/risks/svagt-kulturutbud.json">' in html
    home = (site / "index.html").read_text("utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', home, re.S)
    organisation = json.loads(blocks[0])
    assert organisation["@type"] == "GovernmentOrganization" and organisation["name"] == "Lindesbergs kommun"
    assert organisation["url"] == BASE
    data_page = (site / "data/index.html").read_text("utf-8")
    dataset = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', data_page, re.S)[0])
    assert dataset["@type"] == "Dataset"
    assert {d["contentUrl"] for d in dataset["distribution"]} >= {BASE + "data/risks.csv", BASE + "data/goals.csv"}
    # The content security policy still forbids inline and eval'd scripts.
    policy = re.search(r'Content-Security-Policy" content="([^"]*)"', home).group(1)
    assert "unsafe-inline" not in policy and "'unsafe-eval'" not in policy


# --- feeds and sitemap ----------------------------------------------------------------------

def test_site_feed_lists_updated_entities_newest_first(site):
    feed = ET.parse(site / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text == BASE + "feed.xml"
    every_entry = feed.findall(f"{ATOM}entry")
    stamps = [e.find(f"{ATOM}updated").text for e in every_entry]
    assert stamps == sorted(stamps, reverse=True)
    assert feed.find(f"{ATOM}updated").text == stamps[0]
    # Entities by `updated`; the entries of the change history (test_history.py) have ids with #change-,
    # those of the controls' follow-up results (test_control_results.py) #result-.
    entries = [e for e in every_entry if not re.search("#change-|#result-", e.find(f"{ATOM}id").text)]
    expected = {key: data for key, data in published_sources(DEMO).items() if data.get("updated")}
    assert len(entries) == len(expected)
    titles = {e.find(f"{ATOM}title").text for e in entries}
    assert titles == {data["title"] for data in expected.values()}
    for entry in entries:
        assert entry.find(f"{ATOM}link").get("href").startswith(BASE)


def test_a_feed_holds_the_newest_entities_only(tmp_path):
    """A reader polls the feed: a large site's feed carries its newest ENTITIES_IN_FEED, not all."""
    content = tmp_path / "content"
    shutil.copytree(SITES / "basic" / "content", content)
    for day in range(ENTITIES_IN_FEED + 20):
        date = datetime.date(2024, 3, 1) + datetime.timedelta(days=day)  # after the basic site's dates
        (content / f"pages/sida-{day:03d}.md").write_text(
            f"---\ntitle: Sida {day}\nupdated: {date.isoformat()}\n---\nText.\n", "utf-8")
    result = run_govsite("build", "--content", content, "--output", tmp_path / "output", "--today", "2024-12-01")
    assert result.returncode == 0, result.stderr
    entries = ET.parse(tmp_path / "output/feed.xml").getroot().findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries if "#change-" not in e.find(f"{ATOM}id").text]
    assert titles == [f"Sida {day}" for day in range(ENTITIES_IN_FEED + 19, 19, -1)]


def test_each_unit_has_a_feed_of_what_it_is_responsible_for(site):
    feed = ET.parse(site / "units/kultur-och-fritidsenheten/feed.xml").getroot()
    links = {e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")
             if not re.search("#change-|#result-", e.find(f"{ATOM}id").text)}  # by `updated`: no history, no results
    assert BASE + "risks/svagt-kulturutbud/" in links
    assert BASE + "units/kultur-och-fritidsenheten/" in links
    assert BASE + "risks/osakert-deltagande-efter-pandemin/" not in links  # has no `updated`
    units = [p.stem for p in (DEMO / "units").glob("*.md")]
    assert sorted(p.parent.name for p in (site / "units").glob("*/feed.xml")) == sorted(units)


def test_sitemap_lists_every_page_at_its_public_address(site):
    urlset = ET.parse(site / "sitemap.xml").getroot()
    locs = [u.find(f"{SITEMAP}loc").text for u in urlset.findall(f"{SITEMAP}url")]
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert sorted(locs) == sorted(page_url(p) for p in pages if p != "404.html")
    lastmod = {u.find(f"{SITEMAP}loc").text: u.findtext(f"{SITEMAP}lastmod") for u in urlset}
    assert lastmod[BASE + "risks/svagt-kulturutbud/"] == "2021-03-15"


# --- open data ------------------------------------------------------------------------------

def validators(schema: dict) -> dict:
    """A validator per definition of the published schema (the schema itself checked first)."""
    jsonschema.Draft202012Validator.check_schema(schema)
    return {name: jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{name}"},
                                                  format_checker=jsonschema.FormatChecker())
            for name in schema["$defs"]}


def test_json_validates_against_the_generated_schema_and_matches_the_content(site):
    schema = json.loads((site / "data/schema.json").read_text("utf-8"))
    validator = validators(schema)
    sources = published_sources(DEMO)
    for kind in KINDS:
        collection = json.loads((site / f"data/{kind}.json").read_text("utf-8"))
        validator["collection"].validate(collection)
        ids = sorted(i for k, i in sources if k == kind)
        assert collection["count"] == len(ids) and [r["id"] for r in collection["items"]] == ids
        for record in collection["items"]:
            single = json.loads((site / f"data/{kind}/{record['id']}.json").read_text("utf-8"))
            assert single == record
            validator[kind].validate(single)
            assert single["schema_version"] == schema["schema_version"]
            assert single["title"] == sources[(kind, record["id"])]["title"]
            assert single["page_url"] == page_url(f"{kind}/{record['id']}/" if kind != "pages" else
                                             ("" if record["id"] == "index" else f"{record['id']}/"))
    risk = json.loads((site / "data/risks/svagt-kulturutbud.json").read_text("utf-8"))
    assert (risk["probability"], risk["severity"], risk["value"], risk["rating"]) == (4, 3, 12, "Hög")
    written = front_matter(DEMO / "risks/svagt-kulturutbud.md")
    assert sorted(l["id"] for l in risk["links"] if l["field"] == "missions") == sorted(written["missions"])
    assert risk["missions"] == written["missions"]
    # Every reference has its backlink in the file of the entity it points to.
    for kind in KINDS:
        for record in json.loads((site / f"data/{kind}.json").read_text("utf-8"))["items"]:
            for link in record["links"]:
                other = json.loads((site / f"data/{link['kind']}/{link['id']}.json").read_text("utf-8"))
                assert any(b["kind"] == kind and b["id"] == record["id"] and b["field"] == link["field"]
                           for b in other["backlinks"]), (record["id"], link)


def _entity_links_in_html(site: Path, path: str) -> set[str]:
    """Addresses of entity pages linked from a page's <main>."""
    here = page_url(path)
    out = set()
    for raw in parse_links((site / path).read_text("utf-8")).main:
        target = urldefrag(urljoin(here, raw)).url
        if not target.startswith(BASE) or target == here:
            continue
        parts = target[len(BASE):].strip("/").split("/")
        if (len(parts) == 2 and parts[0] in KINDS) or (len(parts) == 1 and parts[0] not in KINDS + ("search", "data")
                                                        and "." not in parts[0]):
            out.add(target)
    return out


def test_json_describes_the_links_the_html_shows(site):
    for kind in ("principles", "units", "missions", "risks", "arenas", "plans", "sources"):
        for record in json.loads((site / f"data/{kind}.json").read_text("utf-8"))["items"]:
            in_json = {urldefrag(l["url"]).url for l in record["links"] + record["backlinks"]} - {record["page_url"]}
            in_html = _entity_links_in_html(site, f"{kind}/{record['id']}/index.html")
            assert in_json == in_html, record["id"]


def test_risk_register_and_goals_read_back_as_csv(site):
    rows = list(csv.DictReader(io.StringIO((site / "data/risks.csv").read_text("utf-8"), newline="")))
    risks = json.loads((site / "data/risks.json").read_text("utf-8"))["items"]
    assert [r["id"] for r in rows] == [r["id"] for r in risks]
    for row, risk in zip(rows, risks):
        assert int(row["value"]) == risk["value"] == int(row["probability"]) * int(row["severity"])
        assert row["rating"] == risk["rating"] and row["unit"] == risk["unit"]
        assert row["missions"].split(";") == risk["missions"]
    goals = list(csv.DictReader(io.StringIO((site / "data/goals.csv").read_text("utf-8"), newline="")))
    plans = json.loads((site / "data/plans.json").read_text("utf-8"))["items"]
    assert [(g["plan"], g["id"]) for g in goals] == [(p["id"], g["id"]) for p in plans for g in p["goals"]]


def test_catalog_is_dcat_with_the_licence(site):
    catalog = json.loads((site / "data/catalog.jsonld").read_text("utf-8"))
    assert catalog["@type"] == "dcat:Catalog"
    urls = {d["dcat:accessURL"]["@id"] for ds in catalog["dcat:dataset"] for d in ds["dcat:distribution"]}
    assert {BASE + f"data/{kind}.json" for kind in KINDS} | {BASE + "data/risks.csv"} <= urls
    for dataset in catalog["dcat:dataset"]:
        assert dataset["dct:license"]["@id"] == "http://creativecommons.org/publicdomain/zero/1.0/"
        assert dataset["dct:publisher"]["foaf:name"] == "Lindesbergs kommun"
        for distribution in dataset["dcat:distribution"]:
            path = distribution["dcat:accessURL"]["@id"][len(BASE):]
            assert (site / path).stat().st_size == distribution["dcat:byteSize"]
    page = (site / "data/index.html").read_text("utf-8")
    assert 'rel="license noopener noreferrer">CC0 1.0</a>' in page and 'href="risks.csv"' in page


# --- drafts, hostile content, settings ----------------------------------------------------------

def test_drafts_never_appear_even_in_a_build_with_drafts(tmp_path):
    output = tmp_path / "output"
    result = run_govsite("build", "--content", SITES / "basic" / "content", "--output", output, "--drafts",
                         "--today", "2024-06-01")
    assert result.returncode == 0, result.stderr
    assert (output / "missions/hemlig/index.html").is_file()  # the page is shown, marked as draft
    everything = b"".join(p.read_bytes() for p in (output / "data").rglob("*") if p.is_file())
    everything += (output / "feed.xml").read_bytes() + (output / "sitemap.xml").read_bytes()
    assert b"hemlig" not in everything and "Ett uppdrag under arbete".encode() not in everything
    assert b"hemlig" not in (output / "sitemap.xml").read_bytes()
    assert b"hemlig" not in (output / "search/index.html").read_bytes()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A site whose communicators wrote markup, formulas and control characters."""
    root = tmp_path_factory.mktemp("hostile")
    content = root / "content"
    shutil.copytree(SITES / "basic" / "content", content)
    config = (content / "site.yaml").read_text("utf-8")
    (content / "site.yaml").write_text(config + "cname: styrning.provkommun.se\nlicence: CC-BY-4.0\n", "utf-8")
    (content / "risks" / "formel.md").write_text(
        "---\ntitle: '=HYPERLINK(\"http://evil.example\",\"klick\")'\nsummary: \"</summary><script>alert(1)</script>"
        " & ]]> \\x01\"\nunit: enheten\nprobability: 2\nseverity: 2\nowner: '@SUM(A1)'\nupdated: 2024-05-01\n"
        "---\nText </script><script>alert(2)</script>\n", "utf-8")
    output = root / "output"
    result = run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01")
    assert result.returncode == 0, result.stderr
    return output


def test_hostile_text_stays_text_in_feeds_csv_and_json_ld(hostile):
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO((hostile / "data/risks.csv").read_text("utf-8")))}
    assert rows["formel"]["title"].startswith("'=HYPERLINK")
    assert rows["formel"]["owner"] == "'@SUM(A1)"
    feed = ET.parse(hostile / "feed.xml").getroot()
    entry = next(e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title").startswith("=HYPER"))
    # Markup is removed from feed text (readers may show it as HTML); the rest stays text.
    assert entry.findtext(f"{ATOM}summary").startswith(" & ]]>")
    for html in hostile.rglob("*.html"):
        assert "<script>alert" not in html.read_text("utf-8"), html
    assert (hostile / "CNAME").read_text("ascii") == "styrning.provkommun.se\n"
    catalog = json.loads((hostile / "data/catalog.jsonld").read_text("utf-8"))
    assert catalog["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"


def test_without_a_full_address_there_is_no_sitemap_and_a_notice(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SITES / "basic" / "content", content)
    config = (content / "site.yaml").read_text("utf-8")
    (content / "site.yaml").write_text(config.replace("base_url: https://example.org/prov/\n", "")
                                       + "licence: Kommunens egen licens\n", "utf-8")
    result = run_govsite("build", "--content", content, "--output", tmp_path / "output", "--today", "2024-06-01")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "output/sitemap.xml").exists()
    assert "sitemap.xml" in result.stderr + result.stdout
    # A licence govsite does not know is named, never linked to a wrong licence text.
    assert 'licensen "Kommunens egen licens" känns inte igen' in result.stderr + result.stdout
    page = (tmp_path / "output/data/index.html").read_text("utf-8")
    assert "Kommunens egen licens" in page and 'rel="license"' not in page
    catalog = json.loads((tmp_path / "output/data/catalog.jsonld").read_text("utf-8"))
    assert catalog["dct:license"] == {"@type": "dct:LicenseDocument", "rdfs:label": "Kommunens egen licens"}
    assert (tmp_path / "output/feed.xml").is_file() and (tmp_path / "output/pagefind/pagefind.js").is_file()


def test_two_builds_are_byte_identical(tmp_path, site):
    from conftest import tree_digest
    again = tmp_path / "again"
    result = run_govsite("build", "--content", DEMO, "--output", again, "--base-url", BASE, "--today", "2026-11-28")
    assert result.returncode == 0, result.stderr
    assert tree_digest(again) == tree_digest(site)


def test_pages_workflow_builds_with_the_readme_command_and_the_official_actions():
    root = Path(__file__).resolve().parent.parent
    workflow = yaml.safe_load((root / ".github/workflows/pages.yml").read_text("utf-8"))
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert {"actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses)
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    runs = " ".join(s.get("run", "") for s in steps)
    assert "pip install ." in runs
    build = next(s for s in steps if "build.py" in s.get("run", ""))
    # The Pages address reaches the command through the environment, never pasted into the
    # script (zizmor: template injection).
    assert build["run"] == 'python build.py --base-url "$BASE_URL/"'
    assert build["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    readme = (root / "README.md").read_text("utf-8")
    assert "pip install . && python build.py" in readme and "## Publishing" in readme


@pytest.mark.skipif(not os.environ.get("GOVSITE_DEEP_TESTS"), reason="deep test: set GOVSITE_DEEP_TESTS=1")
def test_a_thousand_entity_site_publishes_valid_data_feeds_and_search(tmp_path):
    from generate_site import generate
    content = generate(tmp_path / "content", 1000)
    output = tmp_path / "output"
    result = run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01", timeout=600)
    assert result.returncode == 0, result.stderr
    schema = json.loads((output / "data/schema.json").read_text("utf-8"))
    validator = validators(schema)
    total = 0
    for kind in KINDS:
        collection = json.loads((output / f"data/{kind}.json").read_text("utf-8"))
        validator["collection"].validate(collection)
        assert collection["count"] == len(list((content / kind).glob("*.md")))
        total += collection["count"]
    assert total >= 1000
    entries = ET.parse(output / "feed.xml").getroot().findall(f"{ATOM}entry")
    assert len(entries) == ENTITIES_IN_FEED  # the newest; every entity is in data/ and the sitemap
    urlset = ET.parse(output / "sitemap.xml").getroot()
    assert len(urlset) == len(list(output.rglob("*.html"))) - 1
    assert len(list((output / "pagefind/fragment").iterdir())) == total
    rows = list(csv.DictReader(io.StringIO((output / "data/risks.csv").read_text("utf-8"))))
    assert len(rows) == len(list((content / "risks").glob("*.md")))


def test_a_site_can_do_without_the_search_index(tmp_path):
    """`search: false` in site.yaml: no Pagefind index, the search page is the A–Ö index only."""
    content = tmp_path / "content"
    shutil.copytree(SITES / "basic" / "content", content)
    with (content / "site.yaml").open("a", encoding="utf-8") as config:
        config.write("search: false\n")
    result = run_govsite("build", "--content", content, "--output", tmp_path / "output", "--today", "2024-06-01")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "output/pagefind").exists()
    page = (tmp_path / "output/search/index.html").read_text("utf-8")
    assert "<script" not in page and 'id="search-query"' not in page
    assert 'az-list' in page and 'id="a-o"' in page
