"""Where the data files live: the policies folder (controls, frameworks, schemas)."""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from checks.errors import ClearanceError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

# The top-level policies/ folder ships in the wheel as this data-only package (pyproject.toml maps it with
# [tool.setuptools.package-dir]); it has no __init__.py.
POLICIES_PACKAGE = "checks._policies"
# A source checkout (the editable install of `make install`): setuptools' editable finder does not map a data-only
# subpackage, so the folder is read where it is, beside the packages.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def policies_dir() -> Path:
    """`$CLEARANCE_POLICIES` if set, else the catalog installed with the package, else the checkout's `policies/`."""
    env = os.environ.get("CLEARANCE_POLICIES")
    return Path(env) if env else _installed_policies()


@functools.cache
def _installed_policies() -> Path:
    root: Traversable | None
    try:
        root = resources.files(POLICIES_PACKAGE)
    except ModuleNotFoundError:  # not installed from a wheel
        root = None
    if root is not None and not isinstance(root, Path):
        # A folder without __init__.py is a namespace package: files() gives a MultiplexedPath over its folders,
        # whose entries are real paths when it is one folder on disk (a wheel installed by pip).
        entry = next(iter(root.iterdir()), None)
        root = entry.parent if isinstance(entry, Path) else None
    if isinstance(root, Path) and root.is_dir():
        return root
    if (SOURCE_ROOT / "pyproject.toml").is_file() and (SOURCE_ROOT / "policies").is_dir():
        return SOURCE_ROOT / "policies"
    raise ClearanceError(f"the control catalog ({POLICIES_PACKAGE}) is not installed as a folder on disk",
                         hint="reinstall clearance with pip from its wheel, "
                              "or set CLEARANCE_POLICIES to a policies folder")


def asset_schema_dir() -> Path:
    return policies_dir() / "schema" / "assets"


def display_path(path: Path) -> str:
    """A path relative to the working directory when inside it (what users typed), else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
