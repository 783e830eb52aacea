"""Where the data files live: the policies folder (controls, frameworks, schemas)."""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path

from checks.errors import ClearanceError

# The top-level policies/ folder ships in the wheel as checks/_policies (pyproject.toml: the `sources` path rewrite).
POLICIES_FOLDER = "_policies"
# A source checkout (the editable install of `make install`) reads the folder where it is, beside the packages.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def policies_dir() -> Path:
    """`$CLEARANCE_POLICIES` if set, else the catalog installed with the package, else the checkout's `policies/`."""
    env = os.environ.get("CLEARANCE_POLICIES")
    return Path(env) if env else _installed_policies()


@functools.cache
def _installed_policies() -> Path:
    installed = resources.files("checks") / POLICIES_FOLDER
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    if (SOURCE_ROOT / "pyproject.toml").is_file() and (SOURCE_ROOT / "policies").is_dir():
        return SOURCE_ROOT / "policies"
    raise ClearanceError(f"the control catalog (checks/{POLICIES_FOLDER}) is not installed as a folder on disk",
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
