"""The many-accounts options of `clearance scan` and `clearance report`: combinations that cannot work are one
line naming the option and what to add, before any AWS call or store is touched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from checks.cli import app
from tests.org.organization import REGIONS, ROLE

PLAIN = {"COLUMNS": "200", "NO_COLOR": None, "FORCE_COLOR": None, "TERM": "dumb", "CLEARANCE_RUN_GROUP": None,
         "AWS_ENDPOINT_URL": None, "AWS_PROFILE": None}


def run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env=PLAIN, prog_name="clearance")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(("args", "says"), [
    (["--shard", "1/2", "--run-group", "g", "--store", "x.db"], "--shard applies to a scan of many accounts"),
    (["--run-group", "g"], "--run-group applies to a scan of many accounts"),
    (["--exclude-accounts", "111111111111"], "--exclude-accounts applies to a scan of many accounts"),
    (["--organization", "--shard", "1/2", "--store", "x.db"], "a shard needs the run group its results join"),
    (["--organization", "--shard", "1/2", "--run-group", "g"], "a shard records what it read in the history store"),
    (["--organization", "--shard", "3/2", "--run-group", "g", "--store", "x.db"], "K must be between 1 and N"),
    (["--organization", "--shard", "two", "--run-group", "g", "--store", "x.db"], "expected K/N"),
    (["--accounts", "12345", "--endpoint-url", "http://127.0.0.1:9"], "'12345' is not a 12-digit AWS account id"),
    (["--organization", "--shard", "1/2", "--run-group", "bad group!", "--store", "x.db"], "--run-group"),
])
def test_scan_refuses_what_cannot_work_in_one_line(args: list[str], says: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = run(["scan", "--endpoint-url", "http://127.0.0.1:9", *args])
    assert code == 2, out
    assert says in out and "Traceback" not in out
    assert not (tmp_path / "x.db").exists()  # nothing was created


def test_report_of_an_unknown_run_group_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = run(["report", "--store", f"sqlite:///{tmp_path / 'h.db'}", "--run-group", "nope"])
    assert code == 2, out
    assert "nope" in out and "Traceback" not in out


def test_report_without_any_complete_group_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = run(["report", "--store", f"sqlite:///{tmp_path / 'h.db'}"])
    assert code == 2, out
    assert "run group" in out and "Traceback" not in out


def test_a_group_is_recorded_once_and_only_when_every_shard_reported(
        org: tuple[Any, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = f"sqlite:///{tmp_path / 'h.db'}"
    shard = ["scan", "--organization", "--role-name", ROLE, "--regions", REGIONS[0], "--services", "kms,ec2_network",
             "--run-group", "nightly", "--store", store, "--shard"]
    report = ["report", "--store", store, "--run-group", "nightly", "-f", "json", "--out", str(tmp_path / "out")]
    code, out = run([*shard, "1/2"])
    assert code == 0 and "shard 1/2 of run group nightly: read" in out, out
    code, out = run(report)
    assert code != 0 and "shard(s) 2/2 never reported" in out and "not recorded in the history" in out, out
    code, out = run([*shard, "2/2"])
    assert code == 0, out
    code, out = run(report)
    assert "run group nightly (2 of 2 shards)" in out and "recorded run " in out, out
    code, out = run(report)
    assert "was recorded before, as run" in out, out
