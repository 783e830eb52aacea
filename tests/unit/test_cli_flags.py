"""The run-shaping flags of check and scan (--check, --skip-check, --severity, --framework, --soft-fail), --color, the
help text, unwrapped messages off a terminal, and the IAM policy the scan needs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checks.cli import app
from checks.cli.common import ColorMode, color_settings
from checks.errors import ExitCode

ROOT = Path(__file__).resolve().parents[2]
LEGACY = str(ROOT / "tests" / "fixtures" / "state" / "sample_export_v6_legacy_bucket.json")  # fails ENC-01, S3-02
ANSI = re.compile(r"\x1b\[[0-9;]*m")
PLAIN = {"COLUMNS": "100", "NO_COLOR": None, "FORCE_COLOR": None, "TERM": "dumb"}


def run(args: list[str], **env: str | None) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={**PLAIN, **env}, prog_name="clearance")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("command", ["check", "scan", "drift"])
def test_help_shows_brackets_and_readable_metavars(command: str) -> None:
    code, out = run([command, "--help"])
    assert code == 0
    assert "[tool.clearance]" in out
    for unreadable in ("<list[str]>", "<bool>", "<str>", "<float>", "<int>"):
        assert unreadable not in out, unreadable
    for option, metavar in (("--format", "FORMAT"), ("--check", "ID"), ("--severity", "SEVERITY"),
                            ("--settings", "FILE")):
        assert re.search(rf"{option}\s.*{metavar}", out), option


@pytest.mark.parametrize("command", [
    "check", "scan", "drift", "iam-policy", "pre-commit", "baseline create", "sandbox up", "sandbox apply",
    "sandbox status", "sandbox down", "sg review", "controls list", "controls show", "controls lint",
    "controls coverage"])
def test_no_option_shows_a_python_type(command: str) -> None:
    """Every option reads as a value name (`--reviewer REVIEWER`, `--out DIR`) or as a flag with none."""
    code, out = run([*command.split(), "--help"], COLUMNS="200")
    assert code == 0, out
    options = [line for line in out.splitlines() if re.match(r"^│\s+(-\w\s+)?--", line)]
    assert options, out
    for line in options:
        for unreadable in ("<list[", "<bool>", "<str>", "<float>", "<int>", "<path>"):
            assert unreadable not in line, line


def test_root_help_documents_color() -> None:
    code, out = run(["--help"], COLUMNS="200")
    assert code == 0
    assert re.search(r"--color\s+auto\|always\|never\s+Colour in the console output: auto \(on a terminal, unless "
                     r"NO_COLOR is set to anything; FORCE_COLOR forces it\), always or never", out)


@pytest.mark.parametrize(("mode", "env", "expected"), [
    (ColorMode.AUTO, {}, {"color_system": "auto", "no_color": False}),
    (ColorMode.AUTO, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, {"color_system": None, "no_color": True}),
    (ColorMode.AUTO, {"NO_COLOR": ""}, {"color_system": "auto", "no_color": False}),  # empty: not set
    (ColorMode.AUTO, {"FORCE_COLOR": "1"}, {"color_system": "standard", "no_color": False}),
    (ColorMode.ALWAYS, {"NO_COLOR": "1", "COLORTERM": "truecolor"}, {"color_system": "truecolor", "no_color": False}),
    (ColorMode.ALWAYS, {"TERM": "xterm-256color"}, {"color_system": "256", "no_color": False}),
    (ColorMode.NEVER, {"FORCE_COLOR": "1"}, {"color_system": None, "no_color": True}),
])
def test_color_settings(mode: ColorMode, env: dict[str, str], expected: dict[str, object]) -> None:
    assert color_settings(mode, env) == expected


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ([], {}, False),                                   # auto, not a terminal
    ([], {"FORCE_COLOR": "1"}, True),
    ([], {"NO_COLOR": "1"}, False),
    (["--color", "always"], {"NO_COLOR": "1"}, True),  # the flag wins over the variable
    (["--color", "never"], {"FORCE_COLOR": "1"}, False),
    (["--color", "ALWAYS"], {}, True),
])
def test_color_modes_through_check(args: list[str], env: dict[str, str], coloured: bool, tmp_path: Path) -> None:
    code, out = run([*args, "check", "--state", LEGACY, "--out", str(tmp_path)], **env)
    assert code == ExitCode.FINDINGS, out
    assert bool(ANSI.search(out)) is coloured, out
    assert "2 failing findings" in ANSI.sub("", out)


def test_a_bad_color_is_a_usage_error() -> None:
    code, out = run(["--color", "sometimes", "check"])
    assert code == ExitCode.USAGE
    assert out.strip() == ("clearance: error: invalid value for '--color': 'sometimes' is not one of 'auto', "
                           "'always', 'never' (try --help)")


def test_soft_fail_reports_as_usual_and_exits_0(tmp_path: Path) -> None:
    code, out = run(["check", "--state", LEGACY, "--format", "console,json", "--out", str(tmp_path), "--soft-fail"])
    assert code == ExitCode.OK, out
    assert "2 failing findings (--soft-fail: exit 0 instead of 1)" in out.splitlines()
    assert "ENC-01 [medium]" in out and (tmp_path / "clearance.json").is_file()
    assert json.loads((tmp_path / "clearance.json").read_text())["summary"]["result"] == "fail"
    code, out = run(["check", "--state", LEGACY, "--out", str(tmp_path), "--soft-fail", "-q"])
    assert (code, out) == (ExitCode.OK, "2 failing findings (--soft-fail: exit 0 instead of 1)\n")
    # nothing to soften: the verdict says nothing about it
    code, out = run(["check", "--state", LEGACY, "--out", str(tmp_path), "--soft-fail", "-q", "--fail-on", "high"])
    assert (code, out) == (ExitCode.OK, "no findings at or above high\n")
    # bad input is still exit 2
    code, out = run(["check", "--state", str(tmp_path / "missing.json"), "--soft-fail"])
    assert code == ExitCode.USAGE and out.startswith("error: ")


def test_selection_decides_what_runs_and_what_is_reported(tmp_path: Path) -> None:
    code, out = run(["check", "--state", LEGACY, "--format", "json", "--out", str(tmp_path), "--check", "s3-*",
                     "--skip-check", "S3-01", "-q"])
    assert (code, out.splitlines()[0]) == (ExitCode.FINDINGS, "1 failing finding")
    report = json.loads((tmp_path / "clearance.json").read_text())
    assert sorted(report["controls"]) == ["S3-02", "S3-03"]
    assert {f["control"] for f in report["findings"]} <= {"S3-02", "S3-03"}
    assert any(w.startswith("--check S3-* --skip-check S3-01: 2 of ") for w in report["warnings"])
    code, out = run(["check", "--state", LEGACY, "--out", str(tmp_path), "--severity", "critical,high", "-q"])
    assert (code, out) == (ExitCode.OK, "no failing findings\n")  # the two failures are medium
    code, out = run(["check", "--state", LEGACY, "--format", "json", "--out", str(tmp_path), "--framework", "soc2",
                     "-q"])
    assert sorted(json.loads((tmp_path / "clearance.json").read_text())["coverage"]) == ["soc2"]


@pytest.mark.parametrize(("args", "expected"), [
    (["--check", "NOPE-1"], "error: --check: 'NOPE-1' matches no control (known: BAK-01, "),
    (["--skip-check", "zz*"], "error: --skip-check: 'ZZ*' matches no control (known: BAK-01, "),
    (["--severity", "urgent"], "error: --severity: unknown severity 'urgent' (known: critical, high, medium, low)"),
    (["--framework", "pci"], "error: --framework: unknown framework 'pci' (known: cis_aws_v3, iso27001_2022, "
                             "nist_800_53, soc2, statement)"),
])
def test_a_selection_that_cannot_be_meant_is_one_line(args: list[str], expected: str, tmp_path: Path) -> None:
    code, out = run(["check", "--state", LEGACY, "--out", str(tmp_path), *args])
    assert code == ExitCode.USAGE
    assert len(out.strip().splitlines()) == 1 and out.startswith(expected), out


def test_messages_are_not_wrapped_off_a_terminal(tmp_path: Path) -> None:
    out_dir = tmp_path / ("a-rather-long-folder-name-for-the-reports-" * 3)
    code, out = run(["check", "--state", LEGACY, "--format", "json", "--out", str(out_dir)], COLUMNS=None)
    assert code == ExitCode.FINDINGS
    assert f"wrote {out_dir / 'clearance.json'}" in out.splitlines()
    long_finding = ("    FAIL    index.ts:5  docs  Bucket docs: the bucket policy does not deny all S3 requests "
                    "without TLS (aws:SecureTransport = false) on the bucket and all its objects (denies insecure "
                    "transport: false)")
    assert long_finding in out.splitlines()
    # tables are as wide as the plain-text report (120), not cut to Rich's default 80 columns
    assert re.search(r"^ framework +fail +incomplete +partial +pass +no-data +manual +requirements", out, re.M), out


def test_iam_policy_lets_the_scan_list_the_enabled_regions() -> None:
    code, out = run(["iam-policy"])
    assert code == 0
    [statement] = json.loads(out)["Statement"]
    assert "ec2:DescribeRegions" in statement["Action"]
    code, out = run(["iam-policy", "--services", "kms"])
    assert "ec2:DescribeRegions" in json.loads(out)["Statement"][0]["Action"]


def test_the_policy_grants_every_call_the_scan_makes_besides_the_collectors(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--regions all` and naming the account, under moto: every call made is in the policy or needs no permission."""
    import boto3
    from moto import mock_aws

    from checks.collectors.base import ClientSettings, caller_account, iam_policy
    from checks.collectors.permissions import NO_PERMISSION_NEEDED, iam_action
    from checks.flows.scan import ScanRequest, resolve_regions

    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    calls: list[str] = []
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        session.events.register("before-call", lambda event_name, **_: calls.append(event_name))
        regions = resolve_regions(session, ScanRequest(regions=("all",)), ClientSettings())
        caller_account(session, regions[0])
    assert "eu-west-1" in regions
    operations = [f"{e.split('.')[1]}:{e.split('.')[2]}" for e in calls]
    assert operations == ["ec2:DescribeRegions", "sts:GetCallerIdentity"]
    granted = set(iam_policy([])["Statement"][0]["Action"])
    assert {iam_action(op) for op in operations if op not in NO_PERMISSION_NEEDED} <= granted
