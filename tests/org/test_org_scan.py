"""An organization scanned in one process and in 2 and 3 shards merged from the store: the same findings, per
account. A role that cannot be assumed, a throttled account and a shard that never reported give error results
scoped to their account, never a silent pass. moto in process: Organizations, and AssumeRole into member accounts
(its credentials act in the role's account)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from checks.flows.assess import prepare
from checks.flows.groups import merge_group, run_shard
from checks.flows.scan import ScanRequest, judge_live, run_scan, scan_options
from checks.flows.scan_org import OrgRequest
from checks.model import Finding, Status
from checks.org.shards import Shard
from checks.report import Report
from tests.org.organization import NOW, REGIONS, ROLE, SERVICES


def _request(base: boto3.Session, **org: Any) -> ScanRequest:
    return ScanRequest(session=base, regions=REGIONS, services=SERVICES, now=NOW, timeout=120,
                       org=OrgRequest(organization=True, role_name=ROLE, **org))


def _judge(store: str, group: str) -> Report:
    merged = merge_group(store, group)
    req = ScanRequest(now=NOW)
    options = scan_options(req)
    return judge_live(req, merged.live, prepare(options, NOW), options, NOW, started=0.0)


def _shape(findings: tuple[Finding, ...]) -> set[tuple[Any, ...]]:
    return {(f.fingerprint, f.control_id, f.status, f.asset_id, f.message, f.account)
            for f in findings}


def _sharded(base: boto3.Session, store: str, group: str, count: int, skip: tuple[int, ...] = (),
             **org: Any) -> Report:
    for k in range(1, count + 1):
        if k not in skip:
            run_shard(_request(base, shard=Shard(k, count), run_group=group, **org), store, now=NOW)
    return _judge(store, group)


def test_one_run_and_two_or_three_shards_give_the_same_findings(org: tuple[boto3.Session, list[str]],
                                                                tmp_path: Path) -> None:
    base, members = org
    whole = run_scan(_request(base))
    store = f"sqlite:///{tmp_path / 'h.db'}"
    assert {a for a, _ in [(f.asset_id, 0) for f in whole.findings]}  # something was judged
    for count in (2, 3):
        merged = _sharded(base, store, f"g{count}", count)
        assert _shape(merged.findings) == _shape(whole.findings), count
        assert merged.asset_count == whole.asset_count
    # the violations are where they were made, per account (every account also fails the controls its defaults
    # break: moto's default VPC, no account-wide public access block...)
    failing = {(f.account, f.control_id) for f in whole.findings if f.status is Status.FAIL}
    ssh, rotation = ("NET-02", "NET-03"), "KEY-01"
    assert {c for a, c in failing if a == members[0]} >= set(ssh)
    assert (members[1], rotation) in failing
    assert not {c for a, c in failing if a in (members[1], members[2])} & set(ssh)
    assert (members[0], rotation) not in failing and (members[2], rotation) not in failing
    assert {a for a, _ in failing} == {*members, "123456789012"}  # the management account is scanned too
    assert "organization o-" in whole.target


def _deny_role(base: boto3.Session, account: str) -> None:
    def deny(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if f":{account}:" in str(params.get("body", {}).get("RoleArn", "")):
            return (AWSResponse("https://sts.amazonaws.com/", 403, {}, None),
                    {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"},
                     "ResponseMetadata": {"HTTPStatusCode": 403}})
        return None

    base.events.register_first("before-call.sts.AssumeRole", deny)


def test_a_role_that_cannot_be_assumed_is_an_error_scoped_to_its_account(org: tuple[boto3.Session, list[str]],
                                                                         tmp_path: Path) -> None:
    base, members = org
    _deny_role(base, members[0])
    report = run_scan(_request(base))
    denied = [f for f in report.findings if f.status is Status.ERROR]
    assert denied and all(members[0] in f.asset_id for f in denied)
    role = f"arn:aws:iam::{members[0]}:role/{ROLE}"
    assert all(role in f"{f.message} {f.detail}" and "trusting" in f"{f.detail}" for f in denied), denied[0]
    assert not [f for f in report.findings if members[0] in f.asset_id and f.status is Status.PASS]
    assert any(members[0] in w for w in report.warnings)
    # the others were read and judged
    assert any(f.status is Status.FAIL and f.asset_id.find(members[1]) >= 0 or
               f.account == members[1] for f in report.findings)
    # the same through shards
    merged = _sharded(base, f"sqlite:///{tmp_path / 'h.db'}", "denied", 2)
    assert _shape(merged.findings) == _shape(report.findings)


def test_a_throttled_account_is_an_error_scoped_to_it_and_the_others_complete(
        org: tuple[boto3.Session, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.retries import bucket, standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)
    base, members = org
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield body

    def throttled(account: str, session: boto3.Session) -> None:
        if account == members[1]:
            session.events.register_first(
                "before-send.kms.ListKeys",
                lambda request, **_: AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"},
                                                 Raw()))

    report = run_scan(_request(base, on_session=throttled))
    errors = [f for f in report.findings if f.status is Status.ERROR]
    assert errors and all(members[1] in f.asset_id for f in errors)
    assert all("Throttl" in f"{f.detail}" for f in errors), errors[0]
    # the other accounts' keys and groups were judged
    judged = {f.account for f in report.findings if f.status in (Status.PASS, Status.FAIL)}
    assert members[0] in judged and members[2] in judged


def test_a_shard_that_never_reported_is_named_and_its_share_is_error(org: tuple[boto3.Session, list[str]],
                                                                    tmp_path: Path) -> None:
    base, _ = org
    store = f"sqlite:///{tmp_path / 'h.db'}"
    merged = _sharded(base, store, "partial", 3, skip=(2,))
    assert any("shard(s) 2/3 never reported" in w for w in merged.warnings)
    missing = [f for f in merged.findings if f.status is Status.ERROR and "shard 2/3" in f"{f.detail}"]
    assert missing
    whole = _judge(store, "partial")
    assert {f.fingerprint for f in whole.findings if f.status is Status.PASS}.isdisjoint(
        {f.fingerprint for f in missing})
