"""Find checkov's CLI, run it on a Terraform plan JSON and read its JSON output.

checkov lives in its own virtual environment (`.venv-checkov/`, made by `make`): its pins (boto3, packaging) conflict
with pulumi's, so it is never imported here, only run. The CLI is found in this order: `--checkov PATH`,
`$CLEARANCE_CHECKOV`, the `.venv-checkov/` beside the running environment (`<sys.prefix>/../.venv-checkov`) or in
the checkout, then `checkov` on PATH. It runs with `--skip-download` (no call to Prisma Cloud for guidelines or
severities) in an environment holding only what a process needs to start (no proxies, tokens, cloud credentials,
BC_*/PRISMA_* settings), under a time limit. A scan that reads no resource while some were given is an error: checkov
silently ignores a plan it does not recognise (no `terraform_version`, no `mode`), and a silent zero is never a pass.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.errors import ClearanceError, InputError

ENV_VAR = "CLEARANCE_CHECKOV"
VENV_NAME = ".venv-checkov"
INSTALL_HINT = "install it with 'make install' (it creates .venv-checkov/), or give --checkov PATH or set " + ENV_VAR
DEFAULT_TIMEOUT = 600.0   # seconds: a plan of 2,000 resources scans in about a minute here
PLAN_NAME = "tfplan.json"
# what checkov's process may see of ours: enough to start Python and write temp files, nothing that names a network,
# a token or a cloud account
_KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "SYSTEMROOT")
RESULT_KINDS = ("failed_checks", "passed_checks", "skipped_checks")


@dataclass(frozen=True)
class CheckovRecord:
    """One result of one check on one plan resource."""

    check_id: str
    check_name: str
    result: str                       # PASSED, FAILED or SKIPPED
    address: str                      # the Terraform address it judged (`aws_kms_key.data`)
    severity: str | None = None       # None for built-in checks without a Prisma Cloud API key
    evaluated_keys: tuple[str, ...] = ()
    guideline: str | None = None

    @property
    def resource_type(self) -> str:
        return self.address.split(".", 1)[0]


@dataclass(frozen=True)
class CheckovResult:
    records: tuple[CheckovRecord, ...]
    resource_count: int
    version: str
    parsing_errors: tuple[str, ...] = ()


def default_locations() -> list[Path]:
    """Where `make` puts checkov: beside the running virtual environment, and in the checkout of this package."""
    source_root = Path(__file__).resolve().parents[2]
    out = [Path(sys.prefix).parent / VENV_NAME / "bin" / "checkov", source_root / VENV_NAME / "bin" / "checkov"]
    return list(dict.fromkeys(out))


def find_checkov(explicit: Path | None = None, env: Mapping[str, str] | None = None,
                 candidates: Sequence[Path] | None = None) -> Path:
    """The checkov executable; InputError naming where it looked when there is none."""
    env = os.environ if env is None else env
    for given, where in ((explicit, "--checkov"), (Path(env[ENV_VAR]) if env.get(ENV_VAR) else None, ENV_VAR)):
        if given is None:
            continue
        if given.is_file() and os.access(given, os.X_OK):
            return given
        raise InputError("checkov is not an executable file here", where=f"{where} {given}",
                         hint="give the path of the checkov script of its virtual environment (.venv-checkov/bin/"
                              "checkov), or run 'make install'")
    looked = list(default_locations() if candidates is None else candidates)
    for path in looked:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    on_path = shutil.which("checkov", path=env.get("PATH"))
    if on_path:
        return Path(on_path)
    raise InputError(f"checkov was not found (looked in {', '.join(str(p) for p in looked)} and on PATH)",
                     where="--with-checkov", hint=INSTALL_HINT)


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment checkov runs in: only the variables `_KEPT_ENV` names."""
    base = os.environ if base is None else base
    return {k: base[k] for k in _KEPT_ENV if k in base}


def command(executable: Path, plan_file: Path) -> list[str]:
    return [str(executable), "-f", str(plan_file), "--framework", "terraform_plan", "-o", "json", "--skip-download",
            "--compact"]


def run_checkov(executable: Path, plan: Mapping[str, Any], *, expected_resources: int,
                timeout: float = DEFAULT_TIMEOUT) -> CheckovResult:
    """Scan `plan` (a Terraform plan JSON document) with checkov's CLI. `expected_resources`: how many resources the
    plan holds; a scan that reads none of them is an error."""
    with tempfile.TemporaryDirectory(prefix="clearance-checkov-") as tmp:
        plan_file = Path(tmp) / PLAN_NAME
        plan_file.write_text(json.dumps(plan), encoding="utf-8")
        try:
            done = subprocess.run(command(executable.absolute(), plan_file), capture_output=True, text=True,
                                  timeout=timeout, env=clean_env(), cwd=tmp, check=False)
        except subprocess.TimeoutExpired:
            raise ClearanceError(f"checkov did not finish within {timeout:g} seconds", where=str(executable)) from None
        except OSError as err:
            raise InputError(f"checkov could not be started: {err.strerror or err}", where=str(executable),
                             hint=INSTALL_HINT) from None
    if done.returncode not in (0, 1):  # 1: some check failed; anything else: checkov itself failed
        last = next((line for line in reversed(done.stderr.splitlines()) if line.strip()), "no message")
        raise ClearanceError(f"checkov failed (exit {done.returncode}): {last.strip()}", where=str(executable))
    result = parse_output(done.stdout, str(executable))
    check_scanned(result, expected_resources)
    return result


def check_scanned(result: CheckovResult, expected_resources: int) -> None:
    """Fail loudly when checkov reported parsing errors or read no resource of a plan that has some."""
    if result.parsing_errors:
        raise ClearanceError(f"checkov could not parse the converted plan: {', '.join(result.parsing_errors)}",
                             where="--with-checkov")
    if expected_resources > 0 and result.resource_count == 0:
        raise ClearanceError(f"checkov scanned no resource of the {expected_resources} in the converted plan",
                             where="--with-checkov",
                             hint="a checkov that does not read Terraform plans (terraform_plan framework) or a "
                                  "plan it does not recognise; check the version with 'checkov --version'")


def parse_output(text: str, where: str = "checkov") -> CheckovResult:
    """checkov's `-o json` output for the terraform_plan framework."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ClearanceError(f"checkov's output is not JSON ({err.msg} at line {err.lineno})", where=where) from None
    if isinstance(data, list):  # one document per framework when several ran
        data = next((d for d in data if isinstance(d, dict) and d.get("check_type") == "terraform_plan"), {})
    if not isinstance(data, dict):
        raise ClearanceError("checkov's output is not a JSON object", where=where)
    summary: dict[str, Any] = data["summary"] if isinstance(data.get("summary"), dict) else data  # none: summary only
    results: dict[str, Any] = data["results"] if isinstance(data.get("results"), dict) else {}
    records = [_record(item, where) for kind in RESULT_KINDS for item in results.get(kind) or []]
    errors = tuple(str(e) for e in results.get("parsing_errors") or [])
    return CheckovResult(records=tuple(records), resource_count=int(summary.get("resource_count") or 0),
                         version=str(summary.get("checkov_version") or "?"), parsing_errors=errors)


def _record(item: Any, where: str) -> CheckovRecord:
    if not isinstance(item, dict) or not isinstance(item.get("check_id"), str):
        raise ClearanceError("checkov's output holds a result without a check_id", where=where)
    outcome: dict[str, Any] = item["check_result"] if isinstance(item.get("check_result"), dict) else {}
    address = item.get("resource_address") or item.get("resource") or ""
    keys = outcome.get("evaluated_keys") or []
    return CheckovRecord(check_id=item["check_id"], check_name=str(item.get("check_name") or item["check_id"]),
                         result=str(outcome.get("result") or "").upper(), address=str(address),
                         severity=item.get("severity") if isinstance(item.get("severity"), str) else None,
                         evaluated_keys=tuple(str(k) for k in keys if isinstance(k, str)),
                         guideline=item.get("guideline") if isinstance(item.get("guideline"), str) else None)
