"""Body references in every form Markdown has for a link's address (issue 19, item 7):
each is checked at its line and counted as a backlink; inside code it is text."""
from __future__ import annotations

import re
import shutil

from conftest import INVALID, run_govsite

FORMS = {  # mission id → the line that refers to it
    "titel": 'Inline med titel: [uppdraget](mission:{} "Titel").',
    "vinkel": "Inom vinkelparentes: [uppdraget](<mission:{}>).",
    "referens": "[r]: mission:{}",
    "autolank": "Autolänk: <mission:{}>",
    "ra": 'Rå länk: <a title="t" href="mission:{}">uppdraget</a>',
}


def _site(tmp_path, body: str):
    content = tmp_path / "content"
    shutil.copytree(INVALID / "unknown-body-ref" / "content", content)
    (content / "pages" / "om.md").write_text(f"---\ntitle: Om\n---\n{body}", encoding="utf-8")
    return content


def test_an_unknown_id_in_any_link_form_is_an_error_at_its_line(tmp_path):
    lines = ["Referensstil: [uppdraget][r]."] + [line.format("okand-" + name) for name, line in FORMS.items()]
    content = _site(tmp_path, "\n\n".join(lines) + "\n")
    result = run_govsite("check", "--content", content)
    assert result.returncode == 1
    for number, (name, _) in enumerate(FORMS.items()):
        line = 4 + 2 * (number + 1)  # front matter is 3 lines; one blank line between the lines
        assert re.search(rf'pages/om\.md:{line}: fel: .*"okand-{name}", som inte finns', result.stderr), \
            (name, result.stderr)


def test_references_in_code_are_text_not_references(tmp_path):
    body = "I kod: `[[risk:i-kod]]` och ``[x](mission:i-kod)``.\n\n```\n[[risk:i-block]] <mission:i-block>\n```\n\n" \
           "1. Punkt\n\n   ~~~\n   [[risk:i-listblock]]\n   ~~~\n"
    content = _site(tmp_path, body)
    result = run_govsite("build", "--content", content, "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "om" / "index.html").read_text(encoding="utf-8")
    assert "<code>[[risk:i-kod]]</code>" in page and "[[risk:i-block]] &lt;mission:i-block&gt;" in page
    assert "[[risk:i-listblock]]" in page


def test_every_link_form_that_resolves_is_a_backlink(tmp_path):
    content = _site(tmp_path, "")
    lines = ["Referensstil: [uppdraget][r]."]
    for name, line in FORMS.items():
        (content / "missions" / f"{name}.md").write_text(f"---\ntitle: Uppdrag {name}\nunit: kulturenheten\n---\n",
                                                        encoding="utf-8")
        lines.append(line.format(name))
    (content / "pages" / "om.md").write_text("---\ntitle: Om oss\n---\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    result = run_govsite("build", "--content", content, "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "om" / "index.html").read_text(encoding="utf-8")
    for name in FORMS:
        mission = (tmp_path / "out" / "missions" / name / "index.html").read_text(encoding="utf-8")
        linked_from = mission.split('aria-labelledby="linked-from"', 1)
        assert len(linked_from) == 2 and "Om oss" in linked_from[1].split("</section>")[0], name
        assert f'href="../missions/{name}/"' in page, name  # and the link itself works
    assert "mission:" not in page


def test_check_warns_at_the_line_where_githubs_preview_shows_otherwise(tmp_path):
    body = ("Listan:\n\n- ett\n* två\n\n1. först\n2) sedan\n\nSe [rapporten](filer/min rapport.pdf) "
            "och [den andra](<filer/min rapport.pdf>).\n\n> Första citatet\n\n> Andra citatet\n\n"
            "```\n- kod\n* i block\n```\n")
    content = _site(tmp_path, body)
    result = run_govsite("check", "--content", content)
    assert result.returncode == 0, result.stderr  # a warning, not an error
    warnings = [line for line in result.stderr.splitlines() if "GitHub" in line]
    assert [w.split(": varning")[0].rsplit(":", 1)[1] for w in warnings] == ["7", "10", "12", "16"], warnings
    assert 'listan byter tecken från "-" till "*"' in warnings[0] and "Använd samma tecken" in warnings[0]
    assert 'från "." till ")"' in warnings[1]
    assert '"filer/min rapport.pdf" har ett mellanslag' in warnings[2] and "%20" in warnings[2]
    assert "två citat har bara en tom rad emellan" in warnings[3]
