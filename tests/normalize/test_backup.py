"""backup.vault and backup.plan: schedules, retention, selections' coverage and restore testing."""

from __future__ import annotations

from typing import Any

import pytest

from checks.model import UNKNOWN, Asset, SourceKind
from checks.normalize.schedule import ScheduleError, interval_hours, merged_interval_hours
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize, urn

VAULT = "aws:backup/vault:Vault"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
RT_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
RT_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
TABLE = "aws:dynamodb/table:Table"
KEY = "aws:kms/key:Key"
STATE = SourceKind.STATE
DAILY, WEEKLY = "cron(0 5 ? * * *)", "cron(0 5 ? * MON *)"
VAULT_ARN = "arn:aws:backup:eu-west-1:111122223333:backup-vault:main"
TABLE_ARN = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"


@pytest.mark.parametrize(("expression", "hours"), [
    (DAILY, 24), (WEEKLY, 168), ("rate(12 hours)", 12), ("rate(1 day)", 24), ("rate(30 minutes)", 0.5),
    ("cron(0 5 ? * MON-FRI *)", 72),  # Friday 05:00 -> Monday 05:00
    ("cron(0 1,13 ? * * *)", 12), ("cron(0/15 * * * ? *)", 0.25), ("cron(0 */6 * * ? *)", 6),
    ("cron(0 5 1 * ? *)", 744),  # 31-day months
    ("cron(0 5 L * ? *)", 744), ("cron(0 5 ? * 6L *)", 840), ("cron(0 5 ? * 2#1 *)", 840),
    ("cron(0 5 ? * sun *)", 168), ("cron(0 5 1 jan,jul ? *)", 184 * 24),
    ("cron(0 0 29 2 ? *)", 1461 * 24),  # leap days
    ("cron(0 5 ? * * 2025)", None), ("at(2025-01-01T00:00:00)", None),  # do not repeat indefinitely
])
def test_interval_is_the_longest_gap_between_consecutive_runs(expression: str, hours: float | None) -> None:
    assert interval_hours(expression) == hours


@pytest.mark.parametrize("expression", ["cron(0 5 * *)", "cron(61 5 ? * * *)", "cron(0 5 ? * FUNDAY *)",
                                        "weekly", "rate(0 days)", "cron(0 5 32 * ? *)"])
def test_invalid_schedule_expressions_raise(expression: str) -> None:
    with pytest.raises(ScheduleError):
        interval_hours(expression)


def test_merged_schedules_take_the_union_of_runs() -> None:
    assert merged_interval_hours([WEEKLY, "cron(0 5 ? * THU *)"]) == 96  # Thu -> Mon
    assert merged_interval_hours([WEEKLY, "rate(2 days)"]) == 48  # a rate's phase is unknown: upper bound
    assert merged_interval_hours([]) is None


def test_vault_defaults_to_the_aws_managed_backup_key_and_no_lock() -> None:
    a = one(run_normalize(make_raw(VAULT, "main", {"name": "main"})), "backup.vault").attributes
    assert a["encryption"] == {"enabled": True, "algorithm": "aws:kms", "kms_key_id": None,
                               "customer_managed_key": False}
    assert a["lock"] == {"enabled": False, "mode": None, "min_retention_days": None, "max_retention_days": None}


def test_planned_vault_with_declared_key_and_compliance_lock() -> None:
    raws = [make_raw(KEY, "bk"), make_raw(VAULT, "main", {"name": "main", "kmsKeyArn": UNKNOWN},
                                          deps={"kmsKeyArn": [urn(KEY, "bk")]}),
            make_raw(LOCK, "lock", {"backupVaultName": UNKNOWN, "changeableForDays": 3, "minRetentionDays": 7},
                     deps={"backupVaultName": [urn(VAULT, "main")]})]
    asset = one(run_normalize(*raws), "backup.vault")
    assert asset.attributes["encryption"]["customer_managed_key"] is True
    assert asset.attributes["lock"] == {"enabled": True, "mode": "compliance", "min_retention_days": 7,
                                        "max_retention_days": None}
    assert "encryption.kms_key_id" in asset.unknown


def test_vault_lock_maximum_retention_planned_unknown_and_state() -> None:
    raws = [make_raw(VAULT, "main", {"name": "main"}),
            make_raw(LOCK, "lock", {"backupVaultName": UNKNOWN, "maxRetentionDays": UNKNOWN},
                     deps={"backupVaultName": [urn(VAULT, "main")]})]
    asset = one(run_normalize(*raws), "backup.vault")
    assert asset.attributes["lock"]["enabled"] is True and "lock.max_retention_days" in asset.unknown
    state = [make_raw(VAULT, "main", {"name": "main", "arn": VAULT_ARN}, source=STATE, id="main"),
             make_raw(LOCK, "lock", {"backupVaultName": "main", "minRetentionDays": 7, "maxRetentionDays": 30},
                      source=STATE, id="main")]
    lock = one(run_normalize(*state), "backup.vault").attributes["lock"]
    assert lock == {"enabled": True, "mode": "governance", "min_retention_days": 7, "max_retention_days": 30}


def test_state_vault_key_arn_not_declared_is_unknown_because_state_fills_in_the_managed_key() -> None:
    raw = make_raw(VAULT, "main", {"name": "main", "arn": VAULT_ARN, "kmsKeyArn": "arn:aws:kms:eu-west-1:1:key/x"},
                   source=STATE, id="main")
    asset = one(run_normalize(raw), "backup.vault")
    assert "encryption.customer_managed_key" in asset.unknown


def test_plan_rules_intervals_and_retention_among_daily_rules() -> None:
    rules = [{"ruleName": "daily", "targetVaultName": "main", "schedule": DAILY, "lifecycle": {"deleteAfter": 14}},
             {"ruleName": "weekly", "targetVaultName": "main", "schedule": WEEKLY,
              "lifecycle": {"coldStorageAfter": 30, "deleteAfter": 365},
              "copyActions": [{"destinationVaultArn": "arn:aws:backup:us-east-1:1:backup-vault:dr"}]},
             {"ruleName": "hourly", "targetVaultName": "main", "schedule": "cron(0 * * * ? *)",
              "lifecycle": {"deleteAfter": 2}}]
    a = one(run_normalize(make_raw(PLAN, "p", {"name": "p", "rules": rules})), "backup.plan").attributes
    assert a["rules"][1] == {"name": "weekly", "schedule": WEEKLY, "target_vault": "main", "interval_hours": 168,
                             "retention_days": 365, "retained_indefinitely": False, "cold_storage_after_days": 30,
                             "continuous_backup": False, "copy_to": ["arn:aws:backup:us-east-1:1:backup-vault:dr"],
                             "copy_retention_days": [None]}
    assert (a["min_interval_hours"], a["max_interval_hours"]) == (1, 168)
    assert (a["daily_retention_days"], a["daily_retained_indefinitely"]) == (14, False)
    # the weekly rule's copy has no lifecycle: kept indefinitely in the DR vault
    assert (a["retained_indefinitely"], a["max_retention_days"]) == (True, None)
    assert a["selections"] == [] and a["covered"] == []
    assert a["restore_testing"] == {"plans": [], "backed_up_types": [], "untested_types": [],
                                    "max_interval_hours": None}


def test_rule_defaults_aws_schedule_and_keeps_recovery_points_without_lifecycle() -> None:
    a = one(run_normalize(make_raw(PLAN, "p", {"rules": [{"ruleName": "r", "targetVaultName": "v"}]})),
            "backup.plan").attributes
    assert (a["rules"][0]["schedule"], a["rules"][0]["interval_hours"]) == (DAILY, 24)
    assert a["rules"][0]["retained_indefinitely"] is True and a["rules"][0]["retention_days"] is None
    assert (a["daily_retention_days"], a["daily_retained_indefinitely"]) == (None, True)
    assert (a["retained_indefinitely"], a["max_retention_days"]) == (True, None)


@pytest.mark.parametrize("source", [SourceKind.PLANNED, STATE])
def test_longest_retention_counts_every_rule_continuous_backups_and_copies(source: SourceKind) -> None:
    rules: list[dict[str, Any]] = [
        {"ruleName": "continuous", "targetVaultName": "main", "schedule": DAILY, "enableContinuousBackup": True,
         "lifecycle": {"deleteAfter": 35}},
        {"ruleName": "weekly", "targetVaultName": "main", "schedule": WEEKLY, "lifecycle": {"deleteAfter": 28},
         "copyActions": [{"destinationVaultArn": VAULT_ARN, "lifecycle": {"deleteAfter": 30}}]}]
    a = one(run_normalize(make_raw(PLAN, "p", {"name": "p", "rules": rules}, source=source)),
            "backup.plan").attributes
    assert a["rules"][1]["copy_retention_days"] == [30]
    assert (a["retained_indefinitely"], a["max_retention_days"]) == (False, 35)  # the continuous rule's 35 days
    rules[0]["lifecycle"] = {"deleteAfter": 30}
    a = one(run_normalize(make_raw(PLAN, "p", {"name": "p", "rules": rules}, source=source)),
            "backup.plan").attributes
    assert (a["retained_indefinitely"], a["max_retention_days"]) == (False, 30)


def test_unknown_retention_is_unknown_unless_another_rule_keeps_forever() -> None:
    unknown = [{"ruleName": "r", "schedule": DAILY, "lifecycle": {"deleteAfter": UNKNOWN}}]
    asset = one(run_normalize(make_raw(PLAN, "p", {"rules": unknown})), "backup.plan")
    assert {"retained_indefinitely", "max_retention_days"} <= asset.unknown
    forever = [*unknown, {"ruleName": "f", "schedule": WEEKLY}]
    a = one(run_normalize(make_raw(PLAN, "p", {"rules": forever})), "backup.plan").attributes
    assert (a["retained_indefinitely"], a["max_retention_days"]) == (True, None)


def test_unknown_schedule_propagates_to_the_derived_facts() -> None:
    asset = one(run_normalize(make_raw(PLAN, "p", {"rules": [{"ruleName": "r", "schedule": UNKNOWN}]})),
                "backup.plan")
    assert {"rules[].schedule", "rules[].interval_hours", "min_interval_hours", "max_interval_hours",
            "daily_retention_days"} <= asset.unknown


def test_unreadable_schedule_is_an_error_not_a_guess() -> None:
    asset = one(run_normalize(make_raw(PLAN, "p", {"rules": [{"ruleName": "r", "schedule": "cron(bad)"}]})),
                "backup.plan")
    assert asset.attributes["rules"][0]["interval_hours"] is None
    assert "cron needs 6 fields" in asset.errors["rules[].interval_hours"]


def test_planned_plan_folds_selection_and_restore_testing_through_dependencies() -> None:
    plan_urn, vault_urn, table_urn = urn(PLAN, "p"), urn(VAULT, "main"), urn(TABLE, "orders")
    raws = [
        make_raw(VAULT, "main", {"name": "main"}),
        make_raw(TABLE, "orders", {"name": "orders"}),
        make_raw(TABLE, "scratch", {"name": "scratch"}),
        make_raw(PLAN, "p", {"name": "p", "rules": [{"ruleName": "daily", "targetVaultName": UNKNOWN,
                                                     "schedule": DAILY, "lifecycle": {"deleteAfter": 35}}]},
                 deps={"rules": [vault_urn]}),
        make_raw(SELECTION, "sel", {"name": "sel", "planId": UNKNOWN, "iamRoleArn": UNKNOWN, "resources": [UNKNOWN]},
                 deps={"planId": [plan_urn], "resources": [table_urn], "iamRoleArn": []}),
        make_raw(RT_PLAN, "weekly_restore", {"name": "weekly_restore", "scheduleExpression": WEEKLY,
                                             "recoveryPointSelection": {"algorithm": "LATEST_WITHIN_WINDOW",
                                                                        "includeVaults": [UNKNOWN]}},
                 deps={"recoveryPointSelection": [vault_urn]}),
        make_raw(RT_SELECTION, "rts", {"restoreTestingPlanName": UNKNOWN, "protectedResourceType": "DynamoDB"},
                 deps={"restoreTestingPlanName": [urn(RT_PLAN, "weekly_restore")]}),
    ]
    asset = one(run_normalize(*raws), "backup.plan")
    a = asset.attributes
    assert a["covered"] == [table_urn]
    assert a["selections"][0]["name"] == "sel" and "selections[].resources[]" in asset.unknown
    assert a["restore_testing"] == {"plans": [{"name": "weekly_restore", "schedule": WEEKLY, "interval_hours": 168,
                                               "resource_types": ["DynamoDB"]}], "backed_up_types": ["DynamoDB"],
                                    "untested_types": [], "max_interval_hours": 168}


def test_state_plan_links_selection_and_restore_testing_by_value() -> None:
    raws = [
        make_raw(VAULT, "main", {"name": "main", "arn": VAULT_ARN}, source=STATE, id="main"),
        make_raw(TABLE, "orders", {"name": "orders", "arn": TABLE_ARN}, source=STATE, id="orders"),
        make_raw(PLAN, "p", {"name": "p", "arn": "arn:aws:backup:eu-west-1:1:backup-plan:plan-123", "rules": [
            {"ruleName": "daily", "targetVaultName": "main", "schedule": DAILY}]}, source=STATE, id="plan-123"),
        make_raw(SELECTION, "sel", {"name": "sel", "planId": "plan-123", "resources": [TABLE_ARN]},
                 source=STATE, id="sel-1"),
        make_raw(RT_PLAN, "all_vaults", {"name": "all_vaults", "scheduleExpression": "cron(0 1 1 * ? *)",
                                         "recoveryPointSelection": {"includeVaults": ["*"]}}, source=STATE),
        make_raw(RT_PLAN, "other", {"name": "other", "scheduleExpression": DAILY, "recoveryPointSelection": {
            "includeVaults": ["arn:aws:backup:eu-west-1:111122223333:backup-vault:other"]}}, source=STATE),
        make_raw(RT_SELECTION, "s1", {"restoreTestingPlanName": "all_vaults", "protectedResourceType": "DynamoDB"},
                 source=STATE),
        make_raw(RT_SELECTION, "s2", {"restoreTestingPlanName": "other", "protectedResourceType": "DynamoDB"},
                 source=STATE),
    ]
    a = one(run_normalize(*raws), "backup.plan").attributes
    assert a["covered"] == sorted([TABLE_ARN, "orders", urn(TABLE, "orders")])
    assert [p["name"] for p in a["restore_testing"]["plans"]] == ["all_vaults"]
    assert a["restore_testing"]["max_interval_hours"] == 744


def test_restore_testing_plan_without_a_selection_tests_nothing() -> None:
    raws = [make_raw(PLAN, "p", {"rules": [{"ruleName": "r", "targetVaultName": "main"}]}),
            make_raw(RT_PLAN, "idle", {"name": "idle", "scheduleExpression": WEEKLY,
                                       "recoveryPointSelection": {"includeVaults": [VAULT_ARN]}})]
    rt = one(run_normalize(*raws), "backup.plan").attributes["restore_testing"]
    assert rt["plans"][0]["resource_types"] == [] and rt["max_interval_hours"] is None


def test_restore_testing_plan_excluding_the_vault_does_not_test_it() -> None:
    raws = [make_raw(PLAN, "p", {"rules": [{"ruleName": "r", "targetVaultName": "main"}]}),
            make_raw(RT_PLAN, "rt", {"name": "rt", "scheduleExpression": WEEKLY, "recoveryPointSelection": {
                "includeVaults": ["*"], "excludeVaults": [VAULT_ARN]}})]
    assert one(run_normalize(*raws), "backup.plan").attributes["restore_testing"]["plans"] == []


def _plan_with(selection: dict[str, Any], *resources: RawResource) -> list[Asset]:
    plan = make_raw(PLAN, "p", {"rules": [{"ruleName": "r", "targetVaultName": "v"}]})
    sel = make_raw(SELECTION, "sel", {"planId": UNKNOWN, **selection}, deps={"planId": [urn(PLAN, "p")]})
    return run_normalize(plan, sel, *resources)


def test_tag_selection_covers_tagged_data_stores_and_conditions_narrow_it() -> None:
    tagged = make_raw(TABLE, "a", {"tags": {"backup": "daily", "env": "prod"}})
    dev = make_raw(TABLE, "b", {"tags": {"backup": "daily", "env": "dev"}})
    untagged = make_raw(TABLE, "c", {})
    by_tag = {"selectionTags": [{"type": "STRINGEQUALS", "key": "backup", "value": "daily"}]}
    assert one(_plan_with(by_tag, tagged, dev, untagged), "backup.plan").attributes["covered"] == sorted(
        [tagged.urn, dev.urn])
    narrowed = {**by_tag, "conditions": [{"stringEquals": [{"key": "aws:ResourceTag/env", "value": "prod"}],
                                          "stringNotLikes": [{"key": "aws:ResourceTag/env", "value": "d*"}]}]}
    assert one(_plan_with(narrowed, tagged, dev, untagged), "backup.plan").attributes["covered"] == [tagged.urn]


def test_selection_without_resources_or_tags_covers_every_supported_resource_except_excluded() -> None:
    a, b = make_raw(TABLE, "a", {"arn": TABLE_ARN}), make_raw(TABLE, "b", {"arn": TABLE_ARN + "2"})
    covered = one(_plan_with({"notResources": [TABLE_ARN + "2"]}, a, b), "backup.plan").attributes["covered"]
    assert covered == sorted([a.urn, TABLE_ARN])


def test_wildcard_selection_over_resources_with_unknown_arns_cannot_be_decided() -> None:
    table = make_raw(TABLE, "a", {"tags": {"backup": UNKNOWN}})
    asset = one(_plan_with({"resources": ["arn:aws:dynamodb:*:*:table/*"]}, table), "backup.plan")
    assert asset.attributes["covered"] is None and "covered" in asset.unknown
    by_tag = one(_plan_with({"selectionTags": [{"type": "STRINGEQUALS", "key": "backup", "value": "yes"}]}, table),
                 "backup.plan")
    assert "covered" in by_tag.unknown


def test_backup_covered_marks_the_data_stores_a_selection_assigns() -> None:
    vault = make_raw("aws:backup/vault:Vault", "vault", {"name": UNKNOWN})
    plan = make_raw("aws:backup/plan:Plan", "nightly", {"name": "nightly", "rules": [
        {"ruleName": "nightly", "targetVaultName": UNKNOWN, "schedule": "cron(0 3 * * ? *)",
         "lifecycle": {"deleteAfter": 35}}]}, deps={"rules": [vault.urn]})
    db = make_raw("aws:rds/instance:Instance", "db", {"engine": "postgres", "arn": UNKNOWN})
    other = make_raw("aws:rds/instance:Instance", "reporting", {"engine": "postgres"})
    table = make_raw("aws:dynamodb/table:Table", "sessions", {"hashKey": "id"})
    sel = make_raw("aws:backup/selection:Selection", "nightly-db",
                   {"planId": UNKNOWN, "iamRoleArn": "arn:aws:iam::123456789012:role/backup", "resources": [UNKNOWN]},
                   deps={"planId": [plan.urn], "resources": [db.urn]})
    assets = run_normalize(vault, plan, db, other, table, sel)
    assert one(assets, "rds.db_instance", "db").attributes["backup_covered"] is True
    assert one(assets, "rds.db_instance", "reporting").attributes["backup_covered"] is False
    assert one(assets, "dynamodb.table", "sessions").attributes["backup_covered"] is False


def test_backup_covered_is_unknown_when_a_selection_lists_unknown_resources_without_dependencies() -> None:
    db = make_raw("aws:rds/instance:Instance", "db", {"engine": "postgres"})
    sel = make_raw("aws:backup/selection:Selection", "from-stack-reference",
                   {"planId": "plan-1", "iamRoleArn": "arn:aws:iam::123456789012:role/backup", "resources": [UNKNOWN]})
    asset = one(run_normalize(db, sel), "rds.db_instance", "db")
    assert asset.attributes["backup_covered"] is None and "backup_covered" in asset.unknown


BUCKET = "aws:s3/bucket:Bucket"
DB = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"


def _tested(types: dict[str, str], *stores: RawResource, source: SourceKind = SourceKind.PLANNED) -> Asset:
    """A nightly plan selecting every store (no resources, no tags: all of them), its vault tested by one restore
    testing plan per schedule in `types` (schedule -> protected resource type)."""
    raws = [make_raw(PLAN, "p", {"name": "p", "rules": [{"ruleName": "r", "targetVaultName": "main",
                                                        "schedule": DAILY, "lifecycle": {"deleteAfter": 30}}]},
                     source=source, id="plan-1"),
            make_raw(SELECTION, "sel", {"name": "sel", "planId": "plan-1"}, source=source), *stores]
    for n, (schedule, kind) in enumerate(types.items()):
        raws += [make_raw(RT_PLAN, f"rt{n}", {"name": f"rt{n}", "scheduleExpression": schedule,
                                              "recoveryPointSelection": {"includeVaults": [VAULT_ARN]}}, source=source),
                 make_raw(RT_SELECTION, f"rts{n}", {"restoreTestingPlanName": f"rt{n}",
                                                    "protectedResourceType": kind}, source=source)]
    return one(run_normalize(*raws), "backup.plan")


@pytest.mark.parametrize("source", [SourceKind.PLANNED, STATE])
def test_restore_tests_must_cover_every_backed_up_resource_type(source: SourceKind) -> None:
    stores = (make_raw(TABLE, "orders", {"name": "orders"}, source=source),
              make_raw(BUCKET, "data", {"bucket": "data"}, source=source))
    only_tables = _tested({WEEKLY: "DynamoDB"}, *stores, source=source).attributes["restore_testing"]
    assert only_tables["backed_up_types"] == ["DynamoDB", "S3"] and only_tables["untested_types"] == ["S3"]
    assert only_tables["max_interval_hours"] is None  # S3 is never restore-tested
    both = _tested({WEEKLY: "DynamoDB", "cron(0 5 ? * SUN *)": "S3"}, *stores, source=source)
    assert both.attributes["restore_testing"]["untested_types"] == []
    assert both.attributes["restore_testing"]["max_interval_hours"] == 168
    monthly = _tested({DAILY: "DynamoDB", "cron(0 5 1 * ? *)": "S3"}, *stores, source=source)
    assert monthly.attributes["restore_testing"]["max_interval_hours"] == 744  # the worst type, not the union


def test_resource_types_of_clusters_follow_the_engine_and_unknown_types_are_unknown() -> None:
    aurora = make_raw(CLUSTER, "aurora", {"engine": "aurora-postgresql"})
    multi_az = make_raw(CLUSTER, "metrics", {"engine": "postgres"})
    db = make_raw(DB, "db", {"engine": "postgres"})
    rt = _tested({WEEKLY: "RDS"}, aurora, multi_az, db).attributes["restore_testing"]
    assert (rt["backed_up_types"], rt["untested_types"]) == (["Aurora", "RDS"], ["Aurora"])
    unknown_engine = _tested({WEEKLY: "RDS"}, make_raw(CLUSTER, "c", {"engine": UNKNOWN}))
    assert {"restore_testing.backed_up_types", "restore_testing.max_interval_hours"} <= unknown_engine.unknown
    unknown_kind = _tested({WEEKLY: UNKNOWN}, db)
    assert "restore_testing.max_interval_hours" in unknown_kind.unknown

