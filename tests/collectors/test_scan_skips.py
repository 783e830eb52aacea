"""Fewer calls, same results: reads no applicable selected control needs are left out (scan_needs.py), reads of
controls not selected are left out beyond S3, and KMS key answers are read once per scan (collectors/shared.py)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest

from checks.catalog.loader import load_catalog
from checks.collectors.base import Outcome
from checks.collectors.shared import Shared
from checks.flows.scan import ScanRequest, run_scan
from checks.flows.scan_needs import scan_needs
from checks.live_types import DYNAMODB_TABLE, KMS_KEY, S3_BUCKET, Needs, not_applicable_reason, skipped_reason
from checks.model import Status
from checks.report import Report
from checks.selection import Selection
from tests.collectors.conftest import assets_of, by_name, collect, scope

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
LATER = ("s3:GetBucketVersioning", "s3:GetBucketLifecycleConfiguration", "s3:GetObjectLockConfiguration")


def _scan(session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, services: tuple[str, ...],
          check: list[str]) -> Report:
    monkeypatch.chdir(tmp_path)  # no project settings found upwards
    return run_scan(ScanRequest(session=session, services=services, max_workers=2, now=NOW,
                                selection=Selection.of(check=check)))


def _full(session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, services: tuple[str, ...],
          check: list[str]) -> Report:
    """The same scan reading everything (what drift reads)."""
    with monkeypatch.context() as m:
        m.setattr("checks.flows.scan.scan_needs", lambda controls, now, templates=None: Needs())
        return _scan(session, tmp_path, monkeypatch, services, check)


def _results(report: Report) -> dict[tuple[str, str], tuple[Status, str, str | None]]:
    return {(f.control_id, f.asset_name): (f.status, f.message, f.detail) for f in report.findings}


def _buckets(session: boto3.Session) -> None:
    s3 = session.client("s3")
    for name in ("plain", "customer"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket="customer", Tagging={"TagSet": [{"Key": "data", "Value": "customer"}]})


def _controls(*ids: str) -> list[Any]:
    controls = load_catalog().controls
    return [controls[i] for i in ids]


def test_reads_only_a_control_that_does_not_apply_needs_are_left_out(session: boto3.Session, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """RET-01 applies to buckets tagged as customer data: only those have their lifecycle, versioning and Object Lock
    read; the results are those of a full read."""
    _buckets(session)
    report = _scan(session, tmp_path, monkeypatch, ("s3",), ["RET-01", "S3-01"])
    assert [report.api_calls[op] for op in LATER] == [1, 1, 1]
    assert report.api_calls["s3:GetPublicAccessBlock"] == 2  # S3-01 applies to every bucket
    got = _results(report)
    assert got[("RET-01", "plain")][0] is Status.NOT_APPLICABLE
    assert got[("RET-01", "customer")][0] is Status.FAIL
    assert not [w for w in report.warnings if w.startswith("could not read")]  # left out on purpose: no warning
    full = _full(session, tmp_path, monkeypatch, ("s3",), ["RET-01", "S3-01"])
    assert [full.api_calls[op] for op in LATER] == [2, 2, 2]
    assert got == _results(full)


def test_a_read_left_out_as_not_applicable_is_not_read_on_the_asset(session: boto3.Session) -> None:
    _buckets(session)
    sc = scope(session)
    needs = scan_needs(_controls("RET-01"), NOW)
    assert needs.deferred(S3_BUCKET) == {"GetBucketVersioning", "GetBucketLifecycleConfiguration",
                                         "GetObjectLockConfiguration"}
    assets = assets_of(collect(type(sc)(sc.session, sc.region, sc.account, settings=sc.settings, needs=needs), "s3"))
    plain, customer = by_name(assets, "plain"), by_name(assets, "customer")
    assert plain.errors["lifecycle"] == ("NotApplicable s3:GetLifecycleConfiguration (no selected control that reads "
                                         "what it returns applies to this resource; not read)")
    assert plain.errors["versioning"] == not_applicable_reason("s3:GetBucketVersioning")
    assert plain.errors["object_lock"] == not_applicable_reason("s3:GetBucketObjectLockConfiguration")
    assert plain.attributes["lifecycle"]["expires_objects_within_days"] is None  # never a known value
    assert not {"lifecycle", "versioning", "object_lock"} & set(customer.errors)
    assert customer.attributes["versioning"]["status"] is not None


def test_only_an_applies_if_on_identity_fields_gates_a_read() -> None:
    """KEY-02 applies to customer-managed keys: a fact the key's own description decides, not an identity field, so
    the key policy is not gated; ENC-01 has no applies_if, so a bucket's encryption never is."""
    assert scan_needs(_controls("KEY-02"), NOW).deferred(KMS_KEY) == frozenset()
    assert scan_needs(_controls("ENC-01", "RET-01"), NOW).deferred(S3_BUCKET) == {
        "GetBucketVersioning", "GetBucketLifecycleConfiguration", "GetObjectLockConfiguration"}
    assert Needs().deferred(S3_BUCKET) == frozenset()  # drift reads everything


def test_reads_of_controls_not_selected_are_left_out_beyond_s3(session: boto3.Session, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    kms = session.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    session.client("dynamodb").create_table(
        TableName="orders", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    session.client("ecr").create_repository(repositoryName="app")
    iam = session.client("iam")
    iam.create_user(UserName="ci")
    iam.create_access_key(UserName="ci")
    services, check = ("kms", "dynamodb", "ecr", "iam"), ["KEY-03", "ENC-02", "VUL-05", "IAM-02"]
    report = _scan(session, tmp_path, monkeypatch, services, check)
    left_out = {"kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "dynamodb:DescribeContinuousBackups",
                "ecr:GetRepositoryPolicy", "iam:GetAccessKeyLastUsed"}
    assert not left_out & set(report.api_calls)
    full = _full(session, tmp_path, monkeypatch, services, check)
    assert left_out <= set(full.api_calls)
    assert _results(report) == _results(full)
    assert not [w for w in report.warnings if w.startswith("could not read")]

    sc = scope(session)
    needs = Needs.of(_controls(*check))
    for name in ("kms", "dynamodb"):
        assets = assets_of(collect(type(sc)(sc.session, sc.region, sc.account, settings=sc.settings, needs=needs),
                                   name))
        if name == "kms":
            found = next(a for a in assets if a.kind == "kms.key" and key in (a.id or ""))
            assert found.errors["policy"] == skipped_reason("kms:GetKeyPolicy")
            assert found.errors["rotation.enabled"] == skipped_reason("kms:GetKeyRotationStatus")
            assert found.attributes["policy"] is None and found.attributes["rotation"]["enabled"] is None
        else:
            table = by_name(assets, "orders")
            assert table.errors["point_in_time_recovery"] == skipped_reason("dynamodb:DescribeContinuousBackups")
            assert table.attributes["point_in_time_recovery"]["enabled"] is None
    assert DYNAMODB_TABLE  # the contract names the table's optional read (live_types.OPTIONAL_READS)


def test_key_answers_are_read_once_per_scan_and_never_carried_to_the_next(
        session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """S3 names the key the KMS collector reads: one DescribeKey and one ListAliases in all, in each scan."""
    key = session.client("kms").create_key()["KeyMetadata"]["KeyId"]
    s3 = session.client("s3")
    for name in ("alpha", "bravo"):
        s3.create_bucket(Bucket=name)
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
    reports = [_scan(session, tmp_path, monkeypatch, ("kms", "s3"), ["ENC-01", "KEY-01"]) for _ in range(2)]
    for report in reports:
        assert (report.api_calls["kms:DescribeKey"], report.api_calls["kms:ListAliases"]) == (1, 1)
        got = _results(report)
        assert got[("ENC-01", "alpha")][0] is got[("ENC-01", "bravo")][0] is Status.PASS
    alone = _scan(session, tmp_path, monkeypatch, ("s3",), ["ENC-01"])  # without the KMS collector: same verdicts
    assert {k: v for k, v in _results(reports[0]).items() if k[0] == "ENC-01"} == _results(alone)


def test_shared_keeps_answers_that_succeeded_and_askers_wait_for_a_read_in_flight() -> None:
    shared = Shared()
    reads: list[str] = []
    failed = Outcome(None, "AccessDenied kms:DescribeKey")

    def kept(outcome: Outcome) -> bool:
        return outcome.error is None

    def failing(mark: str) -> Any:
        def read() -> Outcome:
            reads.append(mark)
            return failed
        return read

    assert shared.once("k", failing("1"), kept) == failed
    assert shared.once("k", failing("2"), kept) == failed  # a failure is each asker's own
    assert reads == ["1", "2"] and len(shared) == 0

    started, release = threading.Event(), threading.Event()
    answers: list[Outcome] = []

    def slow() -> Outcome:
        reads.append("slow")
        started.set()
        release.wait(5)
        return Outcome({"KeyMetadata": {}}, None)

    first = threading.Thread(target=lambda: answers.append(shared.once("k", slow, kept)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: answers.append(shared.once("k", failing("x"), kept)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert reads == ["1", "2", "slow"]  # the second asker waited and took the first one's answer
    assert answers == [Outcome({"KeyMetadata": {}}, None)] * 2 and len(shared) == 1
