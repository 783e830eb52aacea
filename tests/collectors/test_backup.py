"""The backup collector and the live backup.vault / backup.plan normalizers.

moto 5.2.5 implements vaults and plans but not backup selections (NotImplementedError) nor restore testing
plans (404 "Not yet implemented"): against moto, coverage and restore testing must be `error`, never pass.
The success path of those calls is tested with botocore's Stubber, with the answers AWS documents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import boto3
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from checks.collectors import backup as backup_collector  # noqa: F401  (registers the collector)
from checks.collectors.base import CollectResult, Scope
from checks.live_types import BACKUP_PLAN, BACKUP_RESTORE_TESTING_PLAN, BACKUP_RESTORE_TESTING_SELECTION
from checks.model import SourceKind, Status
from checks.raw import RawResource
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    scope,
    statuses,
)

P, F, E = Status.PASS, Status.FAIL, Status.ERROR
VAULT_ARN = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:"
PLAN_ARN = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-plan:"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
NIGHTLY = {"RuleName": "nightly", "TargetBackupVaultName": "nightly", "ScheduleExpression": "cron(0 5 ? * * *)",
           "Lifecycle": {"DeleteAfterDays": 30}}
WEEKLY = {"RuleName": "weekly", "TargetBackupVaultName": "archive", "ScheduleExpression": "cron(0 5 ? * SUN *)",
          "Lifecycle": {"DeleteAfterDays": 365}}


def make_backup(session: boto3.Session) -> str:
    """Two vaults (customer key / AWS-managed) and two plans (nightly / weekly); returns the CMK's ARN."""
    key = session.client("kms").create_key(Description="backup")["KeyMetadata"]["Arn"]
    b = session.client("backup")
    b.create_backup_vault(BackupVaultName="nightly", EncryptionKeyArn=key)
    b.create_backup_vault(BackupVaultName="archive")
    b.create_backup_plan(BackupPlan={"BackupPlanName": "nightly", "Rules": [NIGHTLY]})
    b.create_backup_plan(BackupPlan={"BackupPlanName": "weekly", "Rules": [WEEKLY]})
    return key


def stub_backup(sc: Scope, key: str, selection: dict[str, Any] | None = None) -> Stubber:
    """The backup client of `sc` answering as AWS does: vaults, plans, one selection on the nightly plan and a
    restore testing plan that tests the nightly vault every week. Activate it before collecting."""
    stub = Stubber(sc.client("backup"))
    stub.add_response("list_backup_vaults", {"BackupVaultList": [
        {"BackupVaultName": "nightly", "BackupVaultArn": VAULT_ARN + "nightly", "EncryptionKeyArn": key,
         "Locked": True, "MinRetentionDays": 7, "MaxRetentionDays": 400},
        {"BackupVaultName": "archive", "BackupVaultArn": VAULT_ARN + "archive"}]})
    stub.add_response("list_backup_plans", {"BackupPlansList": [
        {"BackupPlanArn": PLAN_ARN + "p-nightly", "BackupPlanId": "p-nightly", "BackupPlanName": "nightly"},
        {"BackupPlanArn": PLAN_ARN + "p-weekly", "BackupPlanId": "p-weekly", "BackupPlanName": "weekly"}]})
    rtp_arn = f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:weekly_restore-1"
    stub.add_response("list_restore_testing_plans", {"RestoreTestingPlans": [
        {"CreationTime": NOW, "RestoreTestingPlanArn": rtp_arn, "RestoreTestingPlanName": "weekly_restore",
         "ScheduleExpression": "cron(0 3 ? * SAT *)"}]})
    stub.add_response("get_restore_testing_plan", {"RestoreTestingPlan": {
        "CreationTime": NOW, "RestoreTestingPlanArn": rtp_arn, "RestoreTestingPlanName": "weekly_restore",
        "ScheduleExpression": "cron(0 3 ? * SAT *)",
        "RecoveryPointSelection": {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": [VAULT_ARN + "nightly"],
                                   "RecoveryPointTypes": ["SNAPSHOT"]}}},
        {"RestoreTestingPlanName": "weekly_restore"})
    stub.add_response("list_restore_testing_selections", {"RestoreTestingSelections": [
        {"CreationTime": NOW, "IamRoleArn": ROLE, "ProtectedResourceType": "DynamoDB",
         "RestoreTestingPlanName": "weekly_restore", "RestoreTestingSelectionName": "tables"}]},
        {"RestoreTestingPlanName": "weekly_restore"})
    for plan_id, name, rule in (("p-nightly", "nightly", NIGHTLY), ("p-weekly", "weekly", WEEKLY)):
        stub.add_response("get_backup_plan", {"BackupPlan": {"BackupPlanName": name, "Rules": [rule]},
                                              "BackupPlanId": plan_id, "BackupPlanArn": PLAN_ARN + plan_id},
                          {"BackupPlanId": plan_id})
        if plan_id == "p-weekly":
            stub.add_response("list_backup_selections", {"BackupSelectionsList": []}, {"BackupPlanId": plan_id})
            continue
        stub.add_response("list_backup_selections", {"BackupSelectionsList": [
            {"SelectionId": "s-1", "SelectionName": "tables", "BackupPlanId": plan_id, "IamRoleArn": ROLE}]},
            {"BackupPlanId": plan_id})
        stub.add_response("get_backup_selection", {
            "BackupSelection": selection or {"SelectionName": "tables", "IamRoleArn": ROLE, "Resources": []},
            "SelectionId": "s-1", "BackupPlanId": plan_id}, {"BackupPlanId": plan_id, "SelectionId": "s-1"})
    stub.activate()
    return stub


def test_against_moto_selections_and_restore_testing_are_errors(session: boto3.Session) -> None:
    make_backup(session)
    result = collect(scope(session), "backup")
    list_reason = "NotImplemented backup:ListRestoreTestingPlans (the endpoint does not implement this API)"
    assert result.errors == ()  # a side list: its failure is an error on every plan (below), not a ListFailure
    assets = assets_of(result)
    assert {(a.kind, a.name) for a in assets} == {("backup.vault", "nightly"), ("backup.vault", "archive"),
                                                  ("backup.plan", "nightly"), ("backup.plan", "weekly")}
    nightly = by_name([a for a in assets if a.kind == "backup.plan"], "nightly")
    assert nightly.id.startswith(PLAN_ARN) and (nightly.region, nightly.account) == (REGION, ACCOUNT)
    assert nightly.attributes["min_interval_hours"] == 24 and nightly.attributes["daily_retention_days"] == 30
    sel_reason = "NotImplemented backup:ListBackupSelections (the endpoint does not implement this API)"
    assert nightly.errors == {"selections": sel_reason, "covered": sel_reason, "restore_testing": list_reason}
    vault = by_name([a for a in assets if a.kind == "backup.vault"], "nightly").attributes
    assert vault["encryption"]["customer_managed_key"] is True and vault["lock"]["enabled"] is False
    archive = by_name([a for a in assets if a.kind == "backup.vault"], "archive").attributes
    assert archive["encryption"] == {"enabled": True, "algorithm": "aws:kms", "kms_key_id": None,
                                     "customer_managed_key": False}  # no key reported: aws/backup
    got = {(c, a.split(":")[0]): s for (c, a), s in statuses(assets, "BAK-01", "BAK-02", "ENC-03").items()}
    assert got == {("BAK-01", "nightly"): P, ("BAK-01", "weekly"): F, ("BAK-02", "nightly"): E,
                   ("BAK-02", "weekly"): E, ("ENC-03", "nightly"): P, ("ENC-03", "archive"): F}


def test_retention_counts_continuous_rules_and_copies_against_moto(session: boto3.Session) -> None:
    b = session.client("backup")
    b.create_backup_vault(BackupVaultName="nightly")
    dr = {"DestinationBackupVaultArn": VAULT_ARN + "dr"}
    b.create_backup_plan(BackupPlan={"BackupPlanName": "copies-forever", "Rules": [{**NIGHTLY, "CopyActions": [dr]}]})
    b.create_backup_plan(BackupPlan={"BackupPlanName": "copies-30", "Rules": [
        {**NIGHTLY, "CopyActions": [{**dr, "Lifecycle": {"DeleteAfterDays": 30}}]}]})
    b.create_backup_plan(BackupPlan={"BackupPlanName": "continuous-35", "Rules": [
        {**NIGHTLY, "RuleName": "pitr", "EnableContinuousBackup": True, "Lifecycle": {"DeleteAfterDays": 35}}]})
    plans = {a.name: a.attributes for a in assets_of(collect(scope(session), "backup")) if a.kind == "backup.plan"}
    assert (plans["copies-forever"]["retained_indefinitely"], plans["copies-forever"]["max_retention_days"]) == (
        True, None)
    assert plans["copies-30"]["rules"][0]["copy_retention_days"] == [30]
    assert (plans["copies-30"]["retained_indefinitely"], plans["copies-30"]["max_retention_days"]) == (False, 30)
    assert plans["continuous-35"]["max_retention_days"] == 35


def test_stubbed_success_path_decides_restore_testing_and_coverage(session: boto3.Session) -> None:
    key = make_backup(session)
    sc = scope(session)
    table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
    stub = stub_backup(sc, key, {"SelectionName": "tables", "IamRoleArn": ROLE, "Resources": [table_arn]})
    result = collect(sc, "backup")
    stub.assert_no_pending_responses()
    assert result.errors == ()
    assets = assets_of(result)
    plans = {a.name: a for a in assets if a.kind == "backup.plan"}
    assert plans["nightly"].errors == {} and plans["weekly"].errors == {}
    assert plans["nightly"].attributes["selections"] == [
        {"name": "tables", "resources": [table_arn], "not_resources": [], "selection_tags": [], "conditions": [],
         "iam_role": ROLE}]
    assert plans["nightly"].attributes["covered"] == []  # the table was not read in this scan
    assert plans["nightly"].attributes["restore_testing"] == {
        "plans": [{"name": "weekly_restore", "schedule": "cron(0 3 ? * SAT *)", "interval_hours": 168,
                   "resource_types": ["DynamoDB"]}], "backed_up_types": [], "untested_types": [],
        "max_interval_hours": 168}  # nothing read here is backed up: any restore test of the vault counts
    assert plans["weekly"].attributes["restore_testing"] == {"plans": [], "backed_up_types": [],
                                                             "untested_types": [], "max_interval_hours": None}
    vault = by_name([a for a in assets if a.kind == "backup.vault"], "nightly").attributes
    assert vault["lock"] == {"enabled": True, "mode": "governance", "min_retention_days": 7,
                             "max_retention_days": 400}
    got = statuses(assets, "BAK-01", "BAK-02")
    assert got == {("BAK-01", "nightly"): P, ("BAK-01", "weekly"): F, ("BAK-02", "nightly"): P,
                   ("BAK-02", "weekly"): F}


def denied(client: Any, method: str) -> Any:
    """Patch one client method to answer as AWS does when IAM denies it (403 AccessDeniedException)."""
    op = client.meta.method_to_api_mapping[method]
    err = ClientError({"Error": {"Code": "AccessDeniedException", "Message": f"not authorized to perform {op}"},
                       "ResponseMetadata": {"HTTPStatusCode": 403}}, op)
    return mock.patch.object(client, method, side_effect=err)


def test_denied_get_backup_plan_errors_bak_01_only(session: boto3.Session) -> None:
    # moto's IAM enforcement denies every backup call to a restricted user (even allowed ones): patch instead
    make_backup(session)
    baseline = statuses(assets_of(collect(scope(session), "backup")))
    sc = scope(session)
    with denied(sc.client("backup"), "get_backup_plan"):
        result = collect(sc, "backup")
    assets = assets_of(result)
    weekly = by_name([a for a in assets if a.kind == "backup.plan"], "weekly")
    assert weekly.errors["rules"] == "AccessDenied backup:GetBackupPlan"
    got = statuses(assets)
    changed = {k for k, s in got.items() if baseline[k] is not s}
    assert changed == {("BAK-01", "nightly"), ("BAK-01", "weekly")}
    assert {got[k] for k in changed} == {E}


def test_denied_vault_key_lookup_errors_enc_03_of_that_vault(session: boto3.Session) -> None:
    make_backup(session)
    baseline = statuses(assets_of(collect(scope(session), "backup")))
    sc = scope(session)
    with denied(sc.client("kms"), "describe_key"):
        got = statuses(assets_of(collect(sc, "backup")))
    changed = {k: s for k, s in got.items() if baseline[k] is not s}
    assert changed == {("ENC-03", "nightly"): E}  # the archive vault names no key: nothing to ask



def test_unread_selections_make_restore_testing_an_error_not_a_pass() -> None:
    """Restore tests must cover the types the selections assign: selections not read cannot pass BAK-02."""
    place = {"region": REGION, "account": ACCOUNT}
    rtp = f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:weekly-1"
    raws = [
        RawResource(type=BACKUP_PLAN, urn=PLAN_ARN + "p", name="nightly", source=SourceKind.LIVE, id=PLAN_ARN + "p",
                    props={**place, "arn": PLAN_ARN + "p", "id": "p", "name": "nightly", "rules": [_live_rule()]},
                    errors={"GetBackupSelection": "AccessDenied backup:GetBackupSelection"}),
        RawResource(type=BACKUP_RESTORE_TESTING_PLAN, urn=rtp, name="weekly", source=SourceKind.LIVE, id=rtp,
                    props={**place, "arn": rtp, "name": "weekly", "scheduleExpression": "cron(0 3 ? * SAT *)",
                           "recoveryPointSelection": {"includeVaults": ["*"], "excludeVaults": []}}),
        RawResource(type=BACKUP_RESTORE_TESTING_SELECTION, urn=rtp + "/selection/s", name="s", source=SourceKind.LIVE,
                    id=rtp + "/selection/s", props={**place, "name": "s", "restoreTestingPlanName": "weekly",
                                                    "protectedResourceType": "DynamoDB"}),
    ]
    [plan] = [a for a in assets_of(CollectResult(tuple(raws), ())) if a.kind == "backup.plan"]
    assert plan.errors["restore_testing"] == "AccessDenied backup:GetBackupSelection"
    assert statuses([plan], "BAK-02") == {("BAK-02", "nightly"): E}


def _live_rule() -> dict[str, Any]:
    return {"ruleName": "nightly", "schedule": "cron(0 5 ? * * *)", "targetVaultName": "nightly",
            "lifecycle": {"deleteAfter": 30, "coldStorageAfter": None}, "enableContinuousBackup": None,
            "copyActions": []}



def test_vault_lock_bounds_retention_bak_10(session: boto3.Session) -> None:
    b = session.client("backup")
    for name in ("locked", "loose", "open"):
        b.create_backup_vault(BackupVaultName=name)
    b.put_backup_vault_lock_configuration(BackupVaultName="locked", MinRetentionDays=7, MaxRetentionDays=30)
    b.put_backup_vault_lock_configuration(BackupVaultName="loose", MinRetentionDays=7, MaxRetentionDays=365)
    assets = assets_of(collect(scope(session), "backup"))
    locked = by_name(assets, "locked").attributes["lock"]
    assert locked == {"enabled": True, "mode": "governance", "min_retention_days": 7, "max_retention_days": 30}
    got = {k[1].rsplit(":", 1)[-1]: s for k, s in statuses(assets, "BAK-10").items()}
    assert got == {"locked": P, "loose": F, "open": F}
