"""Benchmark of the check report's renderers on synthetic reports of many findings (no estate, no evaluation).

Usage: python bench/bench_reports.py [--sizes 10000,100000] [--repeat 3] [--formats json,sarif,...]

The report carries the shipped catalog (its controls and frameworks, so coverage is computed as in a real run) and
N findings spread over every control, with a mix of statuses like a real planned estate's: half fail, a third
pass, the rest not applicable, unknown, error and waived; most have a source location. Each format is rendered
`--repeat` times in this process and the best and median wall times (time.perf_counter) are printed, with the
size of the output. `console-cli` is what `clearance check` prints on a terminal (at most 50 findings a control,
to a throw-away Rich console); `verdict` is the one line of `--quiet`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from rich.console import Console

from checks import tool_version
from checks.catalog.loader import Catalog, load_catalog
from checks.model import Finding, Location, SourceKind, Status, WaiverRef
from checks.report import Report
from reports.base import get_renderer
from reports.console import print_report, verdict_line

FORMATS = ("json", "sarif", "junit", "markdown", "console", "console-cli", "verdict")
# One status in each block of 100 findings, in these proportions.
MIX: tuple[tuple[Status, int], ...] = ((Status.FAIL, 50), (Status.PASS, 33), (Status.NOT_APPLICABLE, 9),
                                        (Status.UNKNOWN, 5), (Status.ERROR, 2), (Status.WAIVED, 1))
WAIVER = WaiverRef(control="S3-01", asset="logs-*", reason="Owned by the platform team", approver="bob",
                   expires="2026-09-30")


def make_report(size: int, catalog: Catalog) -> Report:
    """A report of `size` findings over the shipped catalog."""
    controls = sorted(catalog.controls.values(), key=lambda c: c.id)
    statuses = [s for s, n in MIX for _ in range(n)]
    findings: list[Finding] = []
    for i in range(size):
        control = controls[i % len(controls)]
        status = statuses[(i * 7) % len(statuses)]
        name = f"res-{i:06d}"
        asset_id = f"urn:pulumi:dev::shop::aws:{control.kind}::{name}"
        findings.append(Finding(
            control_id=control.id, severity=control.severity, status=status, asset_kind=control.kind,
            asset_id=asset_id, asset_name=name, source=SourceKind.PLANNED,
            message=f"{control.kind} {name} does not satisfy {control.id} (value: <{i}> & \"quoted\")",
            fingerprint=hashlib.sha256(f"{control.id}|{asset_id}".encode()).hexdigest()[:32],
            location=Location("infra/__main__.py", 10 + i % 5000) if i % 10 else None,
            detail="AccessDenied kms:GetKeyRotationStatus" if status in (Status.ERROR, Status.UNKNOWN) else None,
            waiver=WAIVER if status is Status.WAIVED else None,
        ))
    return Report(
        findings=tuple(findings), controls=catalog.controls, view=SourceKind.PLANNED, target="preview bench.json",
        asset_count=size // 3, generated_at=datetime(2026, 5, 4, 9, 30, tzinfo=UTC), tool_version=tool_version(),
        artifact="bench.json", unsupported={"aws:sqs/queue:Queue": 3}, warnings=("a warning",),
        frameworks=catalog.frameworks, api_calls={"s3:ListBuckets": 1, "ec2:DescribeSecurityGroups": 12},
    )


def renderer_of(fmt: str) -> Callable[[Report], str | bytes]:
    """What a run does for the format: the bytes `write_reports` writes (`render_bytes` when the renderer has one,
    else the text encoded), or the console's print."""
    if fmt == "console-cli":
        def cli(report: Report) -> str:
            buffer = io.StringIO()
            print_report(report, Console(file=buffer, width=120, force_terminal=True, color_system="standard"))
            return buffer.getvalue()
        return cli
    if fmt == "verdict":
        return lambda report: verdict_line(report).plain
    renderer = get_renderer(fmt)
    as_bytes = getattr(renderer, "render_bytes", None)
    if callable(as_bytes):
        return lambda report: bytes(as_bytes(report))
    return lambda report: renderer.render(report).encode("utf-8", errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    catalog = load_catalog()
    print(f"{'findings':>9}  {'format':<12} {'best s':>8} {'median s':>9} {'ms/1k':>7} {'output':>10}")
    for size in (int(s) for s in args.sizes.split(",")):
        for fmt in formats:
            render = renderer_of(fmt)
            times: list[float] = []
            out: str | bytes = ""
            for _ in range(args.repeat):
                report = make_report(size, catalog)  # a fresh report: nothing cached from the last render
                started = time.perf_counter()
                out = render(report)
                times.append(time.perf_counter() - started)
            best, median = min(times), statistics.median(times)
            print(f"{size:>9}  {fmt:<12} {best:>8.3f} {median:>9.3f} {1000 * median / size * 1000:>7.1f} "
                  f"{len(out if isinstance(out, bytes) else out.encode()):>10}", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
