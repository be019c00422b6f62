"""docs/guide.md: its generated parts are current, and its walkthrough works as written."""
from __future__ import annotations

import re
import shutil

from conftest import DEMO, ROOT, run_govsite
from govsite import guide
from govsite.locale import Locale

GUIDE = ROOT / "docs" / "guide.md"


def test_the_guide_is_current_with_the_messages_and_the_demo_files():
    text = GUIDE.read_text("utf-8")
    assert guide.regenerate(text) == text, "run: python -m govsite.guide"
    for code in Locale.load("sv").table["messages"]:
        assert f"`{code}`" in text
    assert "docs/guide.md" in (ROOT / "README.md").read_text("utf-8")


def test_the_theming_guide_lists_every_template_block_and_helper_of_the_theme():
    text = (ROOT / "docs" / "theming.md").read_text("utf-8")
    assert guide.regenerate(text) == text, "run: python -m govsite.guide"
    for template in (ROOT / "templates").glob("*.html"):
        assert f"| `{template.name}` |" in text
    for block in ("head", "header", "nav_extra", "breadcrumbs", "main", "footer", "footer_links"):
        assert f"`{block}`" in text.split("\n| `base.html` |")[1].split("\n")[0]


def test_the_walkthrough_in_the_guide_works_as_written(tmp_path):
    text = GUIDE.read_text("utf-8")
    shutil.copytree(DEMO, tmp_path / "content")
    command = re.findall(r"`(govsite new risk \"[^\"]+\")`", text)[-1]
    title = command.split('"')[1]
    assert run_govsite("new", "risk", title, cwd=tmp_path).returncode == 0
    path = tmp_path / "content/risks/brist-pa-lokaler-for-foreningslivet.md"

    placeholders = run_govsite("check", cwd=tmp_path)
    assert placeholders.returncode == 1
    assert [line.split(":")[3].split('"')[1] for line in placeholders.stderr.splitlines()
            if "platshållaren" in line] == ["unit", "probability", "severity"]

    step4 = re.search(r"4\. Fyll i:\n\s*```yaml\n(.*?)```", text, re.S).group(1)
    lines = path.read_text("utf-8").splitlines()
    for filled in (line.strip() for line in step4.splitlines() if line.strip()):
        name = filled.split(":")[0]
        lines = [filled if line.startswith(f"{name}: <fyll i>") else line for line in lines]
    step5 = re.search(r"```yaml\n\s*(missions: \[[^\]]+\])\n", text).group(1).strip()
    lines = [step5 if line.startswith("# missions:") else line for line in lines]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    good = run_govsite("check", cwd=tmp_path)
    assert good.returncode == 0, good.stderr

    mistake = re.search(r"`missions: \[(brett-kulturutbd)\]`", text).group(1)
    path.write_text(path.read_text("utf-8").replace("brett-kulturutbud", mistake), "utf-8")
    bad = run_govsite("check", cwd=tmp_path)
    quoted = re.search(r"```\n(content/risks/brist-pa-lokaler-for-foreningslivet\.md:\d+: fel: [^\n]+)\n```",
                       text).group(1)
    assert bad.returncode == 1
    assert quoted in bad.stderr.splitlines()
