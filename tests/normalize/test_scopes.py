"""Account- and region-level expectations (checks/normalize/scopes.py): absence fails.

LOG-01 (a multi-region trail logs the region), BAK-09 (a region holding data has a backup plan) and ENC-08 (EBS
encryption by default, per region) are judged on what exists in an account and region, so that an account with no
trail, no backup plan or no encryption setting fails instead of giving no finding at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from checks.catalog.loader import load_catalog
from checks.catalog.schemas import validate_assets
from checks.engine import evaluate
from checks.live_types import BACKUP_PLAN, CLOUDTRAIL_TRAIL, DYNAMODB_TABLE, EC2_EBS_ENCRYPTION_DEFAULT
from checks.model import Asset, SourceKind, Status
from checks.normalize import Scopes, normalize
from checks.normalize.logging.events import management_events
from checks.normalize.scopes import REGION_KIND
from checks.raw import RawResource
from tests.normalize.conftest import make_raw

NOW = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
ACCOUNT = "123456789012"
EBS_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
TRAIL = "aws:cloudtrail/trail:Trail"
TABLE = "aws:dynamodb/table:Table"
PLAN = "aws:backup/plan:Plan"


def assets_of(*raws: RawResource, scopes: Scopes | None = None) -> list[Asset]:
    assets = normalize(raws, scopes=scopes).assets
    assert not validate_assets(assets)
    return assets


def results(assets: list[Asset], *controls: str) -> dict[tuple[str, str], Status]:
    catalog = load_catalog()
    chosen = [catalog.controls[c] for c in controls]
    return {(f.control_id, f.asset_name): f.status
            for f in evaluate(chosen, assets, now=NOW, templates=catalog.templates).findings}


def in_region(raw: RawResource, region: str) -> RawResource:
    return dataclasses.replace(raw, region=region)


def trail(name: str, line: int = 10, **props: Any) -> RawResource:
    return make_raw(TRAIL, name, {"name": name, "s3BucketName": "logs", **props}, line=line)


# ---------------------------------------------------------------- planned and state


def test_a_program_that_declares_no_account_setting_gets_no_region_level_result() -> None:
    """An application stack in a shared account claims nothing about the account: no aws.region, no default."""
    assets = assets_of(make_raw(TABLE, "sessions", {"name": "sessions"}), trail("regional"))
    assert {a.kind for a in assets} == {"dynamodb.table", "cloudtrail.trail"}


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_a_managed_program_is_judged_per_region_with_aws_defaults_for_what_it_leaves_out(source: SourceKind) -> None:
    """eu-west-1 declares encryption by default and a trail; us-east-1 holds a table and nothing else."""
    raws = [
        in_region(make_raw(EBS_DEFAULT, "ebs", {"enabled": True}, source=source, line=5), "eu-west-1"),
        in_region(trail("audit", line=7, isMultiRegionTrail=True), "eu-west-1"),
        in_region(make_raw(TABLE, "west", {"name": "west"}, source=source, line=9), "eu-west-1"),
        in_region(make_raw(PLAN, "nightly", {"name": "nightly", "rules": []}, source=source, line=11), "eu-west-1"),
        in_region(make_raw(TABLE, "east", {"name": "east"}, source=source, line=20), "us-east-1"),
    ]
    assets = assets_of(*raws)
    regions = {a.name: a for a in assets if a.kind == REGION_KIND}
    assert set(regions) == {"eu-west-1", "us-east-1"}
    # each region is placed at its first account setting, else at its first resource
    assert (regions["eu-west-1"].location.line, regions["us-east-1"].location.line) == (5, 20)  # type: ignore[union-attr]
    defaults = {a.name: a for a in assets if a.urn and a.urn.startswith("clearance:aws-default::")}
    assert set(defaults) == {"ebs-encryption-default in us-east-1 (not declared: AWS's default)",
                             "account-public-access-block (not declared: AWS's default)"}
    got = results(assets, "LOG-01", "BAK-09", "ENC-08", "S3-03")
    assert got == {
        ("LOG-01", "eu-west-1"): Status.PASS, ("LOG-01", "us-east-1"): Status.PASS,  # a multi-region trail logs both
        ("BAK-09", "eu-west-1"): Status.PASS, ("BAK-09", "us-east-1"): Status.FAIL,
        ("ENC-08", "ebs"): Status.PASS,
        ("ENC-08", "ebs-encryption-default in us-east-1 (not declared: AWS's default)"): Status.FAIL,
        ("S3-03", "account-public-access-block (not declared: AWS's default)"): Status.FAIL,
    }


def test_a_managed_program_without_any_trail_fails_log_01_and_without_data_needs_no_backup_plan() -> None:
    assets = assets_of(make_raw(PAB, "account", {k: True for k in (
        "blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets")}))
    got = results(assets, "LOG-01", "BAK-09")
    assert got == {("LOG-01", "the program's region"): Status.FAIL,
                   ("BAK-09", "the program's region"): Status.NOT_APPLICABLE}


@pytest.mark.parametrize(("props", "expected"), [
    ({"isMultiRegionTrail": True}, Status.PASS),
    ({"isMultiRegionTrail": False}, Status.FAIL),
    ({"isMultiRegionTrail": True, "enableLogging": False}, Status.FAIL),
    ({"isMultiRegionTrail": True, "eventSelectors": [{"readWriteType": "WriteOnly"}]}, Status.FAIL),
    ({"isMultiRegionTrail": True, "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": False}]},
     Status.FAIL),
    ({"isMultiRegionTrail": True, "eventSelectors": [{"readWriteType": "All",
                                                       "excludeManagementEventSources": ["kms.amazonaws.com"]}]},
     Status.FAIL),
    ({"isMultiRegionTrail": True, "eventSelectors": [{"readWriteType": "ReadOnly"}, {"readWriteType": "WriteOnly"}]},
     Status.PASS),
], ids=["multi-region", "single-region", "stopped", "write-only", "no-management", "kms-left-out", "read-plus-write"])
def test_log_01_needs_a_multi_region_logging_trail_with_all_management_events(props: dict[str, Any],
                                                                              expected: Status) -> None:
    settings = make_raw(EBS_DEFAULT, "ebs", {"enabled": True})
    assert results(assets_of(settings, trail("audit", **props)), "LOG-01") == {
        ("LOG-01", "the program's region"): expected}


def test_a_trail_whose_selectors_are_unknown_makes_log_01_unknown_unless_another_trail_satisfies_it() -> None:
    from checks.model import UNKNOWN

    settings = make_raw(EBS_DEFAULT, "ebs", {"enabled": True})
    unknown = trail("audit", isMultiRegionTrail=True, eventSelectors=UNKNOWN)
    assert results(assets_of(settings, unknown), "LOG-01") == {("LOG-01", "the program's region"): Status.UNKNOWN}
    other = trail("org", line=12, isMultiRegionTrail=True)
    assert results(assets_of(settings, unknown, other), "LOG-01") == {("LOG-01", "the program's region"): Status.PASS}


# ---------------------------------------------------------------- live


def live_raw(type_: str, name: str, region: str, props: dict[str, Any], errors: dict[str, str] | None = None,
             arn: str | None = None) -> RawResource:
    ident = arn or f"arn:aws:test:{region}:{ACCOUNT}:{name}"
    return RawResource(type=type_, urn=ident, name=name, id=ident, source=SourceKind.LIVE, errors=errors or {},
                       props={"name": name, "region": region, "account": ACCOUNT, **props})


def live_trail(name: str, seen_in: str, home: str, multi: bool = True, logging: bool = True) -> RawResource:
    arn = f"arn:aws:cloudtrail:{home}:{ACCOUNT}:trail/{name}"
    return live_raw(CLOUDTRAIL_TRAIL, name, seen_in, {
        "TrailARN": arn, "Name": name, "HomeRegion": home, "IsMultiRegionTrail": multi, "isLogging": logging,
        "eventSelectors": [], "advancedEventSelectors": [], "shadow": home != seen_in}, arn=arn)


def ebs_default(region: str) -> RawResource:
    return live_raw(EC2_EBS_ENCRYPTION_DEFAULT, f"ebs-encryption-by-default ({region})", region,
                    {"enabled": True, "kmsKeyId": None}, arn=f"ebs-default:{ACCOUNT}:{region}")


def test_live_every_scanned_region_is_judged_and_a_shadow_trail_is_one_asset() -> None:
    """The multi-region trail of us-east-1 is seen from eu-west-1 too (a shadow trail): one trail asset, and both
    regions are logged; ap-south-1, scanned with nothing in it, fails for want of a trail only if none covers it."""
    scopes = Scopes(regions=[(ACCOUNT, "us-east-1"), (ACCOUNT, "eu-west-1"), (ACCOUNT, "ap-south-1")])
    assets = assets_of(live_trail("org", "us-east-1", "us-east-1"), live_trail("org", "eu-west-1", "us-east-1"),
                       live_trail("local", "ap-south-1", "ap-south-1", multi=False), scopes=scopes)
    assert sorted((a.name, a.region) for a in assets if a.kind == "cloudtrail.trail") == [
        ("local", "ap-south-1"), ("org", "us-east-1")]
    got = results(assets, "LOG-01")
    assert got == {("LOG-01", r): Status.PASS for r in ("us-east-1", "eu-west-1", "ap-south-1")}
    alone = assets_of(live_trail("local", "ap-south-1", "ap-south-1", multi=False),
                      scopes=Scopes(regions=[(ACCOUNT, "ap-south-1")]))
    assert results(alone, "LOG-01") == {("LOG-01", "ap-south-1"): Status.FAIL}


def test_live_an_unread_trail_list_is_an_error_unless_what_was_read_already_satisfies_the_region() -> None:
    why = "AccessDenied cloudtrail:DescribeTrails"
    unread: dict[tuple[str, str | None, str], str] = {(ACCOUNT, "eu-west-1", "cloudtrail.trail"): why}
    nothing = assets_of(scopes=Scopes(regions=[(ACCOUNT, "eu-west-1")], unread=unread))
    [region] = nothing
    assert region.errors == {"logged_by_multi_region_trail": why}
    assert results(nothing, "LOG-01") == {("LOG-01", "eu-west-1"): Status.ERROR}
    satisfied = assets_of(live_trail("org", "us-east-1", "us-east-1"),
                          scopes=Scopes(regions=[(ACCOUNT, "us-east-1"), (ACCOUNT, "eu-west-1")], unread=unread))
    assert results(satisfied, "LOG-01") == {("LOG-01", "us-east-1"): Status.PASS, ("LOG-01", "eu-west-1"): Status.PASS}


def test_live_a_trail_whose_status_could_not_be_read_is_an_error_not_a_pass() -> None:
    raw = dataclasses.replace(live_trail("org", "us-east-1", "us-east-1"),
                              errors={"GetTrailStatus": "AccessDenied cloudtrail:GetTrailStatus"})
    assets = assets_of(raw, scopes=Scopes(regions=[(ACCOUNT, "us-east-1")]))
    assert results(assets, "LOG-01") == {("LOG-01", "us-east-1"): Status.ERROR}


def test_live_backups_data_without_a_plan_fails_unread_plans_are_an_error_unscanned_kinds_not_applicable() -> None:
    table = live_raw(DYNAMODB_TABLE, "sessions", "eu-west-1", {"TableName": "sessions", "TableStatus": "ACTIVE"})
    scopes = Scopes(regions=[(ACCOUNT, "eu-west-1")])
    assert results(assets_of(table, scopes=scopes), "BAK-09") == {("BAK-09", "eu-west-1"): Status.FAIL}
    unread = Scopes(regions=[(ACCOUNT, "eu-west-1")],
                    unread={(ACCOUNT, "eu-west-1", "backup.plan"): "AccessDenied backup:ListBackupPlans"})
    assert results(assets_of(table, scopes=unread), "BAK-09") == {("BAK-09", "eu-west-1"): Status.ERROR}
    only_kms = Scopes(regions=[(ACCOUNT, "eu-west-1")], read_kinds=frozenset({"kms.key"}))
    assert results(assets_of(scopes=only_kms), "BAK-09", "LOG-01") == {
        ("BAK-09", "eu-west-1"): Status.NOT_APPLICABLE, ("LOG-01", "eu-west-1"): Status.NOT_APPLICABLE}


def test_live_assets_without_their_scans_scopes_get_no_region_asset() -> None:
    assets = assets_of(ebs_default("eu-west-1"), live_raw(BACKUP_PLAN, "p", "eu-west-1", {"BackupPlanId": "1"}))
    assert REGION_KIND not in {a.kind for a in assets}


# ---------------------------------------------------------------- event selectors


@pytest.mark.parametrize(("basic", "advanced", "expected"), [
    (None, None, {"read": True, "write": True}),
    ([], [], {"read": True, "write": True}),
    ([{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}], None, {"read": True, "write": False}),
    (None, [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}],
     {"read": True, "write": True}),
    (None, [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                {"Field": "readOnly", "Equals": ["false"]}]}], {"read": False, "write": True}),
    (None, [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]}]}],
     {"read": False, "write": False}),
    (None, [{"fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]}]}], {"read": False, "write": False}),
], ids=["none", "empty", "read-only", "advanced-all", "advanced-write", "advanced-source-filter", "data-only"])
def test_management_events_from_basic_and_advanced_selectors(basic: Any, advanced: Any,
                                                             expected: dict[str, bool]) -> None:
    assert management_events(basic, advanced) == expected


# ---------------------------------------------------------------- detection, planned


DETECTOR = "aws:guardduty/detector:Detector"
RECORDER = "aws:cfg/recorder:Recorder"
RECORDER_STATUS = "aws:cfg/recorderStatus:RecorderStatus"
HUB = "aws:securityhub/account:Account"


@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_planned_detection_services_decide_log_07_08_09(source: SourceKind) -> None:
    settings = make_raw(EBS_DEFAULT, "ebs", {"enabled": True}, source=source)
    nothing = assets_of(settings)
    region = "the program's region"
    assert results(nothing, "LOG-07", "LOG-08", "LOG-09") == {
        ("LOG-07", region): Status.FAIL, ("LOG-08", region): Status.FAIL, ("LOG-09", region): Status.FAIL}
    recorder = make_raw(RECORDER, "default", {"name": "default", "recordingGroup": {"allSupported": True}},
                        source=source, line=3)
    started = make_raw(RECORDER_STATUS, "default", {"name": "default", "isEnabled": True}, source=source, line=4,
                       deps={"name": [recorder.urn]})
    everything = assets_of(settings, make_raw(DETECTOR, "main", {}, source=source, line=2), recorder, started,
                           make_raw(HUB, "main", {}, source=source, line=5))
    assert results(everything, "LOG-07", "LOG-08", "LOG-09") == {
        ("LOG-07", region): Status.PASS, ("LOG-08", region): Status.PASS, ("LOG-09", region): Status.PASS}
    # a recorder never started, a disabled detector
    stopped = assets_of(settings, make_raw(DETECTOR, "main", {"enable": False}, source=source, line=2), recorder)
    assert results(stopped, "LOG-07", "LOG-08") == {("LOG-07", region): Status.FAIL, ("LOG-08", region): Status.FAIL}
