"""Whole-process measurements for `make bench`: wall time and peak RSS of one command, and alternated runs of two.

The peak RSS is the child's own `ru_maxrss` from `os.wait4` (not a RUSAGE_CHILDREN delta, which only ever grows and
so cannot give a median). It covers that process, not its own children (clearance's Pulumi child, checkov's
workers): the table says so where it matters.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
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


def run(cmd: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None, ok: tuple[int, ...] = (0, 1),
        timeout: float = 1800.0, label: str = "", stdout_to: Path | None = None) -> Run:
    """Run `cmd` to its end, its output to a throw-away file (stdout to `stdout_to` if given); its wall time, its
    peak RSS and its exit code."""
    with tempfile.TemporaryFile() as out, open(stdout_to or os.devnull, "wb") as keep:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env) if env is not None else None,
                                stdin=subprocess.DEVNULL, stdout=keep if stdout_to else out, stderr=out)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            out.seek(0)
            lines = [ln for ln in out.read().decode("utf-8", "replace").splitlines() if ln.strip()]
            last = lines[-1].strip() if lines else "no message"
            raise BenchError(f"{label or Path(cmd[0]).name} exited {code}: {last[:300]}")
    return Run(seconds=seconds, mib=usage.ru_maxrss / 1024, code=code)


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
