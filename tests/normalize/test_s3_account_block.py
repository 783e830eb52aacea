"""s3.bucket's effective Block Public Access: the bucket's own settings, or the account-level ones, which S3 applies on
top of them (planned and state views; the live view is in tests/collectors/test_s3_account.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from checks.model import UNKNOWN, SourceKind
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize, urn

BUCKET = "aws:s3/bucket:Bucket"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
FIELDS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
ALL_ON = {"blockPublicAcls": True, "ignorePublicAcls": True, "blockPublicPolicy": True, "restrictPublicBuckets": True}
PROVIDER = "urn:pulumi:dev::proj::pulumi:providers:aws::default_7_51_1"


def settings(*values: Any) -> dict[str, Any]:
    return dict(zip(FIELDS, values, strict=True))


def site_bucket(bucket_block: dict[str, Any], source: SourceKind = SourceKind.PLANNED) -> list[RawResource]:
    """A bucket whose own block sets only `bucket_block` (the provider's default for the rest: false)."""
    return [make_raw(BUCKET, "site", {"bucket": "aptly-site"}, source=source,
                     id="aptly-site" if source is SourceKind.STATE else None),
            make_raw(PAB, "site", {"bucket": "aptly-site", **bucket_block}, source=source,
                     deps={"bucket": [urn(BUCKET, "site")]})]


def account(props: dict[str, Any], source: SourceKind = SourceKind.PLANNED) -> RawResource:
    return make_raw(ACCOUNT_PAB, "account", props, source=source,
                    id="111122223333" if source is SourceKind.STATE else None)


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_an_account_block_fully_on_covers_a_bucket_whose_own_block_is_off(source: SourceKind) -> None:
    a = one(run_normalize(*site_bucket({}, source), account(ALL_ON, source)), "s3.bucket")
    assert a.attributes["public_access_block"] == settings(False, False, False, False)
    assert a.attributes["public_access_blocked"] is False
    assert a.attributes["account_public_access_block"] == settings(True, True, True, True)
    assert a.attributes["effective_public_access_block"] == settings(True, True, True, True)
    assert not {p for p in a.unknown if "public_access" in p}


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_each_setting_is_on_when_the_bucket_or_the_account_turns_it_on(source: SourceKind) -> None:
    raws = [*site_bucket({"blockPublicAcls": True, "ignorePublicAcls": True}, source),
            account({"blockPublicPolicy": True}, source)]
    a = one(run_normalize(*raws), "s3.bucket").attributes
    assert a["account_public_access_block"] == settings(False, False, True, False)
    assert a["effective_public_access_block"] == settings(True, True, True, False)


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_an_undeclared_account_block_is_unknown_and_matters_only_where_the_bucket_is_off(source: SourceKind) -> None:
    a = one(run_normalize(*site_bucket({"blockPublicAcls": True, "ignorePublicAcls": True}, source)), "s3.bucket")
    assert a.attributes["account_public_access_block"] is None
    assert a.attributes["effective_public_access_block"] == settings(True, True, None, None)
    assert {p for p in a.unknown if "public_access" in p} == {
        "account_public_access_block", "effective_public_access_block.block_public_policy",
        "effective_public_access_block.restrict_public_buckets"}


def test_a_bucket_fully_on_needs_no_account_block() -> None:
    a = one(run_normalize(make_raw(BUCKET, "plain", {"bucket": "aptly-plain"})), "s3.bucket")
    assert a.attributes["effective_public_access_block"] == settings(True, True, True, True)
    assert not {p for p in a.unknown if p.startswith("effective_public_access_block")}


def test_an_unknown_account_setting_is_unknown_only_where_the_bucket_is_off() -> None:
    raws = [*site_bucket({"blockPublicAcls": True, "ignorePublicAcls": True, "blockPublicPolicy": True}),
            account({**ALL_ON, "blockPublicAcls": UNKNOWN, "restrictPublicBuckets": UNKNOWN})]
    a = one(run_normalize(*raws), "s3.bucket")
    assert a.attributes["effective_public_access_block"] == settings(True, True, True, None)
    assert {p for p in a.unknown if p.startswith("effective")} == {
        "effective_public_access_block.restrict_public_buckets"}


def test_an_account_block_of_another_provider_does_not_count() -> None:
    other = replace(account(ALL_ON), provider="urn:pulumi:dev::proj::pulumi:providers:aws::audit-account")
    bucket = [replace(r, provider=PROVIDER) for r in site_bucket({})]
    a = one(run_normalize(*bucket, other), "s3.bucket").attributes
    assert a["account_public_access_block"] is None
    assert a["effective_public_access_block"] == settings(None, None, None, None)
    same = replace(account(ALL_ON), provider=PROVIDER)
    b = one(run_normalize(*bucket, other, same), "s3.bucket").attributes
    assert b["effective_public_access_block"] == settings(True, True, True, True)


def test_two_account_blocks_of_one_account_that_disagree_are_unknown() -> None:
    raws = [*site_bucket({}), account(ALL_ON),
            make_raw(ACCOUNT_PAB, "again", {**ALL_ON, "blockPublicPolicy": False})]
    a = one(run_normalize(*raws), "s3.bucket")
    assert a.attributes["effective_public_access_block"] == settings(True, True, None, True)
