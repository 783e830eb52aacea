"""Packaging: the wheel takes every package below checks/ and reports/ by itself, and the top-level policies/
folder as checks/_policies; the catalog is found where each kind of install puts it. tests/e2e/test_install.py
builds and installs the wheel."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from checks import paths
from checks.errors import ClearanceError
from tests.paths import ROOT


def wheel_config() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["hatch"]["build"]["targets"]["wheel"]


def test_the_wheel_takes_whole_packages_and_the_catalog() -> None:
    config = wheel_config()
    assert config["only-include"] == ["checks", "reports", "policies"]  # whole folders: nothing listed by hand
    # a path rewrite: a force-include would be copied into site-packages by the editable install as well
    assert config["sources"] == {"policies": f"checks/{paths.POLICIES_FOLDER}"}
    assert "force-include" not in config
    assert not (ROOT / "policies" / "__init__.py").exists()  # a data-only folder
    assert not (ROOT / "checks" / paths.POLICIES_FOLDER).exists()  # only the wheel has it


def test_policies_dir_of_the_development_install_is_the_repository_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLEARANCE_POLICIES", raising=False)
    assert paths.policies_dir().resolve() == (ROOT / "policies").resolve()


def test_clearance_policies_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLEARANCE_POLICIES", str(tmp_path))
    assert paths.policies_dir() == tmp_path
    assert paths.asset_schema_dir() == tmp_path / "schema" / "assets"


def test_no_catalog_anywhere_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(paths, "POLICIES_FOLDER", "_no_such_catalog")
    monkeypatch.setattr(paths, "SOURCE_ROOT", tmp_path)
    with pytest.raises(ClearanceError) as err:
        paths._installed_policies.__wrapped__()
    message = str(err.value)
    assert "not installed" in message and "CLEARANCE_POLICIES" in message and "\n" not in message
