"""Media in content (issue 15.4): `content/media/` is published as is, a body shows its
images under any base path, and what is missing, unlabelled or hostile is refused at its line."""
from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import pytest

from conftest import SITES, run_govsite

BASIC = SITES / "basic" / "content"
SAFE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" viewBox="0 0 40 20">'
            '<defs><linearGradient id="g"><stop offset="0" stop-color="#036"/></linearGradient></defs>'
            '<rect width="40" height="20" fill="url(#g)"/></svg>')


def png(width: int, height: int) -> bytes:
    """A real PNG of one colour."""
    raw = b"".join(b"\x00" + b"\x00\x66\x99" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _site(tmp_path: Path, body: str, files: dict[str, bytes] | None = None) -> Path:
    """The basic site with media files and a page `om` whose body is `body` (from line 6)."""
    content = tmp_path / "content"
    shutil.copytree(BASIC, content)
    for name, data in (files or {}).items():
        (content / "media" / name).parent.mkdir(parents=True, exist_ok=True)
        (content / "media" / name).write_bytes(data)
    (content / "pages" / "om.md").write_text(f"---\ntitle: Om webbplatsen\nnav: true\n---\n\n{body}",
                                             encoding="utf-8")
    return content


def _errors(tmp_path: Path) -> list[str]:
    """check and build agree: both fail with these errors and nothing is written."""
    checked = run_govsite("check", cwd=tmp_path)
    built = run_govsite("build", "--no-cache", cwd=tmp_path)
    for result in (checked, built):
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    errors = [line for line in checked.stderr.splitlines() if ": fel: " in line]
    assert errors == [line for line in built.stderr.splitlines() if ": fel: " in line]
    assert not (tmp_path / "output").exists()
    return errors


def test_an_image_in_a_page_shows_in_chromium_under_a_sub_path(tmp_path):
    pytest.importorskip("playwright")
    from browser import Visit, chromium
    from test_browser_theme import axe_violations
    from govsite.static_server import serve_like_pages
    _site(tmp_path, "Så är vi organiserade:\n\n![Organisationsschema för Provkommun](media/bilder/org.png)\n\n"
                    '![](media/linje.svg "dekorativ")\n\nLäs [protokollet (PDF)](media/protokoll.pdf).\n',
          {"bilder/org.png": png(120, 60), "linje.svg": SAFE_SVG.encode(), "protokoll.pdf": b"%PDF-1.4\n%%EOF\n"})
    result = run_govsite("build", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    output = tmp_path / "output"
    assert (output / "media/bilder/org.png").read_bytes() == png(120, 60)  # published as is
    with chromium() as browser, serve_like_pages(output, "/prov/") as base:
        visit = Visit(browser, base)
        visit.page.goto(base + "om/")
        image = visit.page.get_by_role("img", name="Organisationsschema för Provkommun")
        assert image.evaluate("img => img.complete && img.naturalWidth") == 120
        decorative = visit.page.locator('img[src$="linje.svg"]')
        assert decorative.get_attribute("alt") == "" and decorative.get_attribute("title") is None
        assert decorative.evaluate("img => img.naturalWidth") == 40
        link = visit.page.get_by_role("link", name="protokollet (PDF)")
        assert visit.page.request.get(link.evaluate("a => a.href")).status == 200
        assert axe_violations(visit.page) == []
        visit.assert_clean()  # no 404, no request to another host
        visit.close()


def test_a_missing_file_and_an_image_without_alt_text_are_errors_at_their_lines(tmp_path):
    _site(tmp_path, "Text.\n\n![Schema](media/org.png)\n\n![](media/org.png)\n\n"
                    "Se [bilagan](media/bilaga.pdf).\n\n![Karta](media/kartta.png)\n\n![Logga](https://example.org/a.png)\n",
          {"org.png": png(4, 4), "karta.png": png(4, 4)})
    assert _errors(tmp_path) == [
        "content/pages/om.md:10: fel: bilden media/org.png har ingen alternativtext, så den som inte ser bilden "
        "får inte veta vad den visar (WCAG 1.1.1). Skriv vad bilden visar mellan hakparenteserna: "
        "![Organisationsschema för förvaltningen](media/bild.png). Är bilden bara utsmyckning, skriv "
        '![](media/bild.png "dekorativ").',
        "content/pages/om.md:12: fel: filen media/bilaga.pdf finns inte i content/media/. Lägg filen i "
        "content/media/, eller rätta namnet.",
        'content/pages/om.md:14: fel: filen media/kartta.png finns inte i content/media/. Menade du "media/karta.png"?']
    check = run_govsite("check", cwd=tmp_path)
    assert ("content/pages/om.md:16: varning: bilden https://example.org/a.png ligger inte i content/media/, så den "
            "kan inte visas. Lägg bilden i content/media/ och skriv till exempel ![Beskrivning av bilden](media/bild.png). "
            "Bilder från andra webbplatser visas inte: de skulle berätta för den webbplatsen vem som läser sidan.") \
        in check.stderr


def test_an_english_site_is_told_in_english_and_decorative_works_in_english(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SITES / "english" / "content", content)
    (content / "media").mkdir()
    (content / "media" / "line.png").write_bytes(png(4, 4))
    page = next((content / "pages").glob("*.md"))
    page.write_text(page.read_text("utf-8") + '\n![](media/line.png "decorative")\n\n![](media/line.png)\n',
                    encoding="utf-8")
    line = len(page.read_text("utf-8").splitlines())
    result = run_govsite("check", cwd=tmp_path)
    assert result.returncode == 1
    assert [x for x in result.stderr.splitlines() if ": error: " in x] == [
        f"content/pages/{page.name}:{line}: error: the image media/line.png has no alt text, so someone who cannot "
        "see it is not told what it shows (WCAG 1.1.1). Write what the image shows between the square brackets: "
        "![Organisation chart of the department](media/picture.png). If the image is decoration only, write "
        '![](media/picture.png "decorative").']


HOSTILE = {
    # name: (file name, bytes, the error expected at content/media/<file name>)
    "svg-script": ("logga.svg", SAFE_SVG.replace("</svg>", "<script>alert(1)</script></svg>").encode(),
                   "SVG-bilden innehåller något som en webbläsare kör eller hämtar (<script>)"),
    "svg-handler": ("logga.svg", SAFE_SVG.replace("<rect ", '<rect onclick="alert(1)" ').encode(),
                    "SVG-bilden innehåller något som en webbläsare kör eller hämtar (onclick=)"),
    "svg-outside": ("logga.svg", SAFE_SVG.replace("<rect ", '<image href="https://example.org/t.png"/><rect ')
                    .encode(), 'kör eller hämtar (href="https://example.org/t.png")'),
    "svg-animated-link": ("logga.svg", SAFE_SVG.replace("</svg>", '<a href="#g"><set attributeName="href" '
                          'to="javascript:alert(1)"/><text>x</text></a></svg>').encode(),
                          "kör eller hämtar (<set attributeName=href>)"),
    "svg-entity": ("logga.svg", b'<!DOCTYPE svg [<!ENTITY a "b">]>' + SAFE_SVG.encode(),
                   "kör eller hämtar (<!DOCTYPE>/<!ENTITY>)"),
    "html-named-png": ("bild.png", b"<html><script>alert(1)</script></html>",
                       "filen heter .png men innehåller inte en png-fil, och publiceras inte."),
    "not-allowed-type": ("sida.html", b"<html></html>",
                         "filen är inte en bild eller ett dokument som kan publiceras som det är"),
    "too-large": ("stor.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1), "större än gränsen på 10 MB för filer i content/media/, och publiceras inte."),
    "bad-name": ("min bild.png", png(2, 2), 'filnamnet "min bild.png" kan inte bli en webbadress.'),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_media_files_are_refused_at_their_path(tmp_path, case):
    name, data, expected = HOSTILE[case]
    _site(tmp_path, "Text.\n", {name: data})
    errors = _errors(tmp_path)
    assert len(errors) == 1 and errors[0].startswith(f"content/media/{name}: fel: ") and expected in errors[0], errors


def test_two_files_whose_names_differ_only_in_case_are_refused_at_the_second(tmp_path):
    _site(tmp_path, "![Schema](media/Org.png)\n", {"org.png": png(2, 2), "Org.png": png(2, 2)})
    assert _errors(tmp_path) == [
        "content/media/org.png: fel: filen har samma namn som content/media/Org.png när stora och små bokstäver räknas "
        "lika, och på Windows och macOS är de samma fil. Döp om en av filerna, eller ta bort den som inte behövs."]


def test_a_link_out_of_the_content_folder_is_refused(tmp_path):
    outside = tmp_path / "hemligt.png"
    outside.write_bytes(png(2, 2))
    content = _site(tmp_path, "Text.\n", {"org.png": png(2, 2)})
    (content / "media" / "hemligt.png").symlink_to(outside)
    assert _errors(tmp_path) == ["content/media/hemligt.png: fel: länken pekar ut ur innehållsmappen och läses inte. "
                                 "Kopiera filen in i content/ i stället för att länka till den."]


def test_a_changed_media_file_is_a_new_build_and_the_preview_serves_media(tmp_path):
    from test_serve import serving
    content = _site(tmp_path, "![Logga](media/logga.svg)\n", {"logga.svg": SAFE_SVG.encode()})
    assert run_govsite("build", cwd=tmp_path).returncode == 0
    (content / "media" / "logga.svg").write_text(SAFE_SVG.replace("#036", "#063"), encoding="utf-8")
    result = run_govsite("build", cwd=tmp_path)  # not skipped as "nothing changed" (cache.py)
    assert result.returncode == 0 and "#063" in (tmp_path / "output/media/logga.svg").read_text()
    with serving(tmp_path) as served:
        assert served.get("/media/logga.svg") == (200, SAFE_SVG.replace("#036", "#063"))
        assert 'src="../media/logga.svg"' in served.get("/om/")[1]
        (content / "media" / "ny.svg").write_text(SAFE_SVG, encoding="utf-8")
        served.wait_for("/media/ny.svg", lambda text: text == SAFE_SVG)
        (content / "media" / "ny.svg").write_text(SAFE_SVG.replace("</svg>", "<script>x</script></svg>"),
                                                  encoding="utf-8")
        served.wait_for("/om/", lambda text: 'role="alert"' in text and "content/media/ny.svg" in text)
