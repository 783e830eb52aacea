"""Start-up (issue 13): `clearance check` on a file imports nothing it does not use.

Each test runs the real command in a fresh interpreter and reads the modules it had imported when it ended (slow,
as every test of tests/e2e: tests/conftest.py).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PREVIEW = ROOT / "tests" / "fixtures" / "preview" / "v6_bucketv2_with_sse_v2_side_resource.json"
# never imported by `check` on a preview, state or plan file
NEVER = ("boto3", "botocore", "moto", "sqlalchemy", "alembic", "jinja2", "playwright", "pulumi", "pulumi_aws")
# `import importlib.metadata` reads no metadata and costs ~0.1 s (it imports the email parser, csv and zipfile)
METADATA = "importlib.metadata"
# parsing the command line: typer>=0.29 builds a pydantic TypeAdapter per parameter (~0.1-0.25 s a run)
ADAPTERS = ("pydantic", "pydantic_core", "typer._adapters", "typer._coercion")
# the modules of the other commands: `check` neither imports them nor builds their click commands (checks/cli)
OTHER_COMMANDS = tuple(f"checks.cli.{name}" for name in ("scan", "report", "iam", "drift", "precommit", "controls",
                                                         "sg", "sandbox", "baseline"))
# what a preview run without a Pulumi.yaml beside it needs none of: PyYAML, importlib.resources (the catalog is found
# beside the package), Rich's emoji table (clearance prints no emoji codes), the stack configuration reader and the
# live scan's unread scopes
UNUSED = ("yaml", "checks.yamlfile", "importlib.resources", "rich._emoji_codes", "checks.sources.stack_config",
          "checks.unread")
# the module list is written when the interpreter ends, whatever the exit code
WRAPPER = """
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["MODULES_OUT"], "w").write(json.dumps(sorted(sys.modules))))
from checks.cli import main
main(prog_name="clearance")
"""
# the same, and the modules imported when `check` hands its request to run_check (before it reads the file)
AT_RUN = """
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["MODULES_OUT"], "w").write(json.dumps(sorted(sys.modules))))
import checks.flows.check as flow
real = flow.run_check
def spy(req):
    open(os.environ["MODULES_OUT"] + ".at_run", "w").write(json.dumps(sorted(sys.modules)))
    return real(req)
flow.run_check = spy
from checks.cli import main
main(prog_name="clearance")
"""


def run(tmp_path: Path, *args: str, code: str = WRAPPER) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "CLEARANCE_CACHE_DIR": str(tmp_path / "cache"), "MODULES_OUT": str(out)}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    return done, set(json.loads(out.read_text()))


def imported(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(f"{n}.") for n in names))


def imports_at_module_level(path: Path, name: str) -> bool:
    """Whether the module in `path` imports `name` (`import a.b`, `from a import b`) when it is imported."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import) and any(alias.name == name for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and any(f"{node.module}.{alias.name}" == name for alias in node.names):
            return True
    return False


def test_check_on_a_preview_imports_no_cloud_store_or_schema_library(tmp_path: Path) -> None:
    args = ("check", "--preview", str(PREVIEW), "--format", "json", "--out", str(tmp_path / "out"), "--quiet")
    first, modules = run(tmp_path, *args)
    assert first.returncode == 1, first.stderr  # the fixture has failing findings
    assert imported(modules, NEVER) == []
    assert "jsonschema" in modules  # the first run validated the catalog and cached it
    again, modules = run(tmp_path, *args)
    assert again.returncode == 1 and again.stdout == first.stdout
    assert (tmp_path / "out" / "clearance.json").is_file()
    assert imported(modules, (*NEVER, "jsonschema")) == []
    # importlib.metadata: clearance reads its version without it; the one module that still imports it when it is
    # imported is reports/sarif.py (information_uri), and only while it does
    assert imported(modules, (METADATA,)) == [] or imports_at_module_level(ROOT / "reports" / "sarif.py", METADATA)


def test_check_on_a_preview_reaches_its_work_without_pydantic_or_rich(tmp_path: Path) -> None:
    """Issue 13: no pydantic on the whole run (the CLI parses with click types; controls are dataclasses; settings,
    waivers, the register and a baseline import it only to validate a file given), and, by the time `check` hands
    its request to run_check, neither Rich (imported when something is printed) nor YAML or the catalog."""
    args = ("check", "--preview", str(PREVIEW), "--format", "json", "--out", str(tmp_path / "out"), "--quiet")
    run(tmp_path, *args)  # the first run builds the catalog cache
    done, modules = run(tmp_path, *args, code=AT_RUN)
    at_run = set(json.loads((tmp_path / "modules.json.at_run").read_text()))
    assert done.returncode == 1, done.stderr  # the fixture has failing findings
    assert done.stdout.splitlines()[0] == "4 failing findings"
    assert "checks.flows.check" in at_run and "checks.sources.preview" not in at_run  # the spy ran before the read
    assert imported(at_run, (*ADAPTERS, "rich", "yaml", "jsonschema", "checks.catalog", "checks.engine",
                             METADATA, *OTHER_COMMANDS)) == []
    assert imported(modules, (*ADAPTERS, *OTHER_COMMANDS, *UNUSED)) == []
    assert "checks.catalog.controls" in modules  # the run did check; it printed (stdout above) without Rich: a
    assert imported(modules, ("rich",)) == []     # quiet run on a pipe writes its lines as they are (plain_stdout)


def test_user_files_modules_import_pydantic_only_to_validate_a_file(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers: []\n")
    code = """
import json, sys
from pathlib import Path
import checks.baseline, checks.catalog.loader, checks.register, checks.settings, checks.waivers
before = sorted(sys.modules)
checks.waivers.load_waivers(Path(sys.argv[1]), set())
print(json.dumps([before, sorted(sys.modules)]))
"""
    done = subprocess.run([sys.executable, "-c", code, str(waivers)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, check=True)
    before, after = (set(m) for m in json.loads(done.stdout))
    assert imported(before, ("pydantic", "yaml", "jsonschema", "rich", "typer")) == []
    assert "pydantic" in after and "yaml" in after  # a waivers file is validated with them


@pytest.mark.parametrize("args", [("--help",), ("--version",)], ids=" ".join)
def test_help_and_version_import_no_pydantic_schema_or_metadata_library(tmp_path: Path, args: tuple[str, ...]) -> None:
    done, modules = run(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert imported(modules, (*NEVER, "jsonschema", "pydantic", "yaml", METADATA)) == []


def test_command_help_imports_no_schema_or_yaml_library(tmp_path: Path) -> None:
    done, modules = run(tmp_path, "check", "--help")
    assert done.returncode == 0, done.stderr
    assert imported(modules, (*NEVER, *ADAPTERS, *OTHER_COMMANDS, "jsonschema", "yaml", METADATA)) == []


def test_help_lists_every_command(tmp_path: Path) -> None:
    """`clearance --help` builds every command (they are built when used): all ten are listed."""
    done, modules = run(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    panel = done.stdout.partition(" Commands ")[2]
    listed = [m.group(1) for m in re.finditer(r"^│ ([a-z][\w-]*) ", panel, flags=re.MULTILINE)]
    assert listed == ["check", "scan", "report", "iam-policy", "drift", "pre-commit", "controls", "sg", "sandbox",
                      "baseline"]
    assert imported(modules, OTHER_COMMANDS) == sorted(OTHER_COMMANDS)


def test_version_is_the_installed_distributions(tmp_path: Path) -> None:
    from importlib.metadata import version

    done, modules = run(tmp_path, "--version")
    assert done.stdout == f"clearance {version('clearance')}\n"
    assert METADATA not in modules


def test_the_program_path_leaves_pulumi_to_its_child(tmp_path: Path) -> None:
    done, modules = run(tmp_path, "check", str(ROOT / "examples" / "sample"), "--format", "json",
                        "--out", str(tmp_path / "out"), "--quiet")
    assert done.returncode == 1, done.stderr  # examples/sample fails some controls
    assert imported(modules, NEVER) == []
