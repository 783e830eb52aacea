"""The floor of a planned check on clearance's stack: what any checker pays before judging anything.

    python bench/stack_floor.py PREVIEW.json OUT_DIR --findings N

One whole process that does only the parts no implementation of `clearance check --preview PREVIEW.json --format
json` can skip, each in the cheapest way this interpreter offers:
- start-up: the interpreter, and the libraries the check path is built on by the team's rules (Typer for the
  command line, jmespath for control expressions, dataclasses, hashlib for fingerprints, orjson), imported;
- read: the preview parsed with orjson, one small dict per resource (kind, id, name, region, its inputs as they
  are: no normalization, no references resolved);
- judge: N findings (the number clearance's report holds for the same file), spread over the resources, each a
  dict with the keys of a JSON report finding, a message naming the resource and an md5 fingerprint; no expression
  is evaluated, every result is a fixed function of the position;
- report: the findings in the report's order (by control, then asset), encoded by orjson in one call, written to
  OUT_DIR/floor.json;
- exit: the interpreter's normal exit, as clearance's.

It prints its own stage times as JSON; `make bench` times it from outside, like the checkers. Against a goal it
says how much of that goal's time is spent before any of clearance's own work: a goal below this floor cannot be
met by making clearance's code faster (issue 13: 100,000 assets in 3 s). It is not a checker and checks nothing.
"""

from __future__ import annotations

import sys
import time

STARTED = time.perf_counter()

import gc  # noqa: E402
import hashlib  # noqa: E402  (the imports are what is measured)
import json  # noqa: E402
from dataclasses import dataclass  # noqa: E402,F401
from pathlib import Path  # noqa: E402

import jmespath  # noqa: E402,F401
import orjson  # noqa: E402
import typer.main  # noqa: E402,F401

STATUSES = ("pass", "fail", "fail", "unknown", "not_applicable")
SEVERITIES = ("critical", "high", "medium", "low")


def _resources(preview: Path) -> list[dict[str, object]]:
    """One dict per resource of the preview's steps: its identity and its inputs, untouched."""
    document = orjson.loads(preview.read_bytes())
    out: list[dict[str, object]] = []
    for step in document.get("steps") or ():
        state = step.get("newState") or step.get("oldState") or {}
        urn = state.get("urn") or step.get("urn") or ""
        out.append({"kind": state.get("type", ""), "id": urn, "name": urn.rpartition("::")[2], "region": "eu-west-1",
                    "inputs": state.get("inputs") or {}})
    return out


def _findings(resources: list[dict[str, object]], count: int) -> list[dict[str, object]]:
    """`count` findings spread over the resources, in the JSON report's shape and order (by control, then asset id):
    made in that order, so that nothing is sorted but the resources, once."""
    ordered = sorted(resources, key=lambda r: r["id"])  # type: ignore[arg-type,return-value]
    per, extra = divmod(count, max(len(ordered), 1))
    md5 = hashlib.md5
    findings: list[dict[str, object]] = []
    for k in range(per + (extra > 0)):
        control = f"CTL-{k:02d}"
        severity = SEVERITIES[k % 4]
        for position, resource in enumerate(ordered if k < per else ordered[:extra]):
            findings.append({
                "control": control, "severity": severity, "status": STATUSES[(position + k) % 5],
                "asset": {"kind": resource["kind"], "id": resource["id"], "name": resource["name"]},
                "location": None, "message": f"Resource {resource['name']} breaks {control}", "detail": None,
                "fingerprint": md5(f"{control}|{resource['id']}".encode()).hexdigest(), "waiver": None,
                "in_baseline": False, "account": None, "region": resource["region"]})
    return findings


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[2] != "--findings" or not argv[3].isdigit():
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    gc.disable()  # the cheapest setting: clearance tunes its collector (checks.tune_gc); a floor need not collect
    try:
        return _run(Path(argv[0]), Path(argv[1]), int(argv[3]))
    finally:
        gc.enable()


def _run(preview: Path, out_dir: Path, count: int) -> int:
    imported = time.perf_counter()
    resources = _resources(preview)
    read = time.perf_counter()
    findings = _findings(resources, count)
    judged = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "floor.json").write_bytes(orjson.dumps({"summary": {"findings": len(findings)}, "findings": findings}))
    written = time.perf_counter()
    print(json.dumps({"imports_s": round(imported - STARTED, 4), "read_s": round(read - imported, 4),
                      "judge_s": round(judged - read, 4), "report_s": round(written - judged, 4),
                      "resources": len(resources), "findings": len(findings)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
