import re

from govsite.markup import Markup, resolve_links


def convert(text):
    return Markup().convert(text)


def test_raw_html_and_script_urls_do_not_survive():
    html = convert('<script>alert(1)</script>\n\n<img src="x.png" onerror="alert(1)" alt="a">\n\n'
                   '[klicka](javascript:alert(1)) <a href="data:text/html,x">d</a> <iframe src="/x"></iframe>')
    assert "<script" not in html and "alert(1)</script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "data:" not in html
    assert "<iframe" not in html


def test_images_from_other_hosts_are_dropped():
    html = convert("![karta](https://tracker.example/pixel.png) ![logga](//cdn.example/l.png) ![lokal](bilder/a.png)")
    assert "tracker.example" not in html and "cdn.example" not in html
    assert 'src="bilder/a.png"' in html


def test_a_first_level_heading_becomes_a_second_level_one():
    assert convert("# Bakgrund") == "<h2>Bakgrund</h2>"


def test_references_become_links_with_titles_and_own_text():
    html = convert("Se [[risk:lokalbrist]], [uppdraget](mission:utbud) och [[plan:vp#mal]].")
    titles = {("risks", "lokalbrist", ""): "Brist på <lokaler>", ("plans", "vp", "mal"): "Målet"}
    resolved = resolve_links(html, lambda k, i, g: f"../{k}/{i}/" + (f"#goal-{g}" if g else ""),
                             lambda k, i, g: titles[(k, i, g)])
    assert '<a href="../risks/lokalbrist/" rel="noopener noreferrer">Brist på &lt;lokaler&gt;</a>' in resolved
    assert '<a href="../missions/utbud/" rel="noopener noreferrer">uppdraget</a>' in resolved
    assert '<a href="../plans/vp/#goal-mal" rel="noopener noreferrer">Målet</a>' in resolved


def test_a_link_to_an_unpublished_entity_keeps_only_its_text():
    html = convert("Se [utkastet](mission:hemlig).")
    assert resolve_links(html, lambda *a: None, lambda *a: "x") == "<p>Se utkastet.</p>"


def test_references_inside_code_are_left_as_written():
    assert "<code>[[risk:x]]</code>" in convert("`[[risk:x]]`")


# --- What GitHub's preview shows (issue 22): each construct a communicator writes ---

def test_a_list_nested_by_two_spaces_keeps_its_nesting():
    html = convert("- Kultur\n  - Bibliotek\n  - Musikskola\n- Fritid\n")
    assert html.replace("\n", "") == ("<ul><li>Kultur<ul><li>Bibliotek</li><li>Musikskola</li></ul></li>"
                                      "<li>Fritid</li></ul>")


def test_bullets_under_a_numbered_item_are_a_list_of_their_own():
    html = convert("1. Välj kontroll\n   - metod\n   - frekvens\n2. Dokumentera\n")
    assert html.replace("\n", "") == ("<ol><li>Välj kontroll<ul><li>metod</li><li>frekvens</li></ul></li>"
                                      "<li>Dokumentera</li></ol>")


def test_a_list_right_after_a_line_of_text_is_a_list():
    html = convert("Så här gör vi:\n- bedömer\n- åtgärdar\n")
    assert html.replace("\n", "") == "<p>Så här gör vi:</p><ul><li>bedömer</li><li>åtgärdar</li></ul>"


def test_a_numbered_line_inside_a_paragraph_is_text_as_on_github():
    assert convert("Beslutet togs\n2024. Det gäller än.\n").count("<ol") == 0


def test_code_inside_a_numbered_list_keeps_the_list_whole():
    html = convert("1. Öppna filen.\n2. Skriv:\n\n   ```yaml\n   title: X\n   ```\n\n3. Spara.\n")
    assert html.count("<ol") == 1 and html.count("<li>") == 3
    assert '<pre><code class="language-yaml">title: X</code></pre>' in html


def test_strikethrough():
    assert convert("~~struken~~ text") == "<p><del>struken</del> text</p>"


def test_bare_www_and_email_addresses_become_links():
    html = convert("Se https://www.example.se/beslut, www.example.se och registrator@example.se.")
    assert '<a href="https://www.example.se/beslut" rel="noopener noreferrer">https://www.example.se/beslut</a>' in html
    assert '<a href="http://www.example.se" rel="noopener noreferrer">www.example.se</a>' in html
    assert 'href="mailto:registrator@example.se"' in html and ">registrator@example.se</a>" in html


def test_autolinks_never_link_a_script_address():
    html = convert("javascript:alert(1) <javascript:alert(1)> [x](javascript:alert(1)) www.javascript:x")
    assert "javascript:alert" in html  # shown as text
    assert all(href.startswith("http://") for href in re.findall(r'href="([^"]*)"', html)), html


def test_a_task_list_is_a_disabled_checkbox_named_by_its_text():
    html = convert("- [x] Inventera lokaler\n- [ ] Besluta om **upphandling**\n")
    assert '<li><label><input type="checkbox" disabled="" checked=""> Inventera lokaler</label></li>' in html
    assert '<li><label><input type="checkbox" disabled=""> Besluta om <strong>upphandling</strong></label></li>' in html


def test_a_typed_input_is_only_ever_a_disabled_checkbox():
    html = convert('<input type="text" name="q" onfocus="x()"> <input type="password">')
    assert html == '<p><input type="checkbox" disabled=""> <input type="checkbox" disabled=""></p>'


def test_a_parenthesis_after_a_number_is_a_numbered_list():
    html = convert("Nämnden beslutar att\n\n1) godkänna planen,\n2) följa upp den.\n")
    assert html.replace("\n", "") == "<p>Nämnden beslutar att</p><ol><li>godkänna planen,</li><li>följa upp den.</li></ol>"


def test_a_backslash_at_the_end_of_a_line_breaks_it():
    assert convert("Box 123\\\n123 45 Exempelstad") == "<p>Box 123<br>\n123 45 Exempelstad</p>"


def test_table_alignment_is_a_class_not_a_style():
    html = convert("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n")
    assert '<td class="align-left">1</td>' in html and '<td class="align-center">2</td>' in html
    assert '<th class="align-right">c</th>' in html
    assert "style" not in html and "align=" not in html


def test_a_class_other_than_alignment_or_language_is_dropped():
    assert "evil" not in convert('<table><tr><td class="evil">x</td><td class="align-left evil">y</td></tr></table>')


def test_a_table_right_after_a_line_of_text_is_a_table():
    html = convert("Kostnader:\n| År | Utfall |\n|----|------:|\n| 2024 | 1 420 |\n")
    assert html.startswith("<p>Kostnader:</p>\n<table>") and '<td class="align-right">1 420</td>' in html
