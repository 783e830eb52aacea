"""The pure parts of `make bench`: the rows of the result table, its Markdown, the README block that carries it, and
the regression check against the figures of the previous table (tests/unit/test_bench_tools.py).

The README holds the table between `<!-- bench:start -->` and `<!-- bench:end -->`; rows are matched by their `work`
cell, and the clearance cell reads "0.89 s, 64 MiB" (the MiB part is optional).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
HEADER = ("| work | clearance | peer | ratio | goal | met? |", "|---|---|---|---|---|---|")
REGRESSION_FACTOR = 1.20  # a clearance figure more than 20% above the README's is a regression

_SECONDS = re.compile(r"(\d+(?:\.\d+)?) s\b")
_MIB = re.compile(r"(\d+(?:\.\d+)?) MiB\b")


class BlockError(ValueError):
    """The README has no well-formed bench block."""


@dataclass(frozen=True)
class Figure:
    """A median wall time and, when measured, a median peak RSS."""

    seconds: float
    mib: float | None = None

    def cell(self) -> str:
        text = fmt_seconds(self.seconds)
        return text if self.mib is None else f"{text}, {self.mib:.0f} MiB"


@dataclass(frozen=True)
class Row:
    """One line of the table. `ratio` and `goal` are already worded; `met` is None when there is no goal."""

    work: str
    clearance: Figure
    peer: str = "-"
    ratio: str = "-"
    goal: str = "-"
    met: bool | None = None

    def line(self) -> str:
        met = "-" if self.met is None else ("yes" if self.met else "**no**")
        cells = (self.work, self.clearance.cell(), self.peer, self.ratio, self.goal, met)
        return "| " + " | ".join(cells) + " |"


def fmt_seconds(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def speedup(peer_seconds: float, clearance_seconds: float) -> float:
    """How many times faster clearance is than the peer."""
    return peer_seconds / clearance_seconds


def fmt_times(factor: float) -> str:
    """A ratio as people read it: 1.12x, 9.4x, 53x."""
    if factor < 2:
        return f"{factor:.2f}x"
    return f"{factor:.1f}x" if factor < 20 else f"{factor:.0f}x"


def render(rows: list[Row], notes: list[str]) -> str:
    """The Markdown table, then one line a note."""
    lines = [*HEADER, *(row.line() for row in rows)]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def block_span(text: str) -> tuple[int, int]:
    """Offsets of the block's content (between the markers) in `text`."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0:
        raise BlockError(f"no {START} ... {END} markers: add them where the bench table goes")
    if end < start or text.find(START, start + 1) >= 0 or text.find(END, end + 1) >= 0:
        raise BlockError(f"the {START} / {END} markers must appear once each, start first")
    return start + len(START), end


def replace_block(text: str, table: str) -> str:
    """`text` with the block's content replaced by `table` (the markers stay, each on its own line)."""
    begin, end = block_span(text)
    return f"{text[:begin]}\n{table.strip()}\n{text[end:]}"


def previous_figures(text: str) -> dict[str, Figure]:
    """The clearance figure of each row of the README's block, by its `work` cell; {} when there is no block."""
    try:
        begin, end = block_span(text)
    except BlockError:
        return {}
    figures: dict[str, Figure] = {}
    for line in text[begin:end].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) < 2 or cells[0] == "work" or set(cells[0]) <= {"-", ":"}:
            continue
        seconds, mib = _SECONDS.search(cells[1]), _MIB.search(cells[1])
        if seconds:
            figures[cells[0]] = Figure(float(seconds.group(1)), float(mib.group(1)) if mib else None)
    return figures


def regressions(rows: list[Row], previous: dict[str, Figure], factor: float = REGRESSION_FACTOR) -> list[str]:
    """One "REGRESSION: ..." line for each clearance figure more than `factor` times the README's."""
    out = []
    for row in rows:
        before = previous.get(row.work)
        if before is None:
            continue
        now = row.clearance
        if now.seconds > before.seconds * factor:
            out.append(f"REGRESSION: {row.work}: clearance took {fmt_seconds(now.seconds)}, the README says "
                       f"{fmt_seconds(before.seconds)} (+{(now.seconds / before.seconds - 1) * 100:.0f}%)")
        if now.mib is not None and before.mib is not None and now.mib > before.mib * factor:
            out.append(f"REGRESSION: {row.work}: clearance peaked at {now.mib:.0f} MiB, the README says "
                       f"{before.mib:.0f} MiB (+{(now.mib / before.mib - 1) * 100:.0f}%)")
    return out
