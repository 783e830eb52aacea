"""Findings and runs for the store tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sqlalchemy import create_engine, text

from checks.model import Finding, Severity, SourceKind, Status
from checks.store import RunRecord

T0 = dt.datetime(2025, 3, 1, 6, 0, tzinfo=dt.UTC)
TARGET = "account 123456789012 (eu-west-1)"


def finding(name: str, status: Status, severity: Severity = Severity.HIGH, control: str = "S3-01") -> Finding:
    return Finding(control_id=control, severity=severity, status=status, asset_kind="s3.bucket",
                   asset_id=f"arn:aws:s3:::{name}", asset_name=name, source=SourceKind.LIVE,
                   message=f"Bucket {name} is {status.value}", fingerprint=f"fp-{control}-{name}")


def located(f: Finding, account: str | None, region: str | None = "eu-west-1") -> Finding:
    """`f` as the finding of an asset in `account` and `region`."""
    return replace(f, account=account, region=region)


def run(day: int, findings: Sequence[Finding], target: str = TARGET,
        configuration: Mapping[str, int] | None = None) -> RunRecord:
    return RunRecord(target=target, view=SourceKind.LIVE, started_at=T0 + dt.timedelta(days=day),
                     tool_version="1.0.0", catalog_version="sha256:test", findings=findings,
                     configuration=configuration or {})


def counts(url: str) -> tuple[int, int]:
    """(runs, findings) in the store at `url`, read without clearance."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return (int(conn.execute(text("SELECT count(*) FROM runs")).scalar_one()),
                    int(conn.execute(text("SELECT count(*) FROM findings")).scalar_one()))
    finally:
        engine.dispose()
