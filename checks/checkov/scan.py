"""`check --with-checkov`: convert the resources to a Terraform plan, scan it with checkov, merge the results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from checks.checkov.merge import load_equivalents, merge_results, merged_report, targets
from checks.checkov.runner import DEFAULT_TIMEOUT, run_checkov
from checks.errors import ClearanceError
from checks.model import Asset
from checks.raw import RawResource
from checks.report import Report
from checks.waivers import Waiver


def with_checkov(report: Report, resources: Sequence[RawResource], assets: Sequence[Asset], *, executable: Path,
                 waivers: Sequence[Waiver], now: dt.datetime, timeout: float = DEFAULT_TIMEOUT) -> Report:
    """`report` with checkov's results on `resources` merged in (checks/checkov/merge.py)."""
    from checks.terraform.to_plan import to_terraform_plan

    converted = to_terraform_plan(resources)
    count = len(converted.addresses)
    if count == 0:
        raise ClearanceError(f"checkov has nothing to scan: none of the {len(resources)} resources has a Terraform "
                             "resource type clearance converts", where="--with-checkov",
                             hint="leave out --with-checkov for this program")
    result = run_checkov(executable, converted.plan, expected_resources=count, timeout=timeout)
    where = targets(converted.addresses, resources, assets, report.view)
    merged = merge_results(report.findings, result, where, equivalents=load_equivalents(), waivers=waivers, now=now,
                           view=report.view)
    return merged_report(report, merged, result, count)
