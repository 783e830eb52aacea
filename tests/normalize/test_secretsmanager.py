"""secretsmanager.secret: encryption key and folded rotation."""

from __future__ import annotations

from checks.model import UNKNOWN, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize, urn

SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
KEY = "aws:kms/key:Key"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCdEf"


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
