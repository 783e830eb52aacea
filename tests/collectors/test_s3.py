"""The s3 collector and the live s3.bucket normalizer against moto, evaluated with the real catalog."""

from __future__ import annotations

import json
from unittest import mock

import boto3
from moto.s3.exceptions import BucketAccessDeniedError
from moto.s3.models import S3Backend

from checks.collectors.base import ListFailure
from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    assets_of,
    by_name,
    collect,
    restricted_session,
    results,
    scope,
    statuses,
    with_iam_enforced,
)

S3_CONTROLS = ("ENC-01", "S3-01", "S3-02", "RET-01")
ALL_ON = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)


def tls_policy(name: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def kms_encryption(key: str | None) -> dict[str, object]:
    default = {"SSEAlgorithm": "aws:kms", **({"KMSMasterKeyID": key} if key else {})}
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]}


def make_buckets(session: boto3.Session) -> None:
    """plain: nothing configured; secure: everything the catalog asks for, in eu-west-1;
    aws-key: SSE-KMS under the AWS-managed key; prefix-only: customer data expiring only under a prefix."""
    s3, kms = session.client("s3"), session.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    s3.create_bucket(Bucket="plain")
    s3.create_bucket(Bucket="log-sink")
    s3.put_bucket_acl(Bucket="log-sink", ACL="log-delivery-write")
    s3.create_bucket(Bucket="secure", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_encryption(Bucket="secure", ServerSideEncryptionConfiguration=kms_encryption(key))
    s3.put_bucket_versioning(Bucket="secure", VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket="secure", PublicAccessBlockConfiguration=ALL_ON)
    s3.put_bucket_policy(Bucket="secure", Policy=tls_policy("secure"))
    s3.put_bucket_ownership_controls(Bucket="secure",
                                     OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_tagging(Bucket="secure", Tagging={"TagSet": [{"Key": "data", "Value": "customer"}]})
    s3.put_bucket_lifecycle_configuration(Bucket="secure", LifecycleConfiguration={"Rules": [
        {"ID": "expire", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 23},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 7},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}}]})
    s3.create_bucket(Bucket="aws-key")
    s3.put_bucket_encryption(Bucket="aws-key", ServerSideEncryptionConfiguration=kms_encryption("alias/aws/s3"))
    s3.put_public_access_block(Bucket="aws-key", PublicAccessBlockConfiguration=dict(ALL_ON, BlockPublicPolicy=False))
    s3.create_bucket(Bucket="prefix-only")
    s3.put_bucket_tagging(Bucket="prefix-only", Tagging={"TagSet": [{"Key": "data", "Value": "customer"}]})
    s3.put_bucket_lifecycle_configuration(Bucket="prefix-only", LifecycleConfiguration={"Rules": [
        {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}}]})
    s3.put_bucket_logging(Bucket="plain", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "log-sink", "TargetPrefix": "plain/"}})


def test_live_buckets_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    make_buckets(session)
    result = collect(scope(session), "s3")
    assert result.errors == ()
    assert all(r.errors == {} for r in result.resources)
    assets = assets_of(result)

    plain = by_name(assets, "plain")
    assert (plain.id, plain.account, plain.region, plain.urn) == ("arn:aws:s3:::plain", ACCOUNT, "us-east-1", None)
    a = plain.attributes
    # nothing configured: S3's default SSE-S3 is recorded as such, not as an error
    assert a["encryption"] == {"enabled": True, "algorithm": "AES256", "kms_key_id": None,
                               "customer_managed_key": False}
    assert a["public_access_block"] == dict.fromkeys(
        ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"), False)
    assert (a["public_access_blocked"], a["object_ownership"], a["acl_allows_public"]) == (False, "ObjectWriter",
                                                                                           False)
    assert (a["policy"], a["policy_denies_insecure_transport"], a["policy_allows_public"]) == (None, False, False)
    assert a["versioning"] == {"enabled": False, "status": "Disabled", "mfa_delete": False}
    assert a["logging"] == {"enabled": True, "target_bucket": "log-sink"}
    assert a["lifecycle"] == {"rules": [], "expires_objects_within_days": None, "expires_noncurrent_within_days": None}
    assert plain.tags == {}

    secure = by_name(assets, "secure")
    s = secure.attributes
    assert secure.region == "eu-west-1"
    assert s["encryption"]["algorithm"] == "aws:kms" and s["encryption"]["customer_managed_key"] is True
    assert s["bucket_key_enabled"] is True and s["versioning"]["enabled"] is True
    assert s["public_access_blocked"] is True and s["object_ownership"] == "BucketOwnerEnforced"
    assert s["policy_denies_insecure_transport"] is True and s["policy_allows_public"] is False
    assert s["lifecycle"]["rules"] == [{"id": "expire", "enabled": True, "prefix": None, "whole_bucket": True,
                                        "expiration_days": 23, "noncurrent_expiration_days": 7,
                                        "newer_noncurrent_versions": None, "abort_incomplete_days": 2}]
    assert secure.tags == {"data": "customer"}
    assert by_name(assets, "aws-key").attributes["encryption"]["customer_managed_key"] is False
    assert by_name(assets, "prefix-only").attributes["lifecycle"]["rules"][0]["whole_bucket"] is False

    got = statuses(assets, *S3_CONTROLS)
    P, F, NA = Status.PASS, Status.FAIL, Status.NOT_APPLICABLE
    assert got == {
        ("ENC-01", "plain"): F, ("ENC-01", "log-sink"): F, ("ENC-01", "secure"): P, ("ENC-01", "aws-key"): F,
        ("ENC-01", "prefix-only"): F,
        ("S3-01", "plain"): F, ("S3-01", "log-sink"): F, ("S3-01", "secure"): P, ("S3-01", "aws-key"): F,
        ("S3-01", "prefix-only"): F,
        ("S3-02", "plain"): F, ("S3-02", "log-sink"): F, ("S3-02", "secure"): P, ("S3-02", "aws-key"): F,
        ("S3-02", "prefix-only"): F,
        ("RET-01", "plain"): NA, ("RET-01", "log-sink"): NA, ("RET-01", "secure"): P, ("RET-01", "aws-key"): NA,
        ("RET-01", "prefix-only"): F,
    }


def test_public_policy_and_acl_are_detected(session: boto3.Session) -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket="open")
    s3.put_bucket_policy(Bucket="open", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open/*"}]}))
    s3.put_bucket_acl(Bucket="open", ACL="public-read")
    a = by_name(assets_of(collect(scope(session), "s3")), "open").attributes
    assert (a["policy_allows_public"], a["acl_allows_public"], a["acl"]) == (True, True, None)


def test_denied_bucket_encryption_makes_enc_01_error_and_changes_nothing_else(session: boto3.Session) -> None:
    make_buckets(session)
    baseline = statuses(assets_of(collect(scope(session), "s3")))
    # moto authorizes GET ?encryption as s3:ListBucket (it is missing from moto's S3 ACTION_MAP), so IAM cannot
    # deny it alone: the backend answers AccessDenied (403) instead, as S3 does for s3:GetEncryptionConfiguration
    with mock.patch.object(S3Backend, "get_bucket_encryption", side_effect=BucketAccessDeniedError("secure")):
        result = collect(scope(session), "s3")
    assert result.errors == ()
    assets = assets_of(result)
    secure = by_name(assets, "secure")
    assert set(secure.errors) == {"encryption", "bucket_key_enabled"}
    assert secure.errors["encryption"].startswith("AccessDenied s3:GetEncryptionConfiguration")
    assert secure.attributes["encryption"] == dict.fromkeys(
        ("enabled", "algorithm", "kms_key_id", "customer_managed_key"))
    got = results(assets)
    status, detail = got[("ENC-01", "secure")]
    assert status is Status.ERROR and detail is not None and "AccessDenied s3:GetEncryptionConfiguration" in detail
    changed = {k for k, (st, _) in got.items() if baseline[k] is not st}
    assert changed == {("ENC-01", n) for n in ("plain", "log-sink", "secure", "aws-key", "prefix-only")}


def test_denied_tagging_makes_ret_01_error(session: boto3.Session) -> None:
    make_buckets(session)
    restricted = restricted_session(session, ["s3:GetBucketTagging"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "s3")))
    assert by_name(assets, "secure").errors == {"tags": "AccessDenied s3:GetBucketTagging"}
    assert statuses(assets, "RET-01")[("RET-01", "secure")] is Status.ERROR


def test_denied_key_lookup_makes_only_the_customer_key_fact_error(session: boto3.Session) -> None:
    make_buckets(session)
    restricted = restricted_session(session, ["kms:DescribeKey"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "s3")))
    secure = by_name(assets, "secure")
    assert secure.errors == {"encryption.customer_managed_key": "AccessDenied kms:DescribeKey"}
    assert secure.attributes["encryption"]["algorithm"] == "aws:kms"
    assert by_name(assets, "aws-key").errors == {}  # alias/aws/... needs no lookup
    assert statuses(assets, "ENC-01")[("ENC-01", "secure")] is Status.ERROR


def test_denied_list_buckets_is_a_scan_level_error(session: boto3.Session) -> None:
    make_buckets(session)
    restricted = restricted_session(session, ["s3:ListAllMyBuckets", "s3:ListBuckets"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "s3"))
    assert [r.type for r in result.resources] == ["live:s3:account_public_access_block"]  # no bucket
    assert result.errors == (ListFailure(
        ACCOUNT, None, "s3:ListBuckets", "AccessDenied s3:ListAllMyBuckets", ("live:s3:bucket",)),)
