"""`clearance scan` through the fault proxy: whatever a call's failure looks like (denied, throttled, HTTP 500, an
unparsable or incomplete answer, a reset connection, no answer at all), what could not be read is `error` on exactly
the controls it feeds, never `pass`; the run never exits 0 (4 when nothing failed, 1 when something did); and it ends
within its --timeout.

The estate (seeded once per module): an SSH-open security group (so an unread group list would hide a real
failure), a customer-managed KMS key without rotation, an S3 bucket and an IAM user.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.catalog.loader import load_catalog
from checks.sandbox import SandboxInfo
from tests.faults.conftest import DEADLINE, MARGIN, REGION, ScanRun, run_clearance_scan
from tests.faults.proxy import Fault, FaultProxy, Rule

ACCOUNT = "123456789012"
ALL_ANSWERING_FAULTS = (Fault.DENY, Fault.THROTTLE, Fault.HTTP500, Fault.GARBAGE, Fault.MISSING_KEYS, Fault.RESET)


@functools.cache
def controls_of(kind: str) -> frozenset[str]:
    return frozenset(c.id for c in load_catalog().controls.values() if c.kind == kind)


@pytest.fixture(scope="module", autouse=True)
def estate(sandbox: SandboxInfo) -> Iterator[dict[str, str]]:
    session = sandbox.session()
    ec2 = session.client("ec2")
    group = ec2.create_security_group(GroupName="ssh-open", Description="SSH from anywhere")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    key = session.client("kms").create_key(Description="no rotation")["KeyMetadata"]["KeyId"]
    session.client("s3").create_bucket(Bucket="faults-bucket")
    session.client("iam").create_user(UserName="faults-user")
    yield {"group": group, "key": key}


def scan(faults: FaultProxy, tmp_path: Path, *services: str) -> ScanRun:
    run = run_clearance_scan(faults.endpoint, tmp_path / "out", *services)
    assert run.report is not None, run.explain()
    return run


def assert_bounded_and_not_ok(run: ScanRun) -> None:
    """(b) and (c): no exit 0 when something was not read; 1 with a failure, else 4; within the deadline."""
    failed = any(f["status"] == "fail" for f in run.findings())
    assert run.code == (1 if failed else 4), run.explain()
    assert run.seconds < DEADLINE + MARGIN, run.explain()


def assert_scope_unread(run: ScanRun, operation: str, kind: str, region: str | None,
                        after: frozenset[str] = frozenset()) -> None:
    """(a): one `error` per control of `kind`, scoped to the account and region, naming the failed `operation`, and
    no result for any asset of it. No other scope is reported unread, except kinds in `after`: those the same
    collector reads only after `operation`, which a fault that stops the collector (a dead endpoint, the deadline)
    leaves unread too."""
    scope = f"scope:{ACCOUNT}/{region or 'global'}/{kind}"
    of_kind = {(f["control"], f["asset"]["id"], f["status"]) for f in run.findings(kind)}
    assert of_kind == {(cid, scope, "error") for cid in controls_of(kind)}, run.explain()
    details = {f["detail"] for f in run.findings(kind)}
    assert all(d.startswith(f"{operation} failed: ") for d in details), details
    allowed = {scope} | {f"scope:{ACCOUNT}/{region or 'global'}/{k}" for k in after}
    others = {f["asset"]["id"] for f in run.findings() if f["asset"]["id"].startswith("scope:")} - allowed
    assert not others, others


def test_baseline_reads_everything(faults: FaultProxy, tmp_path: Path, estate: dict[str, str]) -> None:
    """Without faults the SSH-open group fails and nothing is unread: what the faults below hide is real."""
    run = run_clearance_scan(faults.endpoint, tmp_path / "out", "ec2_network", "kms")
    assert run.report is not None, run.explain()
    group = [f for f in run.findings("ec2.security_group") if f["asset"]["id"].endswith(estate["group"])]
    assert any(f["status"] == "fail" for f in group), run.explain()
    assert not [f for f in run.findings() if f["status"] == "error"], run.explain()
    assert run.code == 1 and faults.seen["ec2:DescribeSecurityGroups"] >= 1 and not faults.hits


def test_denied_security_groups_are_error_on_every_group_control(faults: FaultProxy, tmp_path: Path) -> None:
    faults.inject(Rule("ec2:DescribeSecurityGroups", Fault.DENY))
    run = scan(faults, tmp_path, "ec2_network")
    assert faults.hits["ec2:DescribeSecurityGroups"] >= 1
    assert_scope_unread(run, "ec2:DescribeSecurityGroups", "ec2.security_group", REGION)
    assert not [f for f in run.findings("ec2.security_group") if f["status"] == "pass"]
    assert run.code == 1  # the default VPC has no flow logs: a real failure besides the unread groups
    assert_bounded_and_not_ok(run)
    detail = next(f for f in run.findings("ec2.security_group"))["detail"]
    assert detail == ("ec2:DescribeSecurityGroups failed: AccessDenied ec2:DescribeSecurityGroups; "
                      "grant ec2:DescribeSecurityGroups to the scanning identity")


@pytest.mark.parametrize("fault", ALL_ANSWERING_FAULTS + (Fault.HANG,), ids=lambda f: f.value)
def test_kms_list_keys_json_protocol(faults: FaultProxy, tmp_path: Path, fault: Fault) -> None:
    faults.inject(Rule("kms:ListKeys", fault))
    run = scan(faults, tmp_path, "kms")
    assert faults.hits["kms:ListKeys"] >= 1
    assert_scope_unread(run, "kms:ListKeys", "kms.key", REGION)
    assert_bounded_and_not_ok(run)


@pytest.mark.parametrize("fault", [Fault.THROTTLE, Fault.HTTP500, Fault.GARBAGE, Fault.MISSING_KEYS, Fault.RESET],
                         ids=lambda f: f.value)
def test_ec2_security_groups_query_protocol(faults: FaultProxy, tmp_path: Path, fault: Fault) -> None:
    faults.inject(Rule("ec2:DescribeSecurityGroups", fault))
    run = scan(faults, tmp_path, "ec2_network")
    assert faults.hits["ec2:DescribeSecurityGroups"] >= 1
    # the flow logs (ec2.vpc) and route tables (ec2.subnet) are listed after the groups
    stopped = frozenset({"ec2.vpc", "ec2.subnet"}) if fault in (Fault.THROTTLE, Fault.RESET) else frozenset()
    assert_scope_unread(run, "ec2:DescribeSecurityGroups", "ec2.security_group", REGION, after=stopped)
    assert_bounded_and_not_ok(run)


@pytest.mark.parametrize("fault", [Fault.DENY, Fault.THROTTLE, Fault.GARBAGE, Fault.MISSING_KEYS],
                         ids=lambda f: f.value)
def test_s3_list_buckets_rest_xml(faults: FaultProxy, tmp_path: Path, fault: Fault) -> None:
    faults.inject(Rule("s3:ListBuckets", fault))
    run = scan(faults, tmp_path, "s3")
    assert faults.hits["s3:ListBuckets"] >= 1
    assert_scope_unread(run, "s3:ListBuckets", "s3.bucket", None)
    assert_bounded_and_not_ok(run)


def test_iam_list_users_query_protocol(faults: FaultProxy, tmp_path: Path) -> None:
    """The account password policy is read before the users: it stays evaluated (the query protocol's throttling
    shape is covered by test_proxy.py; a persistent throttle here only costs the deadline again)."""
    faults.inject(Rule("iam:ListUsers", Fault.DENY))
    run = scan(faults, tmp_path, "iam")
    assert faults.hits["iam:ListUsers"] >= 1
    assert_scope_unread(run, "iam:ListUsers", "iam.user", None)
    assert_bounded_and_not_ok(run)


@pytest.mark.parametrize("fault", [Fault.DENY, Fault.HANG], ids=lambda f: f.value)
def test_unread_rotation_is_error_on_the_key_only(faults: FaultProxy, tmp_path: Path, estate: dict[str, str],
                                                  fault: Fault) -> None:
    """A per-resource read that fails: KEY-01 (which reads the rotation) is `error` on that key; the list was read,
    so no scope is unread. Denied, the key's other controls are evaluated; held past the deadline, the reads after
    it are not made, so they may be `error` too, but never `pass` on what was not read."""
    faults.inject(Rule("kms:GetKeyRotationStatus", fault))
    run = scan(faults, tmp_path, "kms")
    assert faults.hits["kms:GetKeyRotationStatus"] >= 1
    ours = {f["control"]: f["status"] for f in run.findings("kms.key") if f["asset"]["id"].endswith(estate["key"])}
    assert ours.keys() == controls_of("kms.key") and ours["KEY-01"] == "error", run.explain()
    if fault is Fault.DENY:
        assert all(status in ("pass", "fail") for cid, status in ours.items() if cid != "KEY-01"), ours
    assert not [f for f in run.findings() if f["asset"]["id"].startswith("scope:")], run.explain()
    assert_bounded_and_not_ok(run)
