from govsite.errors import Diagnostics
from govsite.locale import Locale
from govsite.source import parse_document, read_content, slugify


def parse(text):
    diagnostics = Diagnostics()
    doc = parse_document(text, "risks", "x", "content/risks/x.md", "digest", diagnostics)
    return doc, [Locale.load("sv").format(d) for d in diagnostics.items]


def test_lines_are_counted_from_the_opening_dashes_of_the_file():
    doc, problems = parse("---\ntitle: Risk\nunit: kultur\ncontrols:\n  - title: K\n    method: M\n---\nBody\n")
    assert problems == []
    assert doc.line("title") == 2
    assert doc.line("unit") == 3
    assert doc.line("controls", 0) == 5
    assert doc.line("controls", 0, "method") == 6
    assert doc.body == "Body\n"
    assert doc.body_line == 8


def test_dates_stay_text_until_the_schema_reads_them():
    doc, problems = parse("---\ntitle: R\nassessed: 2021-13-45\nreview: 2021-03-16\n---\n")
    assert problems == []
    assert doc.data["assessed"] == "2021-13-45"
    assert doc.data["review"] == "2021-03-16"


def test_an_alias_is_refused_before_it_expands():
    text = "---\ntitle: R\na: &a [x, x, x]\nb: [*a, *a]\n---\n"
    doc, problems = parse(text)
    assert doc.broken
    assert problems == ["content/risks/x.md:4: fel: YAML-alias (*namn) används inte i govsite. "
                        "Skriv ut värdet på nytt i stället för att hänvisa till ett ankare (&namn)."]


def test_a_duplicate_key_is_reported_with_its_line():
    doc, problems = parse("---\ntitle: A\nunit: x\ntitle: B\n---\n")
    assert doc.broken
    assert problems == ['content/risks/x.md:4: fel: fältet "title" finns två gånger. Ta bort det ena; bara ett värde kan gälla.']


def test_windows_line_endings_and_a_byte_order_mark_are_read(tmp_path):
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    (content / "site.yaml").write_text("title: T\norganisation: O\n")
    (content / "pages" / "om.md").write_bytes("\ufeff---\r\ntitle: Om\r\n---\r\nText\r\n".encode("utf-8"))
    diagnostics = Diagnostics()
    tree = read_content(content, diagnostics)
    assert diagnostics.items == []
    assert tree.docs[0].data == {"title": "Om"}
    assert tree.docs[0].body == "Text\n"


def test_hidden_and_underscore_files_are_ignored(tmp_path):
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    (content / "site.yaml").write_text("title: T\norganisation: O\n")
    (content / "pages" / "_mall.md").write_text("not front matter")
    (content / "pages" / ".om.md.swp").write_text("editor junk")
    diagnostics = Diagnostics()
    assert read_content(content, diagnostics).docs == []
    assert diagnostics.items == []


def test_slugify_makes_ids_from_swedish_titles():
    assert slugify("Brist på lokaler för föreningslivet") == "brist-pa-lokaler-for-foreningslivet"
    assert slugify("Ärende: Öppna data 2021!") == "arende-oppna-data-2021"
