"""The pure parts of `make bench` (bench/table.py): the README block, the table's cells, the regression lines.
The benchmarks themselves are not tests and never run here."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.paths import load_script

TABLE = Path(__file__).resolve().parents[2] / "bench" / "table.py"

README = """# clearance

Intro.

<!-- bench:start -->
| work | clearance | peer | ratio | goal | met? |
|---|---|---|---|---|---|
| planned estate, 1,000 resources | 0.20 s, 60 MiB | checkov: 9.5 s, 312 MiB | 48x faster | >= 50x | **no** |
| Pulumi program of 1,000 resources | 2.40 s | floor: 2.10 s | 1.14x the floor | <= 1.15x | yes |

- a note
<!-- bench:end -->

## Next section
"""


@pytest.fixture(scope="module")
def table() -> ModuleType:
    return load_script(TABLE, "bench_table")


def test_previous_figures_reads_the_clearance_cell_of_each_row(table: Any) -> None:
    got = table.previous_figures(README)
    assert got == {"planned estate, 1,000 resources": table.Figure(0.2, 60.0),
                   "Pulumi program of 1,000 resources": table.Figure(2.4, None)}


def test_previous_figures_without_a_block_is_empty(table: Any) -> None:
    assert table.previous_figures("# clearance\n") == {}


def test_replace_block_keeps_the_markers_and_the_rest(table: Any) -> None:
    new = table.replace_block(README, "| work | clearance |\n|---|---|\n| x | 1.00 s |\n")
    assert new == README.split("<!-- bench:start -->")[0] + (
        "<!-- bench:start -->\n| work | clearance |\n|---|---|\n| x | 1.00 s |\n<!-- bench:end -->\n\n"
        "## Next section\n")
    assert table.replace_block(new, "| y |") == new.replace("| work | clearance |\n|---|---|\n| x | 1.00 s |", "| y |")


@pytest.mark.parametrize(("text", "message"), [
    ("# no block\n", "no <!-- bench:start --> ... <!-- bench:end --> markers: add them where the bench table goes"),
    ("<!-- bench:end -->\n<!-- bench:start -->\n",
     "the <!-- bench:start --> / <!-- bench:end --> markers must appear once each, start first"),
    ("<!-- bench:start -->\n<!-- bench:end -->\n<!-- bench:start -->\n",
     "the <!-- bench:start --> / <!-- bench:end --> markers must appear once each, start first"),
])
def test_replace_block_refuses_a_readme_without_one_block(table: Any, text: str, message: str) -> None:
    with pytest.raises(table.BlockError) as err:
        table.replace_block(text, "| x |")
    assert str(err.value) == message


def test_regressions_name_each_figure_more_than_20_percent_worse(table: Any) -> None:
    previous = table.previous_figures(README)
    rows = [
        table.Row(work="planned estate, 1,000 resources", clearance=table.Figure(0.25, 80.0)),  # +25%, +33%
        table.Row(work="Pulumi program of 1,000 resources", clearance=table.Figure(2.88)),  # +20% exactly: not
        table.Row(work="a new row", clearance=table.Figure(99.0, 999.0)),  # nothing to compare with
    ]
    assert table.regressions(rows, previous) == [
        "REGRESSION: planned estate, 1,000 resources: clearance took 0.25 s, the README says 0.20 s (+25%)",
        "REGRESSION: planned estate, 1,000 resources: clearance peaked at 80 MiB, the README says 60 MiB (+33%)",
    ]
    faster = [table.Row(work="planned estate, 1,000 resources", clearance=table.Figure(0.1, 50.0))]
    assert table.regressions(faster, previous) == []


def test_rendered_table_round_trips_through_the_readme(table: Any) -> None:
    rows = [table.Row(work="planned estate, 5,000 resources", clearance=table.Figure(0.812, 121.4),
                      peer="checkov: 43.0 s, 856 MiB", ratio=table.fmt_times(table.speedup(43.0, 0.812)) + " faster",
                      goal=">= 50x", met=True),
            table.Row(work="100,000 assets checked", clearance=table.Figure(12.34, 480.0), goal="< 3 s", met=False),
            table.Row(work="S3-heavy", clearance=table.Figure(1.5))]
    text = table.render(rows, ["- measured here"])
    assert text.splitlines() == [
        "| work | clearance | peer | ratio | goal | met? |",
        "|---|---|---|---|---|---|",
        "| planned estate, 5,000 resources | 0.81 s, 121 MiB | checkov: 43.0 s, 856 MiB | 53x faster | >= 50x | yes |",
        "| 100,000 assets checked | 12.3 s, 480 MiB | - | - | < 3 s | **no** |",
        "| S3-heavy | 1.50 s | - | - | - | - |",
        "",
        "- measured here",
    ]
    back = table.previous_figures(table.replace_block(README, text))
    assert back == {"planned estate, 5,000 resources": table.Figure(0.81, 121.0),
                    "100,000 assets checked": table.Figure(12.3, 480.0), "S3-heavy": table.Figure(1.5, None)}


@pytest.mark.parametrize(("factor", "text"), [(1.123, "1.12x"), (9.44, "9.4x"), (19.96, "20.0x"), (53.4, "53x")])
def test_fmt_times(table: Any, factor: float, text: str) -> None:
    assert table.fmt_times(factor) == text
