"""The cloudtrail collector and the live cloudtrail.trail normalizer (LOG-01)."""

from __future__ import annotations

import boto3

from checks.collectors import cloudtrail as cloudtrail_collector  # noqa: F401  (registers the collector)
from checks.collectors.base import Scope
from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    FAST,
    REGION,
    assets_of,
    by_name,
    collect,
    restricted_session,
    results,
    scope,
    statuses,
    with_iam_enforced,
)
from tests.collectors.test_backup import denied

P, F, E = Status.PASS, Status.FAIL, Status.ERROR


def make_trails(session: boto3.Session) -> str:
    """main: compliant and logging; regional: single-region, no validation, SSE-S3; stopped: never started."""
    key = session.client("kms").create_key(Description="trail")["KeyMetadata"]["Arn"]
    session.client("s3").create_bucket(Bucket="audit-trail-logs")
    ct = session.client("cloudtrail")
    full = {"S3BucketName": "audit-trail-logs", "IsMultiRegionTrail": True, "EnableLogFileValidation": True,
            "KmsKeyId": key}
    ct.create_trail(Name="main", **full)
    ct.start_logging(Name="main")
    ct.create_trail(Name="regional", S3BucketName="audit-trail-logs")
    ct.start_logging(Name="regional")
    ct.create_trail(Name="stopped", **full)  # CreateTrail does not start logging
    return key


def test_trails_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_trails(session)
    result = collect(scope(session), "cloudtrail")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    main = by_name(assets, "main")
    assert main.id == f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main"
    assert (main.region, main.account) == (REGION, ACCOUNT)
    assert main.attributes == {
        "trail_name": "main", "multi_region": True, "organization_trail": False, "log_file_validation": True,
        "logging_enabled": True, "include_global_service_events": True,
        "encryption": {"enabled": True, "algorithm": "aws:kms", "kms_key_id": key, "customer_managed_key": True},
        "s3_bucket": "audit-trail-logs", "cloudwatch_log_group": None, "home_region": REGION}
    assert by_name(assets, "regional").attributes["encryption"] == {
        "enabled": True, "algorithm": "AES256", "kms_key_id": None, "customer_managed_key": False}
    assert by_name(assets, "stopped").attributes["logging_enabled"] is False
    assert statuses(assets, "LOG-01") == {("LOG-01", "main"): P, ("LOG-01", "regional"): F,
                                          ("LOG-01", "stopped"): F}


def test_multi_region_trail_is_reported_once_in_its_home_region(session: boto3.Session) -> None:
    make_trails(session)
    other = Scope(session, "eu-west-1", ACCOUNT, settings=FAST)
    assert collect(other, "cloudtrail").resources == ()


def test_stop_logging_is_seen_on_the_next_scan(session: boto3.Session) -> None:
    make_trails(session)
    session.client("cloudtrail").stop_logging(Name="main")
    assert statuses(assets_of(collect(scope(session), "cloudtrail")), "LOG-01")[("LOG-01", "main")] is F


def test_denied_trail_status_errors_log_01_and_nothing_else(session: boto3.Session) -> None:
    make_trails(session)
    baseline = statuses(assets_of(collect(scope(session), "cloudtrail")))
    restricted = restricted_session(session, ["cloudtrail:GetTrailStatus"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "cloudtrail")))
    assert by_name(assets, "main").errors == {"logging_enabled": "AccessDenied cloudtrail:GetTrailStatus"}
    got = results(assets)
    assert {k for k, (s, _) in got.items() if s is not baseline[k]} == {("LOG-01", "main"), ("LOG-01", "regional"),
                                                                         ("LOG-01", "stopped")}
    status, detail = got[("LOG-01", "main")]
    assert status is E and detail is not None and "AccessDenied cloudtrail:GetTrailStatus" in detail


def test_denied_key_lookup_errors_log_01_of_kms_trails(session: boto3.Session) -> None:
    make_trails(session)
    sc = scope(session)
    with denied(sc.client("kms"), "describe_key"):
        got = statuses(assets_of(collect(sc, "cloudtrail")), "LOG-01")
    assert got == {("LOG-01", "main"): E, ("LOG-01", "regional"): F, ("LOG-01", "stopped"): E}
