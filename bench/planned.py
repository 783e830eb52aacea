"""The planned rows of `make bench`: clearance vs checkov on the same synthetic estate (bench/estate_files.py writes
it as a `pulumi preview --json` for clearance and as a Terraform plan for checkov), 100,000 assets for clearance alone,
and `clearance check PROGRAM` vs the program floor (bench/floor.py). Each planned row also times the stack floor
(bench/stack_floor.py) on the same file with clearance's finding count: the least any checker built on clearance's
libraries spends on it, so the table shows how much of a goal is left for clearance's own work.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import peers
from measure import BenchError, Run, alternate, median, repeat, run
from table import Figure, Row, fmt_seconds, fmt_times, speedup

BENCH = Path(__file__).resolve().parent
ESTATE_SOURCES = (BENCH / "estate.py", BENCH / "estate_files.py", peers.ROOT / "checks" / "terraform" / "to_plan.py")
PLANNED_GOAL = 50.0  # x checkov
BIG_GOAL = (3.0, 500.0)  # seconds, MiB for 100,000 assets
FLOOR_GOAL = 1.15  # x the floor


def estate(resources: int) -> Path:
    """The folder holding preview.json and plan.json for `resources`, generated once per content of its sources
    (the 100,000-asset one takes about a minute) under the temporary folder."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in ESTATE_SOURCES)).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / "clearance-bench" / digest / f"est{resources}"
    if not (folder / "plan.json").exists():
        subprocess.run([sys.executable, str(BENCH / "estate_files.py"), "--resources", str(resources),
                        "--out", str(folder)], check=True, capture_output=True, timeout=1800)
    return folder


def _summary(report: Path) -> dict[str, int]:
    summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    return {"assets": int(summary["assets"]), "findings": int(summary["findings"])}


def _assets(report: Path) -> int:
    return _summary(report)["assets"]


def stack_floor(preview: Path, report: Path, work_dir: Path, runs: int) -> Figure:
    """The median of `runs` whole processes of bench/stack_floor.py on `preview`, making as many findings as
    clearance's `report` holds, with clearance's interpreter."""
    python = peers.CLEARANCE.with_name("python")
    cmd = [str(python), str(BENCH / "stack_floor.py"), str(preview), str(work_dir / "floor"),
           "--findings", str(_summary(report)["findings"])]
    return median(repeat(lambda: run(cmd, cwd=work_dir, ok=(0,), label="stack floor"), runs))


def planned_row(resources: int, pairs: int, extra: int, work_dir: Path) -> tuple[Row, str]:
    folder = estate(resources)
    out, checkov_out = work_dir / f"out{resources}", work_dir / f"checkov{resources}.json"
    env = peers.clean_env(work_dir)

    def clearance() -> Run:
        return run(peers.clearance_check(folder / "preview.json", out), cwd=work_dir, label="clearance check")

    def checkov() -> Run:
        return run(peers.checkov_plan(folder / "plan.json"), cwd=work_dir, env=env, label="checkov",
                   stdout_to=checkov_out)

    ours, theirs = alternate(clearance, checkov, pairs, extra_first=extra)
    read = peers.checkov_resources(checkov_out.read_text(encoding="utf-8"))
    if read == 0:
        raise BenchError(f"checkov read no resource of {folder / 'plan.json'}")
    a, b = median(ours), median(theirs)
    factor = speedup(b.seconds, a.seconds)
    row = Row(work=f"planned estate, {resources:,} resources: `check --preview` vs checkov `terraform_plan`",
              clearance=a, peer=f"checkov: {b.cell()}", ratio=f"{fmt_times(factor)} faster",
              goal=f">= {PLANNED_GOAL:.0f}x", met=factor >= PLANNED_GOAL)
    floor = stack_floor(folder / "preview.json", out / "clearance.json", work_dir, len(theirs))
    note = (f"{resources:,} resources: clearance checked {_assets(out / 'clearance.json'):,} assets "
            f"({len(ours)} runs), checkov {read:,} resources ({len(theirs)} runs); the stack floor "
            f"(bench/stack_floor.py) took {fmt_seconds(floor.seconds)}, {fmt_times(speedup(b.seconds, floor.seconds))} "
            "faster than checkov: no checker on clearance's libraries can do better on this file")
    return row, note


def big_row(assets: int, runs: int, work_dir: Path) -> tuple[Row, str]:
    folder = estate(assets)
    out = work_dir / f"out{assets}"
    got = median(repeat(lambda: run(peers.clearance_check(folder / "preview.json", out), cwd=work_dir,
                                    label="clearance check"), runs))
    floor = stack_floor(folder / "preview.json", out / "clearance.json", work_dir, runs)
    seconds, mib = BIG_GOAL
    row = Row(work=f"{assets:,} assets checked (`check --preview`)", clearance=got,
              peer=f"stack floor: {floor.cell()}", ratio=f"{got.seconds / floor.seconds:.1f}x the floor",
              goal=f"< {seconds:.0f} s, < {mib:.0f} MiB",
              met=got.seconds < seconds and got.mib is not None and got.mib < mib)
    summary = _summary(out / "clearance.json")
    return row, (f"{assets:,} assets: clearance checked {summary['assets']:,} assets, {summary['findings']:,} findings "
                 f"({runs} runs); the stack floor (bench/stack_floor.py: start-up, parse, one dict per resource and "
                 "per finding, one orjson encoding, no judgement) made as many findings")


def program_row(resources: int, pairs: int) -> tuple[Row, str] | None:
    """clearance check on bench.py's PROGRAM vs bench/floor.py (P7's), alternated by floor.py --compare; None when
    floor.py is not there."""
    floor = BENCH / "floor.py"
    if not floor.exists():
        return None
    done = subprocess.run([sys.executable, str(floor), "--resources", str(resources), "--compare", str(pairs)],
                          capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BenchError(f"bench/floor.py --compare exited {done.returncode}: {last}")
    got = json.loads(done.stdout)
    ratio = float(got["check_s"]) / float(got["floor_s"])
    row = Row(work=f"Pulumi program of {resources:,} resources: `check` vs the bare mock run (bench/floor.py)",
              clearance=Figure(float(got["check_s"])), peer=f"floor: {fmt_seconds(float(got['floor_s']))}",
              ratio=f"{ratio:.2f}x the floor", goal=f"<= {FLOOR_GOAL}x", met=ratio <= FLOOR_GOAL)
    note = (f"program: {got['resources']:,} resources registered, {got['assets']:,} assets "
            f"({got['pairs']} alternated pairs)")
    return row, note
