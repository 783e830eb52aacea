"""Organization benchmark (issue 14): a sandbox organization of 20 member accounts x 2 regions scanned by one
`clearance scan --organization` process, and by two `--shard K/2` processes in parallel on this machine whose runs
`clearance report --run-group` merges from a SQLite history store.

The sandbox runs as `clearance sandbox up` runs it (a moto server in its own process on 127.0.0.1); the organization
is made as `clearance sandbox org` makes it (checks/sandbox/org.py: the role ClearanceScan and a small estate whose
violations differ from account to account, in each member account and region), not timed. Then A (one process) and
B (both shards at once, then the report) alternate, A B A B after an uncounted pair, and the medians are printed
with the time per account scanned (the management account is scanned too). Each round checks that both JSON reports
hold the same set of (fingerprint, status): a difference stops the benchmark.

Usage: python bench/bench_org.py [--accounts 20] [--regions us-east-1,eu-west-1] [--resources 40] [--rounds 2]
                                 [--warmup 1]
Also `make bench`'s `org` part (bench/bench.py --parts org).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(BENCH), str(BENCH.parent)) if p not in sys.path]

import peers  # noqa: E402 - bench/ on the path first, as bench.py runs it
from measure import BenchError, Run, alternate, median, run  # noqa: E402
from table import Row, fmt_seconds, fmt_times, render, speedup  # noqa: E402

ROLE = "ClearanceScan"
REGIONS = ("us-east-1", "eu-west-1")
SCAN_OK = (0, 1, 4)  # findings (1) and reads the sandbox cannot answer (4) still make a whole report


@dataclass(frozen=True)
class OrgTimes:
    one: list[Run]  # A: one process
    sharded: list[Run]  # B: wall time of both shards plus the report; mib: the larger shard's peak
    reports: list[float]  # B's report part, seconds
    accounts: int  # accounts scanned (the management account and the members)
    findings: int


def _outcomes(report: Path) -> set[tuple[str, str]]:
    try:
        doc = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise BenchError(f"cannot read the report {report}: {err}") from None
    return {(str(f["fingerprint"]), str(f["status"])) for f in doc["findings"]}


def measure_org(endpoint: str, env: dict[str, str], work: Path, regions: Sequence[str], rounds: int,
                warmup: int = 1) -> OrgTimes:
    """Time A and B alternately against the sandbox at `endpoint` (its organization already made)."""
    clearance = str(peers.CLEARANCE)
    common = ["--organization", "--role-name", ROLE, "--endpoint-url", endpoint, "--regions", ",".join(regions)]
    one_out, merged_out = work / "one", work / "merged"
    reports: list[float] = []
    serial = iter(range(1_000_000))

    def one() -> Run:
        shutil.rmtree(one_out, ignore_errors=True)
        return run([clearance, "scan", *common, "--format", "json", "--out", str(one_out), "-q"], cwd=work, env=env,
                   ok=SCAN_OK, label="clearance scan --organization (one process)")

    def sharded() -> Run:
        n = next(serial)
        group, folder = f"bench-org-{n}", work / f"shards-{n}"
        folder.mkdir()
        store = f"sqlite:///{folder / 'h.db'}"

        def shard(k: int) -> Run:
            return run([clearance, "scan", *common, "--shard", f"{k}/2", "--run-group", group, "--store", store,
                        "--out", str(folder / f"shard-{k}"), "-q"], cwd=work, env=env, ok=SCAN_OK,
                       label=f"clearance scan --organization --shard {k}/2")

        started = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            shards = list(pool.map(shard, (1, 2)))
        both = time.perf_counter() - started
        shutil.rmtree(merged_out, ignore_errors=True)
        report = run([clearance, "report", "--store", store, "--run-group", group, "--format", "json", "--out",
                      str(merged_out), "-q"], cwd=work, env=env, ok=SCAN_OK, label="clearance report --run-group")
        reports.append(report.seconds)
        _same(one_out / "clearance.json", merged_out / "clearance.json")
        return Run(seconds=both + report.seconds, mib=max(s.mib for s in shards), code=report.code)

    a, b = alternate(one, sharded, rounds, warmup=warmup)
    doc = json.loads((one_out / "clearance.json").read_text(encoding="utf-8"))
    accounts = len(doc.get("accounts") or ())
    if accounts < 2:
        raise BenchError(f"the one-process scan covered {accounts} account(s): not an organization scan")
    return OrgTimes(a, b, reports[warmup:], accounts, len(doc["findings"]))


def _same(one: Path, merged: Path) -> None:
    """Both reports hold the same (fingerprint, status) pairs, or the benchmark stops."""
    a, b = _outcomes(one), _outcomes(merged)
    if a != b:
        raise BenchError(f"the merged report of the shards differs from the one-process report: {len(a - b)} "
                         f"(fingerprint, status) only in {one}, {len(b - a)} only in {merged}, e.g. "
                         f"{sorted(a ^ b)[:3]}")


def org_rows(accounts: int, regions: Sequence[str], resources: int, rounds: int, work_dir: Path,
             warmup: int = 1) -> tuple[list[Row], list[str]]:
    """`make bench`'s organization rows and notes: a sandbox organization made, measured, and stopped."""
    from checks.errors import ClearanceError
    from checks.sandbox import start_sandbox, stop_sandbox
    from checks.sandbox.org import create_organization

    work = Path(tempfile.mkdtemp(prefix="org-", dir=work_dir))
    info = start_sandbox(work / "sandbox")
    try:
        started = time.perf_counter()
        try:
            org = create_organization(info.session(regions[0]), endpoint_url=info.endpoint, accounts=accounts,
                                      regions=regions, role_name=ROLE, resources=resources)
        except ClearanceError as err:
            raise BenchError(f"cannot make the sandbox organization: {err}") from None
        built = time.perf_counter() - started
        env = peers.clean_env(work, **{k: v for k, v in info.env().items() if k != "AWS_ENDPOINT_URL"})
        times = measure_org(info.endpoint, env, work, regions, rounds, warmup)
    finally:
        stop_sandbox(work / "sandbox")
    a, b = median(times.one), median(times.sharded)
    report = sorted(times.reports)[len(times.reports) // 2]
    what = f"sandbox organization, {len(org.members)} accounts x {len(regions)} regions"
    rows = [Row(work=f"{what}: one `scan --organization` process", clearance=a,
                ratio=f"{fmt_seconds(a.seconds / times.accounts)} per account"),
            Row(work=f"{what}: two `--shard` processes at once, then `report`", clearance=b,
                peer=f"one process: {fmt_seconds(a.seconds)}",
                ratio=f"{fmt_times(speedup(a.seconds, b.seconds))} faster; "
                      f"{fmt_seconds(b.seconds / times.accounts)} per account")]
    notes = [f"organization: {times.accounts} accounts scanned (the management account and {len(org.members)} "
             f"members, {resources} resources each, made in {built:.0f} s), {times.findings:,} findings, the same "
             f"(fingerprint, status) in both reports; two shards: {len(times.one)} and {len(times.sharded)} runs, "
             f"the report's part {fmt_seconds(report)}, MiB the larger shard's peak"]
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_org.py", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--accounts", type=int, default=20, help="member accounts")
    parser.add_argument("--regions", default=",".join(REGIONS))
    parser.add_argument("--resources", type=int, default=40, help="resources per member account")
    parser.add_argument("--rounds", type=int, default=2, help="counted A B pairs")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted A B pairs first")
    args = parser.parse_args(argv)
    from checks.errors import ClearanceError

    regions = [r for r in args.regions.split(",") if r]
    try:
        with tempfile.TemporaryDirectory(prefix="clearance-bench-org-") as tmp:
            rows, notes = org_rows(args.accounts, regions, args.resources, max(1, args.rounds), Path(tmp),
                                   max(0, args.warmup))
    except (BenchError, ClearanceError) as err:
        print(f"bench: {err}", file=sys.stderr)
        return 1
    print(render(rows, [f"- {n}" for n in notes]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
