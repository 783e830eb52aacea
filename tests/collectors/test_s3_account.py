"""The s3 collector's account-level Block Public Access (S3-03 live, and its effect on S3-01) and the bucket facts
RET-01 reads live (Object Lock default retention, suspended versioning, NewerNoncurrentVersions), against moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from checks.collectors.base import CollectResult
from checks.collectors.permissions import iam_action
from checks.live_types import S3_ACCOUNT_PUBLIC_ACCESS_BLOCK
from checks.model import Asset, Status
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

ALL_ON = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
FIELDS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
DENIED = "AccessDenied s3:GetAccountPublicAccessBlock"
P, F, E = Status.PASS, Status.FAIL, Status.ERROR


def make_buckets(session: boto3.Session, account_block: dict[str, bool] | None) -> None:
    """open: its own block removed; shut: its own block fully on; the account block as given (None: none)."""
    s3 = session.client("s3")
    s3.create_bucket(Bucket="open")
    s3.create_bucket(Bucket="shut")
    s3.put_public_access_block(Bucket="shut", PublicAccessBlockConfiguration=ALL_ON)
    if account_block is not None:
        session.client("s3control").put_public_access_block(AccountId=ACCOUNT,
                                                            PublicAccessBlockConfiguration=account_block)


def account_asset(assets: list[Asset]) -> Asset:
    [found] = [a for a in assets if a.kind == "s3.account_public_access_block"]
    return found


def test_account_block_fully_on_passes_s3_03_and_covers_every_bucket(session: boto3.Session) -> None:
    make_buckets(session, ALL_ON)
    result = collect(scope(session), "s3")
    assert result.errors == ()
    assets = assets_of(result)
    block = account_asset(assets)
    assert (block.id, block.account, block.region, block.urn) == (
        f"s3-account-public-access-block:{ACCOUNT}", ACCOUNT, None, None)
    assert block.attributes == {"account_id": ACCOUNT, **dict.fromkeys(FIELDS, True), "public_access_blocked": True}
    open_ = by_name(assets, "open").attributes
    assert open_["public_access_block"] == dict.fromkeys(FIELDS, False)
    assert open_["account_public_access_block"] == dict.fromkeys(FIELDS, True)
    assert open_["effective_public_access_block"] == dict.fromkeys(FIELDS, True)
    assert statuses(assets, "S3-01", "S3-03") == {
        ("S3-01", "open"): P, ("S3-01", "shut"): P, ("S3-03", "account-public-access-block"): P}


def test_account_block_partly_on_fails_s3_03_and_covers_only_its_settings(session: boto3.Session) -> None:
    make_buckets(session, dict(ALL_ON, BlockPublicPolicy=False, RestrictPublicBuckets=False))
    assets = assets_of(collect(scope(session), "s3"))
    assert account_asset(assets).attributes["public_access_blocked"] is False
    assert by_name(assets, "open").attributes["effective_public_access_block"] == dict(
        zip(FIELDS, (True, True, False, False), strict=True))
    got = results(assets, "S3-01", "S3-03")
    assert got[("S3-03", "account-public-access-block")][0] is F
    assert (got[("S3-01", "open")][0], got[("S3-01", "shut")][0]) == (F, P)


def test_no_account_block_configured_is_all_off_and_fails(session: boto3.Session) -> None:
    make_buckets(session, None)
    result = collect(scope(session), "s3")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    # NoSuchPublicAccessBlockConfiguration: nothing is blocked at the account level (AWS's behaviour)
    assert account_asset(assets).attributes == {"account_id": ACCOUNT, **dict.fromkeys(FIELDS, False),
                                                "public_access_blocked": False}
    assert statuses(assets, "S3-01", "S3-03") == {
        ("S3-01", "open"): F, ("S3-01", "shut"): P, ("S3-03", "account-public-access-block"): F}


def deny(session: boto3.Session, operation: str) -> None:
    """Answer `operation` ("<client service>:<Operation>") with S3's 403 AccessDenied: moto enforces no IAM on
    s3control, and authorizes GET ?object-lock as s3:ListBucket (its S3 ACTION_MAP lacks it)."""

    class Http:
        status_code = 403
        headers: dict[str, str] = {}
        content = b""

    def handler(model: Any, **_: Any) -> tuple[Http, dict[str, Any]] | None:
        if f"{model.service_model.service_name}:{model.name}" != operation:
            return None
        return Http(), {"Error": {"Code": "AccessDenied", "Message": "Access Denied"},
                        "ResponseMetadata": {"HTTPStatusCode": 403}}

    session.events.register("before-call", handler)


def test_denied_account_block_is_error_where_it_decides_the_verdict(session: boto3.Session) -> None:
    make_buckets(session, ALL_ON)
    deny(session, "s3control:GetPublicAccessBlock")
    result = collect(scope(session), "s3")
    assert result.errors == ()
    [raw] = [r for r in result.resources if r.type == S3_ACCOUNT_PUBLIC_ACCESS_BLOCK]
    assert raw.errors == {"GetPublicAccessBlock": DENIED}  # names the account-level action, not the bucket one
    assets = assets_of(result)
    got = results(assets, "S3-01", "S3-03")
    status, detail = got[("S3-03", "account-public-access-block")]
    assert status is E and detail is not None and DENIED in detail
    status, detail = got[("S3-01", "open")]
    assert status is E and detail is not None and DENIED in detail
    assert got[("S3-01", "shut")][0] is P  # its own block is fully on: the account's does not matter
    assert by_name(assets, "shut").errors == {"account_public_access_block": DENIED}


def test_the_account_block_permission_is_in_the_policy() -> None:
    from checks.collectors import load_collectors

    assert "s3:GetAccountPublicAccessBlock" in load_collectors()["s3"].iam_actions
    assert iam_action("s3control:GetPublicAccessBlock") == "s3:GetAccountPublicAccessBlock"


# ---------------------------------------------------------------- RET-01 live


def customer_bucket(session: boto3.Session, name: str, lifecycle: dict[str, Any], *, versioning: str | None = None,
                    lock_days: int | None = None) -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket=name, **({"ObjectLockEnabledForBucket": True} if lock_days else {}))
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "data", "Value": "customer"}]})
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": "expire", "Status": "Enabled", "Filter": {}, **lifecycle}]})
    if versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
    if lock_days:
        s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": lock_days}}})


EXPIRE_23_7 = {"Expiration": {"Days": 23}, "NoncurrentVersionExpiration": {"NoncurrentDays": 7}}
EXPIRE_30_30 = {"Expiration": {"Days": 30}, "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}


def test_suspended_versioning_keeps_old_versions_and_object_lock_keeps_objects(session: boto3.Session) -> None:
    customer_bucket(session, "never-versioned", EXPIRE_30_30)
    customer_bucket(session, "suspended", EXPIRE_30_30, versioning="Suspended")
    customer_bucket(session, "locked-90", EXPIRE_23_7, lock_days=90)
    customer_bucket(session, "locked-20", EXPIRE_23_7, lock_days=20)
    result = collect(scope(session), "s3")
    assert all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    assert by_name(assets, "never-versioned").attributes["versioning"] == {
        "enabled": False, "status": "Disabled", "mfa_delete": False}
    assert by_name(assets, "suspended").attributes["versioning"]["status"] == "Suspended"
    assert by_name(assets, "never-versioned").attributes["object_lock"] == {
        "enabled": False, "mode": None, "retention_days": None}
    assert by_name(assets, "locked-90").attributes["object_lock"] == {
        "enabled": True, "mode": "GOVERNANCE", "retention_days": 90}
    assert statuses(assets, "RET-01") == {
        ("RET-01", "never-versioned"): P, ("RET-01", "suspended"): F, ("RET-01", "locked-90"): F,
        ("RET-01", "locked-20"): P}


def answer_lifecycle(session: boto3.Session, rules: list[dict[str, Any]]) -> None:
    """moto drops NewerNoncurrentVersions: answer GetBucketLifecycleConfiguration as S3 does."""

    class Http:
        status_code = 200
        headers: dict[str, str] = {}
        content = b""

    def handler(model: Any, **_: Any) -> tuple[Http, dict[str, Any]] | None:
        if model.name != "GetBucketLifecycleConfiguration":
            return None
        return Http(), {"Rules": rules, "ResponseMetadata": {"HTTPStatusCode": 200}}

    session.events.register("before-call.s3.GetBucketLifecycleConfiguration", handler)


def test_a_rule_keeping_newer_noncurrent_versions_fails_ret_01(session: boto3.Session) -> None:
    customer_bucket(session, "keeps-three", EXPIRE_23_7, versioning="Enabled")
    answer_lifecycle(session, [{"ID": "expire", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 23},
                                "NoncurrentVersionExpiration": {"NoncurrentDays": 7, "NewerNoncurrentVersions": 3}}])
    assets = assets_of(collect(scope(session), "s3"))
    lifecycle = by_name(assets, "keeps-three").attributes["lifecycle"]
    assert lifecycle["rules"][0]["newer_noncurrent_versions"] == 3
    assert lifecycle["expires_noncurrent_within_days"] is None
    assert statuses(assets, "RET-01") == {("RET-01", "keeps-three"): F}


def test_denied_object_lock_makes_ret_01_error(session: boto3.Session) -> None:
    customer_bucket(session, "locked", EXPIRE_23_7, versioning="Enabled", lock_days=20)
    deny(session, "s3:GetObjectLockConfiguration")
    assets = assets_of(collect(scope(session), "s3"))
    denied = "AccessDenied s3:GetBucketObjectLockConfiguration"
    assert by_name(assets, "locked").errors == {"object_lock": denied}
    status, detail = results(assets, "RET-01")[("RET-01", "locked")]
    assert status is E and detail is not None and denied in detail


def test_denied_versioning_makes_ret_01_error(session: boto3.Session) -> None:
    customer_bucket(session, "versioned", EXPIRE_23_7, versioning="Enabled")
    restricted = restricted_session(session, ["s3:GetBucketVersioning"])
    run: Callable[[], CollectResult] = lambda: collect(scope(restricted), "s3")  # noqa: E731
    assets = assets_of(with_iam_enforced(run))
    assert by_name(assets, "versioned").errors == {"versioning": "AccessDenied s3:GetBucketVersioning"}
    status, detail = results(assets, "RET-01")[("RET-01", "versioned")]
    assert status is E and detail is not None and "s3:GetBucketVersioning" in detail
