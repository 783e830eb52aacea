"""Waivers are bounded: they name what they cover, reason and approver are text, the expiry is at most
max_waiver_days ahead, broad patterns are reported; settings are strictly typed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from checks.engine import evaluate
from checks.errors import InputError
from checks.settings import load_settings
from checks.waivers import Waiver, load_waivers
from tests.unit.conftest import NOW, kms_asset

TODAY = dt.date(2026, 12, 6)
WAIVER = """\
waivers:
  - control: KEY-01
    asset: "legacy-key"
    reason: "Imported key, rotation handled by the HSM team"
    approver: "security@example.com"
    expires: 2027-01-31
"""


def _load(tmp_path: Path, change: tuple[str, str] = ("", ""), **kwargs: object) -> list[Waiver]:
    path = tmp_path / "waivers.yaml"
    path.write_text(WAIVER.replace(*change) if change[0] else WAIVER)
    return load_waivers(path, {"KEY-01"}, today=TODAY, **kwargs)  # type: ignore[arg-type]


def _error(tmp_path: Path, change: tuple[str, str], **kwargs: object) -> str:
    with pytest.raises(InputError) as info:
        _load(tmp_path, change, **kwargs)
    return str(info.value).removeprefix(str(tmp_path / "waivers.yaml"))


ONLY_WILDCARDS = ("(name the assets it covers: a name, id or URN, or a pattern such as 'legacy-*')")


@pytest.mark.parametrize(("asset", "shown"), [('"*"', "*"), ('"**"', "**"), ('"*?"', "*?"), ("'[a-z]*'", "[a-z]*")])
def test_an_asset_pattern_of_only_wildcards_is_refused(tmp_path: Path, asset: str, shown: str) -> None:
    assert _error(tmp_path, ('"legacy-key"', asset)) == (
        f":3: waiver #1: field 'asset': '{shown}' is only wildcards: it would waive every failure of KEY-01 "
        + ONLY_WILDCARDS)


@pytest.mark.parametrize(("change", "expected"), [
    (('approver: "security@example.com"', "approver: 0"),
     ":5: waiver #1: field 'approver' must be text, not a number (0) (quote it if it is meant as text)"),
    (('reason: "Imported key, rotation handled by the HSM team"', "reason: false"),
     ":4: waiver #1: field 'reason' must be text, not a boolean (false) (quote it if it is meant as text)"),
    (('asset: "legacy-key"', "asset: 42"),
     ":3: waiver #1: field 'asset' must be text, not a number (42) (quote it if it is meant as text)"),
    (('approver: "security@example.com"', "approver: [a, b]"),
     ":5: waiver #1: field 'approver' must be text, not a list (quote it if it is meant as text)"),
    (('approver: "security@example.com"', 'approver: "  "'), ":2: waiver #1: field 'approver' is missing or empty"),
])
def test_reason_and_approver_are_text(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    assert _error(tmp_path, change) == expected


def test_expiry_is_at_most_max_waiver_days_ahead(tmp_path: Path) -> None:
    assert _error(tmp_path, ("2027-01-31", "2028-01-01")) == (
        ":6: waiver #1: field 'expires': 2028-01-01 is more than 365 days after today (2026-12-06) "
        "(expire it by 2027-12-06 and renew it then, or raise max_waiver_days in the settings)")
    assert [w.expires for w in _load(tmp_path, ("2027-01-31", "2027-12-06"))] == [dt.date(2027, 12, 6)]
    assert _error(tmp_path, ("", ""), max_days=30) == (
        ":6: waiver #1: field 'expires': 2027-01-31 is more than 30 days after today (2026-12-06) "
        "(expire it by 2027-01-05 and renew it then, or raise max_waiver_days in the settings)")
    # an expiry in the past loads: the engine reports the expired waiver
    assert [w.expires for w in _load(tmp_path, ("2027-01-31", "2020-01-01"))] == [dt.date(2020, 1, 1)]


def test_a_waiver_knows_its_number(tmp_path: Path) -> None:
    [w] = _load(tmp_path)
    assert (w.number, w.line, w.broad()) == (1, 2, None)


def test_broad_waivers_are_reported_by_the_engine(controls_dir: Path) -> None:
    from checks.catalog.loader import load_catalog

    catalog = load_catalog(controls_dir)
    broad = Waiver("KEY-01", "da*", "legacy key", "sec@example.com", dt.date(2027, 1, 1), "waivers.yaml", 8, 3)
    exact = Waiver("KEY-01", "data", "legacy key", "sec@example.com", dt.date(2027, 1, 1), "waivers.yaml", 2, 1)
    for waivers, problems in (([exact], []), ([broad], [
            "waivers.yaml:8: waiver 3 (KEY-01, asset 'da*') is broad: it covers every matching resource; "
            "name the assets if you can"])):
        ev = evaluate(catalog.controls.values(), [kms_asset(rotation=False, period=None)], now=NOW,
                      templates=catalog.templates, waivers=waivers)
        assert [f.status.value for f in ev.findings] == ["waived"]
        assert ev.waiver_problems == problems


# ---------------------------------------------------------------- settings: strictly typed


@pytest.mark.parametrize(("body", "expected"), [
    ("waivers = 3\n", "waivers must be a file name (text, relative to the settings file), not a number (3)"),
    ("sg_register = true\n",
     "sg_register must be a file name (text, relative to the settings file), not a boolean (true)"),
    ('waivers = ""\n', "waivers must be a file name (text, relative to the settings file), not text ('')"),
    ("max_waiver_days = 0\n", "max_waiver_days must be a whole number of days from 1 to 3650, not a number (0)"),
    ("max_waiver_days = -5\n", "max_waiver_days must be a whole number of days from 1 to 3650, not a number (-5)"),
    ("max_waiver_days = 99999999999\n",
     "max_waiver_days must be a whole number of days from 1 to 3650, not a number (99999999999)"),
    ('max_waiver_days = "90"\n', "max_waiver_days must be a whole number of days from 1 to 3650, not text ('90')"),
    ("max_waiver_days = 1.5\n", "max_waiver_days must be a whole number of days from 1 to 3650, not a number (1.5)"),
    ("max_waiver_days = false\n",
     "max_waiver_days must be a whole number of days from 1 to 3650, not a boolean (false)"),
    ("max-waiver-days = 9\n",
     "unknown setting 'max-waiver-days' (known: fail_on, max_waiver_days, params, sg_register, waivers)"),
])
def test_settings_of_the_wrong_type_name_file_and_key(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "clearance.toml"
    path.write_text(body)
    with pytest.raises(InputError) as info:
        load_settings(path)
    assert str(info.value) == f"{path}: {expected}"


def test_max_waiver_days_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.clearance]\nmax_waiver_days = 90\n")
    assert load_settings(tmp_path / "pyproject.toml").max_waiver_days == 90
    (tmp_path / "clearance.toml").write_text('fail_on = "high"\n')
    assert load_settings(tmp_path / "clearance.toml").max_waiver_days == 365


@pytest.mark.parametrize(("body", "expected"), [
    ("tool = 3\n", "[tool] must be a table"),
    ("[tool]\nclearance = 3\n", "[tool.clearance] must be a table of settings"),
])
def test_pyproject_tool_of_the_wrong_type(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(body)
    with pytest.raises(InputError) as info:
        load_settings(path)
    assert str(info.value) == f"{path}: {expected}"


def test_settings_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "clearance.toml"
    path.write_bytes(b'fail_on = "\xff"\n')
    with pytest.raises(InputError) as info:
        load_settings(path)
    assert str(info.value) == f"{path}: the file is not UTF-8 text (undecodable byte at offset 11) (save it as UTF-8)"
