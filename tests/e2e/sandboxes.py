"""A running sandbox for the e2e tests that scan one: `clearance sandbox up` on entry, `down` on exit."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


@contextmanager
def running_sandbox(clearance: Run, root: Path) -> Iterator[Path]:
    """Start a sandbox in `root/sandbox` with the test module's own `clearance` runner; yield its folder."""
    folder = root / "sandbox"
    up = clearance("sandbox", "up", "--out", str(folder), cwd=root)
    assert up.returncode == 0, up.stderr
    try:
        yield folder
    finally:
        clearance("sandbox", "down", "--out", str(folder), cwd=root)
