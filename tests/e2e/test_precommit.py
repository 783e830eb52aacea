"""`clearance pre-commit FILES...` (the hook of .pre-commit-hooks.yaml) through the real command: changed files are
mapped to the Pulumi Python programs that hold them, each program is checked once, the exit code is the worst."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from checks.cli.precommit import owning_program, worst

ROOT = Path(__file__).resolve().parents[2]
CLEARANCE = str(Path(sys.executable).parent / "clearance")


def pre_commit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLEARANCE, "pre-commit", *args], capture_output=True, text=True, cwd=cwd, timeout=600,
                          check=False)


def ours(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines the hook itself prints (the checks' own output is `clearance check`'s)."""
    return [line for line in proc.stdout.splitlines() if line.startswith("clearance pre-commit:")]


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A repository with an empty Python program, a Node.js program, a broken Pulumi.yaml, plain files, and a
    Pulumi.yaml above the repository root that must never be used."""
    (tmp_path / "Pulumi.yaml").write_text("name: outside\nruntime: python\n")
    root = tmp_path / "repo"
    files = {
        "empty/Pulumi.yaml": "name: empty\nruntime:\n  name: python\n",
        "empty/__main__.py": "import pulumi  # noqa: F401\n",
        "empty/lib/helpers.py": "X = 1\n",
        "web/Pulumi.yaml": "name: web\nruntime: nodejs\n",
        "web/index.ts": "export {};\n",
        "broken/Pulumi.yaml": "runtime: python\n",
        "broken/__main__.py": "\n",
        "docs/notes.py": "\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_infra_and_noncompliant_are_each_checked_once_worst_code_wins() -> None:
    proc = pre_commit("--quiet", "--fail-on", "high", "infra/__main__.py", "infra/components/buckets.py",
                      "examples/noncompliant/cases_firewall.py", "README.md", "infra/Pulumi.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ours(proc) == [
        "clearance pre-commit: clearance check infra/ (3 changed files)",
        "clearance pre-commit: clearance check examples/noncompliant/ (1 changed file)",
        "clearance pre-commit: 2 programs checked: infra/ exit 0, examples/noncompliant/ exit 1",
    ]
    verdicts = [line for line in proc.stdout.splitlines() if not line.startswith("clearance pre-commit:")]
    assert verdicts[0] == "no findings at or above high"
    assert "at or above high" in verdicts[1] and verdicts[1] != "no findings at or above high"


def test_files_outside_every_program_are_ignored() -> None:
    proc = pre_commit("README.md", "docs/architecture.md", "checks/cli/precommit.py")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ("clearance pre-commit: no Pulumi Python program holds any of the 3 changed files: "
                           "nothing to check\n")


def test_no_files_at_all_is_nothing_to_check() -> None:
    proc = pre_commit()
    assert (proc.returncode, proc.stdout) == (
        0, "clearance pre-commit: no Pulumi Python program holds any of the 0 changed files: nothing to check\n")


def test_other_runtimes_are_skipped_and_a_pulumi_yaml_above_the_root_is_not_used(repo: Path) -> None:
    proc = pre_commit("web/index.ts", "docs/notes.py", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "clearance pre-commit: skipped web/: a nodejs program (clearance checks Pulumi Python programs only)",
        "clearance pre-commit: no Pulumi Python program holds any of the 2 changed files: nothing to check",
    ]


def test_options_reach_the_check_and_a_nested_file_finds_its_program(repo: Path) -> None:
    proc = pre_commit("--strict", "--quiet", "empty/lib/helpers.py", cwd=repo)
    assert proc.returncode == 4, proc.stdout + proc.stderr  # --strict: nothing checked is incomplete
    assert proc.stdout.splitlines()[0] == "clearance pre-commit: clearance check empty/ (1 changed file)"
    assert len(proc.stdout.splitlines()) == 2  # --quiet: the verdict line only


def test_bad_input_is_worse_than_incomplete(repo: Path) -> None:
    proc = pre_commit("--strict", "--quiet", "empty/__main__.py", "broken/__main__.py", cwd=repo)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert ours(proc)[-1] == "clearance pre-commit: 2 programs checked: empty/ exit 4, broken/ exit 2"
    assert proc.stderr.strip().splitlines() == [
        "error: broken/Pulumi.yaml: field `name` must be the project name (add `name: <project>` to Pulumi.yaml)"]


def test_a_deleted_file_and_a_dotted_path_still_map_to_their_program(repo: Path) -> None:
    assert owning_program(Path("empty/gone.py"), repo) == repo / "empty"
    assert owning_program(Path("broken/../empty/lib/helpers.py"), repo) == repo / "empty"
    assert owning_program(Path("docs/notes.py"), repo) is None  # the Pulumi.yaml above the root does not count
    assert owning_program(Path("Pulumi.yaml"), repo.parent) == repo.parent


@pytest.mark.parametrize(("codes", "expected"), [
    ([], 0), ([0, 0], 0), ([0, 4], 4), ([4, 1], 1), ([1, 2, 4], 2), ([2, 137], 137)])
def test_worst_exit_code(codes: list[int], expected: int) -> None:
    assert worst(codes) == expected
