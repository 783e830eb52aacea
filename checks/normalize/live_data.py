"""Data stores from the live collectors (boto3 answers): dynamodb.table, backup.vault, backup.plan,
secretsmanager.secret and ecr.repository; and `live_backup_covered`, which every live normalizer of a
resource AWS Backup protects uses for `backup_covered`.

Same attributes and meaning as the planned normalizers (dynamodb.py, backup.py, secretsmanager.py, ecr.py).
A KMS key the service reports is judged by who manages it (the collector asks kms DescribeKey): the ARN of
an AWS-managed key (aws/backup, aws/dynamodb, aws/ecr) is "the service's default key", so `kms_key_id` is
null there, as in the planned view. Not readable live: a secret's `recovery_window_days` (a deletion-time
parameter AWS does not report) is recorded as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.backup import selection
from checks.normalize.backup.plan import Family, plan_attributes
from checks.normalize.base import AssetBuilder, Index, folded, register
from checks.normalize.dynamodb import AWS_OWNED, PITR_DEFAULT_DAYS
from checks.normalize.kms.live import apply_call_errors, build_live
from checks.normalize.secretsmanager import rotation_days
from checks.raw import RawResource

LIVE_TABLE = "live:dynamodb:table"
LIVE_VAULT = "live:backup:vault"
LIVE_PLAN = "live:backup:plan"
LIVE_SELECTION = "live:backup:selection"
LIVE_RESTORE_PLAN = "live:backup:restore_testing_plan"
LIVE_RESTORE_SELECTION = "live:backup:restore_testing_selection"
LIVE_BACKUP_REGION = "live:backup:region"  # marker: were the region's selections read?
LIVE_SECRET = "live:secretsmanager:secret"
LIVE_REPOSITORY = "live:ecr:repository"
# live raw types of the resources AWS Backup can protect (other collectors' tokens, by the live:<service>:<kind>
# convention); a selection's `covered` lists those read in the plan's account and region
BACKUP_CANDIDATES = (LIVE_TABLE, "live:rds:db_instance", "live:rds:db_cluster", "live:ec2:volume",
                     "live:ec2:instance", "live:s3:bucket", "live:efs:file_system")
LIVE_FAMILY = Family(candidates=BACKUP_CANDIDATES, selection_type=LIVE_SELECTION, restore_plan=LIVE_RESTORE_PLAN,
                     restore_selection=LIVE_RESTORE_SELECTION, vault=LIVE_VAULT, same_place=True)

folded("backup.plan", LIVE_SELECTION, LIVE_RESTORE_PLAN, LIVE_RESTORE_SELECTION, LIVE_BACKUP_REGION)

KEY = ("encryption.customer_managed_key",)
TABLE_ERRORS: dict[str, tuple[str, ...]] = {
    "DescribeTable": ("encryption", "deletion_protection", "billing_mode", "stream_enabled", "replica_regions"),
    "DescribeContinuousBackups": ("point_in_time_recovery",),
    "ListTagsOfResource": ("tags",),  # backup_covered is decided without tags where it can be
    "DescribeKey": KEY,
}
PLAN_DERIVED = ("min_interval_hours", "max_interval_hours", "daily_retention_days", "daily_retained_indefinitely")
RESTORE = ("restore_testing",)
PLAN_ERRORS: dict[str, tuple[str, ...]] = {
    "GetBackupPlan": ("rules", *PLAN_DERIVED, *RESTORE),  # the plan's vaults come from its rules
    "ListBackupSelections": ("selections", "covered"),
    "GetBackupSelection": ("selections", "covered"),
    "ListRestoreTestingPlans": RESTORE,
    "GetRestoreTestingPlan": RESTORE,
    "ListRestoreTestingSelections": RESTORE,
}


def key_encryption(algorithm: str, key: str | None, manager: str | None) -> dict[str, Any]:
    """The encryption attribute for data encrypted with `key` (None: the service's own key), whose
    manager is "customer", "aws" or None (not read: the caller records the error)."""
    return {"enabled": True, "algorithm": algorithm, "kms_key_id": None if manager == "aws" else key,
            "customer_managed_key": key is not None and manager == "customer"}


def _same_place(raw: RawResource, others: Iterable[RawResource]) -> list[RawResource]:
    place = (raw.props.get("account"), raw.props.get("region"))
    return [r for r in others if (r.props.get("account"), r.props.get("region")) == place]


def live_backup_covered(b: AssetBuilder, raw: RawResource, index: Index, path: str = "backup_covered") -> None:
    """Set `path`: does a backup selection of raw's account and region assign it? An error, never a guess,
    when the selections were not read there (not collected, denied, or not implemented by the endpoint),
    or when deciding needs the resource's tags and those were not read. `raw` needs `arn` and `tags` props."""
    b.set(path, None)
    markers = _same_place(raw, index.of_type(LIVE_BACKUP_REGION))
    if not markers:
        b.errors[path] = f"AWS Backup selections not read in {raw.props.get('region')} (backup collector not run)"
        return
    if markers[0].errors:
        b.errors[path] = next(iter(markers[0].errors.values()))
        return
    covered = selection.backup_covered(raw, index, _same_place(raw, index.of_type(LIVE_SELECTION)))
    if covered is UNKNOWN and raw.props.get("tags") is UNKNOWN:
        b.errors[path] = next((why for op, why in raw.errors.items() if "Tag" in op), "tags not read")
        return
    b.set(path, covered)


@register(LIVE_TABLE)
def live_table(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("dynamodb.table", raw)
    b.set("table_name", p["name"])
    sse = p.get("sse") or {}
    kms = sse.get("SSEType") == "KMS" and sse.get("Status") != "DISABLED"  # none: the AWS-owned key
    b.set("encryption", key_encryption("KMS", sse.get("KMSMasterKeyArn"), p.get("keyManager")) if kms
          else key_encryption(AWS_OWNED, None, None))
    pitr = p.get("pointInTimeRecovery") or {}
    enabled = pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
    b.set("point_in_time_recovery", {
        "enabled": enabled,
        "recovery_period_days": (pitr.get("RecoveryPeriodInDays") or PITR_DEFAULT_DAYS) if enabled else None})
    b.set("deletion_protection", bool(p.get("deletionProtectionEnabled")))
    live_backup_covered(b, raw, index)
    b.set("billing_mode", p.get("billingMode") or "PROVISIONED")  # no BillingModeSummary: provisioned
    b.set("stream_enabled", bool(p.get("streamEnabled")))
    b.set("replica_regions", list(p.get("replicas") or []))
    apply_call_errors(b, raw, TABLE_ERRORS)
    tags = p.get("tags")
    return [build_live(b, raw, tags=tags if isinstance(tags, dict) else {})]


@register(LIVE_VAULT)
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


@register(LIVE_PLAN)
def live_plan(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("backup.plan", raw)
    b.set("plan_name", raw.props.get("name"))
    plan_attributes(b, raw, index, LIVE_FAMILY)
    apply_call_errors(b, raw, PLAN_ERRORS)
    return [build_live(b, raw)]


@register(LIVE_SECRET)
def live_secret(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("secretsmanager.secret", raw)
    b.set("secret_name", p["name"])
    # no KmsKeyId: the AWS-managed key aws/secretsmanager
    b.set("encryption", key_encryption("aws:kms", p.get("kmsKeyId"), p.get("keyManager")))
    b.set("recovery_window_days", UNKNOWN)  # chosen at deletion time; AWS does not report it
    enabled = bool(p.get("rotationEnabled"))
    rules = p.get("rotationRules") or {}
    days = rules.get("AutomaticallyAfterDays") or rotation_days(b, rules.get("ScheduleExpression"))
    b.set("rotation", {"enabled": enabled, "interval_days": days if enabled else None})
    apply_call_errors(b, raw, {"DescribeKey": KEY})
    return [build_live(b, raw, tags=p.get("tags") or {})]


@register(LIVE_REPOSITORY)
def live_repository(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ecr.repository", raw)
    b.set("repository_name", p["name"])
    b.set("scan_on_push", bool((p.get("imageScanningConfiguration") or {}).get("scanOnPush")))
    b.set("image_tag_mutability", p.get("imageTagMutability") or "MUTABLE")
    config = p.get("encryptionConfiguration") or {}
    algorithm = config.get("encryptionType") or "AES256"
    key = config.get("kmsKey") if algorithm != "AES256" else None  # KMS without a key given: aws/ecr's ARN
    b.set("encryption", key_encryption(algorithm, key, p.get("keyManager")))
    apply_call_errors(b, raw, {"DescribeKey": KEY})
    return [build_live(b, raw, tags=p.get("tags") or {})]
