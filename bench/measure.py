"""Whole-process measurements for `make bench`: wall time and peak RSS of one command, and alternated runs of two.

The peak RSS is the command's own `ru_maxrss` from `os.wait4` in bench/spawn_rss.py (not a RUSAGE_CHILDREN delta,
which only ever grows and so cannot give a median; and not from a process forked by this one, which would inherit
this benchmark's peak). It covers that process, not its own children (clearance's Pulumi child, checkov's
workers): the table says so where it matters.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from table import Figure


class BenchError(RuntimeError):
    """A measured command failed: one line naming it and its last message."""


@dataclass(frozen=True)
class Run:
    seconds: float
    mib: float
    code: int


SPAWN = Path(__file__).with_name("spawn_rss.py")


def run(cmd: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None, ok: tuple[int, ...] = (0, 1),
        timeout: float = 1800.0, label: str = "", stdout_to: Path | None = None) -> Run:
    """Run `cmd` to its end, its output to a throw-away file (stdout to `stdout_to` if given); its wall time, its
    peak RSS and its exit code, as measured by bench/spawn_rss.py (a small process in between, so that the peak is
    the command's own and not inherited from this benchmark's memory)."""
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile() as out, \
            open(stdout_to or os.devnull, "wb") as keep:
        result = Path(tmp) / "result"
        spawn = [sys.executable, "-S", str(SPAWN), str(result), str(timeout), *cmd]
        proc = subprocess.run(spawn, cwd=cwd, env=dict(env) if env is not None else None, stdin=subprocess.DEVNULL,
                              stdout=keep if stdout_to else out, stderr=out, check=False)
        try:
            seconds_text, kib_text, code_text = result.read_text(encoding="ascii").split()
        except (OSError, ValueError):
            raise BenchError(f"{label or Path(cmd[0]).name} could not be started ({proc.returncode})") from None
        code = int(code_text)
        if code not in ok:
            out.seek(0)
            lines = [ln for ln in out.read().decode("utf-8", "replace").splitlines() if ln.strip()]
            last = lines[-1].strip() if lines else "no message"
            raise BenchError(f"{label or Path(cmd[0]).name} exited {code}: {last[:300]}")
    return Run(seconds=float(seconds_text), mib=int(kib_text) / 1024, code=code)


def alternate(first: Callable[[], Run], second: Callable[[], Run], pairs: int, *, extra_first: int = 0,
              warmup: int = 1) -> tuple[list[Run], list[Run]]:
    """`warmup` uncounted pairs, then `pairs` rounds of first, second (A B A B ...); each round runs `first`
    `extra_first` more times after `second` (clearance is fast: more samples cost little)."""
    a: list[Run] = []
    b: list[Run] = []
    for i in range(warmup + pairs):
        ra, rb = first(), second()
        more = [first() for _ in range(extra_first)]
        if i >= warmup:
            a += [ra, *more]
            b.append(rb)
    return a, b


def repeat(one: Callable[[], Run], times: int, *, warmup: int = 1) -> list[Run]:
    runs = [one() for _ in range(warmup + times)]
    return runs[warmup:]


def median(runs: list[Run]) -> Figure:
    return Figure(statistics.median(r.seconds for r in runs), statistics.median(r.mib for r in runs))
