"""backup.vault and backup.plan from the live collector (boto3 answers), and `live_backup_covered`, which every
live normalizer of a resource AWS Backup protects uses for `backup_covered`. Same attributes and meaning as the
planned normalizers (plan.py); an AWS-managed vault key (aws/backup) is "the service's default key"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import (
    BACKUP_CANDIDATES,
    BACKUP_PLAN,
    BACKUP_REGION,
    BACKUP_RESTORE_TESTING_PLAN,
    BACKUP_RESTORE_TESTING_SELECTION,
    BACKUP_SELECTION,
    BACKUP_VAULT,
    DYNAMODB_TABLE,
    EC2_INSTANCE,
    EC2_VOLUME,
    EFS_FILE_SYSTEM,
    RDS_DB_CLUSTER,
    RDS_DB_INSTANCE,
    S3_BUCKET,
)
from checks.model import UNKNOWN, Asset
from checks.normalize.backup import selection
from checks.normalize.backup.common import Family, cluster_type
from checks.normalize.backup.plan import plan_attributes
from checks.normalize.base import AssetBuilder, Index, folded, register
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.raw import RawResource

folded("backup.plan", BACKUP_SELECTION, BACKUP_RESTORE_TESTING_PLAN, BACKUP_RESTORE_TESTING_SELECTION, BACKUP_REGION)


# AWS Backup's resource type of each live raw type it protects (RDS clusters: by engine)
LIVE_RESOURCE_TYPES = {DYNAMODB_TABLE: "DynamoDB", RDS_DB_INSTANCE: "RDS", EC2_VOLUME: "EBS", EC2_INSTANCE: "EC2",
                       S3_BUCKET: "S3", EFS_FILE_SYSTEM: "EFS"}


def live_resource_type(r: RawResource) -> Any:
    database = r.props.get("database") or {}
    if r.type == RDS_DB_CLUSTER:
        return cluster_type(database.get("Engine"))
    if r.type == RDS_DB_INSTANCE and database.get("DBClusterIdentifier"):
        return None  # a cluster member is backed up (and restored) with its cluster
    return LIVE_RESOURCE_TYPES.get(r.type)


LIVE_FAMILY = Family(candidates=BACKUP_CANDIDATES, selection_type=BACKUP_SELECTION,
                     restore_plan=BACKUP_RESTORE_TESTING_PLAN, restore_selection=BACKUP_RESTORE_TESTING_SELECTION,
                     vault=BACKUP_VAULT, same_place=True, resource_type=live_resource_type)


PLAN_DERIVED = ("min_interval_hours", "max_interval_hours", "daily_retention_days", "daily_retained_indefinitely",
                "retained_indefinitely", "max_retention_days")


RESTORE = ("restore_testing",)


PLAN_ERRORS: dict[str, tuple[str, ...]] = {
    "GetBackupPlan": ("rules", *PLAN_DERIVED, *RESTORE),  # the plan's vaults come from its rules
    # restore testing must restore every resource type the selections assign
    "ListBackupSelections": ("selections", "covered", *RESTORE),
    "GetBackupSelection": ("selections", "covered", *RESTORE),
    "ListRestoreTestingPlans": RESTORE,
    "GetRestoreTestingPlan": RESTORE,
    "ListRestoreTestingSelections": RESTORE,
}


def _same_place(raw: RawResource, others: Iterable[RawResource]) -> list[RawResource]:
    place = (raw.props.get("account"), raw.props.get("region"))
    return [r for r in others if (r.props.get("account"), r.props.get("region")) == place]


def live_backup_covered(b: AssetBuilder, raw: RawResource, index: Index, path: str = "backup_covered") -> None:
    """Set `path`: does a backup selection of raw's account and region assign it? An error, never a guess,
    when the selections were not read there (not collected, denied, or not implemented by the endpoint),
    or when deciding needs the resource's tags and those were not read. `raw` needs `arn` and `tags` props."""
    b.set(path, None)
    markers = _same_place(raw, index.of_type(BACKUP_REGION))
    if not markers:
        b.errors[path] = f"AWS Backup selections not read in {raw.props.get('region')} (backup collector not run)"
        return
    if markers[0].errors:
        b.errors[path] = next(iter(markers[0].errors.values()))
        return
    covered = selection.backup_covered(raw, index, _same_place(raw, index.of_type(BACKUP_SELECTION)))
    if covered is UNKNOWN and raw.props.get("tags") is UNKNOWN:
        b.errors[path] = _unread_tags(raw) or "tags not read"
        return
    b.set(path, covered)


@register(BACKUP_VAULT)
def live_vault(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("backup.vault", raw)
    b.set("vault_name", p["name"])
    # no key reported: the AWS-managed key aws/backup (moto leaves EncryptionKeyArn out then)
    b.set("encryption", key_encryption("aws:kms", p.get("encryptionKeyArn"), p.get("keyManager")))
    lock = bool(p.get("locked")) or p.get("minRetentionDays") is not None or p.get("maxRetentionDays") is not None
    b.set("lock", {
        "enabled": lock,
        "mode": None if not lock else "compliance" if p.get("lockDate") else "governance",
        "min_retention_days": p.get("minRetentionDays"),
        "max_retention_days": p.get("maxRetentionDays"),
    })
    apply_call_errors(b, raw, {"DescribeKey": KEY})
    return [build_live(b, raw)]


@register(BACKUP_PLAN)
def live_plan(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("backup.plan", raw)
    b.set("plan_name", raw.props.get("name"))
    plan_attributes(b, raw, index, LIVE_FAMILY)
    apply_call_errors(b, raw, PLAN_ERRORS)
    _unread_tags_as_errors(b, raw, index)
    return [build_live(b, raw)]


def _unread_tags_as_errors(b: AssetBuilder, raw: RawResource, index: Index) -> None:
    """Live, a plan's coverage is undecided only when a selection by tag meets a resource whose tags could not be
    read: `covered` and what follows from it (restore testing) are then an error naming that read, not unknown."""
    if "covered" not in b.unknown:
        return
    why = next(filter(None, map(_unread_tags, LIVE_FAMILY.related(index, raw, *LIVE_FAMILY.candidates))), None)
    if why is None:
        return
    for path in [p for p in b.unknown if p == "covered" or p.startswith("restore_testing")]:
        b.unknown.discard(path)
        b.errors.setdefault(path, why)


def _unread_tags(raw: RawResource) -> str | None:
    """Why a live resource's tags are not known (its tag read's error: denied, failed or not selected), or None."""
    if raw.props.get("tags") is not UNKNOWN:
        return None
    return next((why for op, why in raw.errors.items() if "Tag" in op), None)
