"""secretsmanager.secret: encryption key and folded rotation."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from checks.catalog.loader import load_catalog
from checks.engine import evaluate
from checks.model import UNKNOWN, SourceKind, Status
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize, urn

SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
KEY = "aws:kms/key:Key"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCdEf"
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def test_secret_defaults_aws_managed_key_and_no_rotation() -> None:
    a = one(run_normalize(make_raw(SECRET, "db", {"name": "db"})), "secretsmanager.secret").attributes
    assert a["encryption"] == {"enabled": True, "algorithm": "aws:kms", "kms_key_id": None,
                               "customer_managed_key": False}
    assert a["rotation"] == {"enabled": False, "interval_days": None} and a["recovery_window_days"] == 30


def test_planned_rotation_and_customer_key_fold_through_dependencies() -> None:
    secret_urn = urn(SECRET, "db")
    raws = [make_raw(KEY, "k"),
            make_raw(SECRET, "db", {"kmsKeyId": UNKNOWN}, deps={"kmsKeyId": [urn(KEY, "k")]}),
            make_raw(ROTATION, "db-rot", {"secretId": UNKNOWN, "rotationLambdaArn": UNKNOWN,
                                          "rotationRules": {"automaticallyAfterDays": 30}},
                     deps={"secretId": [secret_urn]})]
    asset = one(run_normalize(*raws), "secretsmanager.secret")
    assert asset.attributes["encryption"]["customer_managed_key"] is True
    assert asset.attributes["rotation"] == {"enabled": True, "interval_days": 30}
    assert "secret_name" in asset.unknown


def test_state_rotation_by_schedule_expression_and_disabled_rotation() -> None:
    secret = make_raw(SECRET, "db", {"arn": SECRET_ARN, "name": "db"}, source=SourceKind.STATE, id=SECRET_ARN)
    by_schedule = make_raw(ROTATION, "r", {"secretId": SECRET_ARN, "rotationEnabled": True, "rotationRules": {
        "scheduleExpression": "rate(10 days)", "automaticallyAfterDays": 0}}, source=SourceKind.STATE)
    assert one(run_normalize(secret, by_schedule), "secretsmanager.secret").attributes["rotation"] == {
        "enabled": True, "interval_days": 10}
    off = make_raw(ROTATION, "r", {"secretId": SECRET_ARN, "rotationEnabled": False}, source=SourceKind.STATE)
    assert one(run_normalize(secret, off), "secretsmanager.secret").attributes["rotation"] == {
        "enabled": False, "interval_days": None}


def test_unknown_rotation_rules_leave_rotation_unknown() -> None:
    raws = [make_raw(SECRET, "db"), make_raw(ROTATION, "r", {"secretId": UNKNOWN, "rotationRules": UNKNOWN},
                                             deps={"secretId": [urn(SECRET, "db")]})]
    asset = one(run_normalize(*raws), "secretsmanager.secret")
    assert {"rotation.enabled", "rotation.interval_days"} <= asset.unknown


def _sec_01(*raws: RawResource) -> Status:
    catalog = load_catalog()
    asset = one(run_normalize(*raws), "secretsmanager.secret")
    [finding] = evaluate([catalog.controls["SEC-01"]], [asset], now=NOW, templates=catalog.templates).findings
    return finding.status


@pytest.mark.parametrize(("rules", "expected"), [
    (None, Status.FAIL),  # no SecretRotation: never rotated
    ({"automaticallyAfterDays": 30}, Status.PASS),
    ({"automaticallyAfterDays": 90}, Status.PASS),
    ({"automaticallyAfterDays": 120}, Status.FAIL),
    ({"scheduleExpression": "rate(30 days)"}, Status.PASS),
    ({"scheduleExpression": "cron(0 4 1 */6 ? *)"}, Status.FAIL),  # twice a year
    (UNKNOWN, Status.UNKNOWN),
])
@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_sec_01_rotation_at_least_every_90_days(rules: Any, expected: Status, source: SourceKind) -> None:
    state = source is SourceKind.STATE
    secret = make_raw(SECRET, "db", {"name": "db", **({"arn": SECRET_ARN} if state else {})}, source=source,
                      id=SECRET_ARN if state else None)
    raws = [secret]
    if rules is not None:
        raws.append(make_raw(ROTATION, "db-rot", {"secretId": SECRET_ARN if state else UNKNOWN,
                                                  "rotationLambdaArn": "arn:aws:lambda:eu-west-1:1:function:rot",
                                                  "rotationRules": rules},
                             deps={} if state else {"secretId": [secret.urn]}, source=source))
    if state:
        raws = [replace(r, input_keys=frozenset(r.props) - {"arn"}) for r in raws]
    assert _sec_01(*raws) is expected


def test_declared_secret_is_owned_by_no_service() -> None:
    asset = one(run_normalize(make_raw(SECRET, "db", {"name": "db"})), "secretsmanager.secret")
    assert asset.attributes["owning_service"] is None
