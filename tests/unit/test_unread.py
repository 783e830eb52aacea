"""Unread scopes: a list that failed makes every control of the kinds it feeds `error` for its scope; what the
notes say; a region that could not be reached; the session's profile and credentials source."""

from __future__ import annotations

import threading

import boto3
import pytest

from checks.catalog.loader import load_catalog
from checks.collectors.base import ClientSettings, Collector, CollectResult, ListFailure, Scope
from checks.collectors.endpoints import IN_FLIGHT, Health
from checks.errors import InputError
from checks.flows.scan import ScanRequest, build_session, collect, credentials_source
from checks.flows.scan_gaps import Task, read_problems, unreachable_regions, unread_scopes
from checks.model import Status
from checks.unread import UnreadScope, fix_for, unread_findings

ACCOUNT = "123456789012"
KMS = Collector("kms", ("kms:ListKeys",), lambda s: CollectResult(), types=("live:kms:key",))
LOGS = Collector("logs", ("logs:DescribeLogGroups",), lambda s: CollectResult(), types=("live:logs:log_group",))
S3 = Collector("s3", ("s3:ListBuckets",), lambda s: CollectResult(), global_scope=True, types=("live:s3:bucket",))


def scope(reason: str = "AccessDenied kms:ListKeys", region: str | None = "eu-west-1") -> UnreadScope:
    return UnreadScope(ACCOUNT, region, "kms.key", "kms:ListKeys", "kms:ListKeys", reason)


def test_an_unread_scope_errors_every_control_of_its_kind_once() -> None:
    controls = list(load_catalog().controls.values())
    findings = unread_findings(controls, [scope(), scope()])
    kms_controls = sorted(c.id for c in controls if c.kind == "kms.key")
    assert sorted(f.control_id for f in findings) == kms_controls
    first = findings[0]
    assert (first.status, first.asset_id, first.asset_name) == (
        Status.ERROR, f"scope:{ACCOUNT}/eu-west-1/kms.key", f"every kms.key in account {ACCOUNT}, eu-west-1")
    assert first.detail == "kms:ListKeys failed: AccessDenied kms:ListKeys; grant kms:ListKeys to the scanning identity"
    assert scope(region=None).id == f"scope:{ACCOUNT}/global/kms.key"


@pytest.mark.parametrize(("reason", "fix"), [
    ("AccessDenied kms:ListKeys", "grant kms:ListKeys to the scanning identity"),
    ("Throttled kms:ListKeys (still throttled after retries)",
     "scan again later or with fewer --max-workers (the read needs kms:ListKeys)"),
    ("Timeout (scan deadline of 300 s reached; raise it with --timeout)", "the read needs kms:ListKeys"),
    ("InvalidResponse kms:ListKeys (malformed answer: missing KeyId)",
     "check what answers at the endpoint, then scan again (the read needs kms:ListKeys)"),
    ("EndpointConnectionError kms:ListKeys",
     "check the endpoint and the network, then scan again (the read needs kms:ListKeys)"),
])
def test_fix_names_what_to_do(reason: str, fix: str) -> None:
    assert fix_for(reason, "kms:ListKeys") == fix
    assert scope(reason).fix == fix


def test_list_failures_become_one_scope_per_kind_and_a_note_naming_the_permission() -> None:
    failure = ListFailure(ACCOUNT, None, "s3:ListBuckets", "AccessDenied s3:ListAllMyBuckets", ("live:s3:bucket",))
    scopes = unread_scopes([failure], [Task(S3, None)], ACCOUNT, {})
    assert scopes == [UnreadScope(ACCOUNT, None, "s3.bucket", "s3:ListBuckets", "s3:ListAllMyBuckets",
                                  "AccessDenied s3:ListAllMyBuckets")]
    assert read_problems([], [failure]) == [
        f"could not list: s3:ListBuckets (account {ACCOUNT}): AccessDenied s3:ListAllMyBuckets: "
        "grant s3:ListAllMyBuckets to the scanning identity"]


def test_a_region_where_every_collector_failed_to_connect_is_unreachable() -> None:
    tasks = [Task(KMS, "eu-west-1"), Task(LOGS, "eu-west-1"), Task(KMS, "us-east-1"), Task(LOGS, "us-east-1"),
             Task(S3, None)]
    down = [ListFailure(ACCOUNT, "eu-west-1", "kms:ListKeys", "EndpointConnectionError kms:ListKeys",
                        ("live:kms:key",)),
            ListFailure(ACCOUNT, "eu-west-1", "logs:DescribeLogGroups", "ConnectTimeoutError logs:DescribeLogGroups",
                        ("live:logs:log_group",)),
            ListFailure(ACCOUNT, "us-east-1", "kms:ListKeys", "EndpointConnectionError kms:ListKeys",
                        ("live:kms:key",))]  # us-east-1's logs answered: that region is reachable
    unreachable = unreachable_regions(tasks, down)
    assert unreachable == {(ACCOUNT, "eu-west-1"): "EndpointConnectionError kms:ListKeys"}
    kinds = {(s.region, s.kind) for s in unread_scopes(down, tasks, ACCOUNT, unreachable)}
    assert kinds == {("eu-west-1", "kms.key"), ("eu-west-1", "logs.log_group"), ("us-east-1", "kms.key")}
    notes = read_problems([], down, unreachable)
    assert notes[0] == ("could not reach region eu-west-1 (EndpointConnectionError kms:ListKeys): every kind it holds "
                        "is unread (error); check the endpoint and the network, then scan again")
    assert [n for n in notes if "eu-west-1" in n] == [notes[0]]


def test_a_denied_list_does_not_make_a_region_unreachable() -> None:
    tasks = [Task(KMS, "eu-west-1")]
    denied = [ListFailure(ACCOUNT, "eu-west-1", "kms:ListKeys", "AccessDenied kms:ListKeys", ("live:kms:key",))]
    assert unreachable_regions(tasks, denied) == {}


def test_an_empty_aws_profile_means_no_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = build_session(ScanRequest())
    assert session.profile_name == "default"
    assert credentials_source(session, ScanRequest()) == "env"  # never the key itself


def test_an_unknown_profile_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/clearance-test-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/clearance-test-credentials")
    monkeypatch.setenv("AWS_PROFILE", "ghost")
    with pytest.raises(InputError) as err:
        build_session(ScanRequest())
    assert str(err.value) == "AWS_PROFILE: AWS profile 'ghost' not found (list them with 'aws configure list-profiles')"
    with pytest.raises(InputError) as err:
        build_session(ScanRequest(profile="other"))
    assert str(err.value) == "--profile: AWS profile 'other' not found (list them with 'aws configure list-profiles')"


def test_a_collector_cut_off_by_the_deadline_keeps_the_reasons_of_the_lists_it_had_already_failed() -> None:
    """A throttled list whose retries used up the scan's time stays `throttled`; only what the collector had not
    reached yet is unread for the deadline, naming the call it was waiting for."""
    release = threading.Event()

    def slow(scope: Scope) -> CollectResult:
        failed = scope.failure("ec2:DescribeSecurityGroups", "Throttled ec2:DescribeSecurityGroups", "live:ec2:sg")
        run = IN_FLIGHT.get()
        assert run is not None
        run.started("ec2:DescribeFlowLogs")
        release.wait(10)
        return CollectResult((), (failed,))

    both = Collector("ec2_network", ("ec2:DescribeVpcs", "ec2:DescribeFlowLogs", "ec2:DescribeSecurityGroups"),
                     slow, types=("live:ec2:vpc", "live:ec2:sg"))
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1")
    try:
        got = collect(session, ACCOUNT, ["eu-west-1"], [both], endpoint_url="http://127.0.0.1:9", max_workers=1,
                      settings=ClientSettings(), health=Health(timeout=0.1))
    finally:
        release.set()
    assert {(f.operation, f.types, f.reason.split(" ")[0]) for f in got.failures} == {
        ("ec2:DescribeSecurityGroups", ("live:ec2:sg",), "Throttled"),
        ("ec2:DescribeFlowLogs", ("live:ec2:vpc",), "Timeout")}
