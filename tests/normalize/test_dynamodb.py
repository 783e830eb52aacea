"""dynamodb.table: encryption (owned, AWS-managed, customer key), point-in-time recovery, defaults."""

from __future__ import annotations

from checks.model import UNKNOWN, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize, urn

TABLE = "aws:dynamodb/table:Table"
KEY = "aws:kms/key:Key"
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_table_defaults_aws_owned_key_no_pitr_provisioned() -> None:
    asset = one(run_normalize(make_raw(TABLE, "orders", {"name": "orders", "hashKey": "id"})), "dynamodb.table")
    a = asset.attributes
    assert a["encryption"] == {"enabled": True, "algorithm": "AWS_OWNED_KEY", "kms_key_id": None,
                               "customer_managed_key": False}
    assert a["point_in_time_recovery"] == {"enabled": False, "recovery_period_days": None}
    assert (a["deletion_protection"], a["billing_mode"], a["stream_enabled"]) == (False, "PROVISIONED", False)
    assert a["replica_regions"] == [] and not asset.unknown


def test_sse_enabled_without_key_uses_the_aws_managed_key() -> None:
    a = one(run_normalize(make_raw(TABLE, "t", {"serverSideEncryption": {"enabled": True}})),
            "dynamodb.table").attributes
    assert a["encryption"] == {"enabled": True, "algorithm": "KMS", "kms_key_id": None, "customer_managed_key": False}


def test_planned_customer_key_is_resolved_through_the_dependency() -> None:
    raws = [make_raw(KEY, "k"),
            make_raw(TABLE, "t", {"serverSideEncryption": {"enabled": True, "kmsKeyArn": UNKNOWN},
                                  "pointInTimeRecovery": {"enabled": True}, "billingMode": "PAY_PER_REQUEST",
                                  "deletionProtectionEnabled": True},
                     deps={"serverSideEncryption": [urn(KEY, "k")]})]
    asset = one(run_normalize(*raws), "dynamodb.table")
    a = asset.attributes
    assert a["encryption"]["customer_managed_key"] is True and "encryption.kms_key_id" in asset.unknown
    assert a["point_in_time_recovery"] == {"enabled": True, "recovery_period_days": 35}
    assert (a["billing_mode"], a["deletion_protection"]) == ("PAY_PER_REQUEST", True)


def test_state_table_with_key_arn_and_disabled_sse_outputs() -> None:
    key = make_raw(KEY, "k", {"arn": KEY_ARN}, source=SourceKind.STATE, id="1234abcd")
    cmk = make_raw(TABLE, "a", {"arn": "arn:aws:dynamodb:eu-west-1:1:table/a", "serverSideEncryption": {
        "enabled": True, "kmsKeyArn": KEY_ARN}, "pointInTimeRecovery": {"enabled": True, "recoveryPeriodInDays": 7},
        "replicas": [{"regionName": "us-east-1"}]}, source=SourceKind.STATE, id="a")
    owned = make_raw(TABLE, "b", {"serverSideEncryption": {"enabled": False, "kmsKeyArn": ""}},
                     source=SourceKind.STATE, id="b")
    assets = run_normalize(key, cmk, owned)
    a = one(assets, "dynamodb.table", "a").attributes
    assert a["encryption"] == {"enabled": True, "algorithm": "KMS", "kms_key_id": KEY_ARN, "customer_managed_key": True}
    assert a["point_in_time_recovery"]["recovery_period_days"] == 7 and a["replica_regions"] == ["us-east-1"]
    assert one(assets, "dynamodb.table", "b").attributes["encryption"]["algorithm"] == "AWS_OWNED_KEY"


def test_unknown_sse_block_leaves_the_key_facts_unknown() -> None:
    asset = one(run_normalize(make_raw(TABLE, "t", {"serverSideEncryption": UNKNOWN})), "dynamodb.table")
    assert asset.attributes["encryption"]["enabled"] is True
    assert {"encryption.algorithm", "encryption.customer_managed_key"} <= asset.unknown


def test_point_in_time_recovery_period_planned_default_explicit_and_state() -> None:
    on = one(run_normalize(make_raw(TABLE, "t", {"pointInTimeRecovery": {"enabled": True}})), "dynamodb.table")
    assert on.attributes["point_in_time_recovery"] == {"enabled": True, "recovery_period_days": 35}  # AWS default
    short = one(run_normalize(make_raw(TABLE, "t", {"pointInTimeRecovery": {"enabled": True,
                                                                            "recoveryPeriodInDays": 30}})),
                "dynamodb.table")
    assert short.attributes["point_in_time_recovery"] == {"enabled": True, "recovery_period_days": 30}
    state = one(run_normalize(make_raw(TABLE, "t", {"pointInTimeRecovery": {"enabled": True,
                                                                            "recoveryPeriodInDays": 7}},
                                       source=SourceKind.STATE, id="t")), "dynamodb.table")
    assert state.attributes["point_in_time_recovery"] == {"enabled": True, "recovery_period_days": 7}
    unknown = one(run_normalize(make_raw(TABLE, "t", {"pointInTimeRecovery": {"enabled": True,
                                                                              "recoveryPeriodInDays": UNKNOWN}})),
                  "dynamodb.table")
    assert "point_in_time_recovery.recovery_period_days" in unknown.unknown

