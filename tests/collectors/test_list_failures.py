"""A list that cannot be read never makes resources vanish: for every collector, its failed primary lists are
ListFailures naming the operation and the raw types they feed, and a scan turns them into `error` findings on
exactly the controls of those kinds, scoped `scope:<account>/<region>/<kind>`. Malformed answers too."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
import pytest

from checks.catalog.loader import load_catalog
from checks.collectors import load_collectors
from checks.collectors.permissions import iam_action
from checks.flows.scan import ScanRequest, run_scan
from checks.live_types import FEEDS
from checks.model import Status
from checks.normalize.scopes import EXPECTATIONS
from checks.report import Report
from tests.collectors.conftest import ACCOUNT, REGION, collect, scope

# collector -> (its primary lists, the raw types each feeds); a new collector must be added here
PRIMARY: dict[str, dict[str, tuple[str, ...]]] = {
    "kms": {"kms:ListKeys": ("live:kms:key",)},
    "s3": {"s3:ListBuckets": ("live:s3:bucket",)},
    "iam": {"iam:ListUsers": ("live:iam:user",), "iam:ListPolicies": ("live:iam:policy",),
            "iam:ListRoles": ("live:iam:role",)},
    "ec2_network": {"ec2:DescribeVpcs": ("live:ec2:vpc",), "ec2:DescribeSubnets": ("live:ec2:subnet",),
                    "ec2:DescribeSecurityGroups": ("live:ec2:security_group",)},
    "ec2_compute": {"ec2:DescribeVolumes": ("live:ec2:volume",), "ec2:DescribeInstances": ("live:ec2:instance",),
                    "ec2:DescribeLaunchTemplates": ("live:ec2:launch_template",)},
    "elbv2": {"elbv2:DescribeLoadBalancers": ("live:elbv2:load_balancer", "live:elbv2:listener")},
    "rds": {"rds:DescribeDBInstances": ("live:rds:db_instance",), "rds:DescribeDBClusters": ("live:rds:db_cluster",)},
    "ecs": {"ecs:ListClusters": ("live:ecs:service",)},
    "dynamodb": {"dynamodb:ListTables": ("live:dynamodb:table",)},
    "backup": {"backup:ListBackupVaults": ("live:backup:vault",), "backup:ListBackupPlans": ("live:backup:plan",)},
    "cloudtrail": {"cloudtrail:DescribeTrails": ("live:cloudtrail:trail",)},
    "logs": {"logs:DescribeLogGroups": ("live:logs:log_group",)},
    "secretsmanager": {"secretsmanager:ListSecrets": ("live:secretsmanager:secret",)},
    "ecr": {"ecr:DescribeRepositories": ("live:ecr:repository",)},
    "efs": {"efs:DescribeFileSystems": ("live:efs:file_system",)},
    "elasticache": {"elasticache:DescribeReplicationGroups": ("live:elasticache:replication_group",),
                    "elasticache:DescribeCacheClusters": ("live:elasticache:replication_group",)},
    "opensearch": {"opensearch:ListDomainNames": ("live:opensearch:domain",)},
    "sqs": {"sqs:ListQueues": ("live:sqs:queue",)},
    "sns": {"sns:ListTopics": ("live:sns:topic",)},
    "kinesis": {"kinesis:ListStreams": ("live:kinesis:stream",)},
    "guardduty": {"guardduty:ListDetectors": ("live:guardduty:detector",)},
    "config": {"config:DescribeConfigurationRecorders": ("live:config:recorder",)},
    "securityhub": {"securityhub:DescribeHub": ("live:securityhub:hub",)},
    "account": {"iam:GetAccountSummary": ("live:iam:root_user",)},
    "snapshots": {"rds:DescribeDBSnapshots": ("live:rds:db_snapshot",),
                  "rds:DescribeDBClusterSnapshots": ("live:rds:db_snapshot",),
                  "ec2:DescribeSnapshots": ("live:ec2:snapshot",), "ec2:DescribeImages": ("live:ec2:image",)},
    "lambda": {"lambda:ListFunctions": ("live:lambda:function",)},
    "ecs_tasks": {"ecs:ListTaskDefinitions": ("live:ecs:task_definition",)},
}
GLOBAL = {"s3", "iam", "account"}


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""


def answer(session: boto3.Session, answers: dict[str, Callable[[], tuple[int, dict[str, Any]]]]) -> None:
    """Answer the operations named "<client service>:<Operation>" with (HTTP status, parsed body), before any
    request is sent (clients built from `session` afterwards inherit the hook)."""

    def handler(model: Any, **_: Any) -> tuple[_Http, dict[str, Any]] | None:
        made = answers.get(f"{model.service_model.service_name}:{model.name}")
        if made is None:
            return None
        status, body = made()
        return _Http(status), {**body, "ResponseMetadata": {"HTTPStatusCode": status}}

    session.events.register("before-call", handler)


def denied(operations: Iterable[str]) -> dict[str, Callable[[], tuple[int, dict[str, Any]]]]:
    return {op: (lambda: (403, {"Error": {"Code": "AccessDenied", "Message": "denied"}})) for op in operations}


def scan(session: boto3.Session, services: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         **kwargs: Any) -> Report:
    monkeypatch.chdir(tmp_path)  # no project settings found upwards
    return run_scan(ScanRequest(session=session, services=services, max_workers=4, **kwargs))


def kinds_of(types: Iterable[str]) -> set[str]:
    return {kind for t in types for kind in FEEDS[t]}


def test_every_collector_is_listed() -> None:
    registry = load_collectors()
    assert set(registry) == set(PRIMARY)
    for name, lists in PRIMARY.items():
        assert {t for types in lists.values() for t in types} <= set(registry[name].types), name


@pytest.mark.parametrize("name", sorted(PRIMARY))
def test_a_denied_primary_list_is_a_list_failure(session: boto3.Session, name: str) -> None:
    answer(session, denied(PRIMARY[name]))
    result = collect(scope(session), name)
    region = None if name in GLOBAL else REGION
    found = {(f.account, f.region, f.operation, f.types) for f in result.errors}
    assert found == {(ACCOUNT, region, op, types) for op, types in PRIMARY[name].items()}
    assert all(f.reason == f"AccessDenied {f.action}" for f in result.errors)
    hidden = {t for types in PRIMARY[name].values() for t in types}
    assert not [r for r in result.resources if r.type in hidden]


@pytest.mark.parametrize("name", sorted(PRIMARY))
def test_a_scan_with_a_denied_list_errors_exactly_the_controls_of_its_kinds(
        session: boto3.Session, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answer(session, denied(PRIMARY[name]))
    report = scan(session, (name,), tmp_path, monkeypatch)
    kinds = kinds_of(t for types in PRIMARY[name].values() for t in types)
    where = "global" if name in GLOBAL else REGION
    scoped = [f for f in report.findings if f.asset_id.startswith("scope:")]
    controls = {c.id for c in load_catalog().controls.values() if c.kind in kinds}
    assert {f.control_id for f in scoped} == controls
    with_controls = {c.kind for c in load_catalog().controls.values()}
    assert {f.asset_id for f in scoped} == {f"scope:{ACCOUNT}/{where}/{k}" for k in kinds & with_controls}
    assert all(f.status is Status.ERROR for f in scoped)
    op, _ = next(iter(PRIMARY[name].items()))
    if not kinds & with_controls:  # kinds judged only by their presence in a region (aws.region: LOG-07, ...)
        decided = {e.attribute for e in EXPECTATIONS if set(e.kinds) & kinds}
        region = [f for f in report.findings if f.asset_id == f"aws-region:{ACCOUNT}/{REGION}"
                  and set(load_catalog().controls[f.control_id].reads) & decided]
        assert region and all(f.status is Status.ERROR and f.detail and op in f.detail for f in region), region
        return
    first = next(f for f in scoped if f.detail and op in f.detail)
    action = iam_action(op)  # s3:ListBuckets -> s3:ListAllMyBuckets, elbv2: -> elasticloadbalancing:, efs: ...
    assert first.detail == f"{op} failed: AccessDenied {action}; grant {action} to the scanning identity"
    assert any(w.startswith(f"could not list: {op} (account {ACCOUNT}")
               and w.endswith(f": AccessDenied {action}: grant {action} to the scanning identity")
               for w in report.warnings), report.warnings


def test_a_scan_where_every_list_is_denied_does_not_look_clean(
        session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answer(session, denied(op for lists in PRIMARY.values() for op in lists))
    report = scan(session, (), tmp_path, monkeypatch)
    catalog = load_catalog().controls.values()
    errored = {f.control_id for f in report.findings if f.status is Status.ERROR}
    fed = kinds_of(t for lists in PRIMARY.values() for types in lists.values() for t in types)
    assert {c.id for c in catalog if c.kind in fed} <= errored
    assert not [f for f in report.findings if f.status is Status.PASS and f.asset_kind in fed
                and f.asset_kind not in ("iam.password_policy", "ec2.ebs_encryption_default")]


def test_a_malformed_list_entry_is_a_list_failure_and_the_others_are_kept(session: boto3.Session) -> None:
    kms = session.client("kms")
    good = kms.create_key()["KeyMetadata"]
    answer(session, {"kms:ListKeys": lambda: (200, {"Keys": [{"KeyId": good["KeyId"], "KeyArn": good["Arn"]},
                                                             {"Whatever": 1}], "Truncated": False})})
    result = collect(scope(session), "kms")
    assert [r.id for r in result.resources] == [good["Arn"]]
    assert [(f.operation, f.reason, f.types) for f in result.errors] == [
        ("kms:ListKeys", "InvalidResponse kms:ListKeys (malformed answer: missing KeyId)", ("live:kms:key",))]


def test_a_list_entry_identified_by_its_arn_alone_is_read(session: boto3.Session) -> None:
    kms = session.client("kms")
    key = kms.create_key()["KeyMetadata"]
    answer(session, {"kms:ListKeys": lambda: (200, {"Keys": [{"KeyArn": key["Arn"]}], "Truncated": False})})
    result = collect(scope(session), "kms")
    assert (result.errors, [r.props["keyId"] for r in result.resources]) == ((), [key["KeyId"]])


def test_a_collector_that_raises_on_a_malformed_answer_does_not_abort_the_scan(
        session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {"DBInstanceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:x", "DBInstanceIdentifier": "x", "TagList": 5}
    answer(session, {"rds:DescribeDBInstances": lambda: (200, {"DBInstances": [bad]})})
    session.client("kms").create_key()
    report = scan(session, ("rds", "kms"), tmp_path, monkeypatch)
    scoped = {(f.control_id, f.asset_id) for f in report.findings if f.asset_id.startswith("scope:")}
    rds_kinds = kinds_of(t for types in PRIMARY["rds"].values() for t in types)  # not rds.db_snapshot: "snapshots"
    rds_controls = {c.id for c in load_catalog().controls.values() if c.kind in rds_kinds}
    assert {c for c, _ in scoped} == rds_controls
    assert any(f.asset_kind == "kms.key" for f in report.findings if not f.asset_id.startswith("scope:"))
    detail = next(f.detail for f in report.findings if f.asset_id == f"scope:{ACCOUNT}/{REGION}/rds.db_instance")
    assert detail == ("rds:DescribeDBInstances failed: InvalidResponse rds collector in us-east-1 (malformed answer: "
                      "TypeError: 'int' object is not iterable); check what answers at the endpoint, then scan again "
                      "(the read needs rds:DescribeDBInstances)")
