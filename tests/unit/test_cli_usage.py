"""Usage errors and hostile input files end in one line on stderr and exit 2, never a Rich box or a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from checks.cli import app
from checks.errors import ExitCode
from checks.paths import display_path

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
PREVIEW = ROOT / "tests" / "fixtures" / "preview" / "sample_creates_typescript_v6_bucket.json"
WIDE = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}


def one_line(args: list[str]) -> str:
    result = CliRunner().invoke(app, args, env=WIDE, prog_name="clearance")
    assert result.exit_code == ExitCode.USAGE, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize(("args", "expected"), [
    (["check", "--frmat", "json"], "clearance check: error: no such option: --frmat (did you mean --format?) "
                                   "(try --help)"),
    (["check", "--zzz"], "clearance check: error: no such option: --zzz (try --help)"),
    (["check", "--format"], "clearance check: error: option '--format' requires an argument (try --help)"),
    (["check", "--fail-on", "urgent", "--preview", "x.json"],
     "clearance check: error: invalid value for '--fail-on': 'urgent' is not one of 'critical', 'high', "
     "'medium', 'low' (try --help)"),
    (["controls", "show"], "clearance controls show: error: missing argument 'control_id' (try --help)"),
    (["nope"], "clearance: error: no such command 'nope' (try --help)"),
    (["--bogus"], "clearance: error: no such option: --bogus (try --help)"),
])
def test_usage_errors_are_one_line(args: list[str], expected: str) -> None:
    assert one_line(args) == expected


def test_help_is_unchanged() -> None:
    result = CliRunner().invoke(app, ["check", "--help"], env=WIDE, prog_name="clearance")
    assert result.exit_code == 0
    assert "Usage: clearance check [OPTIONS] [program_dir]" in result.output
    assert "╭─ Options" in result.output


def test_no_arguments_still_prints_the_help() -> None:
    result = CliRunner().invoke(app, [], env=WIDE, prog_name="clearance")
    assert "Usage: clearance [OPTIONS] COMMAND [ARGS]..." in result.output
    assert "error:" not in result.output


@pytest.mark.parametrize(("name", "expected"), [
    ("alias_bomb.yaml", ":6: too many aliases (YAML alias bomb?) "
                        "(at most 1000 aliases expanding to 100000 values in all)"),
    ("python_name.yaml", ":3: python tags are not allowed ('!!python/name:os.system') "
                         "(clearance reads plain YAML data only)"),
    ("impossible_date.yaml", ":6: '2027-02-30' is not a valid date (day is out of range for month) "
                             "(fix the value or quote it to make it text)"),
    ("wildcard_waiver.yaml", ":3: waiver #1: field 'asset': '*' is only wildcards: it would waive every failure "
                             "of KEY-01 (name the assets it covers: a name, id or URN, or a pattern such as "
                             "'legacy-*')"),
])
def test_hostile_waivers_through_check(name: str, expected: str, tmp_path: Path) -> None:
    line = one_line(["check", "--preview", str(PREVIEW), "--waivers", str(HOSTILE / name), "--format", "json",
                     "--out", str(tmp_path / "out")])
    assert line == f"error: {display_path(HOSTILE / name)}{expected}"


def test_hostile_preview_through_check(tmp_path: Path) -> None:
    preview = tmp_path / "preview.json"
    preview.write_text('{"steps": null}')
    line = one_line(["check", "--preview", str(preview), "--out", str(tmp_path / "out")])
    assert line == (f"error: {preview}: 'steps' is null: the file is not a complete preview; "
                    f"regenerate it with 'pulumi preview --json > {preview}'")
