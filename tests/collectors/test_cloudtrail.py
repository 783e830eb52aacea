"""The cloudtrail collector, the live cloudtrail.trail normalizer (LOG-05, LOG-06) and the regions it logs (LOG-01)."""

from __future__ import annotations

import boto3
import pytest

from checks.catalog.schemas import validate_assets
from checks.collectors import cloudtrail as cloudtrail_collector  # noqa: F401  (registers the collector)
from checks.collectors.base import Scope
from checks.model import Status
from checks.normalize import Scopes, normalize
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


def region_statuses(*scopes: Scope) -> dict[tuple[str, str], Status]:
    """LOG-01 per region, over the trails every scope's collector read (as a scan of those regions would)."""
    resources = [r for sc in scopes for r in collect(sc, "cloudtrail").resources]
    assets = normalize(resources, scopes=Scopes(regions=[(sc.account, sc.region) for sc in scopes])).assets
    assert not validate_assets(assets)
    return statuses(assets, "LOG-01")


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
        "s3_bucket": "audit-trail-logs", "cloudwatch_log_group": None, "home_region": REGION,
        "management_events": {"read": True, "write": True}}
    assert by_name(assets, "regional").attributes["encryption"] == {
        "enabled": True, "algorithm": "AES256", "kms_key_id": None, "customer_managed_key": False}
    assert by_name(assets, "stopped").attributes["logging_enabled"] is False
    assert statuses(assets, "LOG-05") == {("LOG-05", "main"): P, ("LOG-05", "regional"): F, ("LOG-05", "stopped"): P}
    assert statuses(assets, "LOG-06") == {("LOG-06", "main"): P, ("LOG-06", "regional"): F, ("LOG-06", "stopped"): P}
    assert region_statuses(scope(session)) == {("LOG-01", REGION): P}


def test_a_multi_region_trail_logs_every_scanned_region_and_is_one_asset(session: boto3.Session) -> None:
    """Seen from eu-west-1 as a shadow trail (read in its home region): one asset, and eu-west-1 is logged."""
    make_trails(session)
    other = Scope(session, "eu-west-1", ACCOUNT, settings=FAST)
    shadow = collect(other, "cloudtrail").resources
    assert [(r.name, r.props["shadow"], r.errors) for r in shadow] == [("main", True, {}), ("stopped", True, {})]
    both = [*collect(scope(session), "cloudtrail").resources, *shadow]
    assets = normalize(both, scopes=Scopes(regions=[(ACCOUNT, REGION), (ACCOUNT, "eu-west-1")])).assets
    assert sorted((a.name, a.region) for a in assets if a.kind == "cloudtrail.trail") == [
        ("main", REGION), ("regional", REGION), ("stopped", REGION)]
    assert region_statuses(scope(session), other) == {("LOG-01", REGION): P, ("LOG-01", "eu-west-1"): P}
    assert region_statuses(other) == {("LOG-01", "eu-west-1"): P}  # its home region not scanned: still logged


def test_a_region_without_trails_fails_log_01(session: boto3.Session) -> None:
    assert region_statuses(scope(session)) == {("LOG-01", REGION): F}


def test_event_selectors_that_leave_out_read_events_fail_log_01(session: boto3.Session) -> None:
    make_trails(session)
    ct = session.client("cloudtrail")
    ct.put_event_selectors(TrailName="main", EventSelectors=[{"ReadWriteType": "WriteOnly",
                                                              "IncludeManagementEvents": True}])
    main = by_name(assets_of(collect(scope(session), "cloudtrail")), "main")
    assert main.attributes["management_events"] == {"read": False, "write": True}
    assert region_statuses(scope(session)) == {("LOG-01", REGION): F}
    ct.put_event_selectors(TrailName="main", AdvancedEventSelectors=[{"Name": "management", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}]}])
    assert region_statuses(scope(session)) == {("LOG-01", REGION): P}


def test_stop_logging_is_seen_on_the_next_scan(session: boto3.Session) -> None:
    make_trails(session)
    assert region_statuses(scope(session)) == {("LOG-01", REGION): P}
    session.client("cloudtrail").stop_logging(Name="main")
    assert region_statuses(scope(session)) == {("LOG-01", REGION): F}


@pytest.mark.parametrize("operation", ["GetTrailStatus", "GetEventSelectors"])
def test_a_denied_trail_read_errors_log_01_and_nothing_else(session: boto3.Session, operation: str) -> None:
    make_trails(session)
    baseline = statuses(assets_of(collect(scope(session), "cloudtrail")))
    restricted = restricted_session(session, [f"cloudtrail:{operation}"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "cloudtrail"))
    assets = assets_of(result)
    path = "logging_enabled" if operation == "GetTrailStatus" else "management_events"
    assert by_name(assets, "main").errors == {path: f"AccessDenied cloudtrail:{operation}"}
    assert {k for k, (s, _) in results(assets).items() if s is not baseline[k]} == set()  # LOG-05/06 unaffected
    region = normalize(result.resources, scopes=Scopes(regions=[(ACCOUNT, REGION)])).assets
    status, detail = results(region)[("LOG-01", REGION)]
    assert status is E and detail is not None and f"AccessDenied cloudtrail:{operation}" in detail


def test_denied_key_lookup_errors_log_06_of_kms_trails(session: boto3.Session) -> None:
    make_trails(session)
    sc = scope(session)
    with denied(sc.client("kms"), "describe_key"):
        got = statuses(assets_of(collect(sc, "cloudtrail")), "LOG-06")
    assert got == {("LOG-06", "main"): E, ("LOG-06", "regional"): F, ("LOG-06", "stopped"): E}
