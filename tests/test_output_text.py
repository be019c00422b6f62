"""Text as the communicator wrote it reaches every output: never erased because it looks like
an address, never breaking an XML file, and in one Unicode form whatever the editor saved."""
from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from conftest import SITES, run_govsite
from output_scan import scan

ATOM = "{http://www.w3.org/2005/Atom}"
# What XML 1.0 forbids or discourages (markup.XML_UNFIT, written out again here).
XML_UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff"
                       "\U0001fffe\U0001ffff\U0010fffe\U0010ffff]")


def _site(tmp_path: Path, files: dict[str, str]) -> Path:
    """The basic fixture site with `files` added or replaced (relative to content/)."""
    content = tmp_path / "content"
    shutil.copytree(SITES / "basic" / "content", content)
    for relpath, text in files.items():
        (content / relpath).parent.mkdir(parents=True, exist_ok=True)
        (content / relpath).write_text(text, encoding="utf-8")
    return content


def _build(content: Path, *extra) -> Path:
    output = content.parent / "output"
    result = run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01", *extra)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return output


def _feed_titles(feed: Path) -> list[str]:
    root = ET.fromstring(feed.read_bytes())
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


# --- item 3: text that starts like a script address is text -------------------------------

def test_a_title_that_starts_like_an_address_is_kept_in_the_data_and_the_feed(tmp_path):
    content = _site(tmp_path, {"sources/prognos.md": (
        "---\ntitle: \"Data: befolkningsprognos 2024\"\nsummary: \"JavaScript: en kurs för nämnden\"\n"
        "updated: 2024-05-20\nurl: https://example.org/prognos\n---\nPrognosen.\n")})
    output = _build(content)
    record = json.loads((output / "data/sources/prognos.json").read_text("utf-8"))
    assert record["title"] == "Data: befolkningsprognos 2024"
    assert record["summary"] == "JavaScript: en kurs för nämnden"
    schema = json.loads((output / "data/schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator({**schema, "$ref": "#/$defs/sources"}).validate(record)  # title minLength 1
    collection = json.loads((output / "data/sources.json").read_text("utf-8"))
    assert "Data: befolkningsprognos 2024" in [item["title"] for item in collection["items"]]
    assert "Data: befolkningsprognos 2024" in _feed_titles(output / "feed.xml")
    page = (output / "sources/prognos/index.html").read_text("utf-8")
    assert "Data: befolkningsprognos 2024" in page
    assert scan(output) == []  # and still nothing a reader could follow into a script


# --- item 4: every XML output is well-formed, whatever characters the content holds ------

UNFIT_TITLE = r'"a\uFFFEb\uFFFFc\x01d\x7Fe\x80f\uFDD0g\U0001FFFEh\U0010FFFFi"'


def test_characters_xml_forbids_never_reach_an_xml_file(tmp_path):
    content = _site(tmp_path, {
        "risks/tecken.md": (f"---\ntitle: {UNFIT_TITLE}\nsummary: {UNFIT_TITLE}\nunit: enheten\n"
                            "probability: 2\nseverity: 2\nupdated: 2024-05-30\n---\nText.\n"),
        "units/tecken.md": f"---\ntitle: {UNFIT_TITLE}\nupdated: 2024-05-29\n---\n",
    })
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8").replace(
        "organisation: Provkommun", r'organisation: "Prov\uFFFEkommun\x1B"'), encoding="utf-8")
    output = _build(content)
    xml_files = sorted(output.rglob("*.xml"))
    assert {p.relative_to(output).as_posix() for p in xml_files} >= {"feed.xml", "sitemap.xml",
                                                                     "units/tecken/feed.xml"}
    for path in xml_files:
        text = path.read_text("utf-8")
        ET.fromstring(text.encode("utf-8"))  # well-formed, or this raises
        assert not XML_UNFIT.search(text), path
    assert "abcdefghi" in _feed_titles(output / "feed.xml")
    assert "abcdefghi" in _feed_titles(output / "units/tecken/feed.xml")
    root = ET.fromstring((output / "feed.xml").read_bytes())
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "Provkommun"
    assert scan(output) == []


def test_a_site_address_with_characters_xml_forbids_is_refused_at_its_line(tmp_path):
    content = _site(tmp_path, {})
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8").replace(
        "base_url: https://example.org/prov/", r'base_url: "https://example.org/pr\uFFFEov/"'), encoding="utf-8")
    result = run_govsite("check", "--content", content, "--format", "json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    found = [(d["path"], d["line"], d["code"]) for d in json.loads(result.stdout)]
    assert ("content/site.yaml", 4, "expected_url") in found


# --- item 15: text in one Unicode form (NFC), however it was saved --------------------------

NFD_TITLE = "A\u030alands sk\u0061\u0308rgård"  # "Ålands skärgård" with Å and ä decomposed


def test_a_decomposed_title_is_read_composed_and_sorts_under_its_letter(tmp_path):
    content = _site(tmp_path, {
        "risks/aland.md": (f"---\ntitle: {NFD_TITLE}\nunit: enheten\nprobability: 2\nseverity: 2\n"
                           f"---\nO\u0308verfart till {NFD_TITLE}.\n"),
        # an escape in a quoted YAML string decomposes too
        "units/oland.md": '---\ntitle: "O\\u0308landsenheten"\n---\n',
    })
    output = _build(content)
    composed = "Ålands skärgård"
    record = json.loads((output / "data/risks/aland.json").read_text("utf-8"))
    assert record["title"] == composed
    assert record["body"].startswith("Överfart till Ålands skärgård")
    assert json.loads((output / "data/units/oland.json").read_text("utf-8"))["title"] == "Ölandsenheten"
    search = (output / "search/index.html").read_text("utf-8")
    letters = dict(re.findall(r'<h3 id="letter-\d+">(.+?)</h3>\s*<ul class="entity-list az-list">(.*?)</ul>',
                              search, re.S))
    assert composed in letters["Å"] and "Ölandsenheten" in letters["Ö"]
    assert composed not in letters.get("A", "")
    assert "\u030a" not in (output / "risks/aland/index.html").read_text("utf-8")


def test_a_decomposed_file_name_gets_the_right_suggestion(tmp_path):
    content = _site(tmp_path, {"risks/a\u030alandsrisk.md": "---\ntitle: Risk\n---\n"})
    result = run_govsite("check", "--content", content, "--format", "json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    hints = [d["hint"] for d in json.loads(result.stdout) if d["code"] == "bad_file_name"]
    assert len(hints) == 1 and "alandsrisk.md" in hints[0], hints
