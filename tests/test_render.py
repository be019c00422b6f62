"""The rendered site: relative links, backlinks and the entity pages a citizen reads."""
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag

import pytest

from govsite.render import relative_url


@pytest.mark.parametrize("page, target, expected", [
    ("index.html", "", "./"),
    ("index.html", "risks/x/", "risks/x/"),
    ("risks/x/index.html", "", "../../"),
    ("risks/x/index.html", "missions/y/", "../../missions/y/"),
    ("risks/x/index.html", "risks/", "../"),
    ("om/index.html", "static/site.css", "../static/site.css"),
    ("risks/x/index.html", "plans/p/#goal-g", "../../plans/p/#goal-g"),
])
def test_relative_url(page, target, expected):
    assert relative_url(page, target) == expected


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (attribute, value)
        self.ids: set[str] = set()
        self.anchors: list[tuple[str, str]] = []  # (href, text)
        self._href = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append((name, attrs[name]))
        if tag == "a":
            self._href, self._text = attrs.get("href"), ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, " ".join(self._text.split())))
            self._href = None


def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text("utf-8"))
    return parser


def internal_targets(output: Path):
    """Every (page, link, target file, fragment) of internal links in the built site."""
    for page in sorted(output.rglob("*.html")):
        if page.name == "404.html" and page.parent == output:
            continue  # its links are root-absolute by design: tested under a sub-path elsewhere
        for _, value in parse(page).links:
            if value.startswith(("http://", "https://", "mailto:", "tel:")):
                continue
            url, fragment = urldefrag(value)
            target = (page.parent / url).resolve() if url else page
            if target.is_dir():
                target = target / "index.html"
            yield page, value, target, fragment


@pytest.mark.parametrize("site", ["basic_site", "demo_site"])
def test_every_internal_link_and_anchor_resolves(site, request):
    output = request.getfixturevalue(site)
    checked = 0
    for page, value, target, fragment in internal_targets(output):
        assert target.is_file(), f"{page.relative_to(output)} links to missing {value}"
        assert output.resolve() in target.parents, f"{page} links outside the site: {value}"
        if fragment and target.suffix == ".html":
            assert fragment in parse(target).ids, f"{page.relative_to(output)}: no #{fragment} in {value}"
        checked += 1
    assert checked > 100


def anchors(output: Path, page: str) -> list[tuple[str, str]]:
    return parse(output / page).anchors


def test_a_risk_page_shows_its_links_and_what_points_to_it(basic_site):
    links = anchors(basic_site, "risks/lokalbrist/index.html")
    assert ("../../missions/utbud/", "Ett brett fritidsutbud") in links  # front matter and body
    assert ("../../plans/vp-2024/#goal-fler-lokaler", "Fler lokaler för föreningar") in links  # body + backlink
    assert ("../../arenas/foreningsdialog/", "Föreningsdialog om lokaler") in links  # backlink
    assert ("../../", "Välkommen till Provkommun") in links  # the home page mentions it
    html = (basic_site / "risks/lokalbrist/index.html").read_text()
    assert "Samverkansarenor som arbetar med risken" in html
    assert "Mål i planer" in html


def test_a_mission_page_lists_threatening_risks_goals_and_arenas(basic_site):
    html = (basic_site / "missions/utbud/index.html").read_text()
    for heading in ("Risker som hotar uppdraget", "Mål i planer", "Samverkansarenor"):
        assert heading in html
    links = anchors(basic_site, "missions/utbud/index.html")
    assert ("../../risks/lokalbrist/", "Brist på lokaler för föreningslivet") in links
    assert ("../../plans/vp-2024/#goal-nojdare-foreningar", "Nöjdare föreningar") in links
    assert ("../../principles/tillit/", "Bygga tillitsfulla relationer") in links


def test_a_risk_shows_its_matrix_labels_value_rating_and_action(basic_site):
    html = (basic_site / "risks/lokalbrist/index.html").read_text()
    assert "3 – Möjlig: Kan inträffa varje år" in html
    assert "4 – Allvarlig" in html
    assert '<span class="rating tone-4">Hög 12</span>' in html  # highest rating: darkest tone, label in text
    assert "Hanteras snarast" in html
    assert "Genomgång av lokalbokningar" in html and "Kvartalsvis" in html


def test_drafts_are_not_published_and_nothing_links_to_them(basic_site):
    assert not (basic_site / "missions/hemlig").exists()
    for page in basic_site.rglob("*.html"):
        assert "hemlig" not in page.read_text(), page


def test_arena_status_comes_from_the_build_date(basic_site):
    html = (basic_site / "arenas/foreningsdialog/index.html").read_text()
    assert "Pågår</span></dd>" in html  # built with --today 2024-06-01, between starts and ends
    assert "1 mars 2024" in html and "31 december 2024" in html
    assert "Polisen" in html and "<h3>Polis</h3>" in html  # partners grouped by type


def test_plan_goals_show_status_and_progress(basic_site):
    html = (basic_site / "plans/vp-2024/index.html").read_text()
    assert 'id="goal-fler-lokaler"' in html
    assert '<progress max="100" value="40"' in html and "40 procent" in html
    assert "<dd>Pågår</dd>" in html and "<dd>Ej påbörjat</dd>" in html
