"""Packaging: pyproject.toml lists every package, and the catalog is found where each kind of install puts it.

pyproject.toml lists the packages by hand (the catalog package `checks._policies` maps the top-level policies/
folder, which no package finder would find under checks/): a package folder missing from that list would be
missing from the wheel, and only `clearance` installed from it would fail. tests/e2e/test_install.py installs it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from checks import paths
from checks.errors import ClearanceError
from tests.paths import ROOT

CATALOG = "checks._policies"


def setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_listed_in_pyproject() -> None:
    folders = {p.parent for top in ("checks", "reports") for p in (ROOT / top).rglob("*.py")
               if "__pycache__" not in p.parts}
    on_disk = {".".join(folder.relative_to(ROOT).parts) for folder in folders}
    listed = set(setuptools_config()["packages"])
    assert sorted(on_disk - listed) == [], "add these to [tool.setuptools] packages in pyproject.toml"
    assert sorted(listed - on_disk - {CATALOG}) == [], "these are listed in pyproject.toml but have no folder"


def test_the_catalog_package_is_the_policies_folder() -> None:
    config = setuptools_config()
    assert CATALOG in config["packages"] and paths.POLICIES_PACKAGE == CATALOG
    assert config["package-dir"] == {CATALOG: "policies"}
    assert config["package-data"][CATALOG] == ["**/*"]
    assert not (ROOT / "policies" / "__init__.py").exists()  # a data-only folder


def test_policies_dir_of_the_development_install_is_the_repository_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLEARANCE_POLICIES", raising=False)
    assert paths.policies_dir().resolve() == (ROOT / "policies").resolve()


def test_clearance_policies_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLEARANCE_POLICIES", str(tmp_path))
    assert paths.policies_dir() == tmp_path
    assert paths.asset_schema_dir() == tmp_path / "schema" / "assets"


def test_no_catalog_anywhere_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(paths, "POLICIES_PACKAGE", "checks._no_such_catalog")
    monkeypatch.setattr(paths, "SOURCE_ROOT", tmp_path)
    with pytest.raises(ClearanceError) as err:
        paths._installed_policies.__wrapped__()
    message = str(err.value)
    assert "not installed" in message and "CLEARANCE_POLICIES" in message and "\n" not in message
