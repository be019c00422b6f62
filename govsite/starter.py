"""`govsite init DIR --organisation NAME`: a content-only site repository that builds at once.

The repository holds the content, a README in the site's language, a `.gitignore`, a
`requirements.txt` that pins the govsite that ran `init`, and the two GitHub workflows
(publish on push to main, check every pull request). The words are the files in
`starter_files/` (one per language); the pin is read from how this govsite was installed
(PEP 610's direct_url.json), so the site's CI runs exactly the govsite its maker tried.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import jinja2

from . import __version__
from .locale import Locale
from .scaffold import yaml_value

PROJECT_URL = "https://github.com/govsite/govsite"  # shown in the site's README only


@dataclass(frozen=True)
class Requirement:
    line: str  # what requirements.txt installs
    replace: str = ""  # what a person must replace before a GitHub runner can install it ("" when nothing)


def requirement(direct_url: dict | None, version: str) -> Requirement:
    """The pip requirement that installs this same govsite on a GitHub runner.

    With the `audit` extra, which the publish workflow runs. From git: that commit. From a package index (no direct_url.json): that version. From a
    local folder or a file:// repository, which a runner cannot reach: still the commit or
    version, marked for its address to be replaced."""
    if not direct_url:
        return Requirement(f"govsite[audit]=={version}")
    url = direct_url.get("url", "")
    local = url.startswith("file:")
    vcs = direct_url.get("vcs_info") or {}
    if vcs.get("vcs") == "git" and vcs.get("commit_id"):
        if local:  # pip 23 reads `name @ git+file:///…` as a file name: the `#egg=` form, to be replaced anyway
            return Requirement(f"git+{url}@{vcs['commit_id']}#egg=govsite[audit]", "address")
        # PEP 508: pip 25 refuses an `#egg=` fragment with extras, which a runner's pip may be.
        return Requirement(f"govsite[audit] @ git+{url}@{vcs['commit_id']}")
    if "archive_info" in direct_url and not local:
        return Requirement(f"govsite[audit] @ {url}")
    return Requirement(f"govsite[audit]=={version}", "folder")


def installed_requirement() -> Requirement:
    try:
        distribution = metadata.distribution("govsite")
    except metadata.PackageNotFoundError:
        distribution = None
    if distribution is None or not distribution.read_text("INSTALLER"):
        # Run from a source tree (at most its egg-info, which no installer wrote): nothing to pin.
        return Requirement(f"govsite[audit]=={__version__}", "folder")
    try:
        direct_url = json.loads(distribution.read_text("direct_url.json") or "null")
    except ValueError:
        direct_url = None
    return requirement(direct_url if isinstance(direct_url, dict) else None, __version__)


def _environment(**delimiters) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("govsite", "starter_files"), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, autoescape=False, **delimiters)
    env.filters["yaml"] = yaml_value
    return env


def files(organisation: str, language: str, title: str, pin: Requirement) -> dict[str, str]:
    """{path in the new repository: text}."""
    locale = Locale.load(language)
    words = locale.table["ui"]["init"]
    values = {
        "organisation": organisation, "title": title or words["title"].format(organisation=organisation),
        "description": words["description"].format(organisation=organisation),
        "placeholder": locale.t("scaffold.placeholder"), "domain": words["domain"],
        "matrix": locale.table["default_risk_matrix"], "govsite_url": PROJECT_URL,
    }
    text = _environment()
    # The workflows are full of GitHub's own `${{ … }}`: their few words use other delimiters.
    workflow = _environment(variable_start_string="<<", variable_end_string=">>",
                            block_start_string="<%", block_end_string="%>")
    requirement_lines = [f"# {words['replace_' + pin.replace]}"] if pin.replace else []
    return {
        "content/site.yaml": text.get_template(f"site.{language}.yaml").render(values),
        "content/pages/index.md": text.get_template(f"index.{language}.md").render(values),
        "README.md": text.get_template(f"README.{language}.md").render(values),
        ".gitignore": resources.files("govsite.starter_files").joinpath("gitignore").read_text("utf-8"),
        "requirements.txt": "\n".join([f"# {words['requirements']}", *requirement_lines, pin.line]) + "\n",
        ".github/workflows/publish.yml": workflow.get_template("publish.yml").render(words["workflow"]),
        ".github/workflows/check.yml": workflow.get_template("check.yml").render(words["workflow"]),
    }


def init(folder: Path, organisation: str, language: str, title: str = "", stream=None) -> int:
    """Write the new site; refuse (exit 1, nothing written) when any of its files exists."""
    stream = stream or sys.stdout
    locale = Locale.load(language)
    if not organisation.strip():
        print(locale.t("init.no_organisation"), file=stream)
        return 2
    content = folder / "content"
    if content.is_dir() and any(content.iterdir()):
        print(locale.t("init.site_exists", path=content.as_posix()), file=stream)
        return 1
    pin = installed_requirement()
    planned = files(organisation.strip(), language, title.strip(), pin)
    existing = [path for path in planned if (folder / path).exists()]
    if existing:
        print(locale.t("init.file_exists", paths=", ".join(existing)), file=stream)
        return 1
    for path, text in planned.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
            file.write(text)
    if pin.replace:
        print(locale.t("init.unpinned", path=(folder / "requirements.txt").as_posix()), file=stream)
    print(locale.t("init.created", folder=folder.as_posix(), files=len(planned)), file=stream)
    return 0
