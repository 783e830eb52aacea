"""backup.vault (aws:backup/vault:Vault, vault lock folded) and backup.plan (aws:backup/plan:Plan, with its
selections and the restore testing plans that can test its vaults folded in)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.backup import selection
from checks.normalize.backup.common import (
    PLAN,
    PLANNED,
    RESTORE_PLAN,
    RESTORE_SELECTION,
    VAULT,
    VAULT_LOCK,
    Family,
    field,
    interval,
)
from checks.normalize.backup.restore import backed_up_types, restore_testing
from checks.normalize.base import AssetBuilder, Index, blank, first_set, folded, register, tri_any, tri_map, unwrap
from checks.normalize.keys import computed_key_cmk
from checks.raw import RawResource

DEFAULT_SCHEDULE = "cron(0 5 ? * * *)"  # AWS Backup's schedule when a rule gives none

folded("backup.vault", VAULT_LOCK)
folded("backup.plan", selection.SELECTION, RESTORE_PLAN, RESTORE_SELECTION)


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
    covered = selection.union(selection.covered(s, index, candidates) for s in sels)
    b.set("covered", covered)
    restore_testing(b, raw, index, family, backed_up_types(covered, candidates, family))


def _rule(b: AssetBuilder, r: Any) -> dict[str, Any]:
    r = unwrap(r)
    if r is UNKNOWN or not isinstance(r, dict):
        return dict.fromkeys(("name", "schedule", "target_vault", "interval_hours", "retention_days",
                              "retained_indefinitely", "cold_storage_after_days", "continuous_backup",
                              "copy_to", "copy_retention_days"), UNKNOWN)
    lifecycle = unwrap(first_set(r.get("lifecycle"), {}))
    delete_after = _delete_after(lifecycle)
    schedule = first_set(r.get("schedule"), DEFAULT_SCHEDULE)
    copies = tri_map(first_set(r.get("copyActions"), []), lambda cs: [unwrap(c) for c in cs])
    return {
        "name": r.get("ruleName"),
        "schedule": schedule,
        "target_vault": r.get("targetVaultName"),
        "interval_hours": interval(b, "rules[].interval_hours", schedule),
        "retention_days": delete_after,
        "retained_indefinitely": tri_map(delete_after, lambda d: d is None),
        "cold_storage_after_days": tri_map(lifecycle, lambda lc: blank(lc.get("coldStorageAfter"))),
        "continuous_backup": first_set(r.get("enableContinuousBackup"), False),
        "copy_to": tri_map(copies, lambda cs: [field(c, "destinationVaultArn") for c in cs]),
        # a copy without a lifecycle is kept indefinitely in its destination vault, like a rule without one
        "copy_retention_days": tri_map(copies, lambda cs: [
            _delete_after(unwrap(first_set(field(c, "lifecycle"), {}))) for c in cs]),
    }


def _delete_after(lifecycle: Any) -> Any:
    """Days until deletion; None: never deleted (no lifecycle, or deleteAfter absent or 0)."""
    return tri_map(lifecycle, lambda lc: blank(unwrap(lc.get("deleteAfter"))) if isinstance(lc, dict) else None)


def _derived(b: AssetBuilder, rules: Any) -> None:
    """min/max interval across rules; the longest retention among rules that run at least daily."""
    _longest_retention(b, rules)
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


def _longest_retention(b: AssetBuilder, rules: Any) -> None:
    """How long the plan keeps anything: every rule (snapshot or continuous, whatever its schedule) and every copy.
    `retained_indefinitely`: one of them never deletes; `max_retention_days`: the longest, None when indefinite."""
    if rules is UNKNOWN:
        b.set("retained_indefinitely", UNKNOWN)
        b.set("max_retention_days", UNKNOWN)
        return
    days: list[Any] = []
    for r in rules:
        days.append(unwrap(r["retention_days"]))
        copies = unwrap(r["copy_retention_days"])
        days += [UNKNOWN] if copies is UNKNOWN else [unwrap(c) for c in copies]
    forever = tri_any(d is None if d is not UNKNOWN else UNKNOWN for d in days)
    b.set("retained_indefinitely", forever)
    if forever is UNKNOWN or (forever is False and UNKNOWN in days):
        b.set("max_retention_days", UNKNOWN)
    else:
        b.set("max_retention_days", None if forever else max(days, default=None))
