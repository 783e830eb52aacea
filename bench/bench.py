"""`make bench`: clearance side by side with its peers, whole processes, alternated runs (A B A B), medians.

1. planned estates of 1,000 and 5,000 resources: `clearance check --preview` vs checkov `terraform_plan` on the
   same estate (bench/planned.py), and 100,000 assets checked by clearance alone;
2. `clearance check` on a 1,000-resource Pulumi program (PROGRAM below) vs the bare mock run (bench/floor.py);
3. a ~2,000-resource sandbox account: `clearance scan` vs Prowler on the overlapping checks
   (bench/prowler_checks.yaml, bench/live_prowler.py), and the S3-heavy account (300 buckets), clearance alone;
4. a sandbox organization of 20 accounts x 2 regions: one `scan --organization` process vs two `--shard` processes
   at once and `report` (bench/bench_org.py), and the time per account.
It prints the table (work | clearance | peer | ratio | goal | met?), and "REGRESSION: ..." for each clearance figure
more than 20% above the README's table (between <!-- bench:start --> and <!-- bench:end -->); `--write-readme`
puts the new table there.

Usage: python bench/bench.py [--quick] [--parts planned,big,program,live,org] [--write-readme] [--no-prowler]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from table import Row

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

PROGRAM = '''
import pulumi_aws as aws
for i in range({units}):
    key = aws.kms.Key(f"key-{{i}}", enable_key_rotation=(i % 2 == 0))
    bucket = aws.s3.BucketV2(f"bucket-{{i}}")
    aws.s3.BucketServerSideEncryptionConfigurationV2(f"sse-{{i}}", bucket=bucket.id, rules=[{{
        "apply_server_side_encryption_by_default": {{"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}}}])
    sg = aws.ec2.SecurityGroup(f"sg-{{i}}", ingress=[{{"protocol": "tcp", "from_port": 22, "to_port": 22,
        "cidr_blocks": ["0.0.0.0/0" if i % 3 == 0 else "10.0.0.0/8"]}}])
    aws.ec2.Instance(f"vm-{{i}}", ami="ami-123", instance_type="t3.micro", vpc_security_group_ids=[sg.id])
'''

PARTS = ("planned", "big", "program", "live", "org")


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a first look, not figures to keep)")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--sizes", default="1000,5000", help="planned estates compared with checkov")
    parser.add_argument("--big", type=int, default=100_000, help="assets checked by clearance alone")
    parser.add_argument("--program-resources", type=int, default=1000)
    parser.add_argument("--live-resources", type=int, default=2000)
    parser.add_argument("--no-prowler", action="store_true", help="live: clearance alone")
    parser.add_argument("--org-accounts", type=int, default=20, help="org: member accounts (x 2 regions)")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--write-readme", action="store_true", help="replace the README's bench block")
    args = parser.parse_args(argv)
    unknown = set(args.parts.split(",")) - set(PARTS)
    if unknown:
        parser.error(f"--parts: unknown {', '.join(sorted(unknown))} (choose from {', '.join(PARTS)})")
    return args


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(BENCH))
    sys.path.insert(1, str(ROOT))
    import peers
    from live_prowler import live_rows
    from measure import BenchError
    from planned import big_row, planned_row, program_row
    from table import BlockError, previous_figures, regressions, render, replace_block

    args = _parse(sys.argv[1:] if argv is None else argv)
    parts = set(args.parts.split(","))
    pairs, extra = (1, 1) if args.quick else (3, 2)
    if "planned" in parts:
        peers.require(peers.CHECKOV, ".venv-checkov/bin/checkov")
    if "live" in parts and not args.no_prowler:
        peers.require(peers.PROWLER, ".venv-prowler/bin/prowler")
    rows: list[Row] = []
    notes: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="clearance-bench-") as tmp:
            work = Path(tmp)
            if "planned" in parts:
                for size in (int(s) for s in args.sizes.split(",") if s):
                    row, note = planned_row(size, pairs, extra, work)
                    _show(row, note)
                    rows.append(row)
                    notes.append(note)
            if "big" in parts:
                row, note = big_row(args.big, 1 if args.quick else 3, work)
                _show(row, note)
                rows.append(row)
                notes.append(note)
            if "program" in parts:
                got = program_row(args.program_resources, 2 if args.quick else 5)
                if got is None:
                    print("program: bench/floor.py is not there: row left out", flush=True)
                else:
                    _show(*got)
                    rows.append(got[0])
                    notes.append(got[1])
            if "live" in parts:
                live, live_notes = live_rows(args.live_resources, pairs, 1, 1 if args.quick else 3, work,
                                             with_prowler=not args.no_prowler)
                for row in live:
                    _show(row, "")
                rows += live
                notes += live_notes
            if "org" in parts:
                from bench_org import REGIONS, org_rows

                org, org_notes = org_rows(args.org_accounts, REGIONS, 40, 1 if args.quick else 2, work,
                                          warmup=0 if args.quick else 1)
                for row in org:
                    _show(row, "")
                rows += org
                notes += org_notes
    except BenchError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 1
    notes.insert(0, f"`make bench` (bench/bench.py{' --quick' if args.quick else ''}) on "
                    f"{dt.date.today().isoformat()}, {os.cpu_count()} CPUs: whole processes, medians of alternated "
                    "runs; MiB is the peak RSS of the measured process itself, not of its children (os.wait4 in "
                    "bench/spawn_rss.py, which passes on a floor of about 7 MiB).")
    table = render(rows, [f"- {n}" for n in notes])
    print("\n" + table + "\n")
    readme = args.readme.read_text(encoding="utf-8") if args.readme.exists() else ""
    for line in regressions(rows, previous_figures(readme)):
        print(line)
    if args.write_readme:
        from checks.fsutil import atomic_write

        try:
            atomic_write(args.readme, replace_block(readme, table))
        except BlockError as err:
            print(f"bench: {args.readme}: {err}", file=sys.stderr)
            return 2
        print(f"wrote the table into {args.readme}")
    return 0


def _show(row: Row, note: str) -> None:
    print(f"{row.line()}  {note}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
