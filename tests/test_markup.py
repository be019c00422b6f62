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
