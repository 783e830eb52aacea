"""`.github/workflows/organization.yml`: an organization scanned as a GitHub Actions matrix of shards, merged by a
`report` job. Its structure is checked, and its `run:` scripts run for real with bash (as GitHub runs them) against
a sandbox organization: every shard, then the report, then the job summary; and once with a shard that never ran,
which the report must name and call incomplete, never pass."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.sandbox import read_sandbox
from tests.e2e.sandboxes import running_sandbox

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "organization.yml"
CLEARANCE = str(Path(sys.executable).parent / "clearance")


def load() -> dict[str, Any]:
    doc = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(doc, dict)
    return doc


def step(job: str, name: str) -> dict[str, Any]:
    found = [s for s in load()["jobs"][job]["steps"] if s.get("name") == name]
    assert len(found) == 1, name
    return found[0]


def test_the_matrix_has_one_job_per_shard_and_the_report_always_runs_after_them() -> None:
    doc = load()
    shards = int(doc["env"]["SHARDS"])
    assert doc["jobs"]["shard"]["strategy"]["matrix"]["shard"] == list(range(1, shards + 1))
    assert doc["jobs"]["shard"]["strategy"]["fail-fast"] is False
    assert "${{ github.run_id }}" in doc["env"]["RUN_GROUP"] and "run_attempt" in doc["env"]["RUN_GROUP"]
    report = doc["jobs"]["report"]
    assert report["needs"] == "shard" and report["if"] == "always()"


@pytest.mark.parametrize(("job", "name", "command"), [
    ("shard", "clearance scan (this shard)", "scan"),
    ("report", "clearance report (the organization)", "report"),
])
def test_every_option_the_workflow_passes_is_an_option_of_its_command(job: str, name: str, command: str) -> None:
    script = step(job, name)["run"]
    passed = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", script))
    helped = subprocess.run([CLEARANCE, command, "--help"], capture_output=True, text=True, check=True,
                            env={**os.environ, "COLUMNS": "200"}).stdout
    assert passed and {o for o in passed if o not in helped} == set()


def clearance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(cwd / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(cwd / "none"))
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
                          check=False)


@pytest.fixture
def organization(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A sandbox with an organization of two member accounts; the folder to run the workflow in (with a `.venv`
    that points at this checkout's) and the sandbox's endpoint."""
    with running_sandbox(clearance, tmp_path) as folder:
        made = clearance("sandbox", "org", "--accounts", "2", "--regions", "eu-west-1", "--resources", "12",
                         "--out", str(folder), cwd=tmp_path)
        assert made.returncode == 0, made.stdout + made.stderr
        info = read_sandbox(folder)
        assert info is not None
        (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
        yield tmp_path, info.endpoint


def bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """A `run:` script as GitHub runs it (bash --noprofile --norc -eo pipefail), its env from the step and job."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False, env={**base, **env})


def _env(endpoint: str, store: str, group: str, shards: int) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-west-1", "REGIONS": "eu-west-1", "ROLE_NAME": "ClearanceScan",
            "SHARDS": str(shards), "RUN_GROUP": group, "CLEARANCE_STORE_URL": store, "EXTERNAL_ID": "",
            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}


def test_the_workflow_scripts_scan_an_organization_in_shards_and_report_it(organization: tuple[Path, str]) -> None:
    cwd, endpoint = organization
    store = f"sqlite:///{cwd / 'history.db'}"
    env = _env(endpoint, store, "org-101-1", int(load()["env"]["SHARDS"]))
    for shard in load()["jobs"]["shard"]["strategy"]["matrix"]["shard"]:
        ran = bash(step("shard", "clearance scan (this shard)")["run"], cwd, **env, SHARD=str(shard))
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert f"shard {shard}/3 of run group org-101-1" in ran.stdout
    outputs, summary = cwd / "github_output", cwd / "summary.md"
    ran = bash(step("report", "clearance report (the organization)")["run"], cwd, **env,
               GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(summary))
    assert ran.returncode == 0, ran.stderr
    assert "run group org-101-1 (3 of 3 shards)" in ran.stdout and "By account" in ran.stdout
    assert "exit_code=1" in outputs.read_text()  # the sandbox organization has failing findings
    for name in ("clearance.json", "clearance.sarif", "clearance.md"):
        assert (cwd / "clearance-out" / "organization" / name).is_file()
    done = bash(step("report", "Job summary")["run"], cwd, GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == 0 and "By account" in summary.read_text()


def test_a_shard_that_never_ran_is_named_and_the_report_exits_incomplete(organization: tuple[Path, str]) -> None:
    cwd, endpoint = organization
    env = _env(endpoint, f"sqlite:///{cwd / 'history.db'}", "org-102-1", 3)
    for shard in (1, 3):
        ran = bash(step("shard", "clearance scan (this shard)")["run"], cwd, **env, SHARD=str(shard))
        assert ran.returncode == 0, ran.stdout + ran.stderr
    outputs = cwd / "github_output"
    ran = bash(step("report", "clearance report (the organization)")["run"], cwd, **env,
               GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(cwd / "summary.md"))
    assert ran.returncode == 0, ran.stderr
    assert "shard(s) 2/3 never reported" in ran.stdout and "INCOMPLETE" in ran.stdout
    assert "exit_code=0" not in outputs.read_text()  # 1 (failures) or 4 (incomplete): never a clean exit
