"""dynamodb.table from aws:dynamodb/table:Table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.backup.selection import backup_covered
from checks.normalize.base import AssetBuilder, Index, first_set, register, tri_map, unwrap
from checks.normalize.common import blank, customer_managed_key_value
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
