"""Run clearance and checkov on the same estates and print the overlapping checks whose verdicts differ.

    .venv/bin/python scripts/compare_checkov.py [PROGRAM_DIR ...] [--checkov PATH]   # make compare-checkov

Default estates: infra/ and examples/noncompliant/. Overlapping checks are those of policies/checkov/equivalents.yaml;
every difference printed here is explained in docs/checkov.md (who is right, and why) or fixed. Exit 0 always when
both ran (the differences are the output); 2 when one of them could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from checks.checkov.compare import Difference, differences
from checks.checkov.merge import load_equivalents, targets
from checks.checkov.runner import find_checkov, run_checkov
from checks.errors import ClearanceError
from checks.flows.assess import assess, prepare
from checks.flows.check import CheckRequest, load_source, options
from checks.terraform.to_plan import to_terraform_plan

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ESTATES = (ROOT / "infra", ROOT / "examples" / "noncompliant")


def compare(program_dir: Path, executable: Path) -> list[Difference]:
    req = CheckRequest(program_dir=program_dir)
    loaded = load_source(req)
    prepared = prepare(options(req))
    normalized, result = assess(prepared, loaded.resources, dt.datetime.now(dt.UTC))
    converted = to_terraform_plan(loaded.resources)
    scanned = run_checkov(executable, converted.plan, expected_resources=len(converted.addresses))
    where = targets(converted.addresses, loaded.resources, normalized.assets, loaded.view)
    kinds = {cid: c.kind for cid, c in prepared.catalog.controls.items()}
    return differences(result.findings, scanned, where, load_equivalents(), kinds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("programs", nargs="*", type=Path, help="Pulumi program folders (default: infra/ and "
                                                                "examples/noncompliant/)")
    parser.add_argument("--checkov", type=Path, default=None, help="the checkov executable")
    args = parser.parse_args(argv)
    try:
        executable = find_checkov(args.checkov)
        for program in args.programs or DEFAULT_ESTATES:
            found = compare(program, executable)
            print(f"== {program}: {len(found)} difference{'s' if len(found) != 1 else ''} on overlapping checks")
            for diff in found:
                print(f"  {diff.line()}")
    except ClearanceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
