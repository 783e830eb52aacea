"""The secretsmanager collector and the live secretsmanager.secret normalizer (ENC-05)."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from checks.collectors import secretsmanager as secrets_collector  # noqa: F401  (registers the collector)
from checks.model import Status
from tests.collectors.conftest import ACCOUNT, REGION, assets_of, by_name, collect, scope, statuses
from tests.collectors.test_backup import denied

P, F, E = Status.PASS, Status.FAIL, Status.ERROR


def make_secrets(session: boto3.Session) -> str:
    """db: customer key, rotated monthly; token: default key; legacy: aws/secretsmanager named explicitly."""
    key = session.client("kms").create_key(Description="secrets")["KeyMetadata"]["Arn"]
    sm = session.client("secretsmanager")
    sm.create_secret(Name="prod/db", SecretString="s3cret", KmsKeyId=key, Tags=[{"Key": "team", "Value": "data"}])
    # without a Lambda and RotateImmediately=False moto records the rules (see moto.md)
    sm.rotate_secret(SecretId="prod/db", RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    sm.create_secret(Name="prod/token", SecretString="t0ken")
    sm.create_secret(Name="prod/legacy", SecretString="x", KmsKeyId="alias/aws/secretsmanager")
    return key


def test_secrets_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_secrets(session)
    result = collect(scope(session), "secretsmanager")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    db = by_name(assets, "prod/db")
    assert db.id.startswith(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/db-")
    assert db.tags == {"team": "data"}
    assert db.attributes == {
        "secret_name": "prod/db",
        "encryption": {"enabled": True, "algorithm": "aws:kms", "kms_key_id": key, "customer_managed_key": True},
        "owning_service": None, "recovery_window_days": None, "rotation": {"enabled": True, "interval_days": 30}}
    assert "recovery_window_days" in db.unknown  # a deletion-time parameter AWS does not report
    token = by_name(assets, "prod/token").attributes
    assert token["encryption"] == {"enabled": True, "algorithm": "aws:kms", "kms_key_id": None,
                                   "customer_managed_key": False}
    assert token["rotation"] == {"enabled": False, "interval_days": None}
    assert statuses(assets, "ENC-05") == {("ENC-05", "prod/db"): P, ("ENC-05", "prod/token"): F,
                                          ("ENC-05", "prod/legacy"): F}


def test_rotation_by_schedule_expression(session: boto3.Session) -> None:
    # moto drops a ScheduleExpression rotation (RotationEnabled false): answer as AWS does
    sc = scope(session)
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:weekly-AbCdEf"
    stub = Stubber(sc.client("secretsmanager"))
    stub.add_response("list_secrets", {"SecretList": [
        {"ARN": arn, "Name": "weekly", "KmsKeyId": "alias/aws/secretsmanager", "RotationEnabled": True,
         "RotationRules": {"ScheduleExpression": "cron(0 4 ? * MON *)"}}]})
    with stub:
        assets = assets_of(collect(sc, "secretsmanager"))
    assert assets[0].attributes["rotation"] == {"enabled": True, "interval_days": 7}
    assert assets[0].attributes["encryption"]["customer_managed_key"] is False  # no KMS call for aws/ aliases


def test_denied_key_lookup_errors_enc_05_of_cmk_secrets_only(session: boto3.Session) -> None:
    make_secrets(session)
    baseline = statuses(assets_of(collect(scope(session), "secretsmanager")))
    sc = scope(session)
    with denied(sc.client("kms"), "describe_key"):
        assets = assets_of(collect(sc, "secretsmanager"))
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {("ENC-05", "prod/db"): E}
    assert by_name(assets, "prod/db").errors == {"encryption.customer_managed_key": "AccessDenied kms:DescribeKey"}


def test_sec_01_rotation_within_90_days_and_service_owned_secrets_not_applicable(session: boto3.Session) -> None:
    make_secrets(session)
    sm = session.client("secretsmanager")
    sm.create_secret(Name="prod/yearly", SecretString="y")
    sm.rotate_secret(SecretId="prod/yearly", RotationRules={"AutomaticallyAfterDays": 365}, RotateImmediately=False)
    # RDS creates, owns and rotates the master user secret of ManageMasterUserPassword (OwningService "rds")
    session.client("rds").create_db_instance(
        DBInstanceIdentifier="db", DBInstanceClass="db.t3.micro", Engine="postgres", AllocatedStorage=20,
        MasterUsername="app", ManageMasterUserPassword=True)
    assets = assets_of(collect(scope(session), "secretsmanager"))
    [owned] = [a for a in assets if a.attributes["owning_service"] is not None]
    assert owned.attributes["owning_service"] == "rds"
    assert by_name(assets, "prod/db").attributes["owning_service"] is None
    got = statuses(assets, "SEC-01")
    assert got == {("SEC-01", "prod/db"): P, ("SEC-01", "prod/token"): F, ("SEC-01", "prod/legacy"): F,
                   ("SEC-01", "prod/yearly"): F, ("SEC-01", owned.name): Status.NOT_APPLICABLE}
