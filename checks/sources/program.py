"""The planned source: run a Pulumi Python program under Pulumi mocks and read what it would create.

The program runs in a child process (`_pulumi_child.py`, possibly under the program's own interpreter), in
preview mode: ids and outputs that are not inputs stay unknown, invokes return results of the right shape whose
values are marked (`_pulumi_invokes.py`). The child appends every resource registration to a records file as the
program makes it, and this module turns each into a `RawResource` while the program goes on (every value built
from a marker is UNKNOWN, `marks.py`): the conversion runs on the second core, not after the program. At the end
the child writes a result file (invokes, logs, errors); failures become one-line errors that name the file and
line to fix (`program_errors.py`). The child process, its time limit and SIGTERM/SIGINT handling are in
`child_process.py`.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from checks.errors import InputError, ProgramError
from checks.model import UNKNOWN, Location, Secret, SourceKind
from checks.paths import repo_path, repo_root
from checks.raw import RawResource, convert_value, normalize_urn
from checks.sources.child_process import ChildTimeout, run_child, stop_children_on_signals
from checks.sources.marks import MARK, unmark
from checks.sources.program_errors import (
    INSTALL_HINT,
    TIMEOUT_OPTION,
    crash_error,
    program_error,
    timeout_error,
    unreadable_records_error,
)
from checks.sources.stack_config import (
    DEFAULT_REGION,
    PulumiProject,
    StackConfig,
    choose_stack,
    read_project,
    read_stack_config,
)

CHILD_SCRIPT = Path(__file__).with_name("_pulumi_child.py")
DEFAULT_TIMEOUT = 300.0  # seconds; `clearance check --program-timeout`
STACK_TYPE = "pulumi:pulumi:Stack"
_NO_CONFIG: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ProgramRun:
    resources: list[RawResource]
    project: str
    stack: str
    program_dir: Path
    duration_s: float
    warnings: list[str]
    region: str = DEFAULT_REGION  # the `aws:region` the program ran with


@dataclass(frozen=True, slots=True)
class _Context:
    project: PulumiProject
    settings: StackConfig
    python: str
    timeout: float
    on_started: Callable[[], None] | None = None


def load_program(program_dir: Path, *, stack: str | None = None, config: Mapping[str, str] = _NO_CONFIG,
                 python: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 on_started: Callable[[], None] | None = None) -> ProgramRun:
    """Run the Pulumi program in `program_dir` under mocks and return the resources it registers.

    `config` overrides the stack's config (`key` means `<project>:key`); `python` is the interpreter to run
    the program with (it needs pulumi and pulumi-aws), by default clearance's own; `timeout` is in seconds;
    `on_started` is called once the program's child process has started (the check flow then loads the rest).
    """
    if timeout <= 0:
        raise InputError(f"the program timeout must be a positive number of seconds, got {timeout:g}",
                         hint=f"pass {TIMEOUT_OPTION} with SECONDS > 0")
    started = time.perf_counter()
    project = read_project(program_dir)
    stack_name, warnings = choose_stack(project, stack)
    settings = read_stack_config(project, stack_name, config)
    if python and os.sep in python:  # a path: from here, not from the program folder the child starts in
        python = os.path.abspath(python)  # not resolve(): a virtualenv python is a symlink that must stay one
    ctx = _Context(project, settings, python or sys.executable, timeout, on_started)
    with stop_children_on_signals():  # a no-op off the main thread: the check flow installs it there
        result, resources = _run_child(ctx)
    if result.get("error"):
        err = dict(result["error"])
        if err.get("kind") == "config_missing":
            err["missing"] = result.get("missing_config") or []
        raise program_error(err, list(dict.fromkeys(result.get("invokes", []))), python=ctx.python,
                            project=project.name, main_file=project.main_file, settings=settings)
    resources = _with_regions(resources, None if settings.region_defaulted else settings.values["aws:region"])
    resources.sort(key=_order)
    warnings.extend(settings.warnings)
    warnings.extend(_run_warnings(result))
    return ProgramRun(resources=resources, project=project.name, stack=stack_name, program_dir=project.program_dir,
                      duration_s=time.perf_counter() - started, warnings=list(dict.fromkeys(warnings)),
                      region=settings.values["aws:region"])


# ---------------------------------------------------------------- the child process


def _run_child(ctx: _Context) -> tuple[dict[str, Any], list[RawResource]]:
    """The child's result file, and the resources it registered (converted while it ran)."""
    project = ctx.project
    with tempfile.TemporaryDirectory(prefix="clearance-program-") as tmp:
        output = Path(tmp) / "result.json"
        records = _Records(Path(tmp) / "records.bin", repo_root(project.program_dir))
        args = {
            "main": str(project.main_file), "program_dir": str(project.program_dir),
            "sys_path": list(dict.fromkeys([str(project.main_file.parent), str(project.program_dir)])),
            "project": project.name, "stack": ctx.settings.stack, "config": dict(ctx.settings.values),
            "secret_keys": sorted(ctx.settings.secret_keys), "output": str(output), "records": str(records.path),
            "region": None if ctx.settings.region_defaulted else ctx.settings.values["aws:region"],
        }
        args_file = Path(tmp) / "args.json"
        args_file.write_text(json.dumps(args), encoding="utf-8")
        try:
            returncode, stderr = _spawn(ctx, args_file, Path(tmp), records.read)  # records are read as they come
        except ValueError:  # a record that cannot be read: the child has been ended
            raise unreadable_records_error(project.main_file) from None
        try:
            result = _loads(output.read_bytes())
            records.read(final=True)
        except (OSError, ValueError):
            raise crash_error(project.main_file, returncode, stderr, _secrets(ctx)) from None
    if not isinstance(result, dict) or result.get("registrations") != records.count:
        raise crash_error(project.main_file, returncode, stderr, _secrets(ctx))
    return result, records.resources


def _loads(data: bytes) -> Any:
    import orjson

    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:  # NaN or Infinity, which only the standard library writes
        return json.loads(data)


_FRAME = struct.Struct("<II")  # _pulumi_child.py's frame: the lengths of a record's JSON and of its inputs


class _Records:
    """Reads the child's records file as it grows and converts every complete frame to a RawResource."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root  # the repository root: declaring files are named relative to it
        self.resources: list[RawResource] = []
        self.count = 0  # frames read, the stack's included
        self._files: dict[str, str] = {}
        self._urns: dict[str, str] = {}
        self._buffer = b""
        self._offset = 0
        self._warm = False

    def read(self, final: bool = False) -> None:
        """Convert the frames written since the last call. `final`: the child has ended, so a partial frame left
        over means its output is broken (ValueError)."""
        if not self._warm:  # what the conversion and what follows the program import, while the program runs
            import checks.sources.state  # noqa: F401 - _with_regions

            self._warm = True
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
        except FileNotFoundError:
            data = b""
        self._offset += len(data)
        buffer = self._buffer + data if self._buffer else data
        at, header = 0, _FRAME.size
        while len(buffer) - at >= header:
            head_len, inputs_len = _FRAME.unpack_from(buffer, at)
            end = at + header + head_len + inputs_len
            if end > len(buffer):
                break
            self._add(buffer[at + header:at + header + head_len], buffer[at + header + head_len:end])
            at = end
        self._buffer = buffer[at:]
        if final and self._buffer:
            raise ValueError("the records file ends inside a frame")

    def _add(self, head: bytes, inputs: bytes) -> None:
        import orjson
        from google.protobuf import json_format, message, struct_pb2

        self.count += 1
        try:
            rec = orjson.loads(head)
            if rec["type"] == STACK_TYPE:
                return
            rec["inputs"] = json_format.MessageToDict(struct_pb2.Struct.FromString(inputs))
            resource = _convert(rec, self._files, self.root, self._urns)
        except (KeyError, TypeError, ValueError, AttributeError, message.DecodeError):
            raise ValueError("a record of the program's child cannot be read") from None
        self.resources.append(resource)


def _secrets(ctx: _Context) -> list[str]:
    """The secret config values, which no error may show."""
    return [ctx.settings.values[k] for k in ctx.settings.secret_keys if k in ctx.settings.values]


def _spawn(ctx: _Context, args_file: Path, temp_dir: Path, on_wait: Callable[[], None]) -> tuple[int, str]:
    """Run the child with the user's PULUMI_* variables removed; return its exit code and stderr. `on_wait` is
    called while it runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in the user's program folder
    try:
        return run_child([ctx.python, str(CHILD_SCRIPT), str(args_file)], cwd=ctx.project.program_dir, env=env,
                         timeout=ctx.timeout, temp_dir=temp_dir, on_wait=on_wait, on_started=ctx.on_started)
    except ChildTimeout:
        raise timeout_error(ctx.timeout, ctx.project.main_file) from None
    except OSError as err:
        reason = "does not exist" if isinstance(err, FileNotFoundError) else f"cannot be run ({err.strerror})"
        raise ProgramError(f"Python interpreter {ctx.python} {reason}", hint=INSTALL_HINT) from None


# ---------------------------------------------------------------- conversion


def _is_stack(urn: str) -> bool:
    parts = urn.split("::")
    return len(parts) > 2 and parts[2] == STACK_TYPE


def _convert(rec: Mapping[str, Any], files: dict[str, str], root: Path,
             urns: dict[str, str] | None = None) -> RawResource:
    """One captured registration -> RawResource: wire values converted, mock URNs normalized, the declaring file
    relative to the repository root `root`. `files` and `urns` remember what was already worked out (the sandbox's
    replay, checks/sandbox/apply.py, converts its records with this too)."""
    urns = {} if urns is None else urns
    parent = rec.get("parent") or ""
    location = None
    file, line = rec.get("file") or "", int(rec.get("line") or 0)
    if file and line > 0:
        if file not in files:
            files[file] = repo_path(Path(file), root)
        location = Location(files[file], line)
    pdeps = rec.get("propertyDependencies") or {}
    converted = convert_value(rec.get("inputs") or {})
    # what derives from an invoke or an unknown output is unknown (the walk is skipped when no marker is there)
    marked = _has_marker(rec.get("inputs"))
    props = unmark(converted) if marked else converted
    # ... but a document with unknown parts keeps its known parts as text (_pulumi_outputs.py); never a secret
    partial = ({k: v for k, v in converted.items() if isinstance(v, str) and props.get(k) is UNKNOWN}
               if marked else {})
    for key in rec.get("secretOutputs") or ():  # additional_secret_outputs: secret wherever the value flows
        if key in props and props[key] is not UNKNOWN and not isinstance(props[key], Secret):
            props[key] = Secret(props[key])
    return RawResource(
        type=rec["type"], urn=_urn(rec["urn"], urns), name=rec["name"],
        props=props,
        source=SourceKind.PLANNED, id=None, custom=bool(rec.get("custom")),
        parent=None if not parent or _is_stack(parent) else _urn(parent, urns),
        dependencies=_urns(rec.get("dependencies") or (), urns),
        property_dependencies={k: _urns(v, urns) for k, v in sorted(pdeps.items())},
        location=location, provider=_urn(rec["provider"], urns) if rec.get("provider") else None,
        partial=partial,
    )


def _has_marker(inputs: Any) -> bool:
    """Might `inputs` hold a marker anywhere (a key, a value, a secret's plaintext)? Checked on its JSON text."""
    import orjson

    return MARK.encode() in orjson.dumps(inputs)


def _with_regions(resources: list[RawResource], default: str | None) -> list[RawResource]:
    """Every AWS resource with the region it deploys to, as a stack export's provider says: its explicit provider's
    `region`, else the stack's `aws:region` (None when the project sets none: clearance's own default is no fact)."""
    from checks.sources.state import provider_urn  # after the program: not on the way to starting it

    regions = {r.urn: r.props.get("region") for r in resources if r.type.startswith("pulumi:providers:aws")}
    out: list[RawResource] = []
    for r in resources:
        region = regions.get(provider_urn(r.provider) or "") if r.provider else None
        region = region if isinstance(region, str) and region else default
        out.append(replace(r, region=region) if r.custom and r.type.startswith("aws:") and region else r)
    return out


def _urn(urn: str, seen: dict[str, str]) -> str:
    """normalize_urn, remembered: the same parents, providers and dependencies come back on every resource."""
    found = seen.get(urn)
    if found is None:
        found = seen[urn] = normalize_urn(urn)
    return found


def _urns(urns: Iterable[str], seen: dict[str, str]) -> tuple[str, ...]:
    """Normalized and sorted: the SDK collects dependencies in sets, so their order varies between runs."""
    return tuple(sorted({_urn(u, seen) for u in urns}))


def _order(res: RawResource) -> tuple[str, int, str]:
    """Registration order varies between runs (it is threaded): order by declaration instead."""
    loc = res.location
    return (loc.file, loc.line, res.urn) if loc else ("\uffff", 0, res.urn)


def _run_warnings(result: Mapping[str, Any]) -> list[str]:
    warnings: list[str] = []
    for log in result.get("logs", []):
        prefix = "the program logged an error: " if log.get("level") in ("error", "critical") else ""
        warnings.append(prefix + " ".join(str(log.get("message", "")).split()))
    for token in result.get("marked_invokes", []):
        warnings.append(f"invoke {token} cannot be answered under mocks: what the program derives from its result "
                        "is unknown")
    for token in result.get("invokes", []):
        warnings.append(f"invoke {token} returned no data under mocks")
    for read in result.get("reads", []):
        warnings.append(f"{read} is read with .get(): its properties are unknown under mocks")
    return warnings
