"""A realistic sample report for the renderer tests.

Eight controls (two per severity); findings of every status: fails with and without a source location,
waived findings with a WaiverRef, an unknown and an error with `detail`, passes and not-applicable
results; unsupported resource types, a waiver problem and a warning. `fail_on` is high, so three
fails are at or above the threshold (NET-01, KEY-01, S3-01) and two are below it (S3-02, TAG-01).

`FRAMEWORKS` (two small frameworks the sample controls map to) is only in the report when asked for
(`make_report(frameworks=FRAMEWORKS)` or the `covered_report` fixture): without frameworks, renderers add no
coverage section.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from checks.catalog.controls import Control, Remediation
from checks.catalog.expressions import Expression
from checks.catalog.frameworks import Evidence, Framework, Requirement
from checks.model import Finding, Location, Severity, SourceKind, Status, WaiverRef
from checks.report import Report

MAIN = "infra/__main__.py"
ACCOUNT = "123456789012"


def make_control(cid: str, title: str, severity: Severity, kind: str, frameworks: dict[str, tuple[str, ...]],
                 **extra: object) -> Control:
    return Control.of({
        "id": cid,
        "title": title,
        "severity": severity,
        "kind": kind,
        "reads": ("x",),
        "assert": Expression("x"),
        "message": "{name} is not compliant",
        "remediation": Remediation(pulumi=f"Fix {cid} in the Pulumi program.", cli=f"aws fix-{cid.lower()}"),
        "frameworks": frameworks,
        **extra,
    })


CONTROLS: dict[str, Control] = {c.id: c for c in (
    make_control("NET-01", "Security groups do not expose admin ports to the internet", Severity.CRITICAL,
                 "ec2.security_group", {"soc2": ("CC6.6",), "cis_aws_v3": ("5.2",)},
                 description="Ingress from 0.0.0.0/0 or ::/0 to ports 22 or 3389 is forbidden."),
    make_control("IAM-01", "IAM policies do not grant full administrative privileges", Severity.CRITICAL,
                 "iam.policy", {"soc2": ("CC6.1", "CC6.3"), "nist_800_53": ("AC-6",)}),
    make_control("KEY-01", "Customer-managed KMS keys rotate automatically", Severity.HIGH, "kms.key",
                 {"soc2": ("CC6.1",), "iso27001_2022": ("A.8.24",), "nist_800_53": ("SC-12",)},
                 claim="Aptly uses a secure key management system with yearly key rotation."),
    make_control("S3-01", "S3 buckets block public access", Severity.HIGH, "s3.bucket", {"soc2": ("CC6.1",)}),
    make_control("S3-02", "S3 buckets keep object versions", Severity.MEDIUM, "s3.bucket", {"soc2": ("A1.2",)}),
    make_control("RDS-01", "RDS instances keep automated backups", Severity.MEDIUM, "rds.db_instance",
                 {"soc2": ("A1.2",)}),
    make_control("TAG-01", "Resources carry an owner tag", Severity.LOW, "s3.bucket", {}),
    make_control("LOG-01", "S3 buckets log server access", Severity.LOW, "s3.bucket", {"soc2": ("CC7.2",)}),
)}


def framework(fid: str, name: str, *reqs: tuple[str, str, bool], version: str | None = None) -> Framework:
    return Framework(fid, name, {rid: Requirement(rid, title, manual) for rid, title, manual in reqs},
                     f"policies/frameworks/{fid}.yaml", version)


# SOC 2 coverage of the sample findings: CC6.1 fail (KEY-01, S3-01), CC6.3 pass (IAM-01 waived), CC6.6 fail (NET-01),
# A1.2 fail (S3-02; RDS-01 passes), CC7.2 pass (LOG-01 not applicable), CC9.2 and CC7.3 manual.
# NIST: AC-6 pass (IAM-01 waived), SC-12 fail (KEY-01), IR-4 manual.
FRAMEWORKS: dict[str, Framework] = {fw.id: fw for fw in (
    framework("soc2", "SOC 2 (2017 Trust Services Criteria)",
              ("CC6.1", "Logical access security software, infrastructure and architectures", False),
              ("CC6.3", "Access based on roles and least privilege", False),
              ("CC6.6", "Protection against threats from outside the system boundaries", False),
              ("CC7.2", "Monitoring of system components for anomalies", False),
              ("CC7.3", "Evaluation of security events", True),
              ("CC9.2", "Vendor and business partner risk", True),
              ("A1.2", "Data back-up processes and recovery infrastructure", False),
              version="2017"),
    framework("nist_800_53", "NIST SP 800-53 Revision 5",
              ("AC-6", "Least Privilege", False),
              ("IR-4", "Incident Handling", True),
              ("SC-12", "Cryptographic Key Establishment and Management", False)),
)}


def partly_evidenced() -> dict[str, Framework]:
    """`FRAMEWORKS` with SOC 2 CC6.3 (passing: IAM-01 waived) and CC6.1 (failing) marked as partly evidenced."""
    soc2 = FRAMEWORKS["soc2"]
    why = {"CC6.3": "roles are checked, not who holds them", "CC6.1": "a proxy"}
    reqs = {rid: dataclasses.replace(req, evidence=Evidence.PARTIAL, evidence_why=why[rid]) if rid in why else req
            for rid, req in soc2.requirements.items()}
    return {**FRAMEWORKS, "soc2": dataclasses.replace(soc2, requirements=reqs)}


def fingerprint(control_id: str, asset_id: str) -> str:
    return hashlib.sha256(f"{control_id}|{asset_id}".encode()).hexdigest()[:32]


def finding(control_id: str, status: Status, asset_id: str, name: str, message: str, *,
            kind: str | None = None, line: int | None = None, detail: str | None = None,
            waiver: WaiverRef | None = None, severity: Severity | None = None) -> Finding:
    control = CONTROLS.get(control_id)
    return Finding(
        control_id=control_id,
        severity=severity or (control.severity if control else Severity.MEDIUM),
        status=status,
        asset_kind=kind or (control.kind if control else "s3.bucket"),
        asset_id=asset_id,
        asset_name=name,
        source=SourceKind.PLANNED,
        message=message,
        fingerprint=fingerprint(control_id, asset_id),
        location=Location(MAIN, line) if line is not None else None,
        detail=detail,
        waiver=waiver,
    )


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::shop::{type_}::{name}"


KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/0b1c2d3e-aaaa-bbbb-cccc-111122223333"
IAM_WAIVER = WaiverRef(control="IAM-01", asset="ci-deployer*", reason="Deployer needs admin until the split lands",
                       approver="alice@example.com", expires="2026-12-31")
TAG_WAIVER = WaiverRef(control="TAG-01", asset="logs-*", reason="Owned by the platform team", approver="bob",
                       expires="2026-09-30")

FINDINGS: tuple[Finding, ...] = (
    finding("NET-01", Status.FAIL, "sg-0a1b2c3d", "web-sg", "Security group web-sg allows 0.0.0.0/0 on port 22",
            line=40),
    finding("NET-01", Status.PASS, "sg-0d4e5f6a", "db-sg", "Security group db-sg allows no internet ingress",
            line=52),
    finding("IAM-01", Status.WAIVED, urn("aws:iam/policy:Policy", "ci-deployer"), "ci-deployer",
            "Policy ci-deployer allows *:*", line=88, waiver=IAM_WAIVER),
    finding("KEY-01", Status.FAIL, urn("aws:kms/key:Key", "app-key"), "app-key", "Key app-key rotation is false",
            line=12),
    finding("KEY-01", Status.ERROR, KEY_ARN, "legacy-key", "Key legacy-key rotation could not be read",
            detail="AccessDenied kms:GetKeyRotationStatus"),
    finding("KEY-01", Status.NOT_APPLICABLE, "alias/aws/s3", "aws/s3", "AWS-managed key", kind="kms.key"),
    finding("S3-01", Status.FAIL, "arn:aws:s3:::shop-logs", "shop-logs", "Bucket shop-logs allows public ACLs"),
    finding("S3-01", Status.PASS, "arn:aws:s3:::shop-assets", "shop-assets", "Bucket shop-assets blocks public access",
            line=20),
    finding("S3-02", Status.UNKNOWN, urn("aws:s3/bucket:Bucket", "shop-assets"), "shop-assets",
            "Versioning of shop-assets is not known", line=20, detail="versioning.enabled is unknown at plan time"),
    finding("S3-02", Status.FAIL, urn("aws:s3/bucket:Bucket", "shop-logs"), "shop-logs",
            "Bucket shop-logs keeps no object versions", line=31),
    finding("RDS-01", Status.PASS, "db-main", "db-main", "db-main keeps backups for 7 days", line=64),
    finding("TAG-01", Status.FAIL, urn("aws:s3/bucket:Bucket", "shop-assets"), "shop-assets",
            "Bucket shop-assets has no owner tag", line=20),
    finding("TAG-01", Status.WAIVED, urn("aws:s3/bucket:Bucket", "shop-logs"), "shop-logs",
            "Bucket shop-logs has no owner tag", line=31, waiver=TAG_WAIVER),
    finding("LOG-01", Status.NOT_APPLICABLE, urn("aws:s3/bucket:Bucket", "shop-tmp"), "shop-tmp",
            "Bucket shop-tmp is temporary"),
)

GENERATED_AT = datetime(2026, 5, 4, 9, 30, 0, tzinfo=UTC)


def build_report(findings: tuple[Finding, ...] = FINDINGS, **changes: Any) -> Report:
    report = Report(
        findings=findings,
        controls=CONTROLS,
        view=SourceKind.PLANNED,
        target="program infra/ (stack dev)",
        asset_count=11,
        generated_at=GENERATED_AT,
        tool_version="0.1.0",
        fail_on=Severity.HIGH,
        artifact="infra/Pulumi.yaml",
        unsupported={"aws:sqs/queue:Queue": 2, "aws:lambda/function:Function": 1},
        waiver_problems=("waiver for S3-01 on old-bucket expired on 2026-01-31",),
        warnings=("checkov is not installed: its checks were skipped",),
    )
    return dataclasses.replace(report, **changes) if changes else report


def many_findings(count: int, control_id: str = "S3-01") -> tuple[Finding, ...]:
    """`count` failing findings of one control, each on its own bucket and line."""
    return tuple(
        finding(control_id, Status.FAIL, f"arn:aws:s3:::bucket-{i:05d}", f"bucket-{i:05d}",
                f"Bucket bucket-{i:05d} allows public ACLs", line=i + 1)
        for i in range(count)
    )


@pytest.fixture
def report() -> Report:
    return build_report()


@pytest.fixture
def covered_report() -> Report:
    """The sample report with `FRAMEWORKS`: its renderers add compliance coverage."""
    return build_report(frameworks=FRAMEWORKS)


@pytest.fixture
def make_report() -> Callable[..., Report]:
    """`make_report(findings=..., fail_on=None, ...)`: the sample report with fields replaced."""
    return build_report


@pytest.fixture
def make_finding() -> Callable[..., Finding]:
    """`make_finding(control_id, status, asset_id, name, message, line=..., detail=..., waiver=...)`."""
    return finding


@pytest.fixture
def make_many() -> Callable[..., tuple[Finding, ...]]:
    """`make_many(count, control_id="S3-01")`: that many failing findings."""
    return many_findings
