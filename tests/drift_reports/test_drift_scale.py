"""A large drift report (1,000 assets, 3,000 findings by default): every renderer stays fast and within its limits.
`big_drift` is shared with the format tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest

from checks.drift.model import (
    AssetDrift,
    AttributeChange,
    ComplianceDrift,
    ConfigurationDrift,
    DriftClass,
    DriftReport,
    FindingHistory,
    Transition,
    TrendPoint,
)
from checks.model import Asset, Finding, Severity, SourceKind, Status
from reports.drift import FILE_NAMES, drift_renderer
from reports.drift.evidence import evidence
from tests.drift_reports.sample import AT, CONTROLS, build_drift

TRANSITIONS = (Transition.NEW, Transition.REGRESSED, Transition.RECURRING, Transition.RESOLVED)


def big_drift(assets: int = 1000, findings: int = 3000) -> DriftReport:
    """`assets` buckets, every one changed; `findings` findings over two S3 controls and three others (fail and pass
    alternate), each with a compliance history cycling through the four transitions; 30 trend points."""
    live = tuple(Asset(kind="s3.bucket", id=f"arn:aws:s3:::bucket-{i:05d}", name=f"bucket-{i:05d}",
                       source=SourceKind.LIVE, attributes={"bucket": f"bucket-{i:05d}", "tags": {"team": "a"},
                                                           "public_access_block": {"block_public_acls": i % 2 == 0}})
                 for i in range(assets))
    ids = sorted(CONTROLS)
    found = tuple(
        Finding(control_id=(cid := ids[i % len(ids)]), severity=CONTROLS[cid].severity,
                status=Status.FAIL if (i // len(ids)) % 2 == 0 else Status.PASS, asset_kind="s3.bucket",
                asset_id=live[i % assets].id, asset_name=live[i % assets].name, source=SourceKind.LIVE,
                message="m", fingerprint=f"fp-{i:06d}")
        for i in range(findings))
    items = tuple(AssetDrift("s3.bucket", a.id, a.name, DriftClass.CHANGED, stack="shop/prod",
                             changes=(AttributeChange("public_access_block.block_public_acls", True, False),))
                  for a in live)
    history = tuple(FindingHistory(f.fingerprint, f.control_id, f.severity, f.asset_kind, f.asset_id, f.asset_name,
                                   f.status, TRANSITIONS[i % 4], AT - dt.timedelta(days=30), AT)
                    for i, f in enumerate(found))
    trend = tuple(TrendPoint(f"run-{i}", AT - dt.timedelta(days=30 - i),
                             {s: (i * (s.rank + 1)) % 40 for s in Severity}) for i in range(30))
    base = build_drift()
    report = dataclasses.replace(base.report, findings=found, asset_count=assets)
    return DriftReport(report=report, configuration=ConfigurationDrift(items),
                       compliance=ComplianceDrift(items=history), trend=trend, assets=live, run_id="run-big")


@pytest.mark.parametrize("fmt", ["html", "json", "markdown", "csv"])
def test_render_time_for_1000_assets_and_3000_findings(fmt: str) -> None:
    drift = big_drift()
    start = time.perf_counter()
    text = drift_renderer(fmt)(drift)
    elapsed = time.perf_counter() - start
    print(f"{FILE_NAMES[fmt]}: {elapsed:.2f} s, {len(text.encode()) / 1e6:.2f} MB")
    assert elapsed < 20
    if fmt == "markdown":
        assert len(text.encode()) <= 1024 * 1024


def test_evidence_is_complete() -> None:
    drift = big_drift()
    rows = sum(len(c.assets) for fw in evidence(drift) for r in fw.requirements for c in r.controls)
    mapped = {cid: sum(len(refs) for refs in CONTROLS[cid].frameworks.values()) for cid in CONTROLS}
    assert rows == sum(mapped[f.control_id] for f in drift.report.findings)
