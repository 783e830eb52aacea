"""Where the data files live: the policies folder (controls, frameworks, schemas)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def policies_dir() -> Path:
    """`$CLEARANCE_POLICIES` if set, else the `policies/` folder beside the packages."""
    env = os.environ.get("CLEARANCE_POLICIES")
    return Path(env) if env else PACKAGE_ROOT / "policies"


def asset_schema_dir() -> Path:
    return policies_dir() / "schema" / "assets"


def display_path(path: Path) -> str:
    """A path relative to the working directory when inside it (what users typed), else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
