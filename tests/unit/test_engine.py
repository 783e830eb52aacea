"""The engine's semantics: every status, the reads rule, params, waivers and their expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checks.catalog.loader import load_catalog
from checks.engine import Evaluation, evaluate, fingerprint
from checks.model import Asset, Secret, Status
from checks.settings import Settings, apply_params
from checks.waivers import Waiver
from tests.unit.conftest import NOW, kms_asset


def run(controls_dir: Path, *assets: Asset, waivers: Sequence[Waiver] = (),
        params: dict[str, dict[str, Any]] | None = None) -> Evaluation:
    catalog = load_catalog(controls_dir)
    controls = catalog.controls
    if params:
        controls = apply_params(controls, Settings(file="pyproject.toml", params=params))
    return evaluate(controls.values(), list(assets), now=NOW, templates=catalog.templates, waivers=waivers)


def test_pass_when_rotation_on(controls_dir: Path) -> None:
    [f] = run(controls_dir, kms_asset()).findings
    assert f.status is Status.PASS
    assert f.message == "Customer-managed KMS keys rotate automatically"


def test_fail_names_the_key_and_the_location(controls_dir: Path) -> None:
    [f] = run(controls_dir, kms_asset(rotation=False, period=None)).findings
    assert f.status is Status.FAIL
    assert f.message == "KMS key data: rotation is false"
    assert str(f.location) == "infra/__main__.py:3"


def test_unknown_read_gives_unknown_never_pass_or_fail(controls_dir: Path) -> None:
    asset = kms_asset(rotation=None, unknown=frozenset({"rotation.enabled"}))
    [f] = run(controls_dir, asset).findings
    assert f.status is Status.UNKNOWN
    assert f.detail == "not known at plan time: rotation.enabled"


def test_unknown_parent_path_covers_child_reads(controls_dir: Path) -> None:
    [f] = run(controls_dir, kms_asset(unknown=frozenset({"rotation"}))).findings
    assert f.status is Status.UNKNOWN


def test_unknown_attribute_not_read_does_not_matter(controls_dir: Path) -> None:
    [f] = run(controls_dir, kms_asset(unknown=frozenset({"policy"}))).findings
    assert f.status is Status.PASS


def test_read_error_gives_error_with_reason(controls_dir: Path) -> None:
    asset = kms_asset(rotation=None, errors={"rotation.enabled": "AccessDenied kms:GetKeyRotationStatus"})
    [f] = run(controls_dir, asset).findings
    assert f.status is Status.ERROR
    assert f.detail == "rotation.enabled: AccessDenied kms:GetKeyRotationStatus"


def test_error_wins_over_unknown(controls_dir: Path) -> None:
    asset = kms_asset(unknown=frozenset({"rotation.period_days"}), errors={"rotation.enabled": "AccessDenied"})
    assert run(controls_dir, asset).findings[0].status is Status.ERROR


def test_applies_if_false_is_not_applicable(controls_dir: Path) -> None:
    [f] = run(controls_dir, kms_asset(manager="aws", rotation=False)).findings
    assert f.status is Status.NOT_APPLICABLE


def test_non_boolean_assert_is_error_not_fail(controls_dir: Path) -> None:
    # rotation on but no period: `true && null <= 365` is null, which is not a verdict
    [f] = run(controls_dir, kms_asset(period=None)).findings
    assert f.status is Status.ERROR
    assert f.detail == "assert evaluated to null, not a boolean (is an attribute it reads missing?)"


def test_params_override_changes_the_verdict(controls_dir: Path) -> None:
    asset = kms_asset(period=365)
    assert run(controls_dir, asset).findings[0].status is Status.PASS
    tight = run(controls_dir, asset, params={"KEY-01": {"max_rotation_days": 90}})
    assert tight.findings[0].status is Status.FAIL


def _waiver(expires: dt.date, pattern: str = "data") -> Waiver:
    return Waiver("KEY-01", pattern, "legacy key", "sec@example.com", expires, "waivers.yaml", 2)


def test_waiver_turns_fail_into_waived(controls_dir: Path) -> None:
    ev = run(controls_dir, kms_asset(rotation=False, period=None), waivers=[_waiver(dt.date(2027, 1, 1))])
    [f] = ev.findings
    assert f.status is Status.WAIVED
    assert f.waiver is not None and f.waiver.approver == "sec@example.com"
    assert ev.waiver_problems == []


def test_expired_waiver_no_longer_waives_and_is_reported(controls_dir: Path) -> None:
    ev = run(controls_dir, kms_asset(rotation=False, period=None), waivers=[_waiver(dt.date(2026, 11, 22))])
    assert ev.findings[0].status is Status.FAIL
    assert ev.waiver_problems == [
        "waivers.yaml:2: waiver of KEY-01 for 'data' (approved by sec@example.com) expired on 2026-11-22: "
        "it no longer waives; renew or remove it"
    ]


def test_waiver_expiring_today_still_waives(controls_dir: Path) -> None:
    ev = run(controls_dir, kms_asset(rotation=False, period=None), waivers=[_waiver(dt.date(2026, 11, 23))])
    assert ev.findings[0].status is Status.WAIVED


def test_waiver_does_not_hide_a_pass_and_unused_waiver_is_reported(controls_dir: Path) -> None:
    ev = run(controls_dir, kms_asset(), waivers=[_waiver(dt.date(2027, 1, 1), "other-*")])
    assert ev.findings[0].status is Status.PASS
    assert "matched no failing resource" in ev.waiver_problems[0]


def test_fingerprint_is_stable_and_ignores_location(controls_dir: Path) -> None:
    a = run(controls_dir, kms_asset(line=3)).findings[0]
    b = run(controls_dir, kms_asset(line=40, rotation=False, period=None)).findings[0]
    assert a.fingerprint == b.fingerprint == fingerprint("KEY-01", kms_asset())
    assert a.fingerprint != run(controls_dir, kms_asset("other")).findings[0].fingerprint


def test_secret_values_are_redacted_in_messages(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "key-02.yaml").write_text(
        "id: KEY-02\ntitle: Key spec shown\nseverity: low\nkind: kms.key\nreads: [spec]\n"
        "assert: \"spec == 'x'\"\nmessage: 'spec is {spec}'\nremediation: fix it\nframeworks: {}\n")
    asset = kms_asset()
    asset = type(asset)(**{**{s: getattr(asset, s) for s in asset.__slots__}, "secrets": frozenset({"spec"})})
    [f] = run(folder, asset).findings
    assert f.status is Status.FAIL and f.message == "spec is ****"
    assert Secret("hunter2").__repr__() == "Secret(****)"


def test_assets_of_other_kinds_are_not_evaluated(controls_dir: Path) -> None:
    other = kms_asset()
    other = type(other)(**{**{s: getattr(other, s) for s in other.__slots__}, "kind": "s3.bucket"})
    assert run(controls_dir, other).findings == []


def test_not_applicable_wins_over_unknown_values_the_assert_would_read(controls_dir: Path) -> None:
    # an AWS-managed key: KEY-01 does not apply, whatever its rotation is
    asset = kms_asset(manager="aws", rotation=None, unknown=frozenset({"rotation.enabled"}))
    assert run(controls_dir, asset).findings[0].status is Status.NOT_APPLICABLE


def test_unknown_applies_if_input_gives_unknown(controls_dir: Path) -> None:
    asset = kms_asset(manager=None, unknown=frozenset({"manager"}))
    [f] = run(controls_dir, asset).findings
    assert f.status is Status.UNKNOWN and f.detail == "not known at plan time: manager"


def test_an_expression_that_fails_on_the_data_is_an_error_result_not_a_crash(tmp_path: Path) -> None:
    # jmespath lets TypeError ('x' < 1) and ValueError (days_since of a non-date) through; the run must go on
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "key-02.yaml").write_text(
        "id: KEY-02\ntitle: Key spec dated\nseverity: low\nkind: kms.key\nreads: [spec]\n"
        "assert: \"days_since(spec) < `3`\"\nmessage: 'spec is {spec}'\nremediation: fix it\nframeworks: {}\n")
    [f] = run(folder, kms_asset()).findings
    assert f.status is Status.ERROR
    assert f.detail is not None and f.detail.startswith("assert failed: Invalid isoformat string: ")
