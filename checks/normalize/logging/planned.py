"""Audit logging: cloudtrail.trail (aws:cloudtrail/trail:Trail) and logs.log_group
(aws:cloudwatch/logGroup:LogGroup)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, blank, first_set, register, tri_map
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.logging.events import management_events
from checks.raw import RawResource

TRAIL = "aws:cloudtrail/trail:Trail"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
AWS_OWNED = "AWS_OWNED_KEY"


def _kms_encryption(raw: RawResource, prop: str, index: Index, default_algorithm: str) -> dict[str, Any]:
    """Encrypted either way: with the given KMS key, or by the service's own default encryption."""
    key = blank(raw.props.get(prop))
    # an unknown key that comes from another resource's output will be set: KMS either way
    set_later = key is UNKNOWN and bool(raw.property_dependencies.get(prop))
    return {
        "enabled": True,
        "algorithm": "aws:kms" if set_later else tri_map(key, lambda k: default_algorithm if k is None else "aws:kms"),
        "kms_key_id": key,
        "customer_managed_key": customer_managed_key_value(raw, key, prop, index),
    }


@register(TRAIL)
def trail(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("cloudtrail.trail", raw)
    b.set("trail_name", first_set(p.get("name"), UNKNOWN))
    b.set("multi_region", first_set(p.get("isMultiRegionTrail"), False))  # provider default: false
    b.set("organization_trail", first_set(p.get("isOrganizationTrail"), False))
    b.set("log_file_validation", first_set(p.get("enableLogFileValidation"), False))  # provider default: false
    b.set("logging_enabled", first_set(p.get("enableLogging"), True))  # provider default: logging started
    b.set("include_global_service_events", first_set(p.get("includeGlobalServiceEvents"), True))
    # without a KMS key, CloudTrail log files are encrypted with SSE-S3 in the bucket
    b.set("encryption", _kms_encryption(raw, "kmsKeyId", index, "AES256"))
    b.set("s3_bucket", p.get("s3BucketName"))
    group = blank(p.get("cloudWatchLogsGroupArn"))
    b.set("cloudwatch_log_group", tri_map(group, lambda g: g.removesuffix(":*") if isinstance(g, str) else g))
    b.set("home_region", first_set(blank(p.get("homeRegion")), blank(p.get("region"))))
    b.set("management_events", management_events(p.get("eventSelectors"), p.get("advancedEventSelectors")))
    return [b.build()]


@register(LOG_GROUP)
def log_group(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("logs.log_group", raw)
    b.set("log_group_name", first_set(p.get("name"), UNKNOWN))  # absent: auto-named by Pulumi
    group_class = first_set(blank(p.get("logGroupClass")), "STANDARD")  # AWS default class
    b.set("log_group_class", group_class)
    days = blank(p.get("retentionInDays"))  # absent or 0: events never expire
    days = tri_map(group_class, lambda c: 2 if c == "DELIVERY" else days)  # DELIVERY is forced to 2 days
    b.set("retention_days", days)
    b.set("retention_set", tri_map(days, lambda d: d is not None))
    # CloudWatch Logs always encrypts log data at rest; without a KMS key, with keys it owns
    b.set("encryption", _kms_encryption(raw, "kmsKeyId", index, AWS_OWNED))
    b.set("deletion_protection", first_set(p.get("deletionProtectionEnabled"), False))
    return [b.build()]
