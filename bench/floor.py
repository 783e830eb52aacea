"""The floor of `clearance check PROGRAM`: Pulumi's SDK running the same program under the same mocks, capture only.

    python bench/floor.py PROGRAM_DIR                 one floor run; prints {"seconds": wall, "resources": n}
    python bench/floor.py PROGRAM_DIR --compare N     N alternated pairs (floor, then `clearance check PROGRAM_DIR
                                                      --format json --out TMP --quiet`), each a whole process timed
                                                      from outside; prints the runs, the medians and the ratio as JSON
    python bench/floor.py --resources 1000 --compare N   the same on bench/bench.py's PROGRAM (200 units of 5)

A floor run is a whole process doing only what any mock run of the program must do, exactly as clearance's child
(`checks/sources/_pulumi_child.py`) sets it up: the same Python (this interpreter, clearance's default), the same gc
tuning (`checks.tune_gc`'s, inlined: importing `checks` costs more than the tuning), the same project, stack and
config as clearance gives a program without stack files (bench/bench.py's: stack `dev`, `aws:region` us-east-1;
the floor reads no stack config), preview mode, the same answers to `new_resource`
(no id, the inputs as outputs), a monitor without resource references (so the SDK serializes the same way) that keeps
every registration request, a logger that drops the program's warnings, and the same exit (`os._exit`, no teardown).
What it leaves out is clearance's own work: reading the registrations (positions, inputs as data), writing and
reading them, and everything after (normalize, evaluate, report). `seconds` is measured inside the process from its
first line; `--compare` times both commands from outside, start-up included.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from typing import Any

GC_FREEZE_THEN_THRESHOLD = (50_000, 20, 100)  # checks.tune_gc (tests/sources/test_floor_script.py keeps them equal)
STACK = "dev"  # the stack clearance chooses for a project without stack files
DEFAULT_REGION = "us-east-1"  # clearance's default `aws:region` (checks.sources.stack_config.DEFAULT_REGION)
STACK_TYPE = "pulumi:pulumi:Stack"


def _project(program_dir: str) -> tuple[str, str]:
    """The project name and entry file, from Pulumi.yaml's top-level `name:` and `main:` (no YAML parser: the floor
    imports nothing clearance's child does not)."""
    name, main = "", ""
    for file in ("Pulumi.yaml", "Pulumi.yml"):
        path = os.path.join(program_dir, file)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    key, _, value = line.partition(":")
                    if key in ("name", "main"):
                        value = value.split("#", 1)[0].strip().strip("'\"")
                        name, main = (value, main) if key == "name" else (name, value)
            break
    if not name:
        raise SystemExit(f"floor.py: no Pulumi.yaml with a name in {program_dir}")
    entry = os.path.join(program_dir, main) if main else program_dir
    return name, os.path.join(entry, "__main__.py") if os.path.isdir(entry) else entry


def floor(program_dir: str) -> dict[str, float | int]:
    """Run the program under mocks once; return the wall time from the start of this function and the resources."""
    started = time.perf_counter()
    gc.freeze()
    gc.set_threshold(*GC_FREEZE_THEN_THRESHOLD)
    import logging
    import runpy

    import pulumi
    from pulumi.runtime import mocks
    from pulumi.runtime.proto import resource_pb2

    program_dir = os.path.abspath(program_dir)
    project, main = _project(program_dir)
    registrations: list[object] = []

    class Mocks(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[None, dict[str, object]]:
            return None, dict(args.inputs)  # the child's answer: no id, the inputs as outputs

        def call(self, args: mocks.MockCallArgs) -> Any:
            return {}  # the bench program makes no invokes

    class Monitor(mocks.MockMonitor):
        def RegisterResource(self, request: object) -> object:  # noqa: N802 - gRPC method name
            registrations.append(request)  # capture
            return super().RegisterResource(request)

        def GetDeploymentInfo(self, request: object) -> object:  # noqa: N802 - as the child: no resource references
            info = super().GetDeploymentInfo(request)
            refs = resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES
            return resource_pb2.DeploymentInfo(supportedFeatures=[f for f in info.supportedFeatures if f != refs])

        def SupportsFeature(self, request: object) -> object:  # noqa: N802 - as the child (older SDKs ask this)
            if getattr(request, "id", None) == "resourceReferences":
                return type("SupportsFeatureResponse", (object,), {"hasSupport": False})
            return super().SupportsFeature(request)

    logger = logging.getLogger("floor.program")
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    logger.addHandler(logging.NullHandler())
    pulumi.runtime.set_all_config({"aws:region": DEFAULT_REGION}, [])
    mock = Mocks()
    mocks.set_mocks(mock, project=project, stack=STACK, preview=True, logger=logger, monitor=Monitor(mock))
    os.chdir(program_dir)
    sys.path[0:1] = list(dict.fromkeys([os.path.dirname(main), program_dir]))
    sys.argv = [main]

    @pulumi.runtime.test
    def program() -> None:
        runpy.run_path(main, run_name="__main__")

    program()
    count = sum(1 for r in registrations if getattr(r, "type", "") != STACK_TYPE)
    return {"seconds": round(time.perf_counter() - started, 3), "resources": count}


# ---------------------------------------------------------------- --compare (not part of a floor run)


def _timed(command: list[str], cwd: str) -> tuple[float, str]:
    import subprocess

    t0 = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"floor.py: {' '.join(command[:3])} ... failed ({proc.returncode}): {proc.stderr.strip()}")
    return wall, proc.stdout


def compare(program_dir: str, pairs: int, warmup: int) -> dict[str, object]:
    """`pairs` alternated runs (floor, check), after `warmup` pairs that are not counted; medians and their ratio."""
    import json
    import statistics
    import tempfile
    from pathlib import Path

    clearance = Path(sys.executable).parent / "clearance"
    check_cmd = [str(clearance)] if clearance.exists() else [sys.executable, "-m", "checks"]
    floor_cmd = [sys.executable, os.path.abspath(__file__), program_dir]
    floors: list[float] = []
    checks: list[float] = []
    resources = assets = 0
    with tempfile.TemporaryDirectory(prefix="clearance-floor-") as tmp:
        out = os.path.join(tmp, "out")
        for i in range(warmup + pairs):
            floor_wall, stdout = _timed(floor_cmd, tmp)
            check_wall, _ = _timed([*check_cmd, "check", program_dir, "--format", "json", "--out", out, "--quiet"],
                                   tmp)
            resources = int(json.loads(stdout)["resources"])
            if i >= warmup:
                floors.append(round(floor_wall, 3))
                checks.append(round(check_wall, 3))
        assets = int(json.loads(Path(out, "clearance.json").read_text(encoding="utf-8"))["summary"]["assets"])
    floor_s, check_s = statistics.median(floors), statistics.median(checks)
    return {"program": program_dir, "resources": resources, "assets": assets, "pairs": pairs,
            "floor_s": round(floor_s, 3), "check_s": round(check_s, 3), "ratio": round(check_s / floor_s, 3),
            "floor_runs": floors, "check_runs": checks}


def _bench_program(resources: int, folder: str) -> str:
    """bench/bench.py's PROGRAM with `resources` // 5 units, written to `folder`."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench import PROGRAM

    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "Pulumi.yaml"), "w", encoding="utf-8") as fh:
        fh.write("name: bench\nruntime: python\n")
    with open(os.path.join(folder, "__main__.py"), "w", encoding="utf-8") as fh:
        fh.write(PROGRAM.format(units=max(1, resources // 5)))
    return folder


def _main(argv: list[str]) -> None:
    import argparse
    import json
    import tempfile

    parser = argparse.ArgumentParser(prog="floor.py", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("program_dir", nargs="?", help="the Pulumi program's folder")
    parser.add_argument("--compare", type=int, metavar="N", help="N alternated pairs of floor and clearance check")
    parser.add_argument("--warmup", type=int, default=1, help="pairs run first and not counted (default 1)")
    parser.add_argument("--resources", type=int, help="no PROGRAM_DIR: bench/bench.py's PROGRAM of this many")
    args = parser.parse_args(argv)
    if (args.program_dir is None) == (args.resources is None):
        parser.error("give PROGRAM_DIR or --resources N")
    if args.compare is not None and args.compare < 1:
        parser.error("--compare N needs N >= 1")
    with tempfile.TemporaryDirectory(prefix="clearance-floor-program-") as tmp:
        program_dir = os.path.abspath(args.program_dir or _bench_program(args.resources, os.path.join(tmp, "prog")))
        if args.compare is None:
            print(json.dumps(floor(program_dir)))
        else:
            print(json.dumps(compare(program_dir, args.compare, args.warmup)))


if __name__ == "__main__":
    if len(sys.argv) == 2 and not sys.argv[1].startswith("-"):  # a floor run: nothing else is imported
        import json

        print(json.dumps(floor(sys.argv[1])))
        sys.stdout.flush()
        os._exit(0)  # as the child: skip interpreter teardown
    _main(sys.argv[1:])
