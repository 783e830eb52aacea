"""The live rows of `make bench`: `clearance scan` vs Prowler on the same sandbox account (a moto server on
127.0.0.1, filled by bench/bench_live.py's `build_estate`), each restricted to the overlapping checks of
bench/prowler_checks.yaml, alternated, one region; and the S3-heavy account (300 buckets), clearance alone.
"""

from __future__ import annotations

import collections
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peers
import yaml
from measure import BenchError, Run, alternate, median, repeat, run
from table import Row, fmt_times, speedup

BENCH = Path(__file__).resolve().parent
PAIRS_FILE = BENCH / "prowler_checks.yaml"
LIVE_GOAL = 10.0  # x Prowler
S3_HEAVY_GOAL = 15.0  # seconds
SCAN_OK = (0, 1, 4)  # 4: some data could not be read (the sandbox lacks an API): still a whole scan


@dataclass(frozen=True)
class Pair:
    control: str
    prowler: str
    same: bool
    note: str = ""


def load_pairs(path: Path = PAIRS_FILE, prowler_ids: set[str] | None = None) -> list[Pair]:
    """The pairs, each control a file of policies/controls/ and each check one of the installed Prowler."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = [Pair(str(p["control"]), str(p["prowler"]), bool(p["same"]), str(p.get("note", "")))
             for p in doc["pairs"]]
    controls = peers.ROOT / "policies" / "controls"
    for p in pairs:
        if not (controls / f"{p.control.lower()}.yaml").exists():
            raise SystemExit(f"bench: {path.name}: no control {p.control} in policies/controls/")
        if prowler_ids is not None and p.prowler not in prowler_ids:
            raise SystemExit(f"bench: {path.name}: the installed Prowler has no check {p.prowler}")
    return pairs


def _sandbox(folder: Path, resources: int, mix: str) -> tuple[Any, dict[str, int]]:
    from bench_live import build_estate

    from checks.sandbox import start_sandbox

    info = start_sandbox(folder)
    return info, build_estate(info.session(), resources, mix)


def _prowler_findings(out: Path) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """Findings by check id, and logged errors by Prowler module."""
    findings: collections.Counter[str] = collections.Counter()
    for report in out.glob("prowler*.ocsf.json"):
        for f in json.loads(report.read_text(encoding="utf-8") or "[]"):
            findings[f["metadata"]["event_code"]] += 1
    errors: collections.Counter[str] = collections.Counter()
    log = out / "prowler.log"
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []:
        if line.startswith("{"):
            try:
                errors[str(json.loads(line).get("module", "?"))] += 1
            except json.JSONDecodeError:
                continue
    return findings, errors


def live_rows(resources: int, pairs_n: int, extra: int, s3_runs: int, work_dir: Path,
              with_prowler: bool = True) -> tuple[list[Row], list[str]]:
    from checks.sandbox import stop_sandbox

    pairs = load_pairs(prowler_ids=peers.prowler_check_ids() if with_prowler else None)
    controls = list(dict.fromkeys(p.control for p in pairs))
    checks = list(dict.fromkeys(p.prowler for p in pairs))
    rows: list[Row] = []
    notes: list[str] = []
    sandbox = Path(tempfile.mkdtemp(prefix="sandbox-", dir=work_dir))
    info, counts = _sandbox(sandbox, resources, "ec2-heavy")
    try:
        env = peers.clean_env(work_dir, **{k: v for k, v in info.env().items() if k != "AWS_ENDPOINT_URL"})
        prowler_env = peers.clean_env(work_dir, **info.env())
        scan_out, prowler_out = work_dir / "scan", work_dir / "prowler"

        def clearance() -> Run:
            return run(peers.clearance_scan(info.endpoint, info.region, controls, scan_out), cwd=work_dir, env=env,
                       ok=SCAN_OK, label="clearance scan")

        def prowler() -> Run:
            prowler_out.mkdir(exist_ok=True)
            for old in prowler_out.iterdir():
                if old.is_file():
                    old.unlink()
            return run(peers.prowler_scan(info.region, checks, prowler_out), cwd=work_dir, env=prowler_env,
                       ok=(0,), label="prowler")

        total = sum(counts.values())
        work = f"sandbox account of {resources:,} resources, one region: `scan` vs Prowler, overlapping checks"
        if with_prowler:
            ours, theirs = alternate(clearance, prowler, pairs_n, extra_first=extra)
            a, b = median(ours), median(theirs)
            factor = speedup(b.seconds, a.seconds)
            rows.append(Row(work=work, clearance=a, peer=f"Prowler: {b.cell()}",
                            ratio=f"{fmt_times(factor)} faster", goal=f">= {LIVE_GOAL:.0f}x", met=factor >= LIVE_GOAL))
            findings, errors = _prowler_findings(prowler_out)
            silent = [c for c in checks if not findings[c]]
            notes.append(f"live: {total:,} resources; {len(controls)} clearance controls vs {len(checks)} Prowler "
                         f"checks ({len(ours)} and {len(theirs)} runs): {', '.join(checks)}")
            notes.append(f"Prowler: {sum(findings.values()):,} findings; checks with no finding on this account: "
                         f"{', '.join(silent) or 'none'}; errors logged by module: "
                         f"{', '.join(f'{k} {v}' for k, v in sorted(errors.items())) or 'none'}")
        else:
            a = median(repeat(clearance, pairs_n * (1 + extra)))
            rows.append(Row(work=work, clearance=a, peer="Prowler: not run"))
        report = json.loads((scan_out / "clearance.json").read_text(encoding="utf-8"))
        notes.append(f"clearance scan: {report['summary']['assets']:,} assets, {len(report['findings']):,} findings")
    finally:
        stop_sandbox(sandbox)
    rows.append(_s3_heavy(resources, s3_runs, work_dir))
    return rows, notes


def _s3_heavy(resources: int, runs: int, work_dir: Path) -> Row:
    from checks.sandbox import stop_sandbox

    sandbox = Path(tempfile.mkdtemp(prefix="sandbox-s3-", dir=work_dir))
    info, counts = _sandbox(sandbox, resources, "s3-heavy")
    try:
        env = peers.clean_env(work_dir, **{k: v for k, v in info.env().items() if k != "AWS_ENDPOINT_URL"})
        out = work_dir / "scan-s3"
        cmd = [str(peers.CLEARANCE), "scan", "--endpoint-url", info.endpoint, "--regions", info.region,
               "--format", "json", "--out", str(out), "--quiet"]
        got = median(repeat(lambda: run(cmd, cwd=work_dir, env=env, ok=SCAN_OK, label="clearance scan"), runs))
    finally:
        stop_sandbox(sandbox)
    if not counts.get("bucket"):
        raise BenchError("the S3-heavy account has no bucket")
    return Row(work=f"S3-heavy sandbox account ({counts['bucket']} buckets): `scan`, every control", clearance=got,
               goal=f"<= {S3_HEAVY_GOAL:.0f} s", met=got.seconds <= S3_HEAVY_GOAL)
