"""Keeps the generated parts of docs/guide.md in step with the code.

`python -m govsite.guide` rewrites the blocks between `<!-- generated:NAME -->`
and `<!-- /generated -->`: the demo site's front matter as examples, and every
message of the Swedish locale table, so that the guide cannot drift from what
govsite really says. A test fails when the file is out of date.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from .locale import Locale

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide.md"
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


def render_block(name: str) -> str:
    if name == "messages":
        return messages()
    if name.startswith("example:"):
        return example(name.split(":", 1)[1])
    raise ValueError(f"unknown generated block {name}")


def regenerate(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + render_block(m.group("name")) + m.group(4), text)


def main() -> int:
    text = GUIDE.read_text("utf-8")
    new = regenerate(text)
    if new != text:
        GUIDE.write_text(new, "utf-8")
        print(f"updated {GUIDE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
