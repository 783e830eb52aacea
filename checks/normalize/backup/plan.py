"""backup.vault (aws:backup/vault:Vault, vault lock folded) and backup.plan (aws:backup/plan:Plan, with its
selections and the restore testing plans that can test its vaults folded in)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.backup import selection
from checks.normalize.base import (
    AssetBuilder,
    Index,
    as_list,
    blank,
    first_set,
    folded,
    register,
    tri_and,
    tri_any,
    tri_map,
    tri_not,
    unwrap,
)
from checks.normalize.keys import computed_key_cmk
from checks.normalize.schedule import ScheduleError, interval_hours, merged_interval_hours
from checks.raw import RawResource

VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
PLAN = "aws:backup/plan:Plan"
RESTORE_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
RESTORE_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
DEFAULT_SCHEDULE = "cron(0 5 ? * * *)"  # AWS Backup's schedule when a rule gives none

folded("backup.vault", VAULT_LOCK)
folded("backup.plan", selection.SELECTION, RESTORE_PLAN, RESTORE_SELECTION)


@dataclass(frozen=True)
class Family:
    """The raw types a plan's related resources come as: the Pulumi tokens, or the live collector's.

    `same_place`: only resources of the plan's own account and region are related (the live view reads
    every region into one index; AWS Backup plans, selections and restore testing are regional).
    """

    candidates: tuple[str, ...] = selection.SUPPORTED
    selection_type: str = selection.SELECTION
    restore_plan: str = RESTORE_PLAN
    restore_selection: str = RESTORE_SELECTION
    vault: str = VAULT
    same_place: bool = False

    def related(self, index: Index, raw: RawResource, *tokens: str) -> list[RawResource]:
        found = index.of_type(*tokens)
        if not self.same_place:
            return found
        place = (raw.props.get("account"), raw.props.get("region"))
        return [r for r in found if (r.props.get("account"), r.props.get("region")) == place]


PLANNED = Family()


@register(VAULT)
def vault(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("backup.vault", raw)
    b.set("vault_name", first_set(p.get("name"), UNKNOWN))  # absent: auto-named by Pulumi
    key = blank(p.get("kmsKeyArn"))
    b.set("encryption", {  # backups are always encrypted; without a key, with the AWS-managed aws/backup key
        "enabled": True, "algorithm": "aws:kms", "kms_key_id": key,
        "customer_managed_key": computed_key_cmk(raw, "kmsKeyArn", index),
    })
    locks = index.referencing(raw, [VAULT_LOCK], "backupVaultName")
    lock = locks[-1].props if locks else {}
    changeable = lock.get("changeableForDays")
    b.set("lock", {
        "enabled": bool(locks),
        # without changeableForDays the lock is in governance mode, with it in compliance mode
        "mode": None if not locks else tri_map(blank(changeable), lambda c: "governance" if c is None
                                               else "compliance"),
        "min_retention_days": lock.get("minRetentionDays"),
        "max_retention_days": lock.get("maxRetentionDays"),
    })
    return [b.build()]


@register(PLAN)
def plan(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("backup.plan", raw)
    b.set("plan_name", first_set(raw.props.get("name"), UNKNOWN))  # absent: auto-named by Pulumi
    plan_attributes(b, raw, index)
    return [b.build()]


def plan_attributes(b: AssetBuilder, raw: RawResource, index: Index, family: Family = PLANNED) -> None:
    """Rules, selections, coverage and restore testing of a plan whose props are in the provider's shape
    (`rules[].ruleName/schedule/targetVaultName/lifecycle/copyActions`), related resources of `family`."""
    rules = tri_map(first_set(raw.props.get("rules"), []), lambda rs: [_rule(b, r) for r in rs])
    b.set("rules", rules)
    _derived(b, rules)
    own = {s.urn for s in family.related(index, raw, family.selection_type)}
    sels = [s for s in index.referencing(raw, [family.selection_type], "planId") if s.urn in own]
    b.set("selections", [selection.describe(s) for s in sels])
    candidates = family.related(index, raw, *family.candidates)
    b.set("covered", selection.union(selection.covered(s, index, candidates) for s in sels))
    _restore_testing(b, raw, index, family)


def _rule(b: AssetBuilder, r: Any) -> dict[str, Any]:
    r = unwrap(r)
    if r is UNKNOWN or not isinstance(r, dict):
        return dict.fromkeys(("name", "schedule", "target_vault", "interval_hours", "retention_days",
                              "retained_indefinitely", "cold_storage_after_days", "continuous_backup",
                              "copy_to"), UNKNOWN)
    lifecycle = unwrap(first_set(r.get("lifecycle"), {}))
    delete_after = tri_map(lifecycle, lambda lc: blank(lc.get("deleteAfter")))  # 0/absent: never deleted
    schedule = first_set(r.get("schedule"), DEFAULT_SCHEDULE)
    return {
        "name": r.get("ruleName"),
        "schedule": schedule,
        "target_vault": r.get("targetVaultName"),
        "interval_hours": _interval(b, "rules[].interval_hours", schedule),
        "retention_days": delete_after,
        "retained_indefinitely": tri_map(delete_after, lambda d: d is None),
        "cold_storage_after_days": tri_map(lifecycle, lambda lc: blank(lc.get("coldStorageAfter"))),
        "continuous_backup": first_set(r.get("enableContinuousBackup"), False),
        "copy_to": tri_map(first_set(r.get("copyActions"), []), lambda cs: [_field(c, "destinationVaultArn")
                                                                            for c in cs]),
    }


def _interval(b: AssetBuilder, path: str, schedule: Any) -> Any:
    schedule = unwrap(schedule)
    if schedule is UNKNOWN:
        return UNKNOWN
    try:
        return interval_hours(schedule)
    except ScheduleError as err:
        b.errors[path] = f"cannot read schedule: {err}"
        return None


def _derived(b: AssetBuilder, rules: Any) -> None:
    """min/max interval across rules; the longest retention among rules that run at least daily."""
    names = ("min_interval_hours", "max_interval_hours", "daily_retention_days", "daily_retained_indefinitely")
    if rules is UNKNOWN or any(r["interval_hours"] is UNKNOWN for r in rules):
        for name in names:
            b.set(name, UNKNOWN)
        return
    intervals = [r["interval_hours"] for r in rules if r["interval_hours"] is not None]
    b.set("min_interval_hours", min(intervals, default=None))
    b.set("max_interval_hours", max(intervals, default=None))
    daily = [r for r in rules if r["interval_hours"] is not None and r["interval_hours"] <= 24]
    forever = tri_any(r["retained_indefinitely"] for r in daily)
    b.set("daily_retained_indefinitely", forever)
    days = [unwrap(r["retention_days"]) for r in daily]
    if forever is UNKNOWN or UNKNOWN in days:
        b.set("daily_retention_days", UNKNOWN)
    else:
        b.set("daily_retention_days", None if forever else max((d for d in days if d is not None), default=None))


# ---------------------------------------------------------------- restore testing


def _vault_keys(vault_ref: Any) -> set[str]:
    """A vault named by name or ARN (arn:aws:backup:<region>:<account>:backup-vault:<name>)."""
    vault_ref = unwrap(vault_ref)
    if not isinstance(vault_ref, str) or not vault_ref:
        return set()
    return {vault_ref, vault_ref.rsplit("backup-vault:", 1)[-1]}


def _resolved_keys(vaults: Iterable[RawResource]) -> set[str]:
    return {key for v in vaults for key in ({v.urn} | Index.identities(v))}


def _plan_vaults(raw: RawResource, index: Index, family: Family) -> set[str]:
    """Every name, ARN and URN of the vaults the plan's rules write to (targets and copy destinations)."""
    keys = _resolved_keys(index.resolve(raw, "rules", [family.vault]))
    for r in _known_list(raw.props.get("rules")):
        keys |= _vault_keys(_field(r, "targetVaultName"))
        for c in _known_list(_field(r, "copyActions")):
            keys |= _vault_keys(_field(c, "destinationVaultArn"))
    for v in family.related(index, raw, family.vault):  # vaults named by value
        if Index.identities(v) & keys:
            keys |= _resolved_keys([v])
    return keys


def _field(obj: Any, name: str) -> Any:
    obj = unwrap(obj)
    return UNKNOWN if obj is UNKNOWN else obj.get(name) if isinstance(obj, dict) else None


def _known_list(value: Any) -> list[Any]:
    value = unwrap(value)
    return [] if value is UNKNOWN else as_list(value)


def _names_plan(values: Any, plan_keys: set[str], dep_keys: set[str] | None) -> Any:
    """Does a vault list (ARNs or `*`) name one of the plan's vaults? Unknown entries stand for the
    vaults of the dependencies when `dep_keys` is given (they can only be those), else UNKNOWN."""
    values = unwrap(values)
    if values is UNKNOWN:
        return UNKNOWN
    out = []
    for v in as_list(values):
        v = unwrap(v)
        if v is UNKNOWN:
            out.append(UNKNOWN if dep_keys is None else bool(dep_keys & plan_keys))
        else:
            out.append(v == "*" or bool(_vault_keys(v) & plan_keys))
    return tri_any(out)


def _tests_plan(rplan: RawResource, plan_keys: set[str], index: Index, family: Family) -> Any:
    sel = unwrap(rplan.props.get("recoveryPointSelection"))
    if sel is UNKNOWN or not isinstance(sel, dict):
        return UNKNOWN if sel is UNKNOWN else False
    include, exclude = unwrap(sel.get("includeVaults")), unwrap(sel.get("excludeVaults"))
    dep_keys = _resolved_keys(index.resolve(rplan, "recoveryPointSelection", [family.vault]))
    # dependencies can be attributed to a list only when the other list holds no unknown entry
    inc_unknown = include is UNKNOWN or UNKNOWN in as_list(include)
    exc_unknown = exclude is UNKNOWN or UNKNOWN in as_list(exclude)
    return tri_and(_names_plan(include, plan_keys, dep_keys if not exc_unknown else None),
                   tri_not(_names_plan(exclude, plan_keys, dep_keys if not inc_unknown else None)))


def _restore_testing(b: AssetBuilder, raw: RawResource, index: Index, family: Family) -> None:
    plan_keys = _plan_vaults(raw, index, family)
    plans, schedules, unsure = [], [], False
    restore_selections = {s.urn for s in family.related(index, raw, family.restore_selection)}
    for rplan in family.related(index, raw, family.restore_plan):
        linked = _tests_plan(rplan, plan_keys, index, family)
        if linked is UNKNOWN:
            unsure = True
        if linked is not True:
            continue
        schedule = rplan.props.get("scheduleExpression")
        tested = [s for s in index.referencing(rplan, [family.restore_selection], "restoreTestingPlanName")
                  if s.urn in restore_selections]
        plans.append({
            "name": first_set(rplan.props.get("name"), UNKNOWN),
            "schedule": schedule,
            "interval_hours": _interval(b, "restore_testing.plans[].interval_hours", schedule),
            "resource_types": [s.props.get("protectedResourceType") for s in tested],
        })
        if tested:  # a restore testing plan without a selection restores nothing
            schedules.append(unwrap(schedule))
    b.set("restore_testing.plans", plans)
    b.set("restore_testing.max_interval_hours", _merged(b, schedules, unsure))


def _merged(b: AssetBuilder, schedules: list[Any], unsure: bool) -> Any:
    if unsure or UNKNOWN in schedules:
        return UNKNOWN
    try:
        return merged_interval_hours([s for s in schedules if isinstance(s, str)])
    except ScheduleError as err:
        b.errors["restore_testing.max_interval_hours"] = f"cannot read schedule: {err}"
        return None
