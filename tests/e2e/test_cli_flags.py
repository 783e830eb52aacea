"""`python -m checks` is `clearance`, and shell completion works, through the real entry points."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLEARANCE = str(Path(sys.executable).parent / "clearance")
LEGACY = str(ROOT / "tests" / "fixtures" / "state" / "sample_export_v6_legacy_bucket.json")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


def test_python_dash_m_checks_is_clearance(tmp_path: Path) -> None:
    assert run(sys.executable, "-m", "checks", "--version").stdout == run(CLEARANCE, "--version").stdout
    module = run(sys.executable, "-m", "checks", "check", "--state", LEGACY, "-q", "--out", str(tmp_path))
    script = run(CLEARANCE, "check", "--state", LEGACY, "-q", "--out", str(tmp_path))
    assert (module.returncode, module.stdout) == (script.returncode, script.stdout) == (1, "2 failing findings\n")
    usage = run(sys.executable, "-m", "checks", "check", "--frmat", "json")
    assert usage.returncode == 2
    assert usage.stderr.strip() == ("clearance check: error: no such option: --frmat (did you mean --format?) "
                                    "(try --help)")


def test_show_completion_prints_a_script_for_clearance() -> None:
    proc = run(CLEARANCE, "--show-completion", "bash", env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "complete -o default -F _clearance_completion clearance" in proc.stdout
    assert "_CLEARANCE_COMPLETE=complete_bash" in proc.stdout


def test_completion_completes_commands_and_option_values() -> None:
    def complete(words: str) -> list[str]:
        env = {"_CLEARANCE_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
        proc = run(CLEARANCE, env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    assert complete("clearance ch") == ["check"]
    assert complete("clearance --color n") == ["never"]
    assert complete("clearance check --severity critical,h") == ["critical,high"]
    assert complete("clearance scan --check KEY-0") == ["KEY-01", "KEY-02", "KEY-03"]
    assert complete("clearance drift --framework so") == ["soc2"]
