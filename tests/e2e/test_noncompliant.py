"""examples/noncompliant: a Pulumi program in which every control of the catalog fails, checked end to end.

The program's planned view fails every control but seven. Those need a fact a plan cannot show:

- IAM-02 (active access keys older than 90 days): an access key the program declares is created by this update, so
  it is 0 days old in the planned view. `examples/noncompliant/state.json` is the identity part of this stack's
  `pulumi stack export` ten months after deployment (the stack, its provider, the data key and the two IAM users
  with their login profile and access key): there `ci-deploy`'s key has a `createDate` of 2026-01-20 and fails.
- IAM-03 (console users without MFA) and KEY-03 (keys pending deletion) cannot fail in any offline view, by design:
  users enrol MFA devices themselves, outside the program, so MFA is unknown in the planned and the state view
  alike (only a virtual MFA device declared in the program and attached in state can make it known, and then it
  is enabled); a key is scheduled for deletion outside the program, and Terraform's provider drops a key pending
  deletion from state on refresh, so neither a plan nor a stack export shows one (the kms normalizer sets
  `pending_deletion` false for every declared key). Only a live scan can fail them; they are LIVE_ONLY below.
- IAM-06 and IAM-07 (the root user's MFA and access keys): no program declares the root user; only a live scan reads
  the account summary. NET-15 (public EBS snapshots): the provider cannot share a snapshot with everyone. IAM-11
  (credentials unused for 45 days): when a password or key was last used is known only live. LIVE_ONLY too.

Every failure is asserted as (control, file:line); the program says why above each line (`# FAILS <ids>: why`).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from checks.catalog.loader import load_catalog
from tests.paths import SARIF_SCHEMA

ROOT = Path(__file__).resolve().parents[2]
CLEARANCE = str(Path(sys.executable).parent / "clearance")
PROGRAM = "examples/noncompliant"
MAIN = f"{PROGRAM}/__main__.py"
STATE = f"{PROGRAM}/state.json"

# The expected failures of `clearance check examples/noncompliant` are written in the program itself: every
# `# FAILS <ids>: why` comment, in any of its Python files, names the controls that fail on the declaration below
# it (see `declared_fails`). Each area of the catalog has its own file (`cases_<area>.py`), so adding a case never
# shifts another's line numbers.

# (control, file:line) of every fail finding of `clearance check --state examples/noncompliant/state.json`; a stack
# export names files relative to the project (`project:///__main__.py#296`); the state file sits beside Pulumi.yaml,
# so clearance places them in the project folder, as the program run does
STATE_FAILS = [
    ("IAM-02", f"{MAIN}:296"),
]

# controls that only the state file fails, and why the planned program cannot
STATE_ONLY = {
    "IAM-02": "an access key the program declares is created by this update: 0 days old at plan time",
}

# controls that neither the program nor the state file can fail (see the module docstring)
LIVE_ONLY = {
    "IAM-03": "users enrol MFA devices outside the program: unknown in the planned and state views",
    "KEY-03": "key deletion is scheduled outside the program and a key pending deletion drops out of state",
    "IAM-06": "the root user is not a resource a program declares: only a live scan reads its MFA",
    "IAM-07": "the root user is not a resource a program declares: only a live scan reads its access keys",
    "IAM-11": "the last use of a credential (console password, access key) is known only live: unknown in the "
              "planned and state views",
    "NET-15": "the provider's SnapshotCreateVolumePermission grants one account id and has no group: no program can "
              "publish an EBS snapshot; only a live scan reads createVolumePermission",
}

FAILS_COMMENT = re.compile(r"^\s*# FAILS ([A-Z0-9]+-\d+(?:, [A-Z0-9]+-\d+)*):")


def clearance(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLEARANCE, *args], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)


class Run:
    def __init__(self, proc: subprocess.CompletedProcess[str], out: Path) -> None:
        self.proc = proc
        self.report: dict[str, Any] = json.loads((out / "clearance.json").read_text())
        self.sarif: dict[str, Any] = json.loads((out / "clearance.sarif").read_text())
        self.findings: list[dict[str, Any]] = self.report["findings"]

    def fails(self) -> list[tuple[str, str]]:
        return sorted((f["control"], where(f)) for f in self.findings if f["status"] == "fail")

    def status(self, control: str, asset: str) -> list[str]:
        return [f["status"] for f in self.findings if f["control"] == control and f["asset"]["name"] == asset]


def where(finding: dict[str, Any]) -> str:
    location = finding["location"]
    return f"{location['file']}:{location['line']}" if location else "(no location)"


@pytest.fixture(scope="module")
def program_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("program")
    return Run(clearance("check", PROGRAM, "--format", "json,sarif", "--out", str(out)), out)


@pytest.fixture(scope="module")
def state_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("state")
    return Run(clearance("check", "--state", STATE, "--format", "json,sarif", "--out", str(out)), out)


@pytest.fixture(scope="module", params=["program", "state"])
def run(request: pytest.FixtureRequest) -> Run:
    return request.getfixturevalue(f"{request.param}_run")


def test_exit_code_is_1_and_nothing_is_an_error(run: Run) -> None:
    assert run.proc.returncode == 1, run.proc.stdout + run.proc.stderr
    assert "Traceback" not in run.proc.stderr
    assert [(f["control"], f["asset"]["name"], f["detail"]) for f in run.findings if f["status"] == "error"] == []
    assert run.report["summary"]["by_status"]["error"] == 0


def declared_fails() -> list[tuple[str, str]]:
    """(control, file:line) of every `# FAILS <ids>: why` comment of the program: the declaration it sits above."""
    declared: list[tuple[str, str]] = []
    for path in sorted((ROOT / PROGRAM).glob("*.py")):
        lines = path.read_text().splitlines()
        for number, text in enumerate(lines, start=1):
            match = FAILS_COMMENT.match(text)
            if match:
                target = next(n for n in range(number + 1, len(lines) + 1)
                              if not lines[n - 1].lstrip().startswith("#"))
                declared += [(control, f"{PROGRAM}/{path.name}:{target}") for control in match.group(1).split(", ")]
    return sorted(declared)


def test_program_fails_exactly_what_its_comments_declare(program_run: Run) -> None:
    """Every fail sits below a `# FAILS` comment naming its control, and every control so named fails there."""
    declared = declared_fails()
    assert len(declared) >= len(load_catalog().controls) - len(LIVE_ONLY) - len(STATE_ONLY)
    assert program_run.fails() == declared


def test_state_file_fails_exactly_these(state_run: Run) -> None:
    assert state_run.report["view"] == "state"
    assert state_run.fails() == STATE_FAILS


def test_every_control_of_the_catalog_fails_at_least_once(program_run: Run, state_run: Run) -> None:
    catalog = set(load_catalog().controls)
    in_program = {control for control, _ in program_run.fails()}
    in_state = {control for control, _ in state_run.fails()}
    assert catalog - in_program - in_state == set(LIVE_ONLY), "a control no longer fails (or a new one does not)"
    assert in_state - in_program == set(STATE_ONLY)
    assert in_program | in_state <= catalog


def test_state_only_and_live_only_controls_are_honest_in_the_views_that_cannot_fail_them(program_run: Run,
                                                                                          state_run: Run) -> None:
    # IAM-02: the new key passes at plan time; the same user fails in state, at the same line of the program
    assert program_run.status("IAM-02", "ci-deploy") == ["pass"]
    assert state_run.status("IAM-02", "ci-deploy") == ["fail"]
    program_line = next(f["location"]["line"] for f in program_run.findings
                        if f["control"] == "IAM-02" and f["asset"]["name"] == "ci-deploy")
    assert ("IAM-02", f"{MAIN}:{program_line}") in STATE_FAILS
    # IAM-03: a console user's MFA is unknown, never a guess, in both views
    assert program_run.status("IAM-03", "alice") == ["unknown"]
    assert state_run.status("IAM-03", "alice") == ["unknown"]
    # KEY-03: declared keys are never reported pending deletion offline
    for view in (program_run, state_run):
        assert "KEY-03" not in {f["control"] for f in view.findings if f["status"] == "fail"}


def test_sarif_validates_and_places_each_result_where_the_json_finding_is(run: Run) -> None:
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(run.sarif)
    by_fingerprint = {f["fingerprint"]: f for f in run.findings}
    results = run.sarif["runs"][0]["results"]
    assert len(results) == sum(f["status"] in ("fail", "waived", "unknown", "error") for f in run.findings)
    for result in results:
        finding = by_fingerprint[result["partialFingerprints"]["clearance/v1"]]
        physical = result["locations"][0]["physicalLocation"]
        assert f"{physical['artifactLocation']['uri']}:{physical['region']['startLine']}" == where(finding)
        assert result["ruleId"] == (finding["control"] if finding["status"] == "fail" else "clearance/incomplete")
