"""The CLI's shared parts: one format list for every command, one error handler, --version."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from checks.cli import app
from checks.cli.common import FORMATS_HELP, parse_formats
from checks.errors import ExitCode, InputError
from reports.base import renderers

WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def test_the_format_help_names_every_renderer() -> None:
    named = set(re.findall(r"[a-z]+", FORMATS_HELP.split(":", 1)[1].split("(")[0]))
    assert named == set(renderers())


@pytest.mark.parametrize("command", ["check", "scan"])
def test_check_and_scan_share_the_format_help(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env=WIDE)
    assert result.exit_code == 0
    assert " ".join(FORMATS_HELP.split()[:4]) in " ".join(result.output.split())


def test_parse_formats_splits_and_rejects_unknown() -> None:
    assert parse_formats(["console,JSON", " sarif "]) == ["console", "json", "sarif"]
    with pytest.raises(InputError, match=r"--format: unknown format 'html' \(known: (\w+, )*json(, \w+)*\)"):
        parse_formats(["html"])


def test_a_user_error_is_one_line_and_exit_2_from_any_command() -> None:
    runner = CliRunner()
    for args in (["controls", "show", "NOPE-1"], ["check", "--format", "pdf", "--preview", "x.json"],
                 ["scan", "--services", "nope"], ["iam-policy", "--services", "nope"]):
        result = runner.invoke(app, args, env=WIDE)
        assert result.exit_code == ExitCode.USAGE, (args, result.output)
        assert isinstance(result.exception, SystemExit | type(None)), (args, result.exception)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.output)


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert re.fullmatch(r"clearance \d+\.\d+\.\d+\S*\n", result.output)


def test_exit_codes_are_the_documented_ones() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4]
    assert InputError("x").exit_code == ExitCode.USAGE
