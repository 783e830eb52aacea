"""`clearance pre-commit FILES...`: the pre-commit hook (.pre-commit-hooks.yaml).

pre-commit passes the changed files; each is mapped to the Pulumi program that holds it (the nearest folder with a
Pulumi.yaml, looking upward no further than the folder the hook runs in, the repository root), and every Python
program found is checked once with `clearance check`, in its own process, exactly as that command would check it.
Files in no program are ignored; a program of another runtime is named and skipped. The exit code is the worst of
the checks: bad input (2) over findings (1) over an incomplete evaluation (4) over 0.
"""

import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from checks.cli.common import FailOnOption, QuietOption, StrictOption
from checks.errors import ExitCode
from checks.model import Severity
from checks.paths import PROJECT_FILES

PREFIX = "clearance pre-commit:"
# the order in which exit codes are worse; a code not listed (a crash, a signal) is worse than all of them
_RANK: dict[int, int] = {ExitCode.OK: 0, ExitCode.INCOMPLETE: 1, ExitCode.FINDINGS: 2, ExitCode.USAGE: 3}
# runs `clearance check` in a child with the program name `clearance` (errors read `clearance check: error: ...`)
_CHILD = "import sys; sys.argv[0] = 'clearance'; from checks.cli import main; main()"


@dataclass(frozen=True, slots=True)
class Program:
    folder: Path      # as shown: relative to the root when inside it
    changed: int      # how many of the given files it holds


@dataclass(frozen=True, slots=True)
class Plan:
    programs: tuple[Program, ...]
    skipped: tuple[str, ...]   # one line per program of another runtime


def project_file(folder: Path) -> Path | None:
    return next((folder / name for name in PROJECT_FILES if (folder / name).is_file()), None)


def runtime_of(path: Path) -> str | None:
    """The runtime a Pulumi.yaml names; None when the file cannot be read as one (`clearance check` says why)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    runtime = data.get("runtime") if isinstance(data, dict) else None
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    return name if isinstance(name, str) else None


def owning_program(file: Path, root: Path) -> Path | None:
    """The nearest folder at or above `file`'s folder that holds a Pulumi.yaml, not above `root` when the file is
    inside it (a deleted file still belongs to its folder's program)."""
    start = Path(os.path.normpath(root / file)).parent
    inside = start == root or root in start.parents
    for folder in (start, *start.parents):
        if project_file(folder) is not None:
            return folder
        if inside and folder == root:
            return None
    return None


def shown(folder: Path, root: Path) -> Path:
    return folder.relative_to(root) if folder == root or root in folder.parents else folder


def plan(files: Iterable[Path], root: Path) -> Plan:
    """The programs holding `files` (in the order first met) and the programs skipped for their runtime."""
    root = root.absolute()
    counts: dict[Path, int] = {}
    for file in files:
        folder = owning_program(file, root)
        if folder is not None:
            counts[folder] = counts.get(folder, 0) + 1
    programs: list[Program] = []
    skipped: list[str] = []
    for folder, changed in counts.items():
        path = project_file(folder)
        runtime = runtime_of(path) if path is not None else None
        if runtime not in (None, "python"):
            skipped.append(f"{PREFIX} skipped {display(shown(folder, root))}: a {runtime} program "
                           "(clearance checks Pulumi Python programs only)")
            continue
        programs.append(Program(shown(folder, root), changed))
    return Plan(tuple(programs), tuple(skipped))


def display(folder: Path) -> str:
    return "./" if str(folder) == "." else f"{folder.as_posix().rstrip('/')}/"


def worst(codes: Sequence[int]) -> int:
    """The worst exit code: 2 over 1 over 4 over 0; any other code (a crash) over all of them."""
    return max(codes, key=lambda code: _RANK.get(code, len(_RANK)), default=int(ExitCode.OK))


def check_args(folder: Path, *, fail_on: Severity | None, strict: bool, quiet: bool, stack: str | None,
               python: str | None) -> list[str]:
    args = ["check", str(folder)]
    if fail_on is not None:
        args += ["--fail-on", fail_on.value]
    if strict:
        args.append("--strict")
    if quiet:
        args.append("--quiet")
    if stack is not None:
        args += ["--stack", stack]
    if python is not None:
        args += ["--python", python]
    return args


def pre_commit(
    files: Annotated[list[Path] | None, typer.Argument(help="Changed files, as pre-commit passes them.")] = None,
    fail_on: FailOnOption = None,
    strict: StrictOption = False,
    quiet: QuietOption = False,
    stack: Annotated[str | None, typer.Option(help="Stack whose Pulumi.<stack>.yaml config to use.")] = None,
    python: Annotated[str | None, typer.Option(help="Python interpreter of the programs' own environment.")] = None,
) -> None:
    """Check the Pulumi programs that hold the changed files (the pre-commit hook); exit with the worst code."""
    given = files or []
    root = Path.cwd()
    found = plan(given, root)
    for line in found.skipped:
        print(line, flush=True)
    if not found.programs:
        print(f"{PREFIX} no Pulumi Python program holds any of the {len(given)} changed files: nothing to check",
              flush=True)
        return
    codes: list[int] = []
    for program in found.programs:
        noun = "file" if program.changed == 1 else "files"
        print(f"{PREFIX} clearance check {display(program.folder)} ({program.changed} changed {noun})", flush=True)
        args = check_args(program.folder, fail_on=fail_on, strict=strict, quiet=quiet, stack=stack, python=python)
        returncode = subprocess.run([sys.executable, "-c", _CHILD, *args], check=False).returncode
        codes.append(returncode if returncode >= 0 else 128 - returncode)  # killed by signal N: 128 + N
    code = worst(codes)
    if len(codes) > 1:
        results = ", ".join(f"{display(p.folder)} exit {c}" for p, c in zip(found.programs, codes, strict=True))
        print(f"{PREFIX} {len(codes)} programs checked: {results}", flush=True)
    if code != ExitCode.OK:
        raise typer.Exit(code)
