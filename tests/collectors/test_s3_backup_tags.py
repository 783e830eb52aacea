"""A backup selection by tag and S3 buckets whose tags could not be read: the plan's coverage is never decided as if
the buckets had no tags: a denied GetBucketTagging makes the plan's `covered` (and its restore testing) an error naming
that read, as a denied ListTagsOfResource makes a table's `backup_covered`."""

from __future__ import annotations

from typing import Any

import boto3

from checks.collectors import backup as backup_collector  # noqa: F401  (registers the collector)
from checks.collectors import s3 as s3_collector  # noqa: F401
from checks.collectors.base import CollectResult, Scope
from tests.collectors.conftest import assets_of, by_name, collect, scope
from tests.collectors.test_backup import ROLE, denied, make_backup, stub_backup

SELECTION = {"SelectionName": "buckets", "IamRoleArn": ROLE,
             "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}]}


def make_buckets(session: boto3.Session) -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket="tagged")
    s3.put_bucket_tagging(Bucket="tagged", Tagging={"TagSet": [{"Key": "backup", "Value": "daily"}]})
    s3.create_bucket(Bucket="untagged")


def scan(sc: Scope) -> list[Any]:
    buckets, backup = collect(sc, "s3"), collect(sc, "backup")
    return assets_of(CollectResult(buckets.resources + backup.resources, buckets.errors + backup.errors))


def nightly(assets: list[Any]) -> Any:
    return by_name([a for a in assets if a.kind == "backup.plan"], "nightly")


def test_read_tags_decide_which_buckets_the_tag_selection_covers(session: boto3.Session) -> None:
    key = make_backup(session)
    make_buckets(session)
    sc = scope(session)
    stub = stub_backup(sc, key, SELECTION)
    assets = scan(sc)
    stub.assert_no_pending_responses()
    assert nightly(assets).attributes["covered"] == ["arn:aws:s3:::tagged"]
    assert by_name([a for a in assets if a.kind == "s3.bucket"], "tagged").tags == {"backup": "daily"}


def test_denied_tags_leave_the_coverage_undecided_never_uncovered(session: boto3.Session) -> None:
    key = make_backup(session)
    make_buckets(session)
    sc = scope(session)
    stub = stub_backup(sc, key, SELECTION)
    with denied(sc.client("s3"), "get_bucket_tagging"):
        assets = scan(sc)
    stub.assert_no_pending_responses()
    plan = nightly(assets)
    # before: both buckets taken as untagged, so `covered` was [] and restore testing judged on it
    assert plan.attributes["covered"] is None and not plan.unknown
    assert plan.errors["covered"] == "AccessDenied s3:GetBucketTagging"
    assert {p for p in plan.errors if p.startswith("restore_testing")} >= {"restore_testing.backed_up_types"}
    bucket = by_name([a for a in assets if a.kind == "s3.bucket"], "tagged")
    assert bucket.tags == {} and bucket.errors == {"tags": "AccessDenied s3:GetBucketTagging"}
