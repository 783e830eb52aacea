"""The declarative checks of the review register and the settings: each bad input's one line, file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from checks.errors import InputError
from checks.model import Severity
from checks.register import Review, load_register, write_register
from checks.settings import load_settings

REGISTER = """\
reviews:
  - fingerprint: 5be0d0e2b1a04f6c
    rule: "app ingress tcp 8080-8080 from security_group lb"
    reviewer: security@example.com
    reviewed: 2026-11-20
    note: SEC-123
"""


def test_register_loads_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "security-group-reviews.yaml"
    path.write_text(REGISTER)
    [review] = load_register(path)
    assert review == Review("5be0d0e2b1a04f6c", "security@example.com", dt.date(2026, 11, 20),
                            "app ingress tcp 8080-8080 from security_group lb", "SEC-123")
    write_register(path, [review])
    assert load_register(path) == [review]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_missing_or_empty_register_has_no_reviews(tmp_path: Path) -> None:
    assert load_register(tmp_path / "nope.yaml") == []
    (tmp_path / "empty.yaml").write_text("")
    assert load_register(tmp_path / "empty.yaml") == []


@pytest.mark.parametrize(("change", "message"), [
    (("reviewer: security@example.com", "reviewer: ''"), ":2: review #1: field 'reviewer' is missing or empty"),
    (("    note: SEC-123\n", "    nope: 1\n"),
     ":6: review #1: unknown field 'nope' (allowed: fingerprint, rule, reviewer, reviewed, note)"),
    (("reviewed: 2026-11-20", "reviewed: '2026-11-20'"), ":5: review #1: field 'reviewed' must be a date YYYY-MM-DD"),
    (("reviewed: 2026-11-20", "reviewed: 2026-11-20 10:00:00"),
     ":5: review #1: field 'reviewed' must be a date YYYY-MM-DD"),
    (("reviews:", "review:"), ":1: expected a mapping with one key 'reviews' holding a list"),
    (("  - fingerprint: 5be0d0e2b1a04f6c", "  - 5\n  - fingerprint: 5be0d0e2b1a04f6c"),
     ":2: each review must be a mapping of fingerprint, rule, reviewer, reviewed, note"),
])
def test_bad_register(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = tmp_path / "security-group-reviews.yaml"
    path.write_text(REGISTER.replace(*change))
    with pytest.raises(InputError) as info:
        load_register(path)
    assert str(info.value) == f"{path}{message}"


def test_settings_paths_are_relative_to_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "clearance.toml").write_text('waivers = "w.yaml"\nsg_register = "infra/reviews.yaml"\n')
    settings = load_settings(tmp_path / "clearance.toml")
    assert settings.waivers == tmp_path / "w.yaml" and settings.sg_register == tmp_path / "infra" / "reviews.yaml"
    assert settings.fail_on is None and settings.params == {}


@pytest.mark.parametrize(("name", "body", "message"), [
    ("clearance.toml", 'fail_on = "urgent"\n', ": fail_on must be one of critical, high, medium, low, not 'urgent'"),
    ("clearance.toml", "params = 5\n", ": [params]: params must be tables [params.<CONTROL-ID>] of name = value"),
    ("pyproject.toml", "[tool.clearance]\nparams = {KEY-01 = 1}\n",
     ": [tool.clearance.params]: params must be tables [params.<CONTROL-ID>] of name = value"),
    ("clearance.toml", 'zeta = 1\nfail_on = "urgent"\n',
     ": unknown setting 'zeta' (known: fail_on, max_waiver_days, params, sg_register, waivers)"),
])
def test_bad_settings(tmp_path: Path, name: str, body: str, message: str) -> None:
    (tmp_path / name).write_text(body)
    with pytest.raises(InputError) as info:
        load_settings(tmp_path / name)
    assert str(info.value) == f"{tmp_path / name}{message}"


def test_fail_on_is_a_severity(tmp_path: Path) -> None:
    (tmp_path / "clearance.toml").write_text('fail_on = "medium"\n')
    assert load_settings(tmp_path / "clearance.toml").fail_on is Severity.MEDIUM
