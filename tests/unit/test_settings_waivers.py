"""Project settings ([tool.clearance]) and the waivers file: good input and each bad input's one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from checks.catalog.loader import load_catalog
from checks.errors import InputError
from checks.model import Severity
from checks.settings import Settings, apply_params, find_settings, load_settings
from checks.waivers import load_waivers


def test_pyproject_tool_clearance_is_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname="x"\n[tool.clearance]\nfail_on = "high"\nwaivers = "w.yaml"\n'
        '[tool.clearance.params.KEY-01]\nmax_rotation_days = 90\n')
    (tmp_path / "infra").mkdir()
    found = find_settings(tmp_path / "infra")
    assert found == tmp_path / "pyproject.toml"
    settings = load_settings(found)
    assert settings.fail_on is Severity.HIGH
    assert settings.waivers == tmp_path / "w.yaml"
    assert settings.params == {"KEY-01": {"max_rotation_days": 90}}


def test_pyproject_without_tool_clearance_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\n')
    assert find_settings(tmp_path) is None or find_settings(tmp_path) != tmp_path / "pyproject.toml"


def test_clearance_toml_uses_top_level_keys(tmp_path: Path) -> None:
    (tmp_path / "clearance.toml").write_text('fail_on = "critical"\n[params.KEY-01]\nmax_rotation_days = 30\n')
    settings = load_settings(find_settings(tmp_path))
    assert settings.fail_on is Severity.CRITICAL and settings.params["KEY-01"]["max_rotation_days"] == 30


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "clearance.toml").write_text("fail_on = \n")
    with pytest.raises(InputError, match=r"clearance.toml: invalid TOML: .*\(at line 1, column 11\)"):
        load_settings(tmp_path / "clearance.toml")


def test_unknown_setting(tmp_path: Path) -> None:
    (tmp_path / "clearance.toml").write_text('fail-on = "high"\n')
    with pytest.raises(InputError) as info:
        load_settings(tmp_path / "clearance.toml")
    assert str(info.value) == (f"{tmp_path}/clearance.toml: unknown setting 'fail-on' "
                               "(known: fail_on, max_waiver_days, params, sg_register, waivers)")


def _settings(tmp_path: Path, body: str) -> Settings:
    (tmp_path / "clearance.toml").write_text(body)
    return load_settings(tmp_path / "clearance.toml")


def test_param_override_errors(tmp_path: Path, controls_dir: Path) -> None:
    controls = load_catalog(controls_dir).controls
    with pytest.raises(InputError) as info:
        apply_params(controls, _settings(tmp_path, "[params.KEY-99]\nx = 1\n"))
    assert str(info.value) == (f"{tmp_path}/clearance.toml: params.KEY-99: params for unknown control 'KEY-99' "
                               "(check the id with 'clearance controls list')")
    with pytest.raises(InputError) as info:
        apply_params(controls, _settings(tmp_path, "[params.KEY-01]\nmax_days = 1\n"))
    assert str(info.value) == (f"{tmp_path}/clearance.toml: params.KEY-01.max_days: control KEY-01 has no parameter "
                               "'max_days' (its parameters: max_rotation_days)")
    with pytest.raises(InputError) as info:
        apply_params(controls, _settings(tmp_path, '[params.KEY-01]\nmax_rotation_days = "90"\n'))
    assert str(info.value) == (f"{tmp_path}/clearance.toml: params.KEY-01.max_rotation_days: parameter "
                               "KEY-01.max_rotation_days must be a int like its default 365, not str '90'")


WAIVERS = """\
waivers:
  - control: KEY-01
    asset: "legacy-*"
    reason: "Imported key, rotation handled by the HSM team"
    approver: "security@example.com"
    expires: 2027-01-31
"""


def test_waivers_load_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(WAIVERS)
    [w] = load_waivers(path, {"KEY-01"})
    assert (w.control, w.asset, w.expires, w.line) == ("KEY-01", "legacy-*", dt.date(2027, 1, 31), 2)


@pytest.mark.parametrize(("change", "message"), [
    (("control: KEY-01", "control: KEY-77"),
     ":2: waiver #1: field 'control': unknown control 'KEY-77' (check the id with 'clearance controls list')"),
    (("expires: 2027-01-31", "expires: next year"), ":6: waiver #1: field 'expires' must be a date YYYY-MM-DD"),
    (('    approver: "security@example.com"\n', ""), ":2: waiver #1: field 'approver' is missing or empty"),
    (("reason:", "raison:"),
     ":4: waiver #1: unknown field 'raison' (allowed: control, asset, reason, approver, expires)"),
    (("waivers:", "waiver:"), ":1: expected a mapping with one key 'waivers' holding a list"),
    (('asset: "legacy-*"', 'asset: ["x"'), ":4:5: invalid YAML: did not find expected ',' or ']'"),
])
def test_bad_waivers(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(WAIVERS.replace(*change))
    with pytest.raises(InputError) as info:
        load_waivers(path, {"KEY-01"})
    assert str(info.value).startswith(f"{path}{message}")
