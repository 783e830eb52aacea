"""`clearance sandbox apply PROGRAM` records the program in the sandbox's state file, and a scan or drift of the
sandbox then takes that program's settings, waivers and review register, as `clearance check PROGRAM` does: the
README's sandbox steps and `make demo` give the same result."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest

from checks.cli.scan import LiveTarget
from checks.errors import InputError
from checks.flows.scan import ScanRequest, scan_options
from checks.sandbox import record_program
from checks.sandbox.state import SandboxInfo, load_state, state_path, write_state

STARTED = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)


def sandbox_in(folder: Path, pid: int = 4242) -> SandboxInfo:
    info = SandboxInfo(endpoint="http://127.0.0.1:4566", port=4566, pid=pid, account_id="123456789012",
                       region="eu-west-1", started_at=STARTED)
    folder.mkdir(parents=True, exist_ok=True)
    write_state(state_path(folder), info)
    state_path(folder).chmod(0o600)
    return info


def program(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    return folder


def test_apply_records_the_program_and_keeps_the_state_file_private(tmp_path: Path) -> None:
    info = sandbox_in(tmp_path / "out")
    shop = program(tmp_path / "shop")
    export = tmp_path / "out" / "sandbox-state.json"
    recorded = record_program(tmp_path / "out", info, shop, export)
    assert (recorded.program, recorded.applied_state) == (str(shop.resolve()), str(export.resolve()))
    reread = load_state(state_path(tmp_path / "out"))
    assert reread is not None and (reread.program, reread.applied_state) == (str(shop.resolve()),
                                                                           str(export.resolve()))
    assert stat.S_IMODE(state_path(tmp_path / "out").stat().st_mode) == 0o600


def test_a_state_file_of_another_server_is_left_alone(tmp_path: Path) -> None:
    sandbox_in(tmp_path / "out", pid=1111)
    stranger = SandboxInfo(endpoint="http://127.0.0.1:4566", port=4566, pid=2222, account_id="123456789012",
                           region="eu-west-1", started_at=STARTED)
    record_program(tmp_path / "out", stranger, program(tmp_path / "shop"))
    reread = load_state(state_path(tmp_path / "out"))
    assert reread is not None and reread.program is None


def test_a_state_file_written_before_programs_were_recorded_still_reads(tmp_path: Path) -> None:
    info = sandbox_in(tmp_path / "out")
    assert SandboxInfo.from_json({k: v for k, v in info.to_json().items() if k != "program"}).program is None


def test_the_applied_program_anchors_settings_unless_another_is_given(tmp_path: Path) -> None:
    shop = program(tmp_path / "shop")
    target = LiveTarget(session=None, endpoint_url="http://127.0.0.1:4566", told="", program=shop)
    chosen, said = target.program_dir(None)
    assert chosen == shop
    assert said is not None and said.startswith("settings, waivers and review register of ")
    assert said.endswith("(the program applied to the sandbox; --program-dir chooses another)")
    assert scan_options(ScanRequest(program_dir=chosen)).anchor == shop
    other = program(tmp_path / "other")
    assert target.program_dir(other) == (other, None)
    assert LiveTarget(session=None, endpoint_url=None, told="").program_dir(None) == (None, None)
    assert scan_options(ScanRequest()).anchor == Path.cwd()


def test_the_state_apply_wrote_links_live_findings_unless_another_is_given(tmp_path: Path) -> None:
    export = tmp_path / "sandbox-state.json"
    target = LiveTarget(session=None, endpoint_url="http://127.0.0.1:4566", told="", applied_state=export)
    states, said = target.states([])
    assert states == (export,)
    assert said is not None and said.startswith("findings point at the lines that declared their resources (the state ")
    other = tmp_path / "prod.json"
    assert target.states([other]) == ((other,), None)
    assert LiveTarget(session=None, endpoint_url=None, told="").states([]) == ((), None)


def test_a_program_dir_without_pulumi_yaml_is_refused_in_one_line(tmp_path: Path) -> None:
    target = LiveTarget(session=None, endpoint_url=None, told="")
    with pytest.raises(InputError) as caught:
        target.program_dir(tmp_path)
    assert caught.value.render() == (
        f"{tmp_path}: no Pulumi.yaml in this folder (--program-dir names the Pulumi program that deployed the account)")
