"""What views.py computes for the templates, seen in the built pages (real CLI builds)."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from conftest import run_govsite


class _Tree(HTMLParser):
    """The organisation tree of units/index.html: each unit's depth of `ul.unit-tree`, and
    whether every list and item of the tree is closed in order."""

    def __init__(self):
        super().__init__()
        self.open: list[str] = []  # tags of the tree still open, innermost last
        self.depths: dict[str, int] = {}  # unit title → lists around it
        self.balanced = True
        self._title = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ul" and attrs.get("class") == "unit-tree":
            self.open.append("tree")
        elif tag in ("ul", "li") and self.open:
            self.open.append(tag)
        if tag == "a" and attrs.get("class") == "unit-name":
            self._title = ""

    def handle_endtag(self, tag):
        if tag == "a" and self._title is not None:
            self.depths[self._title] = self.open.count("tree")
            self._title = None
        if tag in ("ul", "li") and self.open:
            expected = "ul" if self.open[-1] == "tree" else self.open[-1]
            self.balanced &= expected == tag
            self.open.pop()

    def handle_data(self, data):
        if self._title is not None:
            self._title += data


def _tree(output: Path) -> _Tree:
    parser = _Tree()
    parser.feed((output / "units" / "index.html").read_text("utf-8"))
    return parser


def test_the_unit_tree_nests_units_under_their_parents(basic_site):
    tree = _tree(basic_site)
    assert tree.balanced and not tree.open
    assert tree.depths == {"Kulturnämnden": 1, "Kulturförvaltningen": 2, "Fritidsenheten": 3}


def _units(content: Path, parents: dict[str, str | None]) -> None:
    (content / "units").mkdir(parents=True)
    (content / "site.yaml").write_text("title: Kedjan\norganisation: Kedjekommun\n", "utf-8")
    for unit, parent in parents.items():
        (content / "units" / f"{unit}.md").write_text(
            f"---\ntitle: Enhet {unit}\n" + (f"parent: {parent}\n" if parent else "") + "---\n", "utf-8")


def test_a_chain_of_a_thousand_units_builds_its_tree(tmp_path):
    """250 units, each the parent of the next, were a RecursionError in units.html."""
    content = tmp_path / "content"
    _units(content, {f"u{i}": f"u{i - 1}" if i else None for i in range(1000)})
    result = run_govsite("build", "--content", content, "--output", tmp_path / "output", "--no-cache",
                         cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    tree = _tree(tmp_path / "output")
    assert tree.balanced and not tree.open
    assert len(tree.depths) == 1000
    assert tree.depths["Enhet u0"] == 1 and tree.depths["Enhet u999"] == 1000


def test_siblings_and_branches_close_where_they_end(tmp_path):
    content = tmp_path / "content"
    _units(content, {"a": None, "b": "a", "c": "b", "d": "a", "e": None, "f": "e", "g": "c"})
    result = run_govsite("build", "--content", content, "--output", tmp_path / "output", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    tree = _tree(tmp_path / "output")
    assert tree.balanced and not tree.open
    assert tree.depths == {"Enhet a": 1, "Enhet b": 2, "Enhet c": 3, "Enhet g": 4, "Enhet d": 2,
                           "Enhet e": 1, "Enhet f": 2}
    assert list(tree.depths) == ["Enhet a", "Enhet b", "Enhet c", "Enhet g", "Enhet d", "Enhet e", "Enhet f"]
