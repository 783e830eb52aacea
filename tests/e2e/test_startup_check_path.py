"""Start-up (issue 13): what `clearance check` on a file keeps out besides tests/e2e/test_startup.py's list.

- checks.catalog.schemas: the control, framework and asset schemas are read only when the catalog is not cached;
- checks.sources.child_process: the signal handlers of a Pulumi program's child process (the program path only);
- rich, reports.console and checks.baseline: a quiet run whose output is no terminal prints its lines as they are
  (checks/cli/common.py plain_stdout);
- the patterns of checks.live_types (secrets in environment variables) and checks.waivers (wildcards): compiled by
  `re` when first used, not when imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_startup import PREVIEW, imported, run

KEPT_OUT = ("checks.catalog.schemas", "checks.sources.child_process")
QUIET_KEPT_OUT = ("rich", "reports.console", "checks.baseline")


def test_check_on_a_preview_with_a_cached_catalog_reads_no_schema_and_starts_no_child(tmp_path: Path) -> None:
    args = ("check", "--preview", str(PREVIEW), "--format", "json", "--out", str(tmp_path / "out"), "--quiet")
    first, modules = run(tmp_path, *args)
    assert first.returncode == 1, first.stderr  # the fixture has failing findings
    assert "checks.catalog.schemas" in modules  # the first run validated the catalog and cached it
    again, modules = run(tmp_path, *args)
    assert again.returncode == 1 and again.stdout == first.stdout
    assert "checks.catalog.loader" in modules and "checks.flows.check" in modules
    assert imported(modules, KEPT_OUT) == []
    assert imported(modules, QUIET_KEPT_OUT) == []
    assert again.stdout.splitlines()[1] == f"wrote {tmp_path / 'out' / 'clearance.json'}"


def test_importing_the_check_path_compiles_no_pattern_it_may_not_need(tmp_path: Path) -> None:
    code = """
import json, re, sys
import checks.flows.assess, checks.flows.check, checks.live_types, checks.waivers
from checks.live_types import ACCESS_KEY_ID, URL_PASSWORD
from checks.waivers import _WILDCARDS
patterns = (ACCESS_KEY_ID, URL_PASSWORD, _WILDCARDS)
compiled = [p for p in patterns if any(key[1] == p for key in re._cache)]  # re's cache: (type, pattern, flags)
print(json.dumps([compiled, sorted(sys.modules)]))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          check=True)
    compiled, modules = json.loads(done.stdout)
    assert compiled == []
    assert imported(set(modules), KEPT_OUT) == []


def test_a_quiet_run_asked_for_colour_still_gets_it(tmp_path: Path) -> None:
    """The plain path is taken only when Rich would print plain text: --color always and FORCE_COLOR keep Rich."""
    args = ("check", "--preview", str(PREVIEW), "--format", "json", "--out", str(tmp_path / "out"), "--quiet")
    for extra, env in ((("--color", "always"), {}), ((), {"FORCE_COLOR": "1"})):
        done = subprocess.run([sys.executable, "-m", "checks", *extra, *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300, env={**_env(), **env})
        assert done.returncode == 1, done.stderr
        assert done.stdout.startswith("\x1b[") and "wrote " in done.stdout


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")}


def test_the_scan_path_imports_neither_drift_nor_pydantic_until_a_state_is_linked(tmp_path: Path) -> None:
    """checks.flows.linked imports the drift modules (drift's ignore file is a pydantic model, ~0.1 s) only for a
    scan given a state; a plain scan never needs them."""
    code = "import json, sys\nimport checks.cli.scan, checks.flows.scan\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          check=True)
    assert imported(set(json.loads(done.stdout)), ("checks.drift", "pydantic")) == []
