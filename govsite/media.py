"""Media in content: `content/media/` (images and documents), published as is at `media/`.

What may be published (source.py asks `file_problem` of every file it reads there), what
a body may show (`check_bodies`, after validation: an image needs alt text (WCAG 1.1.1)
unless it is marked decorative, `![](media/x.png "decorative")`, and every `media/…` a body
names must exist) and an image's size from its header (`image_size`, for the logo). Pure
functions: bytes or text in, problems or facts out.
"""
from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping

from .errors import Diagnostics, SourceLocation

FOLDER = "media"
MAX_BYTES = 10 * 1024 * 1024  # a photo or a PDF of minutes; GitHub warns at 50 MB a file
# Images and documents only, each known by its first bytes where it has a signature: a file
# named .png that is an HTML page would be served as one by a browser that sniffs.
IMAGES = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
          ".gif": (b"GIF87a", b"GIF89a"), ".webp": (b"RIFF",), ".svg": ()}
DOCUMENTS = {".pdf": (b"%PDF-",), ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",), ".pptx": (b"PK\x03\x04",),
             ".odt": (b"PK\x03\x04",), ".ods": (b"PK\x03\x04",), ".odp": (b"PK\x03\x04",), ".csv": (), ".txt": ()}
ALLOWED = {**IMAGES, **DOCUMENTS}
IMAGE_TYPES = {"svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
               "gif": "image/gif", "webp": "image/webp"}  # for <link rel="icon" type=…>
# How a body marks an image that carries no information (WCAG 1.1.1: alt="" for decoration).
DECORATIVE = ("decorative", "dekorativ")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# `![alt](media/x.png "title")` and `[text](media/x.pdf)`, as a communicator writes them.
_LINK = re.compile(r'(!?)\[((?:[^\]\\\n]|\\.)*)\]\(\s*<?([^)\s>]*)>?(?:\s+"([^"\n]*)")?\s*\)')


def file_problem(name: str, data: bytes) -> tuple[str, dict] | None:
    """(message code, params) when the file may not be published, else None."""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in ALLOWED:
        return "media_type", {"allowed": ", ".join(sorted(s.lstrip(".") for s in ALLOWED))}
    signatures = ALLOWED[suffix]
    if signatures and not data.startswith(signatures):
        return "media_not_what_it_says", {"type": suffix.lstrip(".")}
    if suffix == ".webp" and data[8:12] != b"WEBP":
        return "media_not_what_it_says", {"type": "webp"}
    if suffix in (".svg", ".csv", ".txt"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return "media_not_what_it_says", {"type": suffix.lstrip(".")}
        if suffix == ".svg":
            reason = svg_problem(text)
            if reason:
                return "media_svg_unsafe", {"reason": reason}
    return None


def svg_problem(text: str) -> str | None:
    """Why an SVG may not be published (a script, an event handler, a reference to another
    file or host, a DTD), or None. SVG is a document a browser runs, not only a picture."""
    if re.search(r"<!(?:DOCTYPE|ENTITY)", text, re.I):
        return "<!DOCTYPE>/<!ENTITY>"
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return "not XML"
    if _local(root.tag) != "svg":
        return f"<{_local(root.tag)}>"
    for element in root.iter():
        tag = _local(element.tag)
        if tag in ("script", "foreignObject", "iframe", "embed", "object", "handler", "listener"):
            return f"<{tag}>"
        if tag in ("set", "animate") and _local(element.get("attributeName", "")).endswith("href"):
            return f"<{tag} attributeName=href>"  # an animation can set a link to javascript:
        for attribute, value in element.attrib.items():
            name = _local(attribute)
            if name.lower().startswith("on"):
                return f"{name}="
            if re.search(r"(?:java|vb)script\s*:", value, re.I):
                return f'{name}="{value[:60]}"'
            if name == "href" and not value.strip().startswith("#"):
                return f'href="{value[:60]}"'
            if name == "style" and _outside_reference(value):
                return "style=url()"
        if tag == "style" and _outside_reference(element.text or ""):
            return "<style> url()/@import"
    return None


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1] if isinstance(name, str) else ""


def _outside_reference(css: str) -> bool:
    return "@import" in css or any(not ref.strip(" '\"").startswith("#") for ref in re.findall(r"url\(([^)]*)\)", css))


def references(body: str, body_line: int) -> Iterable[tuple[int, bool, str, str, str]]:
    """(line, is image, text, address, title) of each inline image, and of each link to media/,
    in a body (a body without either is not scanned: this runs on every entity of every build)."""
    if "![" not in body and "](media/" not in body and "](<media/" not in body:
        return
    for match in _LINK.finditer(body):
        image, text, address, title = match.groups()
        yield body_line + body.count("\n", 0, match.start()), bool(image), text, address, title or ""


def check_bodies(entities: Iterable, media: Mapping[str, bytes], diagnostics: Diagnostics) -> None:
    """Every image has alt text or is marked decorative; every `media/…` exists (errors); an
    image from elsewhere is not shown (a warning: another host would learn who reads the page)."""
    for entity in entities:
        for line, image, text, address, title in references(entity.body, entity.body_line):
            where = SourceLocation(entity.path, line)
            in_media = address.startswith(FOLDER + "/")
            if in_media and address not in media:
                diagnostics.error("media_missing", where, file=address, suggestion=_nearest(address, media))
            elif image and not in_media:  # the sanitizer drops it (markup.py): said, not fatal
                diagnostics.warning("image_not_in_media", where, file=address[:80])
            if image and not text.strip() and title.strip().lower() not in DECORATIVE:
                diagnostics.error("image_without_alt", where, file=address[:80])


def _nearest(address: str, media: Mapping[str, bytes]) -> str:
    import difflib  # compared without the "media/" all of them share
    names = {path[len(FOLDER) + 1:]: path for path in media}
    found = difflib.get_close_matches(address[len(FOLDER) + 1:], list(names), n=1, cutoff=0.75)
    return names[found[0]] if found else ""


def image_size(data: bytes, name: str) -> tuple[int, int]:
    """(width, height) from an image's header: PNG, GIF, JPEG, or an SVG's width/height or
    viewBox; (0, 0) when it cannot be told."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return struct.unpack(">II", data[16:24])
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data.startswith(b"\xff\xd8"):
            index = 2
            while index + 9 < len(data):
                marker, length = data[index + 1], struct.unpack(">H", data[index + 2:index + 4])[0]
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    height, width = struct.unpack(">HH", data[index + 5:index + 9])
                    return width, height
                index += 2 + length
        if name.lower().endswith(".svg"):
            head = data[:2000].decode("utf-8", "replace")
            tag = re.search(r"<svg\b[^>]*>", head, re.S)
            attrs = dict(re.findall(r'([\w:-]+)\s*=\s*"([^"]*)"', tag.group(0))) if tag else {}
            number = r"\s*([0-9.]+)\s*(?:px)?\s*"
            if re.fullmatch(number, attrs.get("width", "")) and re.fullmatch(number, attrs.get("height", "")):
                return round(float(attrs["width"].strip(" px"))), round(float(attrs["height"].strip(" px")))
            box = attrs.get("viewBox", "").replace(",", " ").split()
            if len(box) == 4:
                return round(float(box[2])), round(float(box[3]))
    except (struct.error, ValueError, IndexError):
        pass
    return 0, 0
