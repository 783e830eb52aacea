"""A child process for test_report_set_processes.py: writes report sets into one folder, run after run.

`python -m tests.reports._report_writer OUT MARKER RUNS [SIZE]` writes RUNS sets of four reports (json, sarif,
markdown, junit) whose every line names the run (`MARKER-<n>`), SIZE lines each, then exits. It prints `ready`
once imported and starts when it reads a line on stdin: a parent starts writers together, or times a kill.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

from checks.report import Report
from reports.base import Renderer, write_reports

FORMATS = (("json", "json"), ("sarif", "sarif"), ("markdown", "md"), ("junit", "junit.xml"))


class Marked:
    """A renderer whose content names the run that wrote it."""

    def __init__(self, name: str, extension: str, marker: str, size: int = 1) -> None:
        self.name = name
        self.extension = extension
        self.marker = marker
        self.size = size

    def render(self, report: Report) -> str:
        return f"{self.marker} {self.extension}\n" * self.size


def main(argv: list[str]) -> int:
    out, marker, runs = Path(argv[0]), argv[1], int(argv[2])
    size = int(argv[3]) if len(argv) > 3 else 20_000
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(runs):
        registry: dict[str, Renderer] = {name: Marked(name, ext, f"{marker}-{n}", size) for name, ext in FORMATS}
        write_reports(cast(Report, None), [name for name, _ in FORMATS], out, registry=registry)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
