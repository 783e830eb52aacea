"""A realistic drift report for the renderer tests: every configuration-drift class, every compliance transition
(two of each), a three-point trend, unreviewed rules, waivers, frameworks and live assets with secrets.

Hostile text on purpose: an asset named `<script>alert(1)</script>`, a bucket whose name starts with `=` (a CSV
formula), and secrets (`DB_PASSWORD`, a `Secret` value and a secret path) that no renderer may print.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from checks.catalog.controls import Control
from checks.drift.model import (
    AssetDrift,
    AttributeChange,
    ComplianceDrift,
    ConfigurationDrift,
    DriftClass,
    DriftReport,
    FindingHistory,
    KindCoverage,
    Transition,
    TrendPoint,
    UnreviewedRule,
)
from checks.model import Asset, Finding, Location, Secret, Severity, SourceKind, Status, WaiverRef
from checks.report import Report
from tests.reports.conftest import FRAMEWORKS, make_control

ACCOUNT = "123456789012"
AT = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
DB_PASSWORD = "hunter2-correct-horse"
TOKEN = "tok-9f8e7d6c5b4a"
XSS = "<script>alert(1)</script>"
FORMULA = "=HYPERLINK(\"http://evil.example\",\"x\")"

CONTROLS: dict[str, Control] = {c.id: c for c in (
    make_control("NET-01", "Security groups do not expose admin ports to the internet", Severity.CRITICAL,
                 "ec2.security_group", {"soc2": ("CC6.6",)}, reads=("rules[].cidr", "rules[].from_port")),
    make_control("KEY-01", "Customer-managed KMS keys rotate automatically", Severity.HIGH, "kms.key",
                 {"soc2": ("CC6.1",), "nist_800_53": ("SC-12",)}, reads=("manager", "rotation.enabled")),
    make_control("S3-01", "S3 buckets block public access", Severity.HIGH, "s3.bucket", {"soc2": ("CC6.1",)},
                 reads=("public_access_block.block_public_acls", "bucket")),
    make_control("RDS-02", "RDS master passwords are managed by Secrets Manager", Severity.MEDIUM,
                 "rds.db_instance", {"soc2": ("A1.2",), "nist_800_53": ("AC-6",)},
                 reads=("manage_master_user_password", "master_password", "auth.token")),
    make_control("TAG-01", "Resources carry an owner tag", Severity.LOW, "s3.bucket", {"soc2": ("CC7.2",)},
                 reads=("tags",)),
)}


def fp(control: str, asset: str) -> str:
    return hashlib.sha256(f"{control}|{asset}".encode()).hexdigest()[:16]


def asset(kind: str, aid: str, name: str, attributes: dict[str, object], **extra: object) -> Asset:
    return Asset(kind=kind, id=aid, name=name, source=SourceKind.LIVE, attributes=attributes, account=ACCOUNT,
                 region="eu-west-1", **extra)  # type: ignore[arg-type]


SG = asset("ec2.security_group", "sg-0a1b2c3d", "web-sg",
           {"rules": [{"cidr": "0.0.0.0/0", "from_port": 22}, {"cidr": "10.0.0.0/8", "from_port": 443}]})
KEY = asset("kms.key", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1111", "app-key",
            {"manager": "customer", "rotation": {"enabled": False}})
XSS_BUCKET = asset("s3.bucket", "arn:aws:s3:::xss-bucket", XSS,
                   {"bucket": XSS, "public_access_block": {"block_public_acls": False}, "tags": {}})
FORMULA_BUCKET = asset("s3.bucket", "arn:aws:s3:::formula", FORMULA,
                       {"bucket": "-1+2", "public_access_block": {"block_public_acls": True},
                        "tags": {"owner": "@ops"}})
DB = asset("rds.db_instance", f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:main", "db-main",
           {"manage_master_user_password": False, "master_password": DB_PASSWORD,
            "auth": {"token": Secret(TOKEN)}}, secrets=frozenset({"master_password"}))
ASSETS = (SG, KEY, XSS_BUCKET, FORMULA_BUCKET, DB)


def finding(control: str, status: Status, a: Asset, message: str, **extra: object) -> Finding:
    c = CONTROLS[control]
    return Finding(control_id=control, severity=c.severity, status=status, asset_kind=a.kind, asset_id=a.id,
                   asset_name=a.name, source=SourceKind.LIVE, message=message, fingerprint=fp(control, a.id),
                   **extra)  # type: ignore[arg-type]


WAIVER = WaiverRef(control="TAG-01", asset="formula*", reason="Owned by the data team", approver="alice@example.com",
                   expires="2026-09-30")
FINDINGS = (
    finding("NET-01", Status.FAIL, SG, "Security group web-sg allows 0.0.0.0/0 on port 22"),
    finding("KEY-01", Status.FAIL, KEY, "Key app-key rotation is false"),
    finding("S3-01", Status.FAIL, XSS_BUCKET, f"Bucket {XSS} allows public ACLs"),
    finding("S3-01", Status.PASS, FORMULA_BUCKET, "Bucket blocks public access"),
    finding("RDS-02", Status.FAIL, DB, "db-main has a master password set in code"),
    finding("TAG-01", Status.FAIL, XSS_BUCKET, "Bucket has no owner tag"),
    finding("TAG-01", Status.WAIVED, FORMULA_BUCKET, "Bucket has no owner tag", waiver=WAIVER),
)


def history(control: str, a: Asset, transition: Transition, first_days: int, status: Status = Status.FAIL,
            last_days: int = 0) -> FindingHistory:
    return FindingHistory(fp(control, a.id), control, CONTROLS[control].severity, a.kind, a.id, a.name, status,
                          transition, AT - dt.timedelta(days=first_days), AT - dt.timedelta(days=last_days))


HISTORY = (
    history("NET-01", SG, Transition.NEW, 0),
    history("S3-01", XSS_BUCKET, Transition.NEW, 0),
    history("KEY-01", KEY, Transition.REGRESSED, 14),
    history("RDS-02", DB, Transition.REGRESSED, 21),
    history("TAG-01", XSS_BUCKET, Transition.RECURRING, 7),
    history("NET-01", asset("ec2.security_group", "sg-0ffff", "old-sg", {}), Transition.RECURRING, 7),
    history("S3-01", FORMULA_BUCKET, Transition.RESOLVED, 14, Status.PASS, 7),
    history("KEY-01", asset("kms.key", "key-gone", "gone-key", {}), Transition.RESOLVED, 20,
            Status.NOT_APPLICABLE, 7),
)

ITEMS = (
    AssetDrift("ec2.security_group", SG.id, "web-sg", DriftClass.CHANGED, ACCOUNT, "eu-west-1", "shop/prod",
               "urn:pulumi:prod::shop::aws:ec2/securityGroup:SecurityGroup::web-sg", Location("infra/__main__.py", 40),
               (AttributeChange("rules", [{"cidr": "10.0.0.0/8", "from_port": 443}],
                                [{"cidr": "0.0.0.0/0", "from_port": 22}, {"cidr": "10.0.0.0/8", "from_port": 443}]),)),
    AssetDrift("rds.db_instance", DB.id, "db-main", DriftClass.CHANGED, ACCOUNT, "eu-west-1", "shop/prod",
               changes=(AttributeChange("master_password", None, None, secret=True),
                        AttributeChange("backup_retention_days", 7, 1)),
               not_compared=("master_password",)),
    AssetDrift("s3.bucket", XSS_BUCKET.id, XSS, DriftClass.CHANGED, ACCOUNT, "eu-west-1", "shop/prod",
               changes=(AttributeChange("public_access_block.block_public_acls", True, False),)),
    AssetDrift("s3.bucket", "arn:aws:s3:::shop-archive", "shop-archive", DriftClass.MISSING, ACCOUNT, "eu-west-1",
               "shop/prod"),
    AssetDrift("kms.key", "arn:aws:kms:eu-west-1:123456789012:key/2222", "orphan-key", DriftClass.MISSING, ACCOUNT,
               "eu-west-1", "shop/prod"),
    AssetDrift("s3.bucket", FORMULA_BUCKET.id, FORMULA, DriftClass.UNMANAGED, ACCOUNT, "eu-west-1"),
    AssetDrift("ec2.security_group", "sg-0eeee", "hand-made-sg", DriftClass.UNMANAGED, ACCOUNT, "eu-west-1"),
    AssetDrift("kms.key", KEY.id, "app-key", DriftClass.IN_SYNC, ACCOUNT, "eu-west-1", "shop/prod"),
    AssetDrift("s3.bucket", "arn:aws:s3:::shop-assets", "shop-assets", DriftClass.IN_SYNC, ACCOUNT, "eu-west-1",
               "shop/prod"),
)
COVERAGE = (KindCoverage("ec2.security_group", 2, 1), KindCoverage("kms.key", 1, 1), KindCoverage("s3.bucket", 4, 2))
TREND = tuple(
    TrendPoint(f"run-{i}", AT - dt.timedelta(days=14 - 7 * i), failing, errors)
    for i, (failing, errors) in enumerate((
        ({Severity.CRITICAL: 0, Severity.HIGH: 2, Severity.MEDIUM: 3, Severity.LOW: 1}, 0),
        ({Severity.CRITICAL: 1, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 2}, 1),
        ({Severity.CRITICAL: 1, Severity.HIGH: 2, Severity.MEDIUM: 1, Severity.LOW: 1}, 0),
    ))
)
RULES = (
    UnreviewedRule("sg-0a1b2c3d", "web-sg", "1fca02ed28a2dc65", "ingress tcp 22 from 0.0.0.0/0",
                   "clearance sg review infra --reviewer <you> --fingerprint 1fca02ed28a2dc65"),
    UnreviewedRule("sg-0eeee", "hand-made-sg", "77aa02ed28a2dc00", "ingress tcp 3389 from ::/0",
                   "clearance sg review infra --reviewer <you> --fingerprint 77aa02ed28a2dc00"),
)


def build_drift(**changes: object) -> DriftReport:
    report = Report(findings=FINDINGS, controls=CONTROLS, view=SourceKind.LIVE,
                    target=f"account {ACCOUNT} (eu-west-1) against shop/prod", asset_count=len(ASSETS),
                    generated_at=AT, tool_version="0.1.0", fail_on=None,
                    waiver_problems=("waiver for S3-01 on old-bucket expired on 2026-01-31",),
                    frameworks=FRAMEWORKS)
    drift = DriftReport(report=report, configuration=ConfigurationDrift(ITEMS, ignored=3, coverage=COVERAGE),
                        compliance=ComplianceDrift("run-1", AT - dt.timedelta(days=7), HISTORY), trend=TREND,
                        unreviewed=RULES, stacks=("shop/prod",), assets=ASSETS, run_id="run-3",
                        store="postgresql://clearance@db.internal/clearance", notes=("2 regions scanned",))
    if changes:
        import dataclasses
        drift = dataclasses.replace(drift, **changes)  # type: ignore[arg-type]
    return drift
