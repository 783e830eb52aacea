"""cloudtrail.trail and logs.log_group: defaults, KMS keys, retention."""

from __future__ import annotations

from checks.model import UNKNOWN, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize, urn

TRAIL = "aws:cloudtrail/trail:Trail"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
BUCKET = "aws:s3/bucket:Bucket"


def test_trail_defaults_single_region_no_validation_logging_on_sse_s3() -> None:
    a = one(run_normalize(make_raw(TRAIL, "t", {"s3BucketName": "audit"})), "cloudtrail.trail").attributes
    assert (a["multi_region"], a["log_file_validation"], a["logging_enabled"]) == (False, False, True)
    assert a["include_global_service_events"] is True and a["organization_trail"] is False
    assert a["encryption"] == {"enabled": True, "algorithm": "AES256", "kms_key_id": None,
                               "customer_managed_key": False}
    assert (a["s3_bucket"], a["cloudwatch_log_group"]) == ("audit", None)


def test_planned_trail_with_kms_key_and_log_group_from_other_resources() -> None:
    raws = [make_raw(KEY, "k"), make_raw(BUCKET, "audit"),
            make_raw(TRAIL, "t", {"name": "org", "isMultiRegionTrail": True, "enableLogFileValidation": True,
                                  "kmsKeyId": UNKNOWN, "s3BucketName": UNKNOWN, "cloudWatchLogsGroupArn": UNKNOWN,
                                  "enableLogging": False},
                     deps={"kmsKeyId": [urn(KEY, "k")], "s3BucketName": [urn(BUCKET, "audit")]})]
    asset = one(run_normalize(*raws), "cloudtrail.trail")
    a = asset.attributes
    assert (a["trail_name"], a["multi_region"], a["log_file_validation"], a["logging_enabled"]) == (
        "org", True, True, False)
    assert a["encryption"]["customer_managed_key"] is True
    assert a["encryption"]["algorithm"] == "aws:kms"
    assert {"encryption.kms_key_id", "s3_bucket", "cloudwatch_log_group"} <= asset.unknown


def test_state_trail_strips_the_log_stream_wildcard() -> None:
    props = {"arn": "arn:aws:cloudtrail:eu-west-1:1:trail/org", "homeRegion": "eu-west-1",
             "cloudWatchLogsGroupArn": "arn:aws:logs:eu-west-1:1:log-group:trail:*", "kmsKeyId": "alias/aws/cloudtrail"}
    a = one(run_normalize(make_raw(TRAIL, "t", props, source=SourceKind.STATE, id="org")),
            "cloudtrail.trail").attributes
    assert a["cloudwatch_log_group"] == "arn:aws:logs:eu-west-1:1:log-group:trail"
    assert a["home_region"] == "eu-west-1" and a["encryption"]["customer_managed_key"] is False


def test_log_group_without_retention_never_expires_and_uses_service_owned_keys() -> None:
    for props in ({}, {"retentionInDays": 0}):
        a = one(run_normalize(make_raw(LOG_GROUP, "lg", props)), "logs.log_group").attributes
        assert (a["retention_days"], a["retention_set"]) == (None, False)
        assert a["encryption"] == {"enabled": True, "algorithm": "AWS_OWNED_KEY", "kms_key_id": None,
                                   "customer_managed_key": False}
        assert a["log_group_class"] == "STANDARD"


def test_log_group_retention_and_customer_key() -> None:
    raws = [make_raw(KEY, "k"), make_raw(LOG_GROUP, "lg", {"name": "/app", "retentionInDays": 365,
                                                           "kmsKeyId": UNKNOWN}, deps={"kmsKeyId": [urn(KEY, "k")]})]
    a = one(run_normalize(*raws), "logs.log_group").attributes
    assert (a["log_group_name"], a["retention_days"], a["retention_set"]) == ("/app", 365, True)
    assert a["encryption"]["algorithm"] == "aws:kms" and a["encryption"]["customer_managed_key"] is True


def test_delivery_class_log_group_is_kept_two_days_and_unknown_retention_stays_unknown() -> None:
    a = one(run_normalize(make_raw(LOG_GROUP, "d", {"logGroupClass": "DELIVERY"})), "logs.log_group").attributes
    assert (a["retention_days"], a["retention_set"]) == (2, True)
    asset = one(run_normalize(make_raw(LOG_GROUP, "u", {"retentionInDays": UNKNOWN})), "logs.log_group")
    assert {"retention_days", "retention_set"} <= asset.unknown
