"""Where one `clearance check --preview FILE` spends its time, stage by stage, in one process.

Usage: python bench/stages.py PREVIEW.json [--out DIR]

Prints the seconds spent importing the modules a check needs, then reading the file, preparing the catalog,
normalizing, evaluating and writing the JSON report (each stage timed around the function that does it). Whole
processes, medians and the comparison with checkov are `make bench`'s job (bench/bench.py); this says where the time
of one run goes. Exit code 1 from the check (failing findings) is expected.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

SPENT: dict[str, float] = {}


def _timed(owner: Any, name: str, label: str) -> None:
    inner: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SPENT[label] = SPENT.get(label, 0.0) + time.perf_counter() - started

    setattr(owner, name, wrapper)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preview")
    parser.add_argument("--out", default="clearance-out/stages")
    args = parser.parse_args()
    started = time.perf_counter()
    import checks.cli.common as common
    import checks.flows.assess as assess
    import checks.flows.check as check
    from checks.cli import main as clearance

    imported = time.perf_counter()
    for owner, name, label in ((check, "load_source", "read"), (assess, "prepare", "prepare"),
                               (assess, "normalize", "normalize"), (assess, "evaluate", "evaluate"),
                               (common, "emit", "report")):
        _timed(owner, name, label)
    sys.argv = ["clearance", "check", "--preview", args.preview, "--format", "json", "--out", args.out, "--quiet"]
    code = 0
    try:
        clearance()
    except SystemExit as done:
        code = int(done.code or 0)
    ran = time.perf_counter()
    stages = ", ".join(f"{label} {seconds:.3f} s" for label, seconds in SPENT.items())
    print(f"imports {imported - started:.3f} s; run {ran - imported:.3f} s: {stages} (exit {code})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
