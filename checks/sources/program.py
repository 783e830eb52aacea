"""The planned source: run a Pulumi Python program under Pulumi mocks and read what it would create.

The program runs in a child process (`_pulumi_child.py`, possibly under the program's own interpreter), in
preview mode: ids and outputs that are not inputs stay unknown, invokes return no data. The child writes
every resource registration to a JSON file; this module turns them into `RawResource`s and turns failures
into one-line errors that name the file and line to fix.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from checks.errors import ClearanceError, InputError, ProgramError
from checks.model import Location, SourceKind
from checks.raw import RawResource, convert_value, normalize_urn
from checks.sources.stack_config import (
    DEFAULT_REGION,
    PulumiProject,
    StackConfig,
    choose_stack,
    display_path,
    read_project,
    read_stack_config,
    short_key,
)

CHILD_SCRIPT = Path(__file__).with_name("_pulumi_child.py")
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


def load_program(program_dir: Path, *, stack: str | None = None, config: Mapping[str, str] = _NO_CONFIG,
                 python: str | None = None, timeout: float = 300) -> ProgramRun:
    """Run the Pulumi program in `program_dir` under mocks and return the resources it registers.

    `config` overrides the stack's config (`key` means `<project>:key`); `python` is the interpreter to run
    the program with (it needs pulumi and pulumi-aws), by default clearance's own.
    """
    started = time.perf_counter()
    project = read_project(program_dir)
    stack_name, warnings = choose_stack(project, stack)
    settings = read_stack_config(project, stack_name, config)
    if python and os.sep in python:  # a path: from here, not from the program folder the child starts in
        python = os.path.abspath(python)  # not resolve(): a virtualenv python is a symlink that must stay one
    ctx = _Context(project, settings, python or sys.executable, timeout)
    result = _run_child(ctx)
    if result.get("error"):
        raise _program_error(result["error"], list(dict.fromkeys(result.get("invokes", []))), ctx)
    files: dict[str, str] = {}
    resources = [_convert(rec, files) for rec in result["resources"] if rec["type"] != STACK_TYPE]
    resources.sort(key=_order)
    warnings.extend(settings.warnings)
    warnings.extend(_run_warnings(result))
    return ProgramRun(resources=resources, project=project.name, stack=stack_name, program_dir=project.program_dir,
                      duration_s=time.perf_counter() - started, warnings=list(dict.fromkeys(warnings)),
                      region=settings.values["aws:region"])


# ---------------------------------------------------------------- the child process


def _run_child(ctx: _Context) -> dict[str, Any]:
    project = ctx.project
    with tempfile.TemporaryDirectory(prefix="clearance-program-") as tmp:
        output = Path(tmp) / "result.json"
        args = {
            "main": str(project.main_file), "program_dir": str(project.program_dir),
            "sys_path": list(dict.fromkeys([str(project.main_file.parent), str(project.program_dir)])),
            "project": project.name, "stack": ctx.settings.stack, "config": dict(ctx.settings.values),
            "secret_keys": sorted(ctx.settings.secret_keys), "output": str(output),
        }
        args_file = Path(tmp) / "args.json"
        args_file.write_text(json.dumps(args), encoding="utf-8")
        returncode, stderr = _spawn(ctx, args_file)
        try:
            result = json.loads(output.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise _crash_error(ctx, returncode, stderr) from None
    if not isinstance(result, dict) or not isinstance(result.get("resources"), list):
        raise _crash_error(ctx, returncode, stderr)
    return result


def _spawn(ctx: _Context, args_file: Path) -> tuple[int, str]:
    """Run the child with the user's PULUMI_* variables removed; return its exit code and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in the user's program folder
    try:
        proc = subprocess.Popen(
            [ctx.python, str(CHILD_SCRIPT), str(args_file)], cwd=ctx.project.program_dir, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
    except OSError as err:
        reason = "does not exist" if isinstance(err, FileNotFoundError) else f"cannot be run ({err.strerror})"
        raise ProgramError(f"Python interpreter {ctx.python} {reason}", hint=_INSTALL_HINT) from None
    try:
        _, err_bytes = proc.communicate(timeout=ctx.timeout)
    except subprocess.TimeoutExpired:
        raise ProgramError(f"the Pulumi program did not finish within {ctx.timeout:g} s",
                           where=display_path(ctx.project.main_file),
                           hint="raise the timeout, or look for a loop or a network call that never returns") from None
    finally:
        if proc.poll() is None:  # timed out or interrupted: end the child and anything it started
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.communicate()
    return proc.returncode, err_bytes.decode("utf-8", errors="replace")


_INSTALL_HINT = "give an interpreter whose environment has pulumi and pulumi-aws installed"


# ---------------------------------------------------------------- errors


def _crash_error(ctx: _Context, returncode: int, stderr: str) -> ProgramError:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = lines[-1] if lines else "no error output"
    if returncode < 0:
        try:
            how = f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"was killed by signal {-returncode}"
    else:
        how = f"exited with code {returncode}"
    return ProgramError(f"the Pulumi program {how} without a result: {last}", where=display_path(ctx.project.main_file),
                        hint="this is the last line of its error output; `pulumi preview` shows all of it")


def _program_error(error: Mapping[str, Any], invokes: list[str], ctx: _Context) -> ClearanceError:
    kind = error.get("kind")
    file, line = error.get("file"), error.get("line")
    where = display_path(Path(file)) if file else display_path(ctx.project.main_file)
    if file and line:
        where = f"{where}:{line}"
    settings, project = ctx.settings, ctx.project.name
    stack_file = display_path(settings.stack_file)
    if kind == "no_pulumi":
        return ProgramError(f"Python interpreter {ctx.python} has no pulumi module: {error.get('message')}",
                            hint=f"install pulumi and pulumi-aws in that environment: "
                                 f"{ctx.python} -m pip install pulumi pulumi-aws")
    if kind == "syntax":
        return ProgramError(f"syntax error in the Pulumi program: {error.get('message')}", where=where,
                            hint=f"check it with `python -m py_compile {display_path(Path(file or '.'))}`")
    if kind in ("config_missing", "config_type"):
        key = str(error.get("key"))
        to_pass = f"--config {short_key(key, project)}=value"
        if kind == "config_type":
            message = f"config {key} value {error.get('value')!r} is not a valid {error.get('expect_type')}"
        elif key in settings.encrypted:
            return InputError(f"config {key} is encrypted (secure:) in {stack_file}:{settings.encrypted[key]} "
                              "and cannot be decrypted without the Pulumi CLI", where=where,
                              hint=f"pass its value with {to_pass}")
        else:
            message = f"missing required config {key} for stack {settings.stack}"
        return InputError(message, where=where, hint=f"set it in {stack_file} or pass {to_pass}")
    if kind == "exit":
        return ProgramError(f"the Pulumi program called sys.exit({error.get('message')})", where=where,
                            hint="a Pulumi program must not exit; raise an exception to fail it")
    message = " ".join(str(error.get("message") or "").split())
    raised = f"the Pulumi program raised {error.get('type')}" + (f": {message}" if message else "")
    hint = f"fix the program; it ran under Pulumi mocks as a preview of stack {settings.stack}"
    if error.get("type") == "ModuleNotFoundError":
        hint = f"install the program's dependencies for {ctx.python}, or pass the program's own interpreter"
    elif invokes:
        hint += f"; invokes return no data under mocks ({', '.join(invokes)}): guard against empty results"
    return ProgramError(raised, where=where, hint=hint)


# ---------------------------------------------------------------- conversion


def _is_stack(urn: str) -> bool:
    parts = urn.split("::")
    return len(parts) > 2 and parts[2] == STACK_TYPE


def _convert(rec: Mapping[str, Any], files: dict[str, str]) -> RawResource:
    """One captured registration -> RawResource: wire values converted, mock URNs normalized."""
    parent = rec.get("parent") or ""
    location = None
    file, line = rec.get("file") or "", int(rec.get("line") or 0)
    if file and line > 0:
        if file not in files:
            files[file] = display_path(Path(file))
        location = Location(files[file], line)
    pdeps = rec.get("propertyDependencies") or {}
    return RawResource(
        type=rec["type"], urn=normalize_urn(rec["urn"]), name=rec["name"], props=convert_value(rec.get("inputs") or {}),
        source=SourceKind.PLANNED, id=None, custom=bool(rec.get("custom")),
        parent=None if not parent or _is_stack(parent) else normalize_urn(parent),
        dependencies=_urns(rec.get("dependencies") or ()),
        property_dependencies={k: _urns(v) for k, v in sorted(pdeps.items())},
        location=location, provider=normalize_urn(rec["provider"]) if rec.get("provider") else None,
    )


def _urns(urns: Iterable[str]) -> tuple[str, ...]:
    """Normalized and sorted: the SDK collects dependencies in sets, so their order varies between runs."""
    return tuple(sorted({normalize_urn(u) for u in urns}))


def _order(res: RawResource) -> tuple[str, int, str]:
    """Registration order varies between runs (it is threaded): order by declaration instead."""
    loc = res.location
    return (loc.file, loc.line, res.urn) if loc else ("\uffff", 0, res.urn)


def _run_warnings(result: Mapping[str, Any]) -> list[str]:
    warnings: list[str] = []
    for log in result.get("logs", []):
        prefix = "the program logged an error: " if log.get("level") in ("error", "critical") else ""
        warnings.append(prefix + " ".join(str(log.get("message", "")).split()))
    for token in result.get("invokes", []):
        warnings.append(f"invoke {token} returned no data under mocks")
    for read in result.get("reads", []):
        warnings.append(f"{read} is read with .get(): its properties are unknown under mocks")
    return warnings
