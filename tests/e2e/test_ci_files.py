"""The Action (action.yml), the workflows and the pre-commit files: their rules, and the Action's shell steps run
for real with bash against the real `clearance` (no GitHub, no network).

The `run:` scripts of action.yml read everything from `env:`; here they run with that env, GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY pointing at temporary files, under the shell GitHub uses (`bash --noprofile --norc -eo pipefail`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CLEARANCE = str(Path(sys.executable).parent / "clearance")
ACTION = ROOT / "action.yml"
WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)\s*(?:#\s*(.*))?$")
VERSION_COMMENT = re.compile(r"^v\d+(\.\d+){0,2}$")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), path
    return data


def steps_of(doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    if "runs" in doc:
        yield from doc["runs"]["steps"]
    for job in doc.get("jobs", {}).values():
        yield from job.get("steps", [])


def action_step(name: str) -> dict[str, Any]:
    found = [s for s in load(ACTION)["runs"]["steps"] if s.get("id") == name]
    assert len(found) == 1, f"action.yml has no step with id {name}"
    return found[0]


CI_FILES = [ACTION, *sorted(WORKFLOWS.glob("*.yml"))]


@pytest.mark.parametrize("path", CI_FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_sha_with_its_release(path: Path) -> None:
    parsed = sorted(s["uses"] for s in steps_of(load(path)) if "uses" in s)
    lines = [m for line in path.read_text().splitlines() if (m := USES_LINE.match(line))]
    assert sorted(m.group(1) for m in lines) == parsed  # the line scan sees every `uses:` the YAML has
    for m in lines:
        ref, comment = m.group(1), m.group(2)
        if ref.startswith("./"):
            continue
        assert PINNED.match(ref), f"{path.name}: {ref} is not pinned to a full commit SHA"
        assert comment is not None and VERSION_COMMENT.match(comment.split()[0]), \
            f"{path.name}: {ref} has no `# vX.Y.Z` comment naming its release"


def test_one_sha_per_action_across_every_file() -> None:
    pins: dict[str, set[str]] = {}
    for path in CI_FILES:
        for line in path.read_text().splitlines():
            if (m := USES_LINE.match(line)) and not m.group(1).startswith("./"):
                name, _, sha = m.group(1).partition("@")
                pins.setdefault(name.split("/")[0] + "/" + name.split("/")[1], set()).add(f"{sha} {m.group(2)}")
    assert {name: len(shas) for name, shas in pins.items() if len(shas) > 1} == {}


def test_pr_workflow_gates_after_the_tests_with_the_repositorys_own_action() -> None:
    pr = load(WORKFLOWS / "pr.yml")
    assert pr["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    compliance = pr["jobs"]["compliance"]
    assert compliance["needs"] == "test"
    assert compliance["permissions"]["security-events"] == "write"
    own = [s for s in compliance["steps"] if s.get("uses") == "./"]
    assert len(own) == 1
    assert own[0]["with"]["program"] == "infra"
    assert own[0]["with"]["fail-on"] == "high"
    assert "make install" not in json.dumps(compliance)  # the Action installs clearance itself


def test_action_is_composite_with_its_inputs_and_outputs() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert {k: inputs[k].get("default") for k in ("program", "fail-on", "baseline", "upload-sarif",
                                                   "python-version", "sarif-category")} == {
        "program": ".", "fail-on": "high", "baseline": "", "upload-sarif": "auto", "python-version": "3.11",
        "sarif-category": ""}
    assert set(action["outputs"]) == {"exit-code", "sarif"}
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.check.outputs.exit-code }}"


def test_sarif_upload_is_skippable_and_cannot_stop_the_gate() -> None:
    upload = action_step("upload")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["continue-on-error"] is True
    assert "steps.inputs.outputs.upload-sarif == 'true'" in upload["if"]
    inputs_env = action_step("inputs")["env"]
    assert inputs_env["HEAD_REPO"] == "${{ github.event.pull_request.head.repo.full_name }}"
    assert inputs_env["REPOSITORY"] == "${{ github.repository }}"
    steps = load(ACTION)["runs"]["steps"]
    warn = [s for s in steps if s.get("if") == "always() && steps.upload.outcome == 'failure'"]
    assert len(warn) == 1 and "::warning title=clearance::" in warn[0]["run"]
    gate = steps[-1]
    assert gate["name"] == "Gate" and gate["if"].startswith("always()")


def test_run_scripts_take_their_inputs_from_env_only() -> None:
    for step in steps_of(load(ACTION)):
        assert "${{" not in step.get("run", ""), f"step {step.get('name')} expands an expression in its script"


def test_every_option_the_action_passes_is_an_option_of_check() -> None:
    script = action_step("check")["run"]
    passed = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", script))
    assert {"--format", "--out", "--fail-on", "--baseline", "--sarif-category"} <= passed
    proc = subprocess.run([CLEARANCE, "check", "--help"], capture_output=True, text=True, check=False,
                          env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    listed = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", proc.stdout))
    assert passed - listed == set()


# --- the Action's scripts, run for real -------------------------------------------------------------------------


def run_step(step_id: str, env: Mapping[str, str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str],
                                                                            dict[str, str], str]:
    """Run a step's script as GitHub does; its outputs (GITHUB_OUTPUT) and the job summary it appended."""
    script = tmp_path / f"{step_id}.sh"
    script.write_text(action_step(step_id)["run"])
    outputs, summary = tmp_path / f"{step_id}.out", tmp_path / f"{step_id}.md"
    outputs.write_text("")
    summary.write_text("")
    full = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path)),
            "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary), **env}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=600, check=False)
    pairs = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return proc, pairs, summary.read_text()


INPUTS = {"PROGRAM": "infra", "UPLOAD_SARIF": "auto", "ARTIFACT_NAME": "", "EVENT_NAME": "push", "HEAD_REPO": "",
          "REPOSITORY": "aptly/clearance", "ACTOR": "octocat"}


@pytest.mark.parametrize(("env", "upload", "notice"), [
    ({}, "true", ""),
    ({"EVENT_NAME": "pull_request", "HEAD_REPO": "aptly/clearance"}, "true", ""),
    ({"EVENT_NAME": "pull_request", "HEAD_REPO": "someone/clearance"}, "false",
     "::notice title=clearance::SARIF not uploaded: pull request from the fork someone/clearance (its token cannot "
     "write security events); the gate still runs"),
    ({"EVENT_NAME": "pull_request", "HEAD_REPO": "aptly/clearance", "ACTOR": "dependabot[bot]"}, "false",
     "::notice title=clearance::SARIF not uploaded: Dependabot pull request (its token cannot write security "
     "events); the gate still runs"),
    ({"EVENT_NAME": "pull_request", "HEAD_REPO": "someone/clearance", "UPLOAD_SARIF": "true"}, "true", ""),
    ({"UPLOAD_SARIF": "false"}, "false",
     "::notice title=clearance::SARIF upload disabled (upload-sarif: false); the gate still runs"),
], ids=["push", "own-pr", "fork-pr", "dependabot", "forced", "disabled"])
def test_inputs_step_decides_the_sarif_upload(env: dict[str, str], upload: str, notice: str, tmp_path: Path) -> None:
    proc, outputs, _ = run_step("inputs", {**INPUTS, **env}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert outputs == {"upload-sarif": upload, "artifact-name": "clearance-infra"}
    assert proc.stdout.strip() == notice


def test_inputs_step_rejects_a_bad_upload_value(tmp_path: Path) -> None:
    proc, outputs, _ = run_step("inputs", {**INPUTS, "UPLOAD_SARIF": "yes"}, tmp_path)
    assert proc.returncode == 2
    assert proc.stdout.strip() == "::error title=clearance::input upload-sarif is 'yes': use auto, true or false"
    assert outputs == {}


@pytest.mark.parametrize(("program", "given", "name"), [
    (".", "", "clearance-root"), ("./", "", "clearance-root"), ("stacks/prod/", "", "clearance-stacks-prod"),
    ("infra", "mine", "mine")])
def test_inputs_step_names_the_artifact(program: str, given: str, name: str, tmp_path: Path) -> None:
    _, outputs, _ = run_step("inputs", {**INPUTS, "PROGRAM": program, "ARTIFACT_NAME": given}, tmp_path)
    assert outputs["artifact-name"] == name


def check_env(program: str, out: Path, **extra: str) -> dict[str, str]:
    return {"CLEARANCE": CLEARANCE, "PROGRAM": program, "FAIL_ON": "high", "BASELINE": "", "SARIF_CATEGORY": "",
            "EXTRA_ARGS": "", "OUT": str(out), **extra}


def test_check_step_on_infra_writes_outputs_summary_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc, outputs, summary = run_step(
        "check", check_env("infra", out, SARIF_CATEGORY="clearance-planned", EXTRA_ARGS="--stack dev"), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs == {"exit-code": "0", "sarif": f"{out}/clearance.sarif"}
    assert summary == (out / "clearance.md").read_text()
    assert "no findings at or above high" in proc.stdout
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "clearance.json", "clearance.junit.xml", "clearance.md", "clearance.sarif"]
    sarif = json.loads((out / "clearance.sarif").read_text())
    assert sarif["runs"][0]["automationDetails"]["id"].startswith("clearance-planned")


def test_check_step_records_findings_and_still_succeeds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc, outputs, summary = run_step("check", check_env("examples/sample", out), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the gate, not this step, fails the job
    assert outputs == {"exit-code": "1", "sarif": f"{out}/clearance.sarif"}
    assert summary == (out / "clearance.md").read_text()
    assert "examples/sample/__main__.py:11" in summary


def test_check_step_on_bad_input_says_so_in_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("clearance.md", "clearance.sarif"):  # an earlier run's reports: neither published nor summarized
        (out / name).write_text("earlier run")
    proc, outputs, summary = run_step("check", check_env("no-such-program", out), tmp_path)
    assert proc.returncode == 0
    assert outputs == {"exit-code": "2"}
    assert "error:" in proc.stderr and "no-such-program" in proc.stderr
    assert summary == ("clearance check no-such-program wrote no report (exit 2): see the log of the step "
                       "clearance check\n")


GATE = [
    ("0", 0, "clearance: infra has no failures at or above high"),
    ("1", 1, "::error title=clearance::infra has failures at or above high (exit 1): see the job summary and code "
             "scanning"),
    ("2", 1, "::error title=clearance::bad input or usage (exit 2): see the log of the step clearance check"),
    ("4", 1, "::error title=clearance::evaluation incomplete (exit 4): some results could not be read or are "
             "unknown; see the job summary"),
    ("137", 1, "::error title=clearance::clearance check exited with 137: see the log of the step clearance check"),
]


@pytest.mark.parametrize(("code", "status", "message"), GATE, ids=[g[0] for g in GATE])
def test_gate_fails_the_job_on_every_code_but_zero(code: str, status: int, message: str, tmp_path: Path) -> None:
    gate = load(ACTION)["runs"]["steps"][-1]
    script = tmp_path / "gate.sh"
    script.write_text(gate["run"])
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], capture_output=True,
                          text=True, check=False, env={"PATH": os.environ["PATH"], "CODE": code, "FAIL_ON": "high",
                                                       "PROGRAM": "infra"})
    assert (proc.returncode, proc.stdout.strip()) == (status, message)


# --- the pre-commit hook ----------------------------------------------------------------------------------------


def test_published_hook_runs_the_pre_commit_command() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["clearance"]
    hook = hooks[0]
    assert hook["name"] and hook["language"] == "python"
    assert hook["entry"] == "clearance pre-commit"
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert hook["entry"].split()[0] in scripts
    assert hook["pass_filenames"] is True and hook["require_serial"] is True
    files = re.compile(hook["files"])
    assert [f for f in ("infra/__main__.py", "infra/Pulumi.yaml", "infra/Pulumi.dev.yml", "x/state.json",
                        "README.md", "infra/requirements.txt") if files.search(f)] == [
        "infra/__main__.py", "infra/Pulumi.yaml", "infra/Pulumi.dev.yml", "x/state.json"]


def test_repository_uses_its_own_hook() -> None:
    published = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    local = [h for repo in config["repos"] if repo["repo"] == "local" for h in repo["hooks"]]
    assert len(local) == 1
    hook = local[0]
    same = ("id", "name", "files", "pass_filenames", "require_serial")
    assert {k: hook[k] for k in same} == {k: published[k] for k in same}
    assert hook["entry"].startswith(".venv/bin/" + published["entry"])
    exclude = re.compile(hook["exclude"])
    assert [f for f in ("examples/noncompliant/cases_network.py", "tests/fixtures/programs/basic/__main__.py",
                        "infra/__main__.py") if not exclude.search(f)] == ["infra/__main__.py"]
