"""Snapshot what clearance prints and writes for the demo, to show that a refactoring changed no behaviour.

    python scripts/behaviour_snapshot.py take  SNAPSHOT_DIR   # runs scripts/demo.sh, keeps every report, masked
    python scripts/behaviour_snapshot.py diff  OLD_DIR NEW_DIR

The demo checks infra/ and examples/noncompliant/ (planned) and scans the sandbox after `sandbox apply infra`
(live). Everything that legitimately differs between two runs is masked: timestamps, durations, ports, process
ids, and the ids that the sandbox generates (VPC, subnet, security-group, key and plan ids). Lines of the live
reports are compared sorted, because findings are ordered by those generated ids.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MASKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"pid \d+"), "pid <pid>"),
    (re.compile(r"\(slowest: [^)]*\)"), "(slowest: <timings>)"),
    (re.compile(r"\b\d+(\.\d+)? ?(s|ms)\b"), "<duration>"),
    (re.compile(r"\"(duration|elapsed)[a-z_]*\": [0-9.]+"), r'"\1": <duration>'),
    (re.compile(r"time=\"[0-9.]+\""), 'time="<duration>"'),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b(vpc|subnet|sg|sgr|igw|rtb|rtbassoc|nat|eipalloc|eni|i|vol|lt|acl|fl|eigw)-[0-9a-f]{8,17}\b"),
     r"\1-<id>"),
]
# live only: fingerprints hash generated ids; Secrets Manager suffixes its ARNs with six random characters
LIVE_MASKS = [(re.compile(r"\b[0-9a-f]{32}\b"), "<fingerprint>"), (re.compile(r"\b[0-9a-f]{8,17}\b"), "<hex>"),
              (re.compile(r"(:secret:[^\"\s]*)-[A-Za-z0-9]{6}\b"), r"\1-<suffix>")]
LIVE = ("live", "live-after", "console.log")


def mask(text: str, live: bool) -> str:
    for pattern, repl in MASKS + (LIVE_MASKS if live else []):
        text = pattern.sub(repl, text)
    return text


def take(dest: Path) -> int:
    proc = subprocess.run(["bash", "scripts/demo.sh"], cwd=ROOT, capture_output=True, text=True, check=False)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    (dest / "console.log").write_text(mask(proc.stdout + proc.stderr, live=True) + f"\n<exit {proc.returncode}>\n")
    for path in sorted((ROOT / "clearance-out" / "demo").rglob("*")):
        if path.is_file() and ".clearance-reports" not in path.parts:  # the run folders behind the report links
            target = dest / path.relative_to(ROOT / "clearance-out" / "demo")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(mask(path.read_text(), live=target.relative_to(dest).parts[0] in LIVE))
    print(f"snapshot in {dest} (demo exit {proc.returncode})")
    return 0


def diff(old: Path, new: Path) -> int:
    names = sorted({p.relative_to(old) for p in old.rglob("*") if p.is_file()}
                   | {p.relative_to(new) for p in new.rglob("*") if p.is_file()})
    differing = 0
    for name in names:
        a, b = old / name, new / name
        if not a.exists() or not b.exists():
            print(f"only in {'new' if b.exists() else 'old'}: {name}")
            differing += 1
            continue
        left, right = a.read_text().splitlines(), b.read_text().splitlines()
        if name.parts[0] in LIVE:
            left, right = sorted(left), sorted(right)
        if left != right:
            differing += 1
            print(f"differs: {name}")
            subprocess.run(["diff", str(a), str(b)], check=False)
    print(f"{len(names)} files compared, {differing} differ")
    return 1 if differing else 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "take":
        return take(Path(argv[1]))
    if len(argv) == 3 and argv[0] == "diff":
        return diff(Path(argv[1]), Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
