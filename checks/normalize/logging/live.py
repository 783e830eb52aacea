"""Audit logging from the live collectors (boto3 answers): cloudtrail.trail and logs.log_group.

Same attributes and meaning as the planned normalizer (logging.py). `logging_enabled` is what
GetTrailStatus says (IsLogging), not a creation-time input: a trail whose logging was stopped logs no region (LOG-01).
The collector reads a trail in every scanned region it logs (shadow trails): it becomes one asset, in its home region
when that region was scanned, else in the first scanned region that saw it.
"""

from __future__ import annotations

from collections.abc import Iterable

from checks.live_types import CLOUDTRAIL_TRAIL, LOGS_LOG_GROUP
from checks.model import Asset
from checks.normalize.base import AssetBuilder, Index, register
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.normalize.logging.events import management_events
from checks.normalize.logging.planned import AWS_OWNED
from checks.raw import RawResource

DELIVERY_RETENTION_DAYS = 2  # the DELIVERY class keeps events two days, whatever is asked

TRAIL_ERRORS: dict[str, tuple[str, ...]] = {"GetTrailStatus": ("logging_enabled",),
                                             "GetEventSelectors": ("management_events",), "DescribeKey": KEY}


def _primary(raw: RawResource, index: Index) -> bool:
    """Whether `raw` is the one read of its trail (of its account) that becomes the asset."""
    def rank(r: RawResource) -> tuple[bool, str]:
        return bool(r.props.get("shadow")), str(r.props.get("region"))

    same = [r for r in index.of_type(CLOUDTRAIL_TRAIL)
            if r.urn == raw.urn and r.props.get("account") == raw.props.get("account")]
    return min(same, key=rank, default=raw) is raw


@register(CLOUDTRAIL_TRAIL)
def live_trail(raw: RawResource, index: Index) -> Iterable[Asset]:
    if not _primary(raw, index):
        return []
    p = raw.props
    b = AssetBuilder("cloudtrail.trail", raw)
    b.set("trail_name", p["name"])
    b.set("multi_region", bool(p.get("IsMultiRegionTrail")))
    b.set("organization_trail", bool(p.get("IsOrganizationTrail")))
    b.set("log_file_validation", bool(p.get("LogFileValidationEnabled")))
    b.set("logging_enabled", bool(p.get("isLogging")))
    b.set("include_global_service_events", bool(p.get("IncludeGlobalServiceEvents")))
    key = p.get("KmsKeyId") or None  # none: SSE-S3 in the bucket
    b.set("encryption", key_encryption("aws:kms" if key else "AES256", key, p.get("keyManager")))
    b.set("s3_bucket", p.get("S3BucketName"))
    group = p.get("CloudWatchLogsLogGroupArn") or None
    b.set("cloudwatch_log_group", group.removesuffix(":*") if group else None)
    b.set("home_region", p.get("HomeRegion"))
    b.set("management_events", management_events(p.get("eventSelectors"), p.get("advancedEventSelectors")))
    apply_call_errors(b, raw, TRAIL_ERRORS)
    return [build_live(b, raw)]


@register(LOGS_LOG_GROUP)
def live_log_group(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("logs.log_group", raw)
    b.set("log_group_name", p["name"])
    group_class = p.get("logGroupClass") or "STANDARD"
    days = DELIVERY_RETENTION_DAYS if group_class == "DELIVERY" else p.get("retentionInDays")  # none: never expire
    b.set("log_group_class", group_class)
    b.set("retention_days", days)
    b.set("retention_set", days is not None)
    key = p.get("kmsKeyId") or None  # none: keys CloudWatch Logs owns
    b.set("encryption", key_encryption("aws:kms" if key else AWS_OWNED, key, p.get("keyManager")))
    b.set("deletion_protection", bool(p.get("deletionProtectionEnabled")))
    apply_call_errors(b, raw, {"DescribeKey": KEY})
    return [build_live(b, raw)]
