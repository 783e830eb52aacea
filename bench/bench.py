"""Benchmarks for `make bench`.

1. Synthetic planned estates of 1,000, 10,000 and 100,000 assets, normalized then evaluated against every
   control; each size runs in its own process so that its peak memory (max RSS) is its own.
2. `clearance check` end to end on a generated Pulumi program of 1,000 resources (run under Pulumi's mocks).

Usage: python bench/bench.py [--sizes 1000,10000,100000] [--program-resources 1000] [--skip-program]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def measure_estate(size: int) -> dict[str, float]:
    """Run in a child process: build, normalize and evaluate an estate of `size` assets."""
    import datetime as dt

    from estate import make_estate

    from checks import tune_gc
    from checks.catalog.loader import load_catalog
    from checks.engine import evaluate
    from checks.normalize import load_normalizers, normalize

    catalog = load_catalog()
    load_normalizers()
    raws = make_estate(size)
    tune_gc()  # as the CLI does
    t0 = time.perf_counter()
    normalized = normalize(raws)
    t1 = time.perf_counter()
    result = evaluate(catalog.controls.values(), normalized.assets, now=dt.datetime.now(dt.UTC),
                      templates=catalog.templates)
    t2 = time.perf_counter()
    return {
        "assets": len(normalized.assets), "raw_resources": len(raws), "controls": len(catalog.controls),
        "findings": len(result.findings), "normalize_s": round(t1 - t0, 3), "evaluate_s": round(t2 - t1, 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


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


def measure_program(resources: int, repeat: int) -> dict[str, Any]:
    units = max(1, resources // 5)
    with tempfile.TemporaryDirectory() as tmp:
        prog = Path(tmp) / "prog"
        prog.mkdir()
        (prog / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
        (prog / "__main__.py").write_text(PROGRAM.format(units=units))
        out = Path(tmp) / "out"
        cmd = [str(Path(sys.executable).parent / "clearance"), "check", str(prog), "--format", "json",
               "--out", str(out), "--quiet"]
        walls = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
            walls.append(time.perf_counter() - t0)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"clearance check failed ({proc.returncode}): {proc.stderr.strip()}")
        report = json.loads((out / "clearance.json").read_text())
    return {"resources": units * 5, "walls": sorted(round(w, 2) for w in walls), "findings": len(report["findings"])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--program-resources", type=int, default=1000)
    parser.add_argument("--skip-program", action="store_true")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the program check (min/median/max)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_estate(args.child)))
        return
    print(f"{'assets':>8} {'raw':>8} {'controls':>8} {'findings':>9} {'normalize s':>12} {'evaluate s':>11} "
          f"{'peak RSS MiB':>13}")
    for size in (int(s) for s in args.sizes.split(",")):
        proc = subprocess.run([sys.executable, __file__, "--child", str(size)], capture_output=True, text=True,
                              check=True, timeout=900)
        r = json.loads(proc.stdout)
        print(f"{r['assets']:>8} {r['raw_resources']:>8} {r['controls']:>8} {r['findings']:>9} "
              f"{r['normalize_s']:>12} {r['evaluate_s']:>11} {r['peak_rss_mib']:>13}")
    if not args.skip_program:
        p = measure_program(args.program_resources, args.repeat)
        walls = p["walls"]
        print(f"clearance check on a program of {p['resources']} resources, end to end over {len(walls)} runs: "
              f"min {walls[0]} s, median {statistics.median(walls)} s, max {walls[-1]} s ({p['findings']} findings)")


if __name__ == "__main__":
    main()
