"""The live scan's API calls: only the per-resource reads the selected controls need are made, and the report counts
every attempt by "service:Operation"."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from checks.flows.scan import ScanRequest, run_scan
from checks.live_types import S3_BUCKET, Needs, is_skipped, skipped_reason
from checks.model import Status
from checks.normalize.s3.live import ERROR_PATHS
from checks.report import Report
from checks.selection import Selection
from tests.collectors.conftest import _Raw

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
ALWAYS = {"sts:GetCallerIdentity", "s3:ListBuckets", "s3control:GetPublicAccessBlock", "s3:GetBucketLocation"}


def _estate(session: boto3.Session) -> None:
    s3 = session.client("s3")
    key = session.client("kms").create_key()["KeyMetadata"]["KeyId"]
    for name in ("open", "locked"):
        s3.create_bucket(Bucket=name)
    s3.put_public_access_block(Bucket="locked", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket="locked", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})


def _scan(session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, services: tuple[str, ...] = ("s3",),
          **selection: Any) -> Report:
    monkeypatch.chdir(tmp_path)  # no project settings found upwards
    return run_scan(ScanRequest(session=session, services=services, max_workers=2, now=NOW,
                                selection=Selection.of(**selection)))


def _statuses(report: Report) -> dict[tuple[str, str], tuple[Status, str]]:
    return {(f.control_id, f.asset_name): (f.status, f.message) for f in report.findings}


def test_with_s3_01_selected_only_the_calls_it_needs_are_made(session: boto3.Session, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _estate(session)
    report = _scan(session, tmp_path, monkeypatch, check=["S3-01"])
    # tags are readable by any control of the kind (an identity field), so the tag read stays
    assert set(report.api_calls) == ALWAYS | {"s3:GetPublicAccessBlock", "s3:GetBucketTagging"}
    assert report.api_calls["s3:GetPublicAccessBlock"] == 2
    assert {k: v[0] for k, v in _statuses(report).items()} == {("S3-01", "open"): Status.FAIL,
                                                              ("S3-01", "locked"): Status.PASS}
    assert not [w for w in report.warnings if w.startswith("could not read")]  # left out on purpose: no warning


def test_with_s3_02_selected_the_policy_is_read_and_not_the_encryption(session: boto3.Session, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _estate(session)
    report = _scan(session, tmp_path, monkeypatch, check=["S3-02"])
    assert set(report.api_calls) == ALWAYS | {"s3:GetBucketPolicy", "s3:GetBucketTagging"}


def test_with_every_control_the_results_are_those_of_a_full_read(session: boto3.Session, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A read of every call (Needs() needs everything) and the scan of every control judge alike."""
    _estate(session)
    full = _scan(session, tmp_path, monkeypatch, check=["S3-0*", "ENC-01", "RET-01"])
    monkeypatch.setattr("checks.flows.scan.scan_needs", lambda controls, now, templates=None: Needs())
    everything = _scan(session, tmp_path, monkeypatch, check=["S3-0*", "ENC-01", "RET-01"])
    assert _statuses(full) == _statuses(everything)
    assert full.api_calls["kms:DescribeKey"] == 1  # ENC-01 needs who manages the bucket's key
    # no s3.bucket control reads the logging, the ownership or the ACL: a full read makes them, the scan does not
    left_out = {"s3:GetBucketLogging", "s3:GetBucketOwnershipControls", "s3:GetBucketAcl"}
    assert left_out <= set(everything.api_calls)
    assert not left_out & set(full.api_calls)


def test_a_read_left_out_is_not_read_on_the_asset(session: boto3.Session) -> None:
    """The normalizer records every attribute a left-out read fills as not read (an error), never as known."""
    from tests.collectors.conftest import assets_of, by_name, collect, scope

    _estate(session)
    sc = scope(session)
    needs = Needs.of([type("C", (), {"kind": "s3.bucket", "reads": ("policy_denies_insecure_transport",)})()])
    result = collect(type(sc)(sc.session, sc.region, sc.account, settings=sc.settings, needs=needs), "s3")
    bucket = by_name(assets_of(result), "open")
    assert bucket.errors["logging"] == skipped_reason("s3:GetBucketLogging")
    assert bucket.attributes["logging"] == {"enabled": None, "target_bucket": None}
    assert is_skipped(bucket.errors["lifecycle"]) and "policy" not in bucket.errors


def test_every_optional_s3_read_is_one_the_normalizer_maps() -> None:
    """The contract (live_types.OPTIONAL_READS) and the normalizer name the same calls and bucket attributes."""
    from checks.live_types import OPTIONAL_READS

    reads = OPTIONAL_READS[S3_BUCKET]
    assert set(reads) == set(ERROR_PATHS) - {"GetBucketLocation"}
    for operation, fills in reads.items():
        roots = {path for kind, path in fills if kind == "s3.bucket"}
        assert {p.split(".")[0] for p in ERROR_PATHS[operation]} <= roots | {"effective_public_access_block"}, \
            operation


def test_the_report_counts_every_attempt_retries_included(session: boto3.Session, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, no_backoff: None) -> None:
    kms = session.client("kms")
    for _ in range(3):
        kms.create_key()
    sent: list[int] = []
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()

    def throttled_once(request: Any, **_: Any) -> AWSResponse | None:
        sent.append(1)
        if len(sent) == 1:
            return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))
        return None

    session.events.register_first("before-send.kms.ListKeys", throttled_once)
    calls: list[str] = []
    session.events.register("before-send", lambda event_name, **_: calls.append(event_name))
    report = _scan(session, tmp_path, monkeypatch, services=("kms",), check=["KEY-*"])
    assert report.api_calls["kms:ListKeys"] == 2 == len(sent)  # throttled, then answered
    assert report.api_calls["kms:DescribeKey"] == 3
    assert sum(report.api_calls.values()) == len(calls)
    assert f"{len(calls)} API calls in" in report.warnings[0]
