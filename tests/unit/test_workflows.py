"""The GitHub workflow: valid YAML with the structure a runner executes, wired to the commands the repo has."""

from __future__ import annotations

from typing import Any

import yaml

from tests.paths import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "pr.yml"


def load() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(job: str) -> list[dict[str, Any]]:
    return load()["jobs"][job]["steps"]


def test_triggers_and_jobs() -> None:
    wf = load()
    on = wf[True]  # YAML 1.1 reads the key `on` as a boolean, as GitHub's parser does not; both mean the triggers
    assert "pull_request" in on
    assert set(wf["jobs"]) == {"test", "compliance"}
    for job in wf["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest"
        assert all(("uses" in s) != ("run" in s) for s in job["steps"]), "a step has exactly one of uses/run"


def test_the_test_job_runs_the_readme_test_command() -> None:
    assert any(s.get("run") == "make test" for s in steps("test"))
    assert "make test" in (ROOT / "README.md").read_text().split("\n\n")[1]


def test_compliance_job_checks_infra_with_the_repository_action_after_the_tests() -> None:
    """The gate, the SARIF upload and the job summary are the Action's (tests/e2e/test_ci_files.py runs its scripts);
    the workflow uses it on infra/ with the README's threshold, once the tests passed."""
    job = load()["jobs"]["compliance"]
    assert job["needs"] == "test"
    assert job["permissions"]["security-events"] == "write"
    [step] = [s for s in job["steps"] if s.get("uses") == "./"]
    assert step["with"]["program"] == "infra" and step["with"]["fail-on"] == "high"
    assert "sarif-category" not in step["with"]  # the category derived from the target (reports/sarif.py)
