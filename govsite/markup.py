"""Markdown → safe HTML fragments, with entity references left as `kind:id` links.

The HTML of a body depends only on the body text (references are resolved
afterwards by `resolve_links`), so it can be cached by content hash and
rendered in any process.
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from typing import Callable

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from . import model
from .gfm import ListIndent, mask_code
from .media import DECORATIVE

PREFIXES = "|".join(model.PLURAL)
# The one pattern of an entity reference's target, `risk:id` or `plan:id#goal`: the ids are
# checked against the site in links.py, so anything up to the end of the address is taken.
TARGET = rf"(?P<kind>{PREFIXES}):(?P<id>[^\s\]\[()<>\"'#`]*)(?:#(?P<goal>[^\s\]\[()<>\"'`]*))?"
WIKI_REF = rf"\[\[{TARGET}\]\]"
# Everywhere Markdown takes a link's address: [[…]], [text](…) with or without a title or <>,
# a reference definition `[r]: …`, an autolink <…> and a raw <a href="…">.
BODY_REF = re.compile(
    rf"(?:\[\[|\]\([ \t]*<?|^[ ]{{0,3}}\[[^\]\n]+\]:[ \t]*<?|<|\bhref[ \t]*=[ \t]*[\"']?){TARGET}"
    rf"(?=\]\]|[)>\"'\s]|$)", re.M)
RESOLVED_LINK = re.compile(rf'<a((?: [^>]*?)?) href="({PREFIXES}):([^"#]*)(?:#([^"]*))?"([^>]*)>(.*?)</a>', re.S)

# What a communicator's Markdown may produce; everything else is dropped (not escaped
# into visible junk). No scripts, styles, forms, frames, media or event handlers.
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "ins",
    "mark", "small", "sub", "sup", "abbr", "q", "cite", "code", "pre", "kbd", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td", "caption",
    "a", "img", "figure", "figcaption", "span", "label", "input",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"},
                      "th": {"scope", "class"}, "td": {"class"}, "ol": {"start"}, "code": {"class"},
                      "input": {"checked"}}
# Every <input> is a task list's checkbox: one a reader cannot change, whoever wrote it. (Set
# here, not by nh3's set_tag_attribute_values, whose attribute order varies between runs.)
_INPUT = re.compile(r'<input( checked="")?>')
URL_SCHEMES = {"http", "https", "mailto", "tel"} | set(model.PLURAL)
_CLASSES = re.compile(r"language-[\w+-]+|align-(?:left|center|right)")


def body_refs(text: str):
    """(offset, singular kind, id, goal) of every entity reference in a body, wherever Markdown
    takes an address; what is inside code (spans, fenced blocks) is text, not a reference."""
    if ":" not in text:
        return
    for match in BODY_REF.finditer(mask_code(text)):
        yield match.start("kind"), match.group("kind").lower(), match.group("id"), match.group("goal") or ""


class _WikiRef(InlineProcessor):
    """`[[risk:id]]` and `<risk:id>`: a link whose text is the target's title (resolve_links)."""

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's name)
        element = etree.Element("a")
        goal = f"#{m.group('goal')}" if m.group("goal") else ""
        element.set("href", f"{m.group('kind')}:{m.group('id')}{goal}")
        element.text = ""  # filled with the target's title by resolve_links
        return element, m.start(0), m.end(0)


class _HardBreak(InlineProcessor):
    """A backslash at the end of a line is a line break (CommonMark), as two spaces are."""

    def handleMatch(self, m, data):  # noqa: N802
        return etree.Element("br"), m.start(0), m.end(0)


class _DemoteTitle(Treeprocessor):
    """The page's title is its only h1, so a `# heading` in a body becomes an h2."""

    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class _Alignment(Treeprocessor):
    """Table alignment as a class the theme styles: the CSP allows no inline styles."""

    def run(self, root):
        for cell in (*root.iter("th"), *root.iter("td")):
            align = cell.attrib.pop("align", None)
            if align:
                cell.set("class", f"align-{align}")


class _LooseLists(Treeprocessor):
    """GitHub spaces out every item of a list when any item is spaced out (a "loose" list);
    Python-Markdown only those next to a blank line. Wrap the rest's text in paragraphs too."""

    def run(self, root):
        for parent in (*root.iter("ul"), *root.iter("ol")):
            if not any(len(item) and item[0].tag == "p" and not (item.text or "").strip() for item in parent):
                continue
            for item in parent:
                if (item.text or "").strip() or (len(item) and item[0].tag not in _BLOCKS):
                    paragraph = etree.Element("p")
                    paragraph.text, item.text = item.text, None
                    while len(item) and item[0].tag not in _BLOCKS:
                        child = item[0]
                        item.remove(child)
                        paragraph.append(child)
                    item.insert(0, paragraph)


_TASK = re.compile(r"\[([ xX])\][ \t]+")
_BLOCKS = {"p", "ul", "ol", "pre", "blockquote", "table", "div", "h2", "h3", "h4", "h5", "h6", "hr", "dl"}


class _TaskList(Treeprocessor):
    """`- [x] text` (GitHub's task list): a checkbox no one can change, inside a label that holds
    the item's words, so a screen reader says "text, checkbox, checked". pymdownx.tasklist puts
    the checkbox in stashed HTML beside the text, which leaves it without a name."""

    def run(self, root):
        for item in root.iter("li"):
            holder = item[0] if not (item.text or "").strip() and len(item) and item[0].tag == "p" else item
            match = _TASK.match(holder.text or "")
            if not match:
                continue
            label = etree.Element("label")
            box = etree.SubElement(label, "input")
            if match.group(1) != " ":
                box.set("checked", "")
            box.tail = " " + holder.text[match.end():]
            holder.text = None
            while len(holder) and holder[0].tag not in _BLOCKS:
                child = holder[0]
                holder.remove(child)
                label.append(child)
            holder.insert(0, label)


class _Decorative(Treeprocessor):
    """`![](media/x.png "decorative")`: an image that carries no information gets alt=""
    (assistive technology skips it) and no tooltip; media.check_bodies requires alt text
    of every other image."""

    def run(self, root):
        for element in root.iter("img"):
            if element.get("title", "").strip().lower() in DECORATIVE:
                element.attrib.pop("title")
                element.set("alt", "")


class _GovsiteExtension(markdown.Extension):
    def extendMarkdown(self, md):  # noqa: N802
        md.preprocessors.register(ListIndent(md), "govsite_list_indent", 40)
        md.inlinePatterns.register(_WikiRef(WIKI_REF, md), "govsite_ref", 175)
        md.inlinePatterns.register(_WikiRef(rf"<{TARGET}>", md), "govsite_ref_autolink", 174)
        md.inlinePatterns.register(_HardBreak(r"\\\n", md), "govsite_hard_break", 185)
        md.treeprocessors.register(_DemoteTitle(md), "govsite_demote_h1", 5)
        md.treeprocessors.register(_Alignment(md), "govsite_alignment", 4.5)
        md.treeprocessors.register(_LooseLists(md), "govsite_loose_lists", 3.5)
        md.treeprocessors.register(_TaskList(md), "govsite_task_list", 3)
        md.treeprocessors.register(_Decorative(md), "govsite_decorative", 4)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Images come from the site itself or not at all: no request to another host.
    if tag == "img" and attribute == "src" and (":" in value.split("/")[0] or value.startswith("//")):
        return None
    if attribute == "class" and not _CLASSES.fullmatch(value):
        return None
    return value


def sanitize(fragment: str) -> str:
    clean = nh3.clean(fragment, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                      attribute_filter=_filter_attribute, strip_comments=True)
    return _INPUT.sub(r'<input type="checkbox" disabled=""\1>', clean) if "<input" in clean else clean


SCRIPT_ADDRESS = re.compile(r"(?:javascript|data|vbscript|livescript):", re.I)
# Characters XML 1.0 forbids (C0 controls but tab, newline and CR; surrogates; U+FFFE, U+FFFF)
# and those it discourages (C1 controls but NEL, U+FDD0–U+FDEF, the last two of every plane).
XML_UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef"
                       + "".join(f"{chr(plane << 16 | 0xfffe)}{chr(plane << 16 | 0xffff)}" for plane in range(17))
                       + "]")


def xml_text(text: str) -> str:
    """Text an XML file can carry: what XML 1.0 forbids or discourages is dropped. Every XML
    output (feeds, sitemap) passes its text and attribute values through this, or the file is
    not well-formed and a feed reader or search engine rejects all of it."""
    return XML_UNFIT.sub("", str(text))


def safe_address(address: str) -> str:
    """An address (href, src, url field) a reader may follow: one that would run a script
    (javascript:, data:, vbscript:, as a browser reads it, spaces and controls ignored) becomes ""."""
    if ":" in address[:64] and SCRIPT_ADDRESS.match(re.sub(r"[\x00-\x20\x7f]+", "", address[:64])):
        return ""
    return address


def safe_text(text: str) -> str:
    """Plain text bound for open data and feeds, whose readers may show it as HTML: markup a
    communicator typed into it is removed (its text kept); text without markup stays as it is,
    even when it starts like an address ("Data: befolkningsprognos"): text is never followed."""
    if "<" not in text:  # nearly every string: nothing to clean
        return text
    for _ in range(10):  # unescaping can reveal markup that was written as entities: strip again
        if not nh3.is_html(text):
            return text
        text = html.unescape(nh3.clean(text, tags=set(), strip_comments=True))
    return ""


# pymdown-extensions (maintained; what MkDocs-Material uses) for what GitHub shows and
# Python-Markdown does not: fences anywhere (in list items too), ~~strike~~, bare and www.
# and e-mail addresses as links, `#5` as text, `*`/`_` inside words as GitHub reads them.
EXTENSIONS = ["pymdownx.superfences", "pymdownx.highlight", "pymdownx.tilde", "pymdownx.magiclink",
              "pymdownx.saneheaders", "pymdownx.betterem"]
EXTENSION_CONFIGS = {
    "tables": {"use_align_attribute": True},
    "pymdownx.highlight": {"use_pygments": False},  # a language class, no inline colours
    "pymdownx.tilde": {"subscript": False},
    "pymdownx.magiclink": {"hide_protocol": False},
}


class Markup:
    """One Markdown converter; make one per process and reuse it."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(
            extensions=["tables", "sane_lists", "def_list", "abbr", _GovsiteExtension(), *EXTENSIONS],
            extension_configs=EXTENSION_CONFIGS, output_format="html",
        )

    def convert(self, text: str) -> str:
        if not text.strip():
            return ""
        self._md.reset()
        return sanitize(self._md.convert(text))


MEDIA_ADDRESS = re.compile(r'(<(?:img|a) [^>]*?(?:src|href)=")(media/[^"]*)"')


def resolve_media(fragment: str, url_for: Callable[[str], str]) -> str:
    """`src="media/x.png"` (as a body names a file of content/media/) → the address of the
    published file from the page showing it, so it works under any base path."""
    if '="media/' not in fragment:
        return fragment
    return MEDIA_ADDRESS.sub(lambda m: f'{m.group(1)}{html.escape(url_for(html.unescape(m.group(2))))}"', fragment)


def resolve_links(fragment: str, href_for: Callable[[str, str, str], str | None],
                  title_for: Callable[[str, str, str], str]) -> str:
    """Turn `<a href="risk:x">` into real links; an empty text becomes the title.

    `href_for(kind, id, goal)` gives the URL, or None when the target is not
    published (a draft): then only the text stays.
    """
    if "<a href=" not in fragment:
        return fragment

    def replace(match: re.Match) -> str:
        before, singular, ref_id, goal, attributes, text = match.groups()
        kind = model.PLURAL[singular]
        goal = goal or ""
        text = text or html.escape(title_for(kind, ref_id, goal))
        href = href_for(kind, ref_id, goal)
        if href is None:
            return text
        return f'<a{before} href="{html.escape(href)}"{attributes}>{text}</a>'

    return RESOLVED_LINK.sub(replace, fragment)
