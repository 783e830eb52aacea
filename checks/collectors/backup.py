"""AWS Backup of one account and region: vaults (list_backup_vaults), plans (list_backup_plans, then
get_backup_plan per plan), each plan's selections (list_backup_selections, get_backup_selection) and the
restore testing plans (list_restore_testing_plans, then get_restore_testing_plan and
list_restore_testing_selections per restore testing plan); who manages each vault's KMS key.

Plans, selections and restore testing plans are kept in the provider's camelCase shape (`rules[].ruleName`,
`selectionTags[].key`, `recoveryPointSelection.includeVaults`) so that the planned view's logic
(normalize/backup.py, backup_selection.py) decides rules, coverage and restore testing unchanged.
One `live:backup:region` marker per region records whether the selections could be read: resources
that AWS Backup may cover (DynamoDB tables, ...) report `backup_covered` as an error when they were not.
moto implements neither selections nor restore testing plans: there these are errors, never a pass.
"""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import (
    BACKUP_PLAN,
    BACKUP_REGION,
    BACKUP_RESTORE_TESTING_PLAN,
    BACKUP_RESTORE_TESTING_SELECTION,
    BACKUP_SELECTION,
    BACKUP_VAULT,
)
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = (
    "backup:ListBackupVaults", "backup:ListBackupPlans", "backup:GetBackupPlan", "backup:ListBackupSelections",
    "backup:GetBackupSelection", "backup:ListRestoreTestingPlans", "backup:GetRestoreTestingPlan",
    "backup:ListRestoreTestingSelections", *KEY_OPERATIONS,
)
CONDITIONS = (("StringEquals", "stringEquals"), ("StringLike", "stringLikes"),
              ("StringNotEquals", "stringNotEquals"), ("StringNotLike", "stringNotLikes"))


@collector("backup", OPERATIONS, types=(BACKUP_VAULT, BACKUP_PLAN, BACKUP_SELECTION, BACKUP_RESTORE_TESTING_PLAN,
                                      BACKUP_RESTORE_TESTING_SELECTION, BACKUP_REGION))
def collect(scope: Scope) -> CollectResult:
    """A failed list of vaults or plans is a ListFailure; the failed lists of selections and restore testing plans
    are errors on every plan they concern (and the region marker, for what the selections cover)."""
    backup = scope.client("backup")
    place = {"region": scope.region, "account": scope.account}
    vaults, vault_error = paginate(backup, "list_backup_vaults", "BackupVaultList")
    errors = listed(scope, "backup:ListBackupVaults", vault_error, BACKUP_VAULT)
    vaults, malformed = well_formed(scope, "backup:ListBackupVaults", vaults, ("BackupVaultArn", "BackupVaultName"),
                                    BACKUP_VAULT)
    errors += malformed
    keys = KeyManagers(scope)
    resources = [_vault(v, place, keys) for v in vaults]
    plans, plan_error = paginate(backup, "list_backup_plans", "BackupPlansList")
    errors += listed(scope, "backup:ListBackupPlans", plan_error, BACKUP_PLAN)
    plans, malformed = well_formed(scope, "backup:ListBackupPlans", plans, ("BackupPlanId", "BackupPlanArn"),
                                   BACKUP_PLAN)
    errors += malformed
    restore, restore_errors = _restore_testing(backup, place)
    resources += restore
    coverage_errors: dict[str, str] = {"ListBackupPlans": plan_error} if plan_error else {}
    for entry in plans:
        plan, selections = _plan(backup, entry, place, restore_errors)
        resources += [plan, *selections]
        for op in ("ListBackupSelections", "GetBackupSelection"):
            if op in plan.errors:
                coverage_errors.setdefault(op, plan.errors[op])
    marker = f"backup:{scope.account}:{scope.region}"
    resources.append(RawResource(type=BACKUP_REGION, urn=marker, name=marker, props=place,
                                 source=SourceKind.LIVE, id=marker, errors=coverage_errors))
    return CollectResult(tuple(resources), tuple(errors))


def _vault(v: dict[str, Any], place: dict[str, str], keys: KeyManagers) -> RawResource:
    key = v.get("EncryptionKeyArn")  # AWS reports the aws/backup key's ARN when none was given
    manager, key_error = keys.manager(key)
    props = {**place, "arn": v["BackupVaultArn"], "name": v["BackupVaultName"], "encryptionKeyArn": key,
             "keyManager": manager, "locked": v.get("Locked"), "minRetentionDays": v.get("MinRetentionDays"),
             "maxRetentionDays": v.get("MaxRetentionDays"), "lockDate": _iso(v.get("LockDate"))}
    return RawResource(type=BACKUP_VAULT, urn=props["arn"], name=props["name"], props=props, source=SourceKind.LIVE,
                       id=props["arn"], errors={"DescribeKey": key_error} if key_error else {})


def _plan(backup: Any, entry: dict[str, Any], place: dict[str, str],
          restore_errors: dict[str, str]) -> tuple[RawResource, list[RawResource]]:
    plan_id, arn = entry["BackupPlanId"], entry["BackupPlanArn"]
    errors = dict(restore_errors)
    got = call(backup, "get_backup_plan", BackupPlanId=plan_id)
    if got.error:
        errors["GetBackupPlan"] = got.error
    body = (got.result or {}).get("BackupPlan") or {}
    props = {**place, "arn": arn, "id": plan_id, "name": entry.get("BackupPlanName"),
             "rules": [_rule(r) for r in body.get("Rules", [])]}
    listed, list_error = paginate(backup, "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id)
    if list_error:
        errors["ListBackupSelections"] = list_error
    selections = []
    for item in listed:
        sel = call(backup, "get_backup_selection", BackupPlanId=plan_id, SelectionId=item["SelectionId"])
        if sel.error:
            errors.setdefault("GetBackupSelection", sel.error)
        elif sel.result is not None:
            selections.append(_selection(sel.result["BackupSelection"], plan_id, item["SelectionId"], place))
    plan = RawResource(type=BACKUP_PLAN, urn=arn, name=str(props["name"] or plan_id), props=props,
                       source=SourceKind.LIVE, id=arn, errors=errors)
    return plan, selections


def _rule(r: dict[str, Any]) -> dict[str, Any]:
    lifecycle = r.get("Lifecycle") or {}
    return {
        "ruleName": r.get("RuleName"),
        "schedule": r.get("ScheduleExpression"),
        "targetVaultName": r.get("TargetBackupVaultName"),
        "lifecycle": {"deleteAfter": lifecycle.get("DeleteAfterDays"),
                      "coldStorageAfter": lifecycle.get("MoveToColdStorageAfterDays")},
        "enableContinuousBackup": r.get("EnableContinuousBackup"),
        "copyActions": [{"destinationVaultArn": c.get("DestinationBackupVaultArn"),
                         "lifecycle": {"deleteAfter": (c.get("Lifecycle") or {}).get("DeleteAfterDays")}}
                        for c in r.get("CopyActions", [])],
    }


def _selection(sel: dict[str, Any], plan_id: str, selection_id: str, place: dict[str, str]) -> RawResource:
    conditions = sel.get("Conditions") or {}
    props = {
        **place, "planId": plan_id, "name": sel.get("SelectionName"), "iamRoleArn": sel.get("IamRoleArn"),
        "resources": sel.get("Resources") or [], "notResources": sel.get("NotResources") or [],
        "selectionTags": [{"type": t.get("ConditionType"), "key": t.get("ConditionKey"),
                           "value": t.get("ConditionValue")} for t in sel.get("ListOfTags") or []],
        "conditions": [{prop: [{"key": c.get("ConditionKey"), "value": c.get("ConditionValue")}
                               for c in conditions.get(op) or []] for op, prop in CONDITIONS}],
    }
    urn = f"backup-selection:{plan_id}:{selection_id}"
    return RawResource(type=BACKUP_SELECTION, urn=urn, name=str(props["name"] or selection_id), props=props,
                       source=SourceKind.LIVE, id=selection_id)


def _restore_testing(backup: Any, place: dict[str, str]) -> tuple[list[RawResource], dict[str, str]]:
    """The region's restore testing plans and their selections; errors affect every backup plan's
    restore testing (which plans a failed one tests cannot be told)."""
    errors: dict[str, str] = {}
    listed, list_error = paginate(backup, "list_restore_testing_plans", "RestoreTestingPlans")
    if list_error:
        errors["ListRestoreTestingPlans"] = list_error
    out: list[RawResource] = []
    for item in listed:
        name = item["RestoreTestingPlanName"]
        got = call(backup, "get_restore_testing_plan", RestoreTestingPlanName=name)
        if got.error:
            errors.setdefault("GetRestoreTestingPlan", got.error)
            continue
        body = (got.result or {}).get("RestoreTestingPlan") or {}
        rps = body.get("RecoveryPointSelection") or {}
        arn = (body.get("RestoreTestingPlanArn") or item.get("RestoreTestingPlanArn")
               or f"arn:aws:backup:{place['region']}:{place['account']}:restore-testing-plan:{name}")
        props = {**place, "arn": arn, "name": name, "scheduleExpression": body.get("ScheduleExpression"),
                 "recoveryPointSelection": {"includeVaults": rps.get("IncludeVaults") or [],
                                            "excludeVaults": rps.get("ExcludeVaults") or []}}
        out.append(RawResource(type=BACKUP_RESTORE_TESTING_PLAN, urn=arn, name=name, props=props,
                               source=SourceKind.LIVE, id=arn))
        selections, sel_error = paginate(backup, "list_restore_testing_selections", "RestoreTestingSelections",
                                         RestoreTestingPlanName=name)
        if sel_error:
            errors.setdefault("ListRestoreTestingSelections", sel_error)
        for s in selections:
            sel_name = s.get("RestoreTestingSelectionName")
            sprops = {**place, "name": sel_name, "restoreTestingPlanName": name,
                      "protectedResourceType": s.get("ProtectedResourceType")}
            out.append(RawResource(type=BACKUP_RESTORE_TESTING_SELECTION, urn=f"{arn}/selection/{sel_name}",
                                   name=str(sel_name), props=sprops, source=SourceKind.LIVE,
                                   id=f"{arn}/selection/{sel_name}"))
    return out, errors


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
