"""Paths relative to the repository root, and `check --state/--preview FILE` reading the program the file belongs to
(`--program-dir DIR`, else found from the project name in the file), through the real CLI on infra/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.aws_env import fake_aws_env

CLEARANCE = str(Path(sys.executable).parent / "clearance")
REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"  # infra/Pulumi.dev.yaml: aws:region
REGISTER_WARNING = "no security-group review register"


def clearance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
                          check=False)


def report(*args: str, cwd: Path, out: Path) -> dict[str, Any]:
    """`clearance check ARGS -f json` from `cwd`; the JSON report (the run must pass: exit 0)."""
    proc = clearance("check", *args, "-f", "json", "--out", str(out), "-q", cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data: dict[str, Any] = json.loads((out / "clearance.json").read_text(encoding="utf-8"))
    return data


def located(doc: dict[str, Any]) -> set[tuple[str, str, str, int]]:
    return {(f["control"], f["asset"]["name"], f["location"]["file"], f["location"]["line"])
            for f in doc["findings"] if f["location"] is not None}


def failures(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["control"], f["asset"]["name"]) for f in doc["findings"] if f["status"] == "fail"}


# ---------------------------------------------------------------- paths relative to the repository root


def test_check_names_the_same_repository_paths_from_any_working_folder(tmp_path: Path) -> None:
    from_root = report("infra", cwd=REPO, out=tmp_path / "root")
    from_tests = report("../infra", cwd=REPO / "tests", out=tmp_path / "tests")
    from_infra = report(".", cwd=REPO / "infra", out=tmp_path / "infra")
    files = {f for _, _, f, _ in located(from_root)}
    assert "infra/components/network.py" in files
    assert all(f.startswith("infra/") for f in files), files
    assert located(from_tests) == located(from_infra) == located(from_root)
    assert from_root["artifact"] == from_tests["artifact"] == from_infra["artifact"] == "infra/Pulumi.yaml"


# ---------------------------------------------------------------- usage


def test_program_dir_with_a_program_folder_is_a_usage_error(tmp_path: Path) -> None:
    proc = clearance("check", "infra", "--program-dir", "infra", cwd=REPO)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: --program-dir: not with PROGRAM_DIR: it names the program a --state or "
                                   "--preview file belongs to (leave it out)")


def test_program_dir_without_pulumi_yaml_is_one_line(tmp_path: Path) -> None:
    state = REPO / "tests" / "fixtures" / "state" / "sample_export_v6_legacy_bucket.json"
    proc = clearance("check", "--state", str(state), "--program-dir", "tests", cwd=REPO)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: tests: no Pulumi.yaml in this folder (--program-dir names the folder of "
                                   "the Pulumi program the --state or --preview file was made from)")


# ---------------------------------------------------------------- the state of infra/


@pytest.fixture(scope="module")
def infra_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """infra/ applied to an in-process sandbox: its stack export, outside the repository."""
    pytest.importorskip("moto", reason="the sandbox needs the extra clearance[sandbox] (moto)")
    from checks.sandbox import running_sandbox
    from checks.sandbox.apply import apply_program

    out = tmp_path_factory.mktemp("infra-state") / "dev.json"
    with pytest.MonkeyPatch.context() as mp:
        fake_aws_env(mp)
        mp.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # role policy attachments of infra/ need them
        with running_sandbox(region=REGION) as info:
            apply_program(REPO / "infra", info.session(), info.endpoint, out)
    yield out


@pytest.mark.slow
def test_check_state_with_program_dir_is_judged_like_the_program(infra_state: Path, tmp_path: Path) -> None:
    planned = report("infra", cwd=REPO, out=tmp_path / "planned")
    state = report("--state", str(infra_state), "--program-dir", "infra", cwd=REPO, out=tmp_path / "state")
    assert failures(state) == failures(planned) == set()
    assert not [w for w in state["warnings"] if REGISTER_WARNING in w], state["warnings"]
    planned_files = {f for _, _, f, _ in located(planned)}
    state_files = {f for _, _, f, _ in located(state)}
    assert state_files and state_files <= planned_files, state_files - planned_files
    # the same control on the same resource is at the same line in both views
    lines = {(c, n): (f, line) for c, n, f, line in located(planned)}
    assert {(c, n): (f, line) for c, n, f, line in located(state) if (c, n) in lines}.items() <= lines.items()


@pytest.mark.slow
def test_check_state_finds_its_program_from_the_working_folder(infra_state: Path, tmp_path: Path) -> None:
    given = report("--state", str(infra_state), "--program-dir", "infra", cwd=REPO, out=tmp_path / "given")
    found = report("--state", str(infra_state), cwd=REPO / "infra", out=tmp_path / "found")
    assert located(found) == located(given)
    assert failures(found) == set()
    assert not [w for w in found["warnings"] if REGISTER_WARNING in w or "--program-dir" in w], found["warnings"]


@pytest.mark.slow
def test_check_state_without_its_program_says_to_give_program_dir(infra_state: Path, tmp_path: Path) -> None:
    proc = clearance("check", "--state", str(infra_state), "-f", "json", "--out", str(tmp_path / "out"), "-q",
                     cwd=tmp_path)
    doc = json.loads((tmp_path / "out" / "clearance.json").read_text(encoding="utf-8"))
    assert proc.returncode in (0, 1), proc.stderr
    assert (f"the Pulumi program of {infra_state} (project 'aptly') was not found beside it or in the working "
            "folder: settings, waivers and the review register are looked up from the working folder and source "
            "files are named as the file names them; give its folder with --program-dir DIR") in doc["warnings"]
    files = {f for _, _, f, _ in located(doc)}
    assert "components/network.py" in files and "infra/components/network.py" not in files  # as the export says
