"""The reference program `infra/` is compliant by construction: `clearance check infra/` through the real CLI.

Every control of the catalog must apply to at least one asset of infra/ (a control that only ever says "not
applicable" proves nothing), except the controls listed in NOT_EVALUATED, each with the reason the architecture
has nothing for it to check. When infra/ gains such a resource, or the catalog a control, this test says which list
to update.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLEARANCE = str(Path(sys.executable).parent / "clearance")

NO_EC2 = "the application runs on ECS Fargate: no EC2 instance is declared"
NO_LAUNCH_TEMPLATE = "the application runs on ECS Fargate: no launch template is declared"
NO_CLUSTER = "the database is a single RDS PostgreSQL instance (Multi-AZ), not an Aurora or Multi-AZ DB cluster"
NO_DYNAMODB = "no DynamoDB table: application data lives in RDS PostgreSQL and the customer-data bucket"
NOT_EVALUATED: dict[str, str] = {
    "NET-05": NO_EC2,
    "NET-09": NO_EC2,
    "VUL-02": NO_EC2,
    "NET-06": NO_LAUNCH_TEMPLATE,
    "VUL-03": NO_LAUNCH_TEMPLATE,
    "ENC-07": "no EBS volume is declared (Fargate tasks use AWS-managed ephemeral storage); EBS encryption by "
              "default with the platform key is declared and checked by ENC-08 and ENC-14",
    "BAK-04": NO_CLUSTER,
    "BAK-06": NO_CLUSTER,
    "ENC-10": NO_CLUSTER,
    "NET-12": NO_CLUSTER,
    "ENC-02": NO_DYNAMODB,
    "BAK-07": NO_DYNAMODB,
    "IAM-02": "no IAM user is declared: people sign in through the identity provider, workloads use roles",
    "IAM-03": "no IAM user is declared: people sign in through the identity provider, workloads use roles",
    "IAM-11": "no IAM user is declared: people sign in through the identity provider, workloads use roles",
    "KEY-03": "keys pending deletion are visible in the live view only (not applicable to a plan)",
    "ENC-11": NO_EC2,
    "ENC-12": NO_LAUNCH_TEMPLATE,
    "BAK-08": NO_DYNAMODB,
    "DB-03": NO_CLUSTER,
    "ENC-15": "no SQS queue is declared",
    "ENC-16": "no SNS topic is declared",
    "ENC-17": "no Kinesis stream is declared",
    "ENC-18": "no EFS file system is declared",
    "ENC-21": "no EFS file system is declared",
    "ENC-19": "no ElastiCache cache is declared",
    "TLS-04": "no ElastiCache cache is declared",
    "ENC-20": "no OpenSearch domain is declared",
    "TLS-05": "no OpenSearch domain is declared",
    "IAM-06": "the root user is not a resource a program declares: only a live scan reads it",
    "IAM-07": "the root user is not a resource a program declares: only a live scan reads it",
    "IAM-08": "no customer-managed policy is declared: each role carries its own inline policies or AWS-managed "
              "service policies",
    "IAM-09": "no role has full administrator access: administrators sign in through the identity provider",
    "NET-14": "no manual RDS snapshot is declared (automated snapshots and AWS Backup recovery points cannot be "
              "shared)",
    "NET-15": "no EBS snapshot is declared",
    "NET-16": "no AMI is declared: tasks run on Fargate",
    "SEC-02": "no Lambda function is declared: the application runs on ECS Fargate",
    "NET-17": "no Lambda function is declared: the application runs on ECS Fargate",
}

ASSET_KINDS = {
    "backup.plan", "backup.vault", "cloudtrail.trail", "ec2.ebs_encryption_default", "ec2.security_group",
    "ec2.subnet", "ec2.vpc", "ecr.repository", "ecs.service", "elbv2.listener", "elbv2.load_balancer",
    "iam.password_policy", "kms.key", "logs.log_group", "rds.db_instance", "s3.account_public_access_block",
    "s3.bucket", "secretsmanager.secret", "aws.region", "iam.role", "ecs.task_definition",
}  # GuardDuty, AWS Config and Security Hub are judged on aws.region (LOG-07..09): no finding of their own
APPLIED = ("pass", "fail", "waived", "unknown", "error")  # the control applied to the asset

InfraRun = tuple[subprocess.CompletedProcess[str], dict[str, Any]]  # the finished `clearance check` and its JSON report


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> InfraRun:
    out = tmp_path_factory.mktemp("infra-out")
    proc = subprocess.run([CLEARANCE, "check", "infra/", "--format", "json", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert (out / "clearance.json").exists(), proc.stdout + proc.stderr
    return proc, json.loads((out / "clearance.json").read_text())


def _statuses(report: dict[str, Any]) -> dict[str, Counter[str]]:
    by_control: dict[str, Counter[str]] = defaultdict(Counter)
    for f in report["findings"]:
        by_control[f["control"]][f["status"]] += 1
    return by_control


def test_no_fail_no_error_no_unknown(run: InfraRun) -> None:
    proc, report = run
    bad = [f"{f['control']} {f['status']} {f['asset']['name']}: {f['message']} {f.get('detail') or ''}"
           for f in report["findings"] if f["status"] in ("fail", "error", "unknown")]
    assert bad == [], "\n".join(bad)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["summary"]["result"] == "pass"
    assert report["view"] == "planned" and report["target"] == "program infra (stack dev)"


def test_every_control_applies_to_some_infra_asset(run: InfraRun) -> None:
    _, report = run
    statuses = _statuses(report)
    catalog = set(report["controls"])
    assert set(NOT_EVALUATED) <= catalog, f"listed but not in the catalog: {sorted(set(NOT_EVALUATED) - catalog)}"
    never = sorted(c for c in catalog - set(NOT_EVALUATED) if not any(statuses[c][s] for s in APPLIED))
    assert never == [], f"controls that apply to no asset of infra/ (extend infra/ or list them with a reason): {never}"
    now_applied = sorted(c for c in NOT_EVALUATED if any(statuses[c][s] for s in APPLIED))
    assert now_applied == [], f"controls in NOT_EVALUATED that infra/ now exercises (remove them): {now_applied}"


def test_asset_kinds(run: InfraRun) -> None:
    _, report = run
    assert {f["asset"]["kind"] for f in report["findings"]} == ASSET_KINDS


def test_the_waivers_are_the_two_recorded_owners_decisions(run: InfraRun) -> None:
    """Access logs go only to SSE-S3 buckets (AWS design); partner OAuth secrets are rotated by hand (no API can)."""
    _, report = run
    waived = [(f["control"], f["asset"]["name"]) for f in report["findings"] if f["status"] == "waived"]
    assert waived == [("ENC-01", "access-logs"), ("SEC-01", "oauth-clients")]
    # the patterns match the Pulumi names and the names live (access-logs-1a2b3c, aptly-dev/app/oauth-clients):
    # reported as broad
    assert sorted(report["waiver_problems"]) == [
        "infra/waivers.yaml:14: waiver 2 (SEC-01, asset '*oauth-clients') is broad: it covers every matching "
        "resource; name the assets if you can",
        "infra/waivers.yaml:4: waiver 1 (ENC-01, asset '*access-logs*') is broad: it covers every matching resource; "
        "name the assets if you can"]


def test_every_security_group_rule_is_reviewed(run: InfraRun) -> None:
    _, report = run
    fw01 = [f for f in report["findings"] if f["control"] == "FW-01"]
    assert {f["asset"]["name"] for f in fw01} == {"alb", "app", "db", "default-sg"}
    assert {f["status"] for f in fw01} == {"pass"}
    assert not any("review register" in w for w in report["warnings"]), report["warnings"]


def test_findings_point_into_infra(run: InfraRun) -> None:
    _, report = run
    files = {f["location"]["file"] for f in report["findings"] if f["location"]}
    assert files and all(path.startswith("infra/") for path in files), files
    assert all(f["location"] for f in report["findings"]), "every finding should have a file and line"
