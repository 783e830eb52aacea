"""The wheel is self-contained: built, then installed into a fresh virtualenv, it lists and checks every control.

No network: the wheel is built without build isolation by this interpreter's hatchling, and installed with
`--no-deps --no-index`. The fresh virtualenv reaches the dependencies through a `.pth` line naming this
interpreter's site-packages; a `.pth` file found there is not processed, so the development install of clearance
(an editable finder) is not importable from it, which the test asserts before installing the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import ROOT

pytestmark = pytest.mark.slow

PROGRAM = ROOT / "examples" / "noncompliant"
DEV_CLEARANCE = Path(sys.executable).parent / "clearance"
BUILD_INPUTS = ("pyproject.toml", "README.md", "checks", "reports", "policies")


def run(cmd: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def clean_env() -> dict[str, str]:
    """This environment without anything that would point clearance at the repository or another interpreter."""
    drop = {"CLEARANCE_POLICIES", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV"}
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PIP_")} | {
        "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONNOUSERSITE": "1"}


def policy_files() -> list[str]:
    return sorted(p.relative_to(ROOT / "policies").as_posix() for p in (ROOT / "policies").rglob("*") if p.is_file())


def failing(report: Path) -> list[tuple[str, str]]:
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return sorted((f["control"], f["asset"]["name"]) for f in data["findings"] if f["status"] == "fail")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of what packaging reads (a build in place would write build/ into the repo)."""
    src = tmp_path_factory.mktemp("src")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    proc = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", out,
                src], cwd=src, env=clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(out.glob("clearance-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh virtualenv with the wheel installed; its dependencies are this interpreter's."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    proc = run([sys.executable, "-m", "venv", "--without-pip", root], cwd=root.parent, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    python = root / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root.parent,
                  env=clean_env()).stdout.strip()
    ours = sysconfig.get_paths()
    dirs = dict.fromkeys([ours["purelib"], ours["platlib"]])
    (Path(purelib) / "_clearance_test_deps.pth").write_text("".join(f"{d}\n" for d in dirs), encoding="utf-8")

    elsewhere = root.parent / "cwd"
    elsewhere.mkdir()
    before = run([python, "-c", "import checks"], cwd=elsewhere, env=clean_env())
    assert before.returncode != 0 and "No module named 'checks'" in before.stderr, (
        "the fresh virtualenv must not see the development install: " + before.stdout + before.stderr)

    # this interpreter's pip, reached through the .pth line; --ignore-installed: never touch the dev install
    proc = run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", wheel],
               cwd=elsewhere, env=clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


def test_the_wheel_holds_every_policies_file(wheel: Path) -> None:
    """Every catalog file, and the Terraform and checkov tables; not the CrossGuard pack (run from a checkout)."""
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [f for f in policy_files() if not f.startswith("pulumi/")]
    missing = [f for f in shipped if f"checks/_policies/{f}" not in names]
    assert not missing, missing
    assert {"terraform/types.yaml", "checkov/equivalents.yaml"} <= set(shipped)
    assert not [n for n in names if n.startswith("checks/_policies/pulumi/")]
    assert not any(n.startswith("checks/_policies/") and n.endswith("__init__.py") for n in names)


def test_the_installed_wheel_lists_every_control(venv: Path, tmp_path: Path) -> None:
    proc = run([venv / "bin" / "clearance", "controls", "list"], cwd=tmp_path, env=clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    controls = sorted((ROOT / "policies" / "controls").glob("*.yaml"))
    ids = [yaml.safe_load(p.read_text(encoding="utf-8"))["id"] for p in controls]
    assert ids
    missing = [i for i in ids if i not in proc.stdout]
    assert not missing, f"not listed by the installed wheel: {missing}\n{proc.stdout}"


def test_the_installed_wheel_checks_like_the_dev_install(venv: Path, tmp_path: Path) -> None:
    wheel_out, dev_out = tmp_path / "wheel-out", tmp_path / "dev-out"
    env = clean_env()
    installed = run([venv / "bin" / "clearance", "check", PROGRAM, "--format", "json", "--out", wheel_out],
                    cwd=tmp_path, env=env)
    assert installed.returncode == 1, installed.stdout + installed.stderr
    dev = run([DEV_CLEARANCE, "check", PROGRAM, "--format", "json", "--out", dev_out], cwd=tmp_path, env=env)
    assert dev.returncode == 1, dev.stdout + dev.stderr
    found = failing(wheel_out / "clearance.json")
    assert found, "examples/noncompliant fails every control but a few: the installed wheel found nothing"
    assert found == failing(dev_out / "clearance.json")
