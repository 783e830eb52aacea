"""The GitHub workflow: valid YAML with the structure a runner executes, wired to the commands the repo has."""

from __future__ import annotations

import re
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


def test_compliance_job_checks_infra_uploads_sarif_and_fails_on_high() -> None:
    job = load()["jobs"]["compliance"]
    assert job["permissions"]["security-events"] == "write"
    check = next(s for s in job["steps"] if s.get("id") == "check")
    match = re.search(r"clearance check infra/ --format (\S+) --out (\S+) --fail-on high", check["run"])
    assert match, check["run"]
    formats, out = match.group(1).split(","), match.group(2)
    assert {"sarif", "markdown"} <= set(formats)
    upload = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == f"{out}/clearance.sarif"
    summary = next(s for s in job["steps"] if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert f"{out}/clearance.md" in summary["run"]
    gate = job["steps"][-1]
    assert gate["if"] == "steps.check.outputs.exit_code != '0'" and "exit 1" in gate["run"]
