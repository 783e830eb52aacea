"""What keeps an S3 bucket's data past its lifecycle (RET-01), planned and state views: noncurrent versions a rule
keeps whatever their age (NewerNoncurrentVersions), Object Lock default retention, and suspended versioning (which
keeps the versions made before it). The live view is in tests/collectors/test_s3_account.py."""

from __future__ import annotations

from typing import Any

import pytest

from checks.model import UNKNOWN, SourceKind
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize, urn

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
LIFECYCLE_V2 = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
LOCK_V2 = "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"
STATE = SourceKind.STATE
ON_BUCKET = {"bucket": [urn(BUCKET, "data")]}


def bucket(props: dict[str, Any] | None = None, source: SourceKind = SourceKind.PLANNED) -> RawResource:
    return make_raw(BUCKET, "data", {"bucket": "aptly-data", **(props or {})}, source=source,
                    id="aptly-data" if source is STATE else None)


def side(token: str, props: dict[str, Any], source: SourceKind = SourceKind.PLANNED) -> RawResource:
    return make_raw(token, "data", {"bucket": "aptly-data", **props}, source=source, deps=ON_BUCKET)


def rule(noncurrent: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": "expire", "status": "Enabled", "filter": {}, "expiration": {"days": 23},
            "noncurrentVersionExpiration": noncurrent, **extra}


# ---------------------------------------------------------------- NewerNoncurrentVersions


@pytest.mark.parametrize("source", [SourceKind.PLANNED, STATE])
def test_a_rule_that_keeps_newer_noncurrent_versions_does_not_bound_their_age(source: SourceKind) -> None:
    raws = [bucket(source=source),
            side(LIFECYCLE, {"rules": [rule({"noncurrentDays": 7, "newerNoncurrentVersions": 3})]}, source)]
    lifecycle = one(run_normalize(*raws), "s3.bucket").attributes["lifecycle"]
    assert lifecycle["rules"][0]["noncurrent_expiration_days"] == 7
    assert lifecycle["rules"][0]["newer_noncurrent_versions"] == 3
    assert lifecycle["expires_objects_within_days"] == 23
    assert lifecycle["expires_noncurrent_within_days"] is None  # the 3 newest are kept forever


def test_another_rule_without_kept_versions_still_bounds_them() -> None:
    raws = [bucket(), side(LIFECYCLE, {"rules": [
        rule({"noncurrentDays": 7, "newerNoncurrentVersions": 3}),
        {"id": "all", "status": "Enabled", "filter": {}, "noncurrentVersionExpiration": {"noncurrentDays": 20}}]})]
    lifecycle = one(run_normalize(*raws), "s3.bucket").attributes["lifecycle"]
    assert [r["newer_noncurrent_versions"] for r in lifecycle["rules"]] == [3, None]
    assert lifecycle["expires_noncurrent_within_days"] == 20


@pytest.mark.parametrize(("newer", "expected", "bound"), [
    ("3", 3, None),     # pulumi-aws v6 (TF provider v5): a string
    ("", None, 7),      # state: unset
    (0, None, 7),
    (UNKNOWN, None, UNKNOWN),
])
def test_v2_rules_read_newer_noncurrent_versions_in_every_spelling(newer: Any, expected: Any, bound: Any) -> None:
    raws = [bucket(), side(LIFECYCLE_V2, {"rules": [
        rule({"noncurrentDays": 7, "newerNoncurrentVersions": newer})]})]
    asset = one(run_normalize(*raws), "s3.bucket")
    lifecycle = asset.attributes["lifecycle"]
    assert lifecycle["rules"][0]["newer_noncurrent_versions"] == expected
    if bound is UNKNOWN:
        assert "lifecycle.expires_noncurrent_within_days" in asset.unknown
    else:
        assert lifecycle["expires_noncurrent_within_days"] == bound


# ---------------------------------------------------------------- Object Lock


def test_no_object_lock_keeps_nothing() -> None:
    a = one(run_normalize(bucket()), "s3.bucket").attributes
    assert a["object_lock"] == {"enabled": False, "mode": None, "retention_days": None}


@pytest.mark.parametrize("source", [SourceKind.PLANNED, STATE])
@pytest.mark.parametrize(("retention", "days"), [({"mode": "GOVERNANCE", "days": 90}, 90),
                                                 ({"mode": "COMPLIANCE", "years": 1}, 365)])
def test_object_lock_default_retention_from_the_side_resource(source: SourceKind, retention: dict[str, Any],
                                                              days: int) -> None:
    raws = [bucket({"objectLockEnabled": True}, source),
            side(LOCK, {"objectLockEnabled": "Enabled", "rule": {"defaultRetention": retention}}, source)]
    a = one(run_normalize(*raws), "s3.bucket").attributes
    assert a["object_lock"] == {"enabled": True, "mode": retention["mode"], "retention_days": days}


def test_object_lock_v2_side_resource_and_inline_shapes() -> None:
    v2 = [bucket({"objectLockEnabled": True}),
          side(LOCK_V2, {"rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": 10}}})]
    assert one(run_normalize(*v2), "s3.bucket").attributes["object_lock"]["retention_days"] == 10
    legacy = bucket({"objectLockConfiguration": {"objectLockEnabled": "Enabled", "rule": {
        "defaultRetention": {"mode": "COMPLIANCE", "days": 45}}}}, STATE)
    assert one(run_normalize(legacy), "s3.bucket").attributes["object_lock"] == {
        "enabled": True, "mode": "COMPLIANCE", "retention_days": 45}
    plural = make_raw(BUCKET_V2, "data", {"bucket": "aptly-data", "objectLockEnabled": True,
                                          "objectLockConfiguration": {"objectLockEnabled": "Enabled", "rules": [
                                              {"defaultRetentions": [{"mode": "GOVERNANCE", "years": 2}]}]}})
    assert one(run_normalize(plural), "s3.bucket").attributes["object_lock"] == {
        "enabled": True, "mode": "GOVERNANCE", "retention_days": 730}
    no_rule = bucket({"objectLockEnabled": True})
    assert one(run_normalize(no_rule), "s3.bucket").attributes["object_lock"] == {
        "enabled": True, "mode": None, "retention_days": None}


def test_unknown_object_lock_retention_is_unknown() -> None:
    raws = [bucket({"objectLockEnabled": True}),
            side(LOCK, {"rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": UNKNOWN}}})]
    asset = one(run_normalize(*raws), "s3.bucket")
    assert "object_lock.retention_days" in asset.unknown


# ---------------------------------------------------------------- versioning status


@pytest.mark.parametrize("status", ["Enabled", "Suspended", "Disabled"])
def test_versioning_status_from_the_side_resource(status: str) -> None:
    raws = [bucket(), side(VERSIONING, {"versioningConfiguration": {"status": status}})]
    versioning = one(run_normalize(*raws), "s3.bucket").attributes["versioning"]
    assert versioning == {"enabled": status == "Enabled", "status": status, "mfa_delete": False}


def test_inline_versioning_status() -> None:
    on = one(run_normalize(bucket({"versioning": {"enabled": True}})), "s3.bucket").attributes["versioning"]
    assert on["status"] == "Enabled"
    # a bucket the program creates without versioning is unversioned (S3's default)
    off = one(run_normalize(bucket()), "s3.bucket").attributes["versioning"]
    assert off == {"enabled": False, "status": "Disabled", "mfa_delete": False}


def test_state_inline_versioning_off_may_be_suspended() -> None:
    # the provider writes enabled=false whether the bucket was never versioned or its versioning is suspended
    asset = one(run_normalize(bucket({"versioning": {"enabled": False, "mfaDelete": False}}, STATE)), "s3.bucket")
    assert asset.attributes["versioning"]["enabled"] is False
    assert "versioning.status" in asset.unknown
