"""The peers of `make bench`, each in its own virtual environment made by the Makefile (installed only when missing):
checkov (`.venv-checkov/`, `make install`) for planned estates and Prowler (`.venv-prowler/`, prowler-requirements.txt)
for live accounts. Neither reaches the internet: checkov runs with `--skip-download` in an environment stripped of
tokens and proxies; Prowler talks only to the sandbox (`AWS_ENDPOINT_URL`, fake credentials, one region, no
dashboard, no external checks, outputs to a temporary folder).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
PROWLER = ROOT / ".venv-prowler" / "bin" / "prowler"
CLEARANCE = Path(sys.executable).parent / "clearance"
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")  # what a process needs to start, nothing more


def require(executable: Path, make_target: str) -> Path:
    if not os.access(executable, os.X_OK):
        raise SystemExit(f"bench: {executable.relative_to(ROOT)} is missing: run `make {make_target}` (it installs it)")
    return executable


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """Only the variables a process needs to start, HOME in a temporary folder (no ~/.aws, no tool config)."""
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    env["HOME"] = str(home)
    env.update(extra)
    return env


def clearance_check(preview: Path, out: Path) -> list[str]:
    return [str(CLEARANCE), "check", "--preview", str(preview), "--format", "json", "--out", str(out), "--quiet"]


def checkov_plan(plan: Path) -> list[str]:
    return [str(CHECKOV), "-f", str(plan), "--framework", "terraform_plan", "--skip-download", "--quiet", "-o", "json"]


def clearance_scan(endpoint: str, region: str, controls: Sequence[str], out: Path) -> list[str]:
    return [str(CLEARANCE), "scan", "--endpoint-url", endpoint, "--regions", region, "--check", ",".join(controls),
            "--format", "json", "--out", str(out), "--quiet"]


def prowler_scan(region: str, checks: Sequence[str], out: Path) -> list[str]:
    """Prowler's built-in checks only (no `--checks-folder`), one region, no banner, OCSF JSON to `out`; exit 3
    (failed checks) is folded into 0 by `-z`."""
    return [str(PROWLER), "aws", "--region", region, "--checks", *checks, "--no-banner", "--no-color",
            "--output-formats", "json-ocsf", "--output-directory", str(out), "--output-filename", "prowler",
            "--ignore-exit-code-3", "--log-level", "ERROR", "--log-file", str(out / "prowler.log")]


def prowler_check_ids(installed: Path = PROWLER) -> set[str]:
    """The AWS check ids of the installed Prowler: the folders of prowler/providers/aws/services/<service>/."""
    lib = installed.parent.parent / "lib"
    services = next(lib.glob("python3*/site-packages/prowler/providers/aws/services"), None)
    if services is None:
        raise SystemExit(f"bench: no prowler package under {lib}: run `make .venv-prowler/bin/prowler`")
    return {p.name for p in services.glob("*/*") if p.is_dir() and (p / f"{p.name}.py").exists()}


def checkov_resources(stdout_json: str) -> int:
    """How many resources checkov read (its summary), to refuse a silent zero."""
    doc = json.loads(stdout_json)
    reports = doc if isinstance(doc, list) else [doc]
    return sum(int(r.get("summary", {}).get("resource_count", 0)) for r in reports)
