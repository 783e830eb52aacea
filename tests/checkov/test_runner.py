"""checks/checkov/runner.py: finding checkov, its environment, running it (a stand-in script) and reading its JSON."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from checks.checkov.runner import (
    CheckovRecord,
    check_scanned,
    clean_env,
    command,
    find_checkov,
    parse_output,
    run_checkov,
)
from checks.errors import ClearanceError, InputError

DATA = Path(__file__).parent / "data"
RECORDED = (DATA / "checkov-output.json").read_text()   # checkov 3.3.30 on data/plan.json (two resources)
PLAN = json.loads((DATA / "plan.json").read_text())


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_recorded_output_parses_into_records_and_summary() -> None:
    result = parse_output(RECORDED)
    assert result.resource_count == 2
    assert result.version == "3.3.30"
    assert result.parsing_errors == ()
    assert CheckovRecord(check_id="CKV_AWS_7", check_name="Ensure rotation for customer created CMKs is enabled",
                         result="FAILED", address="aws_kms_key.data", severity=None,
                         evaluated_keys=("enable_key_rotation",)) in result.records
    outcomes = {(r.check_id, r.address): r.result for r in result.records}
    assert outcomes[("CKV_AWS_24", "aws_security_group.web")] == "FAILED"
    assert outcomes[("CKV_AWS_25", "aws_security_group.web")] == "PASSED"
    assert len(result.records) == 12
    assert {r.resource_type for r in result.records} == {"aws_kms_key", "aws_security_group", "aws"}


def test_summary_only_output_means_nothing_was_scanned() -> None:
    result = parse_output(json.dumps({"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0,
                                      "resource_count": 0, "checkov_version": "3.3.30"}))
    assert (result.records, result.resource_count) == ((), 0)


def test_output_that_is_not_json_is_an_error() -> None:
    with pytest.raises(ClearanceError) as err:
        parse_output("Traceback (most recent call last):", "ck")
    assert str(err.value) == "ck: checkov's output is not JSON (Expecting value at line 1)"


def test_zero_resources_scanned_of_some_is_an_error_never_a_silent_pass() -> None:
    with pytest.raises(ClearanceError) as err:
        check_scanned(parse_output('{"resource_count": 0}'), 3)
    assert str(err.value) == (
        "--with-checkov: checkov scanned no resource of the 3 in the converted plan (a checkov that does not read "
        "Terraform plans (terraform_plan framework) or a plan it does not recognise; check the version with "
        "'checkov --version')")
    check_scanned(parse_output(RECORDED), 2)  # some scanned: fine


def test_parsing_errors_are_an_error() -> None:
    text = json.dumps({"results": {"parsing_errors": ["/tfplan.json"]}, "summary": {"resource_count": 0}})
    with pytest.raises(ClearanceError, match=r"checkov could not parse the converted plan: /tfplan.json"):
        check_scanned(parse_output(text), 1)


def test_an_explicit_path_that_is_not_executable_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        find_checkov(tmp_path / "nope", env={})
    assert str(err.value) == (
        f"--checkov {tmp_path / 'nope'}: checkov is not an executable file here (give the path of the checkov script "
        "of its virtual environment (.venv-checkov/bin/checkov), or run 'make install')")


def test_lookup_order_flag_then_env_then_venv_then_path(tmp_path: Path) -> None:
    flag, env_exe, venv, on_path = (script(tmp_path / n, "exit 0\n") for n in ("a", "b", "c", "checkov"))
    assert find_checkov(flag, env={"CLEARANCE_CHECKOV": str(env_exe)}, candidates=[venv]) == flag
    assert find_checkov(None, env={"CLEARANCE_CHECKOV": str(env_exe)}, candidates=[venv]) == env_exe
    assert find_checkov(None, env={}, candidates=[tmp_path / "missing", venv]) == venv
    assert find_checkov(None, env={"PATH": str(tmp_path)}, candidates=[tmp_path / "missing"]) == on_path


def test_missing_checkov_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        find_checkov(None, env={"PATH": str(tmp_path)}, candidates=[tmp_path / ".venv-checkov/bin/checkov"])
    assert str(err.value) == (
        f"--with-checkov: checkov was not found (looked in {tmp_path}/.venv-checkov/bin/checkov and on PATH) "
        "(install it with 'make install' (it creates .venv-checkov/), or give --checkov PATH or set "
        "CLEARANCE_CHECKOV)")
    assert err.value.exit_code == 2


def test_the_environment_keeps_no_proxy_token_or_credential() -> None:
    env = clean_env({"PATH": "/bin", "HOME": "/h", "HTTPS_PROXY": "http://p:1", "https_proxy": "x", "NO_PROXY": "*",
                     "AWS_SECRET_ACCESS_KEY": "s", "GITHUB_TOKEN": "t", "BC_API_KEY": "k", "PRISMA_API_URL": "u",
                     "CKV_FRAMEWORK": "all"})
    assert env == {"PATH": "/bin", "HOME": "/h"}


def test_the_command_never_downloads() -> None:
    cmd = command(Path("/x/checkov"), Path("/t/tfplan.json"))
    assert cmd == ["/x/checkov", "-f", "/t/tfplan.json", "--framework", "terraform_plan", "-o", "json",
                   "--skip-download", "--compact"]


def test_run_passes_the_plan_and_a_clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("BC_API_KEY", "secret-key")
    seen = tmp_path / "seen"
    (tmp_path / "out.json").write_text(RECORDED)
    exe = script(tmp_path / "checkov", f'env > {seen}.env; cp "$2" {seen}.plan; echo "$@" > {seen}.args\n'
                                       f'cat {tmp_path / "out.json"}; exit 1\n')
    result = run_checkov(exe, PLAN, expected_resources=2)
    assert result.resource_count == 2 and len(result.records) == 12
    assert json.loads(Path(f"{seen}.plan").read_text()) == PLAN
    assert "--skip-download" in Path(f"{seen}.args").read_text().split()
    env = Path(f"{seen}.env").read_text()
    assert "HTTPS_PROXY" not in env and "BC_API_KEY" not in env and "secret-key" not in env
    assert f"PATH={os.environ['PATH']}" in env.splitlines()


def test_a_crash_is_an_error_with_checkov_s_last_line(tmp_path: Path) -> None:
    exe = script(tmp_path / "checkov", 'echo "Traceback" >&2; echo "ValueError: bad plan" >&2; exit 2\n')
    with pytest.raises(ClearanceError) as err:
        run_checkov(exe, PLAN, expected_resources=2)
    assert str(err.value) == f"{exe}: checkov failed (exit 2): ValueError: bad plan"


def test_a_hung_checkov_is_stopped(tmp_path: Path) -> None:
    exe = script(tmp_path / "checkov", "exec sleep 30\n")
    with pytest.raises(ClearanceError) as err:
        run_checkov(exe, PLAN, expected_resources=2, timeout=0.5)
    assert str(err.value) == f"{exe}: checkov did not finish within 0.5 seconds"


def test_a_run_that_scans_nothing_fails(tmp_path: Path) -> None:
    exe = script(tmp_path / "checkov", "echo '{\"resource_count\": 0, \"checkov_version\": \"3.3.30\"}'\n")
    with pytest.raises(ClearanceError, match="checkov scanned no resource of the 2 in the converted plan"):
        run_checkov(exe, PLAN, expected_resources=2)
