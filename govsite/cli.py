"""govsite's command line: build, check (and the commands other modules add)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import subprocess
import sys
from pathlib import Path

from . import __version__
from .errors import BuildFailed, Diagnostic
from .locale import LANGUAGES, Locale
from .engine import build, check
from .pipeline import Options, output_identity
from .search import PAGES_PER_PART
from .source import site_language
from .write import Interrupted


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from exc


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a whole number above 0: {text}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govsite", description="Static sites for public governance transparency.")
    parser.add_argument("--version", action="version", version=f"govsite {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def content_options(command):
        command.add_argument("--content", type=Path, default=Path("content"), help="content folder (./content)")
        command.add_argument("--drafts", action="store_true", help="publish drafts, marked as drafts")
        command.add_argument("--strict", action="store_true", help="warnings fail the build too")
        command.add_argument("--today", type=_date, help="the date arenas' status is derived from (YYYY-MM-DD)")

    def site_options(command):
        content_options(command)
        command.add_argument("--templates", type=Path, help="the site's theme folder: templates and static files that replace the "
                                  "built-in theme's (./templates)")
        command.add_argument("--output", type=Path, default=Path("output"), help="output folder (./output)")
        command.add_argument("--base-url", help="the site's public address; overrides base_url in site.yaml")
        command.add_argument("--no-cache", action="store_true",
                             help="ignore and do not write .govsite-cache/ (a cold build)")
        command.add_argument("--search-part-pages", type=_positive, default=PAGES_PER_PART, metavar="N",
                             help=f"at most N pages in each part of the search index ({PAGES_PER_PART}); "
                                  "lower it where the build has little memory")

    build_command = commands.add_parser("build", help="build the site into the output folder")
    site_options(build_command)
    build_command.add_argument("--audit", type=Path, metavar="FILE",
                               help="the report `govsite audit --report FILE` wrote: the accessibility "
                                    "statement then says when and how the site was tested, and the result")
    check_command = commands.add_parser("check", help="validate the content without writing anything")
    content_options(check_command)
    check_command.add_argument("--format", choices=("text", "json", "github"), default="text",
                               help="github: workflow commands that GitHub shows on a pull request's lines")
    serve_command = commands.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on every save")
    site_options(serve_command)
    serve_command.add_argument("--host", default="127.0.0.1",
                               help="address to listen on (127.0.0.1: this computer only; 0.0.0.0: open it by IP)")
    serve_command.add_argument("--port", type=int, default=8000, help="port (8000)")
    serve_command.add_argument("--write", action="store_true", help="also write every good build to the output folder")
    audit_command = commands.add_parser("audit", help="check the built site in Chromium: axe, links, other hosts")
    audit_command.add_argument("--output", type=Path, default=Path("output"), help="the built site (./output)")
    audit_command.add_argument("--content", type=Path, default=Path("content"),
                               help="content folder, for base_url in site.yaml (./content)")
    audit_command.add_argument("--base-url", help="the address the site was built for (as given to build)")
    audit_command.add_argument("--all", action="store_true", help="every page, not every page type and a sample")
    audit_command.add_argument("--report", type=Path, help="write the findings as JSON to this file")
    init_command = commands.add_parser("init", help="start a new site repository in a folder")
    init_command.add_argument("folder", type=Path, help="the new site's folder (created when missing)")
    init_command.add_argument("--organisation", required=True, help='the organisation, e.g. "Nora kommun"')
    init_command.add_argument("--language", choices=LANGUAGES, default="sv", help="the site's language (sv)")
    init_command.add_argument("--title", default="", help="the site's name (made from the organisation)")
    new_command = commands.add_parser("new", help="create a content file with every field of its kind")
    new_command.add_argument("--content", type=Path, default=Path("content"), help="content folder (./content)")
    new_command.add_argument("kind", help="risk, mission, unit, arena, plan, source, principle or page")
    new_command.add_argument("title", help="the title; the file name (id) is made from it")
    import_command = commands.add_parser("import", help="risks from a spreadsheet (CSV or XLSX) into content/risks/")
    import_command.add_argument("kind", help="what the rows are: risks")
    import_command.add_argument("file", type=Path, help="the spreadsheet: .csv (comma, semicolon or tab) or .xlsx")
    import_command.add_argument("--content", type=Path, default=Path("content"), help="content folder (./content)")
    import_command.add_argument("--write", action="store_true",
                                help="write the files (without it: only say what would be created, changed or skipped)")
    return parser


def options_from(args) -> Options:
    templates = getattr(args, "templates", None)
    if templates is None and Path("templates").is_dir():  # the site's theme folder: only what differs
        templates = Path("templates")
    return Options(content=args.content, theme=templates, output=getattr(args, "output", Path("output")),
                   base_url=getattr(args, "base_url", None), with_drafts=args.drafts, today=args.today,
                   strict=args.strict, cache=not getattr(args, "no_cache", False),
                   skip_unchanged=args.command == "build",
                   search_part_pages=getattr(args, "search_part_pages", PAGES_PER_PART),
                   audit=getattr(args, "audit", None))


def report(diagnostics: list[Diagnostic], language: str, stream=None) -> None:
    stream = stream or sys.stderr
    locale = Locale.load(language)
    for diagnostic in diagnostics:
        print(locale.format(diagnostic), file=stream)


def _repository_prefix(content: Path) -> str:
    """How to reach the site folder (content's parent, which diagnostics' paths are relative
    to) from the repository root that GitHub names files by: git's top level, else the
    current folder."""
    site = content.absolute().parent
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=site, capture_output=True,
                             text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        top = ""
    root = Path(top) if top else Path.cwd()
    try:
        relative = site.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # the site is outside the repository: name its files as they are
        relative = site.as_posix()
    return "" if relative == "." else relative + "/"


def _escape(text: str, in_property: bool = False) -> str:
    """GitHub's workflow-command escaping (actions/toolkit, command.ts)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if in_property else text


def github_annotation(locale: Locale, diagnostic: Diagnostic, prefix: str) -> str:
    """`::error file=content/risks/x.md,line=7,title=CODE::message hint`, one per problem."""
    message, hint = locale.message(diagnostic)
    command = {"error": "error", "warning": "warning"}.get(diagnostic.level, "notice")
    properties = [f"file={_escape(prefix + diagnostic.location.path, True)}"]
    if diagnostic.location.line:
        properties.append(f"line={diagnostic.location.line}")
    properties.append(f"title={_escape(diagnostic.code, True)}")
    text = f"{message} {hint}" if hint else message
    return f"::{command} {','.join(properties)}::{_escape(text)}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "init":
        from .starter import init
        return init(args.folder, args.organisation, args.language, args.title)
    if args.command == "audit":
        from .audit import main as audit
        return audit(args.output, args.content, args.base_url, args.all, args.report,
                     Locale.load(site_language(args.content)))
    if not args.content.is_dir():
        print(Locale.load("sv").t("cli.no_content", path=args.content), file=sys.stderr)
        return 2
    if args.command == "new":
        from .scaffold import main_new
        return main_new(args.content, args.kind, args.title)
    if args.command == "import":
        from .importer import run
        return run(args.kind, args.file, args.content, args.write)
    options = options_from(args)
    if args.command == "serve":
        from .serve import serve
        return serve(options, host=args.host, port=args.port, write=args.write)
    output = output_identity(options.output)  # which write made the output: it tells if a new one came
    try:
        return _check(args, options) if args.command == "check" else _build(options)
    except (Interrupted, KeyboardInterrupt) as interrupted:  # Ctrl-C (SIGINT), or SIGTERM while writing
        written = args.command == "build" and output_identity(options.output) != output
        return _interrupted("written" if written else args.command, options,
                            getattr(interrupted, "signum", signal.SIGINT))


def _interrupted(command: str, options: Options, signum: int) -> int:
    """A short message in the site's language, and the shell's exit code for the signal."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the message short
    key = {"check": "safety.check_interrupted", "written": "safety.interrupted_written"}.get(command,
                                                                                         "safety.interrupted")
    print(Locale.load(site_language(options.content)).t(key, signal=signal.Signals(signum).name,
                                                        output=options.output), file=sys.stderr)
    return 128 + signum


def _check(args, options: Options) -> int:
    result = check(options)
    failed = result.site is None or (args.strict and any(d.level == "warning" for d in result.diagnostics))
    locale = Locale.load(result.language)
    if args.format == "json":
        json.dump([locale.as_json(d) for d in result.diagnostics], sys.stdout, ensure_ascii=False, indent=2)
        print()
    elif args.format == "github":
        prefix = _repository_prefix(args.content)
        for diagnostic in result.diagnostics:
            print(github_annotation(locale, diagnostic, prefix))
    else:
        report(result.diagnostics, result.language)
        print(locale.t("cli.check_failed" if failed else "cli.check_ok",
                       problems=sum(d.level != "notice" for d in result.diagnostics)))  # notices are no problems
    return 1 if failed else 0


def _build(options: Options) -> int:
    try:
        result = build(options)
    except BuildFailed as failure:
        report(failure.diagnostics, failure.language)
        errors = sum(d.level == "error" for d in failure.diagnostics)
        print(Locale.load(failure.language).t("cli.build_failed", errors=errors,
                                              warnings=sum(d.level == "warning" for d in failure.diagnostics),
                                              output=options.output), file=sys.stderr)
        return 1
    report(result.diagnostics, result.language)
    pages = sum(path.endswith(".html") for path in result.files)
    print(Locale.load(result.language).t("cli.built", pages=pages, files=len(result.files),
                                         seconds=f"{result.seconds['total']:.2f}", output=options.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
