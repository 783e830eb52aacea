"""The collector framework: client settings, error classification, pagination, registry and IAM policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from checks.collectors import load_collectors
from checks.collectors.base import (
    ClientSettings,
    Collector,
    CollectResult,
    Scope,
    call,
    classify,
    collector,
    iam_policy,
    paginate,
)
from tests.collectors.conftest import ACCOUNT, REGION, assets_of

ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"


def plain_scope(**kwargs: Any) -> Scope:
    """A scope whose clients are stubbed or pointed at 127.0.0.1: nothing leaves the machine."""
    return Scope(boto3.Session(region_name=REGION), REGION, ACCOUNT, **kwargs)


def client_error(code: str, status: int, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "GetKeyRotationStatus")


@pytest.mark.parametrize(("code", "status", "message", "reason"), [
    ("AccessDeniedException", 400, "", "AccessDenied kms:X"),
    ("403", 403, "", "AccessDenied kms:X"),  # moto's answer to a denied JSON-protocol call
    ("Whatever", 403, "", "AccessDenied kms:X"),
    ("UnauthorizedOperation", 400, "", "AccessDenied kms:X"),
    ("ThrottlingException", 400, "", "Throttled kms:X (still throttled after retries)"),
    ("SlowDown", 503, "", "Throttled kms:X (still throttled after retries)"),
    ("Other", 429, "", "Throttled kms:X (still throttled after retries)"),
    ("404", 404, "Not yet implemented", "NotImplemented kms:X (the endpoint does not implement this API)"),
    ("NotFoundException", 400, "gone", "NotFoundException kms:X: gone"),
])
def test_classify_by_code_and_http_status(code: str, status: int, message: str, reason: str) -> None:
    assert classify(client_error(code, status, message), "kms:X") == reason


def test_client_settings_adaptive_retries_and_timeouts() -> None:
    settings = ClientSettings(max_attempts=7, connect_timeout=3, read_timeout=9)
    kms = plain_scope(settings=settings).client("kms")
    cfg = kms.meta.config
    assert cfg.retries == {"mode": "adaptive", "total_max_attempts": 8}  # botocore: 7 retries after the first
    assert (cfg.connect_timeout, cfg.read_timeout) == (3, 9)
    sc = plain_scope()
    assert sc.client("kms") is sc.client("kms") and sc.client("kms", "eu-west-1") is not sc.client("kms")


def test_call_outcomes_result_absent_and_error() -> None:
    s3 = plain_scope().client("s3")
    with Stubber(s3) as stub:
        stub.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "b"})
        stub.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", http_status_code=404)
        stub.add_client_error("get_bucket_encryption", "AccessDenied", http_status_code=403)
        assert call(s3, "get_bucket_versioning", Bucket="b").result == {"Status": "Enabled"}
        assert call(s3, "get_bucket_policy", absent=("NoSuchBucketPolicy",), Bucket="b") == (None, None)
        assert call(s3, "get_bucket_encryption", Bucket="b") == (None, "AccessDenied s3:GetEncryptionConfiguration")


def test_unreachable_endpoint_is_recorded_not_raised() -> None:
    sc = plain_scope(endpoint_url="http://127.0.0.1:9", settings=ClientSettings(max_attempts=0, connect_timeout=1))
    assert call(sc.client("kms"), "list_keys") == (None, "EndpointConnectionError kms:ListKeys")


def test_paginate_reads_every_page() -> None:
    kms = plain_scope().client("kms")
    with Stubber(kms) as stub:
        stub.add_response("list_keys", {"Keys": [{"KeyId": "a", "KeyArn": ARN + "a"}], "Truncated": True,
                                        "NextMarker": "m1"}, {})
        stub.add_response("list_keys", {"Keys": [{"KeyId": "b", "KeyArn": ARN + "b"}], "Truncated": False},
                          {"Marker": "m1"})
        items, error = paginate(kms, "list_keys", "Keys")
    assert ([k["KeyId"] for k in items], error) == (["a", "b"], None)


def test_paginate_keeps_earlier_pages_when_a_later_one_fails() -> None:
    kms = plain_scope().client("kms")
    with Stubber(kms) as stub:
        stub.add_response("list_keys", {"Keys": [{"KeyId": "a", "KeyArn": ARN + "a"}], "Truncated": True,
                                        "NextMarker": "m1"}, {})
        stub.add_client_error("list_keys", "ThrottlingException", http_status_code=400)
        items, error = paginate(kms, "list_keys", "Keys")
    assert (len(items), error) == (1, "Throttled kms:ListKeys (still throttled after retries)")


def _describe(key_id: str) -> dict[str, Any]:
    return {"KeyMetadata": {"KeyId": key_id, "Arn": ARN + key_id, "KeyManager": "CUSTOMER", "KeyState": "Enabled",
                            "Enabled": True, "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT",
                            "CreationDate": dt.datetime(2025, 1, 1, tzinfo=dt.UTC)}}


def test_kms_collector_follows_list_keys_pages_and_reads_the_rotation_period() -> None:
    sc = plain_scope()
    kms = sc.client("kms")
    with Stubber(kms) as stub:
        stub.add_response("list_keys", {"Keys": [{"KeyId": "a", "KeyArn": ARN + "a"}], "Truncated": True,
                                        "NextMarker": "m1"}, {})
        stub.add_response("list_keys", {"Keys": [{"KeyId": "b", "KeyArn": ARN + "b"}], "Truncated": False},
                          {"Marker": "m1"})
        stub.add_response("list_aliases", {"Aliases": [{"AliasName": "alias/b", "TargetKeyId": "b"}]}, {})
        for key_id, period in (("a", 90), ("b", None)):
            stub.add_response("describe_key", _describe(key_id), {"KeyId": key_id})
            rotation = {"KeyRotationEnabled": period is not None,
                        **({"RotationPeriodInDays": period} if period else {})}
            stub.add_response("get_key_rotation_status", rotation, {"KeyId": key_id})
            stub.add_response("get_key_policy", {"Policy": "{}"}, {"KeyId": key_id, "PolicyName": "default"})
        result = load_collectors()["kms"].collect(sc)
        stub.assert_no_pending_responses()
    assets = {a.name: a.attributes for a in assets_of(result)}
    assert assets["a"]["rotation"] == {"enabled": True, "period_days": 90}
    assert assets["alias/b"]["rotation"] == {"enabled": False, "period_days": None}


def test_registry_rejects_duplicates_and_derives_the_iam_policy() -> None:
    collectors = load_collectors()
    assert {"kms", "s3"} <= set(collectors)
    assert collectors["s3"].global_scope and not collectors["kms"].global_scope
    with pytest.raises(ValueError, match="registered twice"):
        collector("kms", ())(lambda scope: CollectResult())
    actions = iam_policy([collectors["kms"], collectors["s3"]])["Statement"][0]["Action"]
    assert {"kms:GetKeyRotationStatus", "s3:ListAllMyBuckets", "s3:GetEncryptionConfiguration",
            "s3:GetBucketPublicAccessBlock", "s3:GetLifecycleConfiguration", "kms:DescribeKey"} <= set(actions)
    assert not any(a.startswith("sts:") for a in actions) and actions == sorted(actions)
    assert Collector("x", ("sts:GetCallerIdentity",), lambda s: CollectResult()).iam_actions == ()


def test_every_call_error_maps_to_attribute_paths() -> None:
    """Each API operation a collector records on a resource has a mapping in its live normalizer."""
    from checks.normalize.kms import live as live_kms
    from checks.normalize.s3 import live as live_s3

    kms_ops = {op.split(":")[1] for op in load_collectors()["kms"].operations} - {"ListKeys"}
    assert kms_ops == set(live_kms.ERROR_PATHS)
    s3_ops = {op.split(":")[1] for op in load_collectors()["s3"].operations} - {"ListBuckets", "ListAliases"}
    assert s3_ops == set(live_s3.ERROR_PATHS)


def test_a_web_server_error_page_is_not_an_aws_error() -> None:
    from botocore.exceptions import ClientError

    from checks.collectors.base import classify

    page = "<!doctype html> <html lang=en> <title>500 Internal Server Error</title>"
    err = ClientError({"Error": {"Code": "500", "Message": page}, "ResponseMetadata": {"HTTPStatusCode": 500}},
                      "ListBackupSelections")
    assert classify(err, "backup:ListBackupSelections") == (
        "NotImplemented backup:ListBackupSelections (HTTP 500: the endpoint does not implement this API)")
