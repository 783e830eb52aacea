"""Benchmark of `clearance drift`'s own work on synthetic estates (no AWS, no sandbox): comparing the state view
with the live view, recording the run in a SQLite history store, and rendering the four drift report formats.

Usage: python bench/bench_drift.py [--sizes 1000,10000]

The estate is bench/estate.py's (ten asset kinds); the "live" copy of each asset has the same ARN, and one asset in
ten has a changed attribute; one in fifty is missing live and as many are unmanaged. The store records the
evaluation's findings twice (a baseline, then a run compared with it).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from estate import make_estate  # noqa: E402

from checks import tool_version  # noqa: E402
from checks.catalog.loader import load_catalog  # noqa: E402
from checks.drift.config import compare  # noqa: E402
from checks.drift.ignore import IgnoreRules  # noqa: E402
from checks.drift.model import ComplianceDrift, DriftReport  # noqa: E402
from checks.engine import evaluate  # noqa: E402
from checks.model import Asset, SourceKind  # noqa: E402
from checks.normalize import load_normalizers, normalize  # noqa: E402
from checks.report import Report  # noqa: E402
from checks.store import RunRecord, open_store  # noqa: E402
from reports.drift import DRIFT_FORMATS, write_drift_reports  # noqa: E402


def views(size: int) -> tuple[list[Asset], list[Asset]]:
    """State and live assets with matching ARNs; some changed, missing or unmanaged."""
    assets = normalize(make_estate(size)).assets
    state, live = [], []
    for i, a in enumerate(assets):
        arn = f"arn:aws:{a.kind.split('.')[0]}:eu-west-1:123456789012:{a.kind.split('.')[1]}/{a.name}"
        s = dataclasses.replace(a, id=arn, source=SourceKind.STATE, unknown=frozenset(), account="123456789012",
                                region="eu-west-1")
        state.append(s)
        if i % 50 == 1:
            continue  # missing live
        attrs = dict(s.attributes)
        if i % 10 == 0:
            attrs["bench_changed"] = i  # an attribute the live view reads differently
            attrs = {k: (not v if isinstance(v, bool) else v) for k, v in attrs.items()}
        live.append(dataclasses.replace(s, source=SourceKind.LIVE, attributes=attrs))
        if i % 50 == 2:
            live.append(dataclasses.replace(s, id=arn + "-unmanaged", urn=None, source=SourceKind.LIVE))
    return state, live


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args()
    load_normalizers()
    catalog = load_catalog()
    now = dt.datetime.now(dt.UTC)
    print(f"{'assets':>8} {'findings':>9} {'compare s':>10} {'record 1st s':>13} {'record 2nd s':>13} "
          f"{'render 4 formats s':>19}")
    for size in (int(s) for s in args.sizes.split(",")):
        state, live = views(size)
        t0 = time.perf_counter()
        configuration = compare(state, live, ignore=IgnoreRules())
        t1 = time.perf_counter()
        result = evaluate(catalog.controls.values(), live, now=now, templates=catalog.templates)
        report = Report(findings=tuple(result.findings), controls=catalog.controls, view=SourceKind.LIVE,
                        target="account 123456789012 (eu-west-1)", asset_count=len(live), generated_at=now,
                        tool_version=tool_version(), frameworks=catalog.frameworks)
        with tempfile.TemporaryDirectory() as tmp, open_store(f"sqlite:///{tmp}/history.db") as store:
            times = []
            for run in range(2):
                r0 = time.perf_counter()
                recorded = store.record(RunRecord(
                    target=report.target, view=SourceKind.LIVE, started_at=now + dt.timedelta(minutes=run),
                    tool_version=tool_version(), catalog_version="bench", findings=report.findings))
                times.append(time.perf_counter() - r0)
            trend = store.trend(report.target)
            drift = DriftReport(report=report, configuration=configuration,
                                compliance=recorded.compliance or ComplianceDrift(), trend=trend, stacks=("bench/dev",),
                                assets=tuple(live), run_id=recorded.run_id, store="bench")
            w0 = time.perf_counter()
            write_drift_reports(drift, list(DRIFT_FORMATS), Path(tmp) / "out")
            w1 = time.perf_counter()
        print(f"{len(live):>8} {len(report.findings):>9} {t1 - t0:>10.3f} {times[0]:>13.3f} {times[1]:>13.3f} "
              f"{w1 - w0:>19.3f}")


if __name__ == "__main__":
    main()
