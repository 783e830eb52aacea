"""dynamodb.table from aws:dynamodb/table:Table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import DYNAMODB_TABLE
from checks.model import UNKNOWN, Asset
from checks.normalize.backup.selection import backup_covered
from checks.normalize.base import AssetBuilder, Index, blank, first_set, register, tri_map, unwrap
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.raw import RawResource

TABLE = "aws:dynamodb/table:Table"
AWS_OWNED = "AWS_OWNED_KEY"  # DynamoDB's default: a key owned by the service, not shown in the account
PITR_DEFAULT_DAYS = 35


@register(TABLE)
def table(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("dynamodb.table", raw)
    b.set("table_name", first_set(p.get("name"), UNKNOWN))
    b.set("encryption", _encryption(raw, index))
    pitr = unwrap(p.get("pointInTimeRecovery"))
    enabled = tri_map(pitr, lambda x: first_set(x.get("enabled"), False) if isinstance(x, dict) else False)
    period = tri_map(pitr, lambda x: blank(x.get("recoveryPeriodInDays")) if isinstance(x, dict) else None)
    b.set("point_in_time_recovery", {
        "enabled": enabled,
        # AWS keeps 35 days of continuous backups unless told otherwise; none while PITR is off
        "recovery_period_days": tri_map(enabled, lambda on: first_set(period, PITR_DEFAULT_DAYS) if on else None),
    })
    b.set("deletion_protection", first_set(p.get("deletionProtectionEnabled"), False))
    b.set("backup_covered", backup_covered(raw, index))
    b.set("billing_mode", first_set(blank(p.get("billingMode")), "PROVISIONED"))  # provider default
    b.set("stream_enabled", first_set(p.get("streamEnabled"), False))
    replicas = tri_map(first_set(p.get("replicas"), []),
                       lambda rs: [unwrap(r).get("regionName") if isinstance(unwrap(r), dict) else UNKNOWN
                                   for r in rs])
    b.set("replica_regions", replicas)
    return [b.build()]


def _encryption(raw: RawResource, index: Index) -> dict[str, Any]:
    """AWS-owned key by default; `enabled` without a key: the AWS-managed key aws/dynamodb; else that key."""
    sse = unwrap(raw.props.get("serverSideEncryption"))
    if sse is UNKNOWN:
        return {"enabled": True, "algorithm": UNKNOWN, "kms_key_id": UNKNOWN, "customer_managed_key": UNKNOWN}
    sse = sse if isinstance(sse, dict) else {}
    kms_enabled = first_set(sse.get("enabled"), False)
    key = blank(sse.get("kmsKeyArn"))  # state leaves it empty for the AWS-managed key
    return {
        "enabled": True,  # DynamoDB always encrypts at rest
        "algorithm": tri_map(kms_enabled, lambda on: "KMS" if on else AWS_OWNED),
        "kms_key_id": tri_map(kms_enabled, lambda on: key if on else None),
        "customer_managed_key": tri_map(
            kms_enabled, lambda on: customer_managed_key_value(raw, key, "serverSideEncryption", index) if on
            else False),
    }


TABLE_ERRORS: dict[str, tuple[str, ...]] = {
    "DescribeTable": ("encryption", "deletion_protection", "billing_mode", "stream_enabled", "replica_regions"),
    "DescribeContinuousBackups": ("point_in_time_recovery",),
    "ListTagsOfResource": ("tags",),  # backup_covered is decided without tags where it can be
    "DescribeKey": KEY,
}


@register(DYNAMODB_TABLE)
def live_table(raw: RawResource, index: Index) -> Iterable[Asset]:
    from checks.normalize.backup.live import live_backup_covered  # not for planned tables: AWS Backup's live reads

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
