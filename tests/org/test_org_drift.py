"""`clearance drift` over an organization: the live read of every account against the state, recorded under the
organization's key with findings per account, and the per-account trend the HTML report draws."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from checks.flows.drift import DriftRequest, run_drift
from checks.flows.scan import ScanRequest
from checks.flows.scan_org import OrgRequest
from tests.org.organization import NOW, REGIONS, ROLE, SERVICES


def test_drift_of_an_organization_records_findings_per_account(org: tuple[boto3.Session, list[str]],
                                                               tmp_path: Path) -> None:
    base, members = org
    state = tmp_path / "empty.json"
    state.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": []}}))
    scan = ScanRequest(session=base, regions=REGIONS, services=SERVICES, now=NOW, timeout=120,
                       org=OrgRequest(organization=True, role_name=ROLE))
    store = f"sqlite:///{tmp_path / 'h.db'}"
    first = run_drift(DriftRequest(scan=scan, states=(state,), store=store))
    assert first.report.history_key.startswith("organization o-")
    assert {a.account for a in first.report.accounts} >= set(members)
    second = run_drift(DriftRequest(scan=scan, states=(state,), store=store))
    assert second.compliance.previous_run == first.run_id
    assert set(second.account_trend) >= set(members)
    assert all(len(points) == 2 for points in second.account_trend.values())
    # what nobody manages is reported in every account, not only the first
    unmanaged = {a.account for a in second.assets if a.account} & set(members)
    assert unmanaged == set(members)
