"""Settings that every page depends on: the site's address (base_url, --base-url) and the
site's day (time_zone, SOURCE_DATE_EPOCH). A mistake is a message at its line, never a
traceback, never a site that links to another host or changes with the machine's clock."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import zoneinfo
from pathlib import Path

import pytest

from conftest import SITES, run_govsite, tree_digest


def _site(tmp_path: Path, settings: str = "", language: str = "sv", **files: str) -> Path:
    """The basic fixture site, its site.yaml with `settings` lines replacing or added."""
    content = tmp_path / "content"
    shutil.copytree(SITES / "basic" / "content", content)
    lines = (content / "site.yaml").read_text("utf-8").splitlines()
    for line in settings.splitlines():
        key = line.split(":", 1)[0] + ":"
        lines = [old for old in lines if not old.startswith(key)]
        lines.insert(3, line)
    lines = [f"language: {language}" if old.startswith("language:") else old for old in lines]
    (content / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for relpath, text in files.items():
        (content / relpath).write_text(text, encoding="utf-8")
    return content


def _diagnostics(content: Path, env=None) -> list[dict]:
    result = run_govsite("check", "--content", content, "--format", "json", env=env)
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def _without_epoch() -> dict:
    return {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}


# --- item 5: base_url must keep every address on the site's own host -----------------------

BAD_ADDRESSES = [
    ("https://example.org//evil.example/", "base_url_other_host"),
    ("https://example.org/\\evil.example/", "base_url_other_host"),
    ("https://example.org/prov/?utm_source=x", "base_url_query"),
    ("https://example.org/prov/#topp", "base_url_fragment"),
]


@pytest.mark.parametrize("address,code", BAD_ADDRESSES)
def test_a_base_url_that_leads_elsewhere_or_breaks_addresses_is_refused_at_its_line(tmp_path, address, code):
    content = _site(tmp_path, f"base_url: '{address}'")
    found = [(d["path"], d["line"], d["code"], d["level"]) for d in _diagnostics(content)]
    assert ("content/site.yaml", 4, code, "error") in found
    hint = next(d["hint"] for d in _diagnostics(content) if d["code"] == code)
    assert "https://organisation.github.io/webbplats/" in hint  # what to write instead
    output = tmp_path / "output"
    result = run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "content/site.yaml:4: fel: " in result.stderr and address in result.stderr
    assert not output.exists()


def test_the_base_url_message_is_in_the_sites_language(tmp_path):
    content = _site(tmp_path, "base_url: https://example.org//evil.example/", language="en")
    result = run_govsite("check", "--content", content)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "content/site.yaml:4: error: the address \"https://example.org//evil.example/\" in base_url" \
           in result.stderr
    assert "another website" in result.stderr


@pytest.mark.parametrize("address,code", BAD_ADDRESSES + [("javascript:alert(1)//", "expected_url")])
def test_a_bad_base_url_option_is_refused_with_a_message(tmp_path, address, code):
    content = _site(tmp_path)
    output = tmp_path / "output"
    result = run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01",
                         "--base-url", address)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--base-url: fel: " in result.stderr, result.stderr
    assert not output.exists()


def test_a_good_base_url_option_still_builds(tmp_path):
    content = _site(tmp_path)
    output = tmp_path / "output"
    result = run_govsite("build", "--content", content, "--output", output, "--today", "2024-06-01",
                         "--base-url", "https://kommun.example/styrning/")
    assert result.returncode == 0, result.stderr
    assert 'href="/styrning/static/' in (output / "404.html").read_text("utf-8")


# --- item 6: the site's day is the day in the site's time zone ------------------------------

ARENA = "---\ntitle: Arena\nstarts: 2020-01-01\nends: {ends}\n---\n"


def _status(output: Path) -> str:
    return json.loads((output / "data/arenas/dagen.json").read_text("utf-8"))["status"]


def _today(zone: str) -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()


def test_the_output_does_not_depend_on_the_machines_time_zone(tmp_path):
    # Kiritimati (UTC+14) and Pago Pago (UTC−11) never share a date: an arena ending on Pago
    # Pago's date was closed in one build and active in the other.
    for attempt in range(3):  # built again if Stockholm's midnight passes between the builds
        stockholm = _today("Europe/Stockholm")
        ends = _today("Pacific/Pago_Pago")
        content = _site(tmp_path / str(attempt), **{"arenas/dagen.md": ARENA.format(ends=ends.isoformat())})
        outputs = []
        for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
            output = content.parent / f"output-{zone.split('/')[1]}"
            result = run_govsite("build", "--content", content, "--output", output, "--no-cache",
                                 env={**_without_epoch(), "TZ": zone})
            assert result.returncode == 0, result.stderr
            outputs.append(output)
        if _today("Europe/Stockholm") == stockholm:
            break
    assert tree_digest(outputs[0]) == tree_digest(outputs[1])
    assert _status(outputs[0]) == ("active" if stockholm <= ends else "closed")


def test_time_zone_in_site_yaml_decides_the_sites_day(tmp_path):
    for attempt in range(3):  # again if Pago Pago's midnight passes meanwhile
        ends = _today("Pacific/Pago_Pago")
        statuses = {}
        for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
            content = _site(tmp_path / f"{attempt}-{zone.split('/')[1]}", f"time_zone: {zone}",
                            **{"arenas/dagen.md": ARENA.format(ends=ends.isoformat())})
            output = content.parent / "output"
            result = run_govsite("build", "--content", content, "--output", output, env=_without_epoch())
            assert result.returncode == 0, result.stderr
            statuses[zone] = _status(output)
        if _today("Pacific/Pago_Pago") == ends:
            break
    assert statuses == {"Pacific/Kiritimati": "closed", "Pacific/Pago_Pago": "active"}


def test_source_date_epoch_is_a_day_in_the_sites_time_zone(tmp_path):
    # 2024-06-01 22:30 UTC is already 2 June in Stockholm: an arena ending 1 June has closed.
    epoch = str(int(dt.datetime(2024, 6, 1, 22, 30, tzinfo=dt.timezone.utc).timestamp()))
    content = _site(tmp_path, **{"arenas/dagen.md": ARENA.format(ends="2024-06-01")})
    output = tmp_path / "output"
    result = run_govsite("build", "--content", content, "--output", output, env={"SOURCE_DATE_EPOCH": epoch})
    assert result.returncode == 0, result.stderr
    assert _status(output) == "closed"


@pytest.mark.parametrize("zone", ["Europe/Stokholm", "localtime", "../../etc/passwd", "[1]"])
def test_an_unknown_time_zone_is_an_error_at_its_line_with_a_hint(tmp_path, zone):
    content = _site(tmp_path, f"time_zone: {zone}")
    found = [d for d in _diagnostics(content) if d["code"] == "unknown_time_zone"]
    assert [(d["path"], d["line"], d["level"]) for d in found] == [("content/site.yaml", 4, "error")]
    assert "Europe/Stockholm" in found[0]["hint"]


def test_a_misspelt_time_zone_gets_a_suggestion(tmp_path):
    content = _site(tmp_path, "time_zone: Europe/Stokholm")
    result = run_govsite("check", "--content", content)
    assert result.returncode == 1
    assert 'content/site.yaml:4: fel: fältet "time_zone" ska vara en tidszon, men "Europe/Stokholm" finns inte. ' \
           'Menade du "Europe/Stockholm"?' in result.stderr


# --- item 11: SOURCE_DATE_EPOCH is a decimal number of seconds, or an error -----------------

@pytest.mark.parametrize("epoch,code", [
    ("99999999999999", "source_date_epoch_range"),
    ("253402300800", "source_date_epoch_range"),
    ("9" * 5000, "source_date_epoch_range"),
    ("1e9", "source_date_epoch_invalid"),
    ("1717200000.5", "source_date_epoch_invalid"),
    ("-1", "source_date_epoch_invalid"),
    (" 1717200000", "source_date_epoch_invalid"),
    ("١٧١٧٢٠٠٠٠٠", "source_date_epoch_invalid"),  # digits, but not ASCII ones
])
def test_a_bad_source_date_epoch_stops_the_build_with_a_message(tmp_path, epoch, code):
    content = _site(tmp_path)
    output = tmp_path / "output"
    result = run_govsite("build", "--content", content, "--output", output, env={"SOURCE_DATE_EPOCH": epoch})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "SOURCE_DATE_EPOCH: fel: miljövariabeln SOURCE_DATE_EPOCH" in result.stderr
    assert not output.exists()
    found = [d["code"] for d in _diagnostics(content, env={"SOURCE_DATE_EPOCH": epoch})]
    assert code in found


def test_a_bad_source_date_epoch_is_reported_in_the_sites_language(tmp_path):
    content = _site(tmp_path, language="en")
    result = run_govsite("check", "--content", content, env={"SOURCE_DATE_EPOCH": "1e9"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert 'SOURCE_DATE_EPOCH: error: the environment variable SOURCE_DATE_EPOCH is "1e9", but must be ' \
           'a whole number' in result.stderr


def test_a_bad_source_date_epoch_is_not_skipped_as_an_unchanged_build(tmp_path):
    content = _site(tmp_path)
    output = tmp_path / "output"
    assert run_govsite("build", "--content", content, "--output", output, env=_without_epoch()).returncode == 0
    result = run_govsite("build", "--content", content, "--output", output, env={"SOURCE_DATE_EPOCH": "1e9"})
    assert result.returncode == 1 and "SOURCE_DATE_EPOCH: fel:" in result.stderr


def test_an_empty_source_date_epoch_is_unset(tmp_path):
    content = _site(tmp_path)
    result = run_govsite("build", "--content", content, "--output", tmp_path / "output",
                         env={"SOURCE_DATE_EPOCH": ""})
    assert result.returncode == 0, result.stderr
