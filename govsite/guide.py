"""Keeps the generated parts of docs/guide.md and docs/theming.md in step with the code.

`python -m govsite.guide` rewrites the blocks between `<!-- generated:NAME -->`
and `<!-- /generated -->`: the demo site's front matter as examples, every
message of the Swedish locale table, and the built-in theme's templates with
their blocks and the variables they receive, so that the docs cannot drift from
what govsite really says and does. A test fails when a file is out of date.
"""
from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

from .locale import Locale

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide.md"
THEMING = ROOT / "docs" / "theming.md"
BLOCK = re.compile(r"(<!-- generated:(?P<name>[\w:/.-]+) -->\n)(?P<body>.*?)(<!-- /generated -->)", re.S)


def example(relpath: str) -> str:
    """The front matter of a demo file, as a fenced block."""
    text = (ROOT / "content" / relpath).read_text("utf-8")
    lines = text.splitlines()
    end = lines.index("---", 1)
    return f"`content/{relpath}`:\n\n```yaml\n" + "\n".join(lines[:end + 1]) + "\n```\n"


def _placeholders(text: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: f"‹{m.group(1)}›", text)


def messages(language: str = "sv") -> str:
    """Every message code: what it says and what to do, with ‹…› where the details go."""
    table = Locale.load(language).table
    out = []
    for code, entry in table["messages"].items():
        out.append(f"- **{_placeholders(entry['message'])}** `{code}`  ")
        hint = entry.get("hint", "")
        if "hint_suggestion" in entry:
            hint += f" (Eller, när ett liknande namn finns: {entry['hint_suggestion']})"
        out.append(f"  {_placeholders(hint)}")
    return "\n".join(out) + "\n"


VALUES = {  # template globals that are values, not functions with a docstring
    "site": "the resolved site: `site.entities[kind][id]`, `site.today`",
    "config": "the site's settings from site.yaml (title, organisation, language, contact, risk_matrix …)",
    "has_data_page": "true when the site publishes open data (data/)",
    "has_search_page": "true when the site has a search page (search/)",
    "search_index_made": "true when pages are indexed for search (`search:` in site.yaml)",
    "history_page": "the address of the recent changes page",
    "recent_changes_shown": "how many changes the recent changes page shows",
    "lookup": "`lookup((kind, id))`: the entity of a key, or none",
    "settings_lang": "` lang=\"sv\"` (the main language) on a page of another language, for text only written "
                     "in it: site.yaml's (title, organisation) and the change history's; empty on the main "
                     "language's pages",
    "publication_pages": "the pages publish.py adds (the search page of each language), for the language sections",
    "language_name": "`language_name(code)`: a language's name in the page's language, as CLDR writes it "
                     "(\"svenska\", \"Swedish\", \"ruotsi\")",
}


def _first_line(name: str, value) -> str:
    """A helper's docstring, or for a wrapper the docstring of the function it wraps."""
    from . import render, views
    if name in VALUES:
        return VALUES[name]
    for candidate in (value, getattr(views, name, None), getattr(render.Renderer, "_" + name, None)):
        doc = inspect.getdoc(candidate) if callable(candidate) and not \
            (getattr(candidate, "__name__", "") == "<lambda>") else None
        if doc:
            return doc.split("\n\n")[0].replace("\n", " ")
    return ""


def _theme_environment():
    """The built-in theme's Jinja environment as the demo site's pages are rendered."""
    from .errors import Diagnostics
    from .pipeline import Options, load
    from .publish import Publication
    from .render import Renderer, default_theme
    _, site = load(Options(content=ROOT / "content", cache=False), Diagnostics())
    return Renderer(site, default_theme(), helpers=Publication(site).helpers()).env, default_theme()


def templates() -> str:
    """Every template of the built-in theme: what it extends, its blocks, what it reads."""
    import jinja2.meta
    from jinja2 import nodes
    env, folder = _theme_environment()
    rows = ["| template | extends | blocks | variables of the page (besides the helpers below) |",
            "|---|---|---|---|"]
    for path in sorted(folder.glob("*.html")):
        tree = env.parse(path.read_text("utf-8"))
        extends = [node.template.value for node in tree.find_all(nodes.Extends)
                   if isinstance(node.template, nodes.Const)]
        blocks = [node.name for node in tree.find_all(nodes.Block)]
        macros = [node.name for node in tree.find_all(nodes.Macro)]
        variables = sorted(jinja2.meta.find_undeclared_variables(tree) - set(env.globals))
        described = ", ".join(f"`{b}`" for b in blocks) + ("; macros " + ", ".join(f"`{m}`" for m in macros)
                                                              if macros else "")
        rows.append(f"| `{path.name}` | {', '.join(f'`{e}`' for e in extends) or '—'} | {described or '—'} | "
                    f"{', '.join(f'`{v}`' for v in variables) or '—'} |")
    return "\n".join(rows) + "\n"


def helpers() -> str:
    """Every name a template can call or read, with the first line of its docstring."""
    env, _ = _theme_environment()
    return "".join(f"- `{name}`: {_first_line(name, value)}\n" for name, value in sorted(env.globals.items())
                   if name not in ("range", "dict", "lipsum", "cycler", "joiner", "namespace"))


def render_block(name: str) -> str:
    if name == "messages":
        return messages()
    if name == "templates":
        return templates()
    if name == "helpers":
        return helpers()
    if name.startswith("example:"):
        return example(name.split(":", 1)[1])
    raise ValueError(f"unknown generated block {name}")


def regenerate(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + render_block(m.group("name")) + m.group(4), text)


def main() -> int:
    for path in (GUIDE, THEMING):
        text = path.read_text("utf-8")
        new = regenerate(text)
        if new != text:
            path.write_text(new, "utf-8")
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
