"""The guardduty, config, securityhub and account collectors, their live normalizers, and the region- and
account-level controls they decide: LOG-07 (GuardDuty), LOG-08 (AWS Config), LOG-09 (Security Hub) on aws.region,
IAM-06/IAM-07 (the root user's MFA and access keys)."""

from __future__ import annotations

import boto3
import pytest

from checks.catalog.schemas import validate_assets
from checks.collectors.base import CollectResult
from checks.model import Asset, Status
from checks.normalize import Scopes, normalize
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    collect,
    restricted_session,
    results,
    scope,
    statuses,
    with_iam_enforced,
)
from tests.collectors.test_backup import denied

P, F, E = Status.PASS, Status.FAIL, Status.ERROR
REGION_CONTROLS = ("LOG-07", "LOG-08", "LOG-09")


def region_of(*collected: CollectResult) -> list[Asset]:
    """Normalize what the collectors read as a scan of REGION would, with its unread kinds."""
    unread: dict[tuple[str, str | None, str], str] = {}
    from checks.live_types import FEEDS

    for result in collected:
        for failure in result.errors:
            for raw_type in failure.types:
                for kind in FEEDS[raw_type]:
                    unread[(failure.account, failure.region, kind)] = failure.reason
    resources = [r for result in collected for r in result.resources]
    assets = normalize(resources, scopes=Scopes(regions=[(ACCOUNT, REGION)], unread=unread)).assets
    assert not validate_assets(assets)
    return assets


def collect_all(session: boto3.Session) -> list[CollectResult]:
    sc = scope(session)
    return [collect(sc, name) for name in ("guardduty", "config", "securityhub")]


def enable_everything(session: boto3.Session) -> None:
    session.client("guardduty").create_detector(Enable=True)
    cfg = session.client("config")
    cfg.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    session.client("s3").create_bucket(Bucket="config-history")
    cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-history"})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    session.client("securityhub").enable_security_hub()


def test_an_account_with_nothing_enabled_fails_every_region_level_control(session: boto3.Session) -> None:
    collected = collect_all(session)
    assert all(c.resources == () and c.errors == () for c in collected)
    assert statuses(region_of(*collected), *REGION_CONTROLS) == {(c, REGION): F for c in REGION_CONTROLS}


def test_enabled_services_pass_and_normalize(session: boto3.Session) -> None:
    enable_everything(session)
    collected = collect_all(session)
    assets = region_of(*collected)
    detector = next(a for a in assets if a.kind == "guardduty.detector")
    assert detector.attributes == {"enabled": True} and detector.region == REGION
    recorder = next(a for a in assets if a.kind == "config.recorder")
    assert recorder.attributes == {"all_supported": True, "include_global_resource_types": True, "recording": True}
    assert next(a for a in assets if a.kind == "securityhub.hub").attributes == {"enabled": True}
    assert statuses(assets, *REGION_CONTROLS) == {(c, REGION): P for c in REGION_CONTROLS}


def test_a_disabled_detector_and_a_stopped_recorder_fail(session: boto3.Session) -> None:
    enable_everything(session)
    gd = session.client("guardduty")
    gd.update_detector(DetectorId=gd.list_detectors()["DetectorIds"][0], Enable=False)
    session.client("config").stop_configuration_recorder(ConfigurationRecorderName="default")
    got = statuses(region_of(*collect_all(session)), *REGION_CONTROLS)
    assert got == {("LOG-07", REGION): F, ("LOG-08", REGION): F, ("LOG-09", REGION): P}


@pytest.mark.parametrize(("service", "method", "control"), [
    ("guardduty", "list_detectors", "LOG-07"), ("guardduty", "get_detector", "LOG-07"),
    ("config", "describe_configuration_recorders", "LOG-08"),
    ("config", "describe_configuration_recorder_status", "LOG-08"), ("securityhub", "describe_hub", "LOG-09"),
])
def test_a_denied_read_errors_only_its_region_level_control(session: boto3.Session, service: str, method: str,
                                                            control: str) -> None:
    # moto's IAM enforcement denies every guardduty and securityhub call to a restricted user: patch instead
    enable_everything(session)
    sc = scope(session)
    client = sc.client(service)
    operation = f"{service}:{client.meta.method_to_api_mapping[method]}"
    with denied(client, method):
        collected = [collect(sc, name) for name in ("guardduty", "config", "securityhub")]
    got = results(region_of(*collected), *REGION_CONTROLS)
    assert {c for c, (s, _) in got.items() if s is not P} == {(control, REGION)}
    status, detail = got[(control, REGION)]
    assert status is E and detail is not None and operation in detail, detail


def test_root_user_without_mfa_and_with_keys_fails_iam_06_and_07(session: boto3.Session) -> None:
    assets = assets_of(collect(scope(session), "account"))  # moto: AccountMFAEnabled 0
    [root] = assets
    assert (root.id, root.account, root.region) == (f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, None)
    assert root.attributes["mfa_enabled"] is False
    got = statuses(assets, "IAM-06", "IAM-07")
    assert got[("IAM-06", "root")] is F
    assert got[("IAM-07", "root")] is (F if root.attributes["access_keys_present"] else P)


def test_root_summary_denied_is_a_list_failure(session: boto3.Session) -> None:
    restricted = restricted_session(session, ["iam:GetAccountSummary"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "account"))
    assert result.resources == ()
    assert [(f.operation, f.region, f.reason) for f in result.errors] == [
        ("iam:GetAccountSummary", None, "AccessDenied iam:GetAccountSummary")]
