"""Findings carry their asset's account and region (issue 14): the engine's, also when a verdict is reused from an
asset of another account; an unread scope's; and every rebuilt finding keeps them. Fingerprints do not change.
Live asset ids of account-scoped things never collide across accounts (moto, two accounts, one run)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checks.baseline import Baseline, BaselineEntry, apply_baseline
from checks.catalog.controls import Control
from checks.catalog.loader import load_catalog
from checks.engine import evaluate
from checks.model import Asset, Finding, Severity, SourceKind, Status, new_finding
from checks.raw import RawResource
from checks.unread import UnreadScope, unread_findings
from checks.waivers import Waiver
from tests.unit.conftest import NOW, kms_asset

A, B = "111111111111", "222222222222"


def live_key(name: str, account: str, region: str | None = "eu-west-1", **attrs: Any) -> Asset:
    """A live customer-managed key that rotates; ARN id in `account`."""
    asset = kms_asset(name, **attrs)
    arn = f"arn:aws:kms:{region}:{account}:key/{name}"
    return dataclasses.replace(asset, id=arn, source=SourceKind.LIVE, account=account, region=region, location=None)


def key_control(controls_dir: Path) -> Control:
    return load_catalog(controls_dir).controls["KEY-01"]


def test_a_finding_knows_no_account_unless_told() -> None:
    f = Finding("C-1", Severity.HIGH, Status.FAIL, "kms.key", "k", "k", SourceKind.PLANNED, "m", "fp")
    assert (f.account, f.region) == (None, None)
    assert dataclasses.fields(Finding)[-2:][0].name == "account"  # the new fields come last: positional calls hold
    assert dataclasses.fields(Finding)[-1].name == "region"


def test_new_finding_equals_the_dataclass_with_account_and_region() -> None:
    values: dict[str, Any] = {
        "control_id": "C-1", "severity": Severity.HIGH, "status": Status.FAIL, "asset_kind": "kms.key",
        "asset_id": "arn:k", "asset_name": "k", "source": SourceKind.LIVE, "message": "m", "fingerprint": "fp",
        "location": None, "detail": "why", "waiver": None}
    built = new_finding(**values, account=A, region="eu-west-1")
    assert built == Finding(**values, account=A, region="eu-west-1")
    assert (built.account, built.region, built.in_baseline) == (A, "eu-west-1", False)
    assert new_finding(**values) == Finding(**values)  # without them: unknown, as before


def test_engine_findings_carry_the_assets_account_and_region(controls_dir: Path) -> None:
    assets = [live_key("k1", A), live_key("k2", B, "us-east-1"), live_key("k3", A, rotation=False)]
    found = evaluate([key_control(controls_dir)], assets, now=NOW).findings
    assert [(f.asset_name, f.status, f.account, f.region) for f in found] == [
        ("k1", Status.PASS, A, "eu-west-1"), ("k2", Status.PASS, B, "us-east-1"), ("k3", Status.FAIL, A, "eu-west-1")]


def test_a_reused_verdict_keeps_each_assets_own_account(controls_dir: Path, judged: list[int]) -> None:
    """Two keys with identical attributes in two accounts (and regions): judged once, each finding its own
    account; a waiver for one account's key waives that one only."""
    assets = [live_key("same", A, rotation=False), live_key("same", B, "us-east-1", rotation=False)]
    waiver = Waiver(control="KEY-01", asset=f"arn:aws:kms:*:{B}:key/*", reason="r", approver="a",
                    expires=dt.date(2099, 1, 1), file="waivers.yaml", line=1)
    found = evaluate([key_control(controls_dir)], assets, now=NOW, waivers=[waiver]).findings
    assert len(judged) == 1  # the verdict was reused
    assert [(f.status, f.account, f.region) for f in found] == [(Status.FAIL, A, "eu-west-1"),
                                                                (Status.WAIVED, B, "us-east-1")]
    assert found[0].asset_name == found[1].asset_name and found[0].fingerprint != found[1].fingerprint


def test_fingerprints_stay_control_kind_id(controls_dir: Path) -> None:
    asset = live_key("k1", A)
    (f,) = evaluate([key_control(controls_dir)], [asset], now=NOW).findings
    assert f.fingerprint == hashlib.sha256(f"KEY-01|kms.key|{asset.id}".encode()).hexdigest()[:32]


def test_unread_scope_findings_carry_the_scopes_account_and_region(controls_dir: Path) -> None:
    control = key_control(controls_dir)
    scopes = [UnreadScope(A, "eu-west-1", "kms.key", "kms:ListKeys", "kms:ListKeys", "AccessDenied kms:ListKeys"),
              UnreadScope(B, None, "kms.key", "kms:ListKeys", "kms:ListKeys", "AccessDenied kms:ListKeys")]
    found = unread_findings([control], scopes)
    assert [(f.status, f.account, f.region, f.asset_id) for f in found] == [
        (Status.ERROR, A, "eu-west-1", f"scope:{A}/eu-west-1/kms.key"),
        (Status.ERROR, B, None, f"scope:{B}/global/kms.key")]
    expected = hashlib.sha256(f"KEY-01|kms.key|scope:{A}/eu-west-1/kms.key".encode()).hexdigest()[:32]
    assert found[0].fingerprint == expected  # unchanged


def test_rebuilt_findings_keep_account_and_region(controls_dir: Path) -> None:
    """`dataclasses.replace` (checkov notes, locations) and the baseline's marking keep both fields."""
    (f,) = evaluate([key_control(controls_dir)], [live_key("k", A, rotation=False)], now=NOW).findings
    noted = dataclasses.replace(f, detail="also checkov CKV_AWS_7")
    assert (noted.account, noted.region) == (A, "eu-west-1")
    applied = apply_baseline(Baseline("b.yaml", (BaselineEntry(f.fingerprint, f.control_id, f.asset_id),)), [f], "t")
    (kept,) = applied.findings
    assert kept.in_baseline and (kept.account, kept.region) == (A, "eu-west-1")


# --- live asset ids across accounts (moto, in process) ------------------------------------------------------------

REGION = "us-east-1"
# the collectors of every account- and region-wide singleton (root user, password policy, the account's S3 block,
# EBS encryption by default, the backup region marker behind aws.region) and a few named resources
COLLECTORS = ("account", "iam", "s3", "ec2_compute", "backup", "logs", "sqs")


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in list(os.environ):
        if var.startswith("AWS_ENDPOINT_URL") or var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # seconds per account; no AMI is read here
    yield


@pytest.mark.slow
@pytest.mark.usefixtures("aws_env")
def test_live_asset_ids_are_distinct_across_accounts() -> None:
    """Two accounts with the same named resources and settings, read and normalized in one run: no (kind, id) is
    shared, every asset knows its account, and so every (control, asset) fingerprint is the account's own."""
    import boto3
    from moto import mock_aws

    from checks.collectors import load_collectors
    from checks.collectors.base import ClientSettings, Scope
    from checks.normalize import normalize
    from checks.normalize.scopes import Scopes

    settings = ClientSettings(max_attempts=2, connect_timeout=1, read_timeout=2)
    with mock_aws():
        first = boto3.Session(region_name=REGION)
        own = first.client("sts").get_caller_identity()["Account"]
        creds = first.client("sts").assume_role(RoleArn=f"arn:aws:iam::{B}:role/scan",
                                                RoleSessionName="scan")["Credentials"]
        second = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                               aws_session_token=creds["SessionToken"], region_name=REGION)
        collectors = load_collectors()
        raws: list[RawResource] = []
        for account, session in ((own, first), (B, second)):
            assert session.client("sts").get_caller_identity()["Account"] == account
            session.client("iam").create_role(RoleName="app", AssumeRolePolicyDocument="{}")
            session.client("iam").update_account_password_policy(MinimumPasswordLength=8)
            session.client("logs").create_log_group(logGroupName="app")
            session.client("sqs").create_queue(QueueName="app")
            scope = Scope(session, REGION, account, settings=settings)
            for name in COLLECTORS:
                raws += collectors[name].collect(scope).resources
        assets = normalize(raws, scopes=Scopes(regions=[(own, REGION), (B, REGION)])).assets
    ids = [(a.kind, a.id) for a in assets]
    assert len(ids) == len(set(ids))
    kinds = {a.kind for a in assets}
    singletons = {"iam.root_user", "iam.password_policy", "s3.account_public_access_block",
                  "ec2.ebs_encryption_default", "aws.region", "iam.role", "logs.log_group", "sqs.queue"}
    assert singletons <= kinds
    for kind in singletons:
        assert sorted(str(a.account) for a in assets if a.kind == kind) == sorted([own, B]), kind
    assert all(a.account in (own, B) for a in assets)
    catalog = load_catalog()
    found = evaluate(catalog.controls.values(), assets, now=NOW, templates=catalog.templates).findings
    assert found and all(f.account in (own, B) for f in found)
    assert len({f.fingerprint for f in found}) == len(found)
