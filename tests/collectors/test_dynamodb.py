"""The dynamodb collector and the live dynamodb.table normalizer (ENC-02, BAK-07), with AWS Backup coverage
read by the backup collector: an error against moto (no selections), decided with stubbed selections."""

from __future__ import annotations

from typing import Any

import boto3

from checks.collectors import backup as backup_collector  # noqa: F401  (registers the collector)
from checks.collectors import dynamodb as dynamodb_collector  # noqa: F401
from checks.collectors.base import CollectResult, Scope
from checks.model import Status
from tests.collectors.conftest import ACCOUNT, REGION, assets_of, by_name, collect, scope, statuses
from tests.collectors.test_backup import ROLE, denied, make_backup, stub_backup

P, F, E = Status.PASS, Status.FAIL, Status.ERROR
CONTROLS = ("ENC-02", "BAK-07")


def make_tables(session: boto3.Session) -> str:
    """orders: customer key, PITR, listed by ARN; sessions: AWS-owned key; audit: aws/dynamodb, tagged."""
    key = session.client("kms").create_key(Description="tables")["KeyMetadata"]["Arn"]
    ddb = session.client("dynamodb")
    schema: dict[str, Any] = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                              "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
    ddb.create_table(TableName="orders", BillingMode="PAY_PER_REQUEST", DeletionProtectionEnabled=True,
                     SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}, **schema)
    ddb.update_continuous_backups(TableName="orders",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    ddb.create_table(TableName="sessions", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}, **schema)
    ddb.create_table(TableName="audit", BillingMode="PAY_PER_REQUEST", SSESpecification={"Enabled": True},
                     Tags=[{"Key": "backup", "Value": "daily"}], **schema)
    return key


def scan(sc: Scope) -> CollectResult:
    tables, backup = collect(sc, "dynamodb"), collect(sc, "backup")
    return CollectResult(tables.resources + backup.resources, tables.errors + backup.errors)


def tables(result: CollectResult) -> list[Any]:
    return [a for a in assets_of(result) if a.kind == "dynamodb.table"]


SELECTION = {"SelectionName": "tables", "IamRoleArn": ROLE,
             "Resources": [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"],
             "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}]}


def test_tables_against_moto_backup_coverage_is_an_error(session: boto3.Session) -> None:
    make_backup(session)  # plans exist, so their selections must be read: moto cannot
    key = make_tables(session)
    result = collect(scope(session), "dynamodb")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = tables(scan(scope(session)))
    orders = by_name(assets, "orders")
    assert orders.id == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
    assert (orders.region, orders.account, orders.urn) == (REGION, ACCOUNT, None)
    a = orders.attributes
    assert a["encryption"] == {"enabled": True, "algorithm": "KMS", "kms_key_id": key, "customer_managed_key": True}
    assert a["point_in_time_recovery"] == {"enabled": True, "recovery_period_days": 35}
    assert (a["deletion_protection"], a["billing_mode"], a["stream_enabled"]) == (True, "PAY_PER_REQUEST", False)
    s = by_name(assets, "sessions").attributes
    assert s["encryption"] == {"enabled": True, "algorithm": "AWS_OWNED_KEY", "kms_key_id": None,
                               "customer_managed_key": False}
    assert (s["billing_mode"], s["stream_enabled"], s["point_in_time_recovery"]["enabled"]) == (
        "PROVISIONED", True, False)
    audit = by_name(assets, "audit")
    assert audit.attributes["encryption"] == {"enabled": True, "algorithm": "KMS", "kms_key_id": None,
                                              "customer_managed_key": False}  # aws/dynamodb
    assert audit.tags == {"backup": "daily"}
    reason = "NotImplemented backup:ListBackupSelections (the endpoint does not implement this API)"
    assert audit.errors == {"backup_covered": reason}
    assert statuses(assets, *CONTROLS) == {
        ("ENC-02", "orders"): P, ("ENC-02", "sessions"): F, ("ENC-02", "audit"): F,
        ("BAK-07", "orders"): E, ("BAK-07", "sessions"): E, ("BAK-07", "audit"): E}


def test_without_the_backup_collector_coverage_is_an_error(session: boto3.Session) -> None:
    make_tables(session)
    assets = tables(collect(scope(session), "dynamodb"))
    assert by_name(assets, "orders").errors == {
        "backup_covered": f"AWS Backup selections not read in {REGION} (backup collector not run)"}


def test_without_any_backup_plan_no_table_is_covered(session: boto3.Session) -> None:
    make_tables(session)  # no plan: no selection to read, so coverage is known to be false
    assets = tables(scan(scope(session)))
    assert all(a.errors == {} and a.attributes["backup_covered"] is False for a in assets)
    assert set(statuses(assets, "BAK-07").values()) == {F}


def test_stubbed_selections_decide_bak_07_by_arn_and_by_tag(session: boto3.Session) -> None:
    key = make_backup(session)
    make_tables(session)
    sc = scope(session)
    stub = stub_backup(sc, key, SELECTION)
    result = scan(sc)
    stub.assert_no_pending_responses()
    assets = tables(result)
    assert all(a.errors == {} for a in assets)
    assert statuses(assets, "BAK-07") == {("BAK-07", "orders"): P, ("BAK-07", "sessions"): F,
                                          ("BAK-07", "audit"): P}
    plan = next(a for a in assets_of(result) if a.kind == "backup.plan" and a.name == "nightly")
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
    assert plan.attributes["covered"] == [arn + "audit", arn + "orders"]
    # the restore testing plan restores DynamoDB tables: every type this plan backs up is tested weekly
    assert plan.attributes["restore_testing"]["backed_up_types"] == ["DynamoDB"]
    assert statuses([plan], "BAK-02") == {("BAK-02", "nightly"): P}


def test_denied_tags_error_only_where_a_tag_selection_decides(session: boto3.Session) -> None:
    key = make_backup(session)
    make_tables(session)
    sc = scope(session)
    stub = stub_backup(sc, key, SELECTION)
    with denied(sc.client("dynamodb"), "list_tags_of_resource"):
        assets = tables(scan(sc))
    stub.assert_no_pending_responses()
    reason = "AccessDenied dynamodb:ListTagsOfResource"
    # orders is listed by ARN: covered whatever its tags; the others depend on the tag selection
    assert statuses(assets, *CONTROLS) == {
        ("ENC-02", "orders"): P, ("ENC-02", "sessions"): F, ("ENC-02", "audit"): F,
        ("BAK-07", "orders"): P, ("BAK-07", "sessions"): E, ("BAK-07", "audit"): E}
    assert by_name(assets, "sessions").errors == {"tags": reason, "backup_covered": reason}


def test_denied_key_lookup_errors_enc_02_of_kms_tables_only(session: boto3.Session) -> None:
    make_tables(session)
    baseline = statuses(tables(scan(scope(session))))
    sc = scope(session)
    with denied(sc.client("kms"), "describe_key"):
        assets = tables(scan(sc))
    got = statuses(assets)
    changed = {k: s for k, s in got.items() if baseline[k] is not s}
    assert changed == {("ENC-02", "orders"): E, ("ENC-02", "audit"): E}
    assert by_name(assets, "orders").errors["encryption.customer_managed_key"] == "AccessDenied kms:DescribeKey"


def test_point_in_time_recovery_within_the_statement_s_30_days(session: boto3.Session) -> None:
    make_tables(session)
    session.client("dynamodb").update_continuous_backups(TableName="audit", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 30})
    assets = tables(scan(scope(session)))
    assert by_name(assets, "orders").attributes["point_in_time_recovery"] == {"enabled": True,
                                                                            "recovery_period_days": 35}
    assert by_name(assets, "audit").attributes["point_in_time_recovery"] == {"enabled": True,
                                                                           "recovery_period_days": 30}
    assert statuses(assets, "BAK-08") == {("BAK-08", "orders"): F, ("BAK-08", "sessions"): F,
                                          ("BAK-08", "audit"): P}


def test_denied_continuous_backups_errors_bak_08_only(session: boto3.Session) -> None:
    make_tables(session)
    baseline = statuses(tables(scan(scope(session))))
    sc = scope(session)
    with denied(sc.client("dynamodb"), "describe_continuous_backups"):
        assets = tables(scan(sc))
    assert by_name(assets, "orders").errors["point_in_time_recovery"] == (
        "AccessDenied dynamodb:DescribeContinuousBackups")
    assert by_name(assets, "orders").attributes["point_in_time_recovery"] == {"enabled": None,
                                                                            "recovery_period_days": None}
    got = statuses(assets)
    changed = {k: s for k, s in got.items() if baseline[k] is not s}
    assert changed == {("BAK-08", "orders"): E, ("BAK-08", "sessions"): E, ("BAK-08", "audit"): E}
