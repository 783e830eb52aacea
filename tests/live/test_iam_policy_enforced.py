"""`clearance iam-policy` is exactly what a scan needs: under that policy (moto with IAM enforcement) the scan reads
everything; with one action removed, only the controls that read what it gives turn to `error`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from checks.collectors import load_collectors
from checks.collectors.base import iam_policy
from checks.flows.scan import ScanRequest, run_scan
from checks.model import Status
from checks.sandbox import SandboxInfo, running_sandbox


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxInfo]:
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    with running_sandbox() as info:
        yield info
        requests.post(f"{info.endpoint}/moto-api/reset-auth", data=b"inf", timeout=5)  # back to no enforcement


def _estate(session: Any) -> None:
    kms = session.client("kms")
    rotating = kms.create_key(Description="data")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotating)
    kms.create_key(Description="legacy")
    s3 = session.client("s3")
    s3.create_bucket(Bucket="docs")
    s3.put_public_access_block(Bucket="docs", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})


# moto 5.2.5 authorizes GetBucketEncryption and GetPublicAccessBlock as s3:ListBucket (its S3 ACTION_MAP has no
# "encryption" entry and spells the other "public_access_block" while the query string says "publicAccessBlock");
# real S3 checks s3:GetEncryptionConfiguration and s3:GetBucketPublicAccessBlock, which the printed policy holds.
MOTO_ONLY_ACTIONS = ["s3:ListBucket"]


def printed_policy() -> dict[str, Any]:
    policy = iam_policy(load_collectors().values())
    policy["Statement"][0]["Action"] = sorted(policy["Statement"][0]["Action"] + MOTO_ONLY_ACTIONS)
    return policy


def _scanner(info: SandboxInfo, policy: dict[str, Any]) -> boto3.Session:
    """An IAM user holding exactly `policy` (created before the baseline scan, so both scans see it)."""
    iam = info.session().client("iam")
    iam.create_user(UserName="scanner")
    iam.put_user_policy(UserName="scanner", PolicyName="clearance", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="scanner")["AccessKey"]
    return boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                         region_name=info.region)


def _enforce(info: SandboxInfo) -> None:
    requests.post(f"{info.endpoint}/moto-api/reset-auth", data=b"0", timeout=5)  # authorize every request from now


# moto 5.2.5's IAM enforcement rejects every AWS Backup, EFS, OpenSearch, Lambda, GuardDuty and Security Hub call of
# a restricted user (SignatureDoesNotMatch or AccessDenied), even when its policy allows it: those collectors are left
# out of these two scans (their reads are tested with stubs)
SERVICES = tuple(sorted(set(load_collectors()) - {"backup", "efs", "opensearch", "lambda", "guardduty",
                                                   "securityhub"}))
# moto authorizes s3control's GetPublicAccessBlock under another action than AWS's s3:GetAccountPublicAccessBlock (the
# one the policy grants), so under enforcement the account-level block alone is denied: S3-03 is `error` there, with
# the reason naming the permission, never a pass
MOTO_ACTION_GAP = {("S3-03", "account-public-access-block")}


def _results(info: SandboxInfo, session: boto3.Session) -> tuple[dict[tuple[str, str], Status], tuple[str, ...]]:
    report = run_scan(ScanRequest(session=session, endpoint_url=info.endpoint, max_workers=2, services=SERVICES))
    return {(f.control_id, f.asset_name): f.status for f in report.findings}, report.warnings


def test_scan_under_the_printed_policy_reads_everything(sandbox: SandboxInfo) -> None:
    _estate(sandbox.session())
    scanner = _scanner(sandbox, printed_policy())
    baseline, baseline_warnings = _results(sandbox, sandbox.session())
    _enforce(sandbox)
    enforced, warnings = _results(sandbox, scanner)
    assert {k: v for k, v in enforced.items() if k not in MOTO_ACTION_GAP} == {
        k: v for k, v in baseline.items() if k not in MOTO_ACTION_GAP}
    assert all(enforced[k] is Status.ERROR for k in MOTO_ACTION_GAP)
    assert [w for w in warnings if "AccessDenied" in w and "s3:GetAccountPublicAccessBlock" not in w] == [], warnings
    # what the sandbox itself cannot answer (moto gaps) is the same with and without the policy
    gap = "s3:GetAccountPublicAccessBlock"
    assert [w for w in warnings if w.startswith("could") and gap not in w] == [
        w for w in baseline_warnings if w.startswith("could")]


def test_a_denied_read_turns_only_its_controls_into_error(sandbox: SandboxInfo) -> None:
    _estate(sandbox.session())
    policy = printed_policy()
    policy["Statement"][0]["Action"].remove("kms:GetKeyRotationStatus")
    scanner = _scanner(sandbox, policy)
    baseline, _ = _results(sandbox, sandbox.session())
    _enforce(sandbox)
    denied, warnings = _results(sandbox, scanner)
    changed = {k: (baseline[k], v) for k, v in denied.items() if baseline.get(k) is not v and k not in MOTO_ACTION_GAP}
    assert changed and {control for control, _ in changed} == {"KEY-01"}
    assert all(after is Status.ERROR for _, after in changed.values())
    assert any("grant kms:GetKeyRotationStatus" in w for w in warnings), warnings
