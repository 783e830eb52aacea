"""Start-up (issue 13): `clearance check` on a file imports nothing it does not use.

Each test runs the real command in a fresh interpreter and reads the modules it had imported when it ended (slow,
as every test of tests/e2e: tests/conftest.py).
"""

from __future__ import annotations

import json
import os
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
# the module list is written when the interpreter ends, whatever the exit code
WRAPPER = """
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["MODULES_OUT"], "w").write(json.dumps(sorted(sys.modules))))
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
    # importlib.metadata: clearance reads its version without it, but pydantic's plugin discovery imports it when
    # the first model class is built; this checks clearance's side only
    assert imported(modules, (METADATA,)) == [] or "pydantic.plugin._loader" in modules


@pytest.mark.parametrize("args", [("--help",), ("--version",)], ids=" ".join)
def test_help_and_version_import_no_pydantic_schema_or_metadata_library(tmp_path: Path, args: tuple[str, ...]) -> None:
    done, modules = run(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert imported(modules, (*NEVER, "jsonschema", "pydantic", "yaml", METADATA)) == []


def test_command_help_imports_no_schema_or_yaml_library(tmp_path: Path) -> None:
    done, modules = run(tmp_path, "check", "--help")
    assert done.returncode == 0, done.stderr
    # typer parses a command's options with pydantic (and pydantic's plugin discovery imports importlib.metadata)
    assert imported(modules, (*NEVER, "jsonschema", "yaml")) == []


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
