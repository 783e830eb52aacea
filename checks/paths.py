"""Where the data files live: the policies folder (controls, frameworks, schemas)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from checks.errors import ClearanceError

# The top-level policies/ folder ships in the wheel as checks/_policies (pyproject.toml: the `sources` path rewrite),
# files beside this module: found relative to the package, as importlib.resources would for a package on disk, without
# importing it (~4 ms of every run, issue 13). A zipped package has no folder and gets the error below.
POLICIES_FOLDER = "_policies"
PACKAGE_DIR = Path(__file__).parent
# A source checkout (the editable install of `make install`) reads the folder where it is, beside the packages.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def policies_dir() -> Path:
    """`$CLEARANCE_POLICIES` if set, else the catalog installed with the package, else the checkout's `policies/`."""
    env = os.environ.get("CLEARANCE_POLICIES")
    return Path(env) if env else _installed_policies()


@functools.cache
def _installed_policies() -> Path:
    installed = PACKAGE_DIR / POLICIES_FOLDER
    if installed.is_dir():
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


class PathDisplay:
    """`display_path` for many files, with the same result: the working folder is resolved once and each folder
    once, instead of every component of every path each time (the catalog cache names ~100 files when the working
    folder changed: ~4 ms of a run, issue 13). A file that is itself a symbolic link (or a name such as `..`) is
    resolved on its own."""

    def __init__(self) -> None:
        self.cwd = Path.cwd().resolve()
        self._folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> str:
        if path.name in ("", ".", "..") or path.is_symlink():
            resolved = path.resolve()
        else:
            folder = self._folders.get(path.parent)
            if folder is None:
                folder = self._folders[path.parent] = path.parent.resolve()
            resolved = folder / path.name
        try:
            return str(resolved.relative_to(self.cwd))
        except ValueError:
            return str(path)


GIT_MARKER = ".git"  # a folder (a clone) or a file (a worktree, a submodule)
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")  # what makes a folder a Pulumi program (checks/sources/stack_config.py)


def repo_root(start: Path | None, cwd: Path | None = None) -> Path:
    """The repository a program belongs to: the nearest folder upward from `start` (the program folder) holding
    `.git`; else (no `start`, or no repository above it) the working folder, resolved."""
    if start is not None:
        folder = ((cwd or Path.cwd()) / start).resolve()
        for candidate in (folder, *folder.parents):
            if (candidate / GIT_MARKER).exists():
                return candidate
    return (cwd or Path.cwd()).resolve()


def repo_path(path: Path, root: Path) -> str:
    """`path` as a repository path: relative to `root` with forward slashes when inside it (as it is, or once
    symlinks are resolved), else absolute as given. What reports name, whatever the working folder is."""
    for candidate in (path, path.resolve()):
        for base in (root, root.resolve()):
            if candidate.is_absolute() and candidate.is_relative_to(base):
                return candidate.relative_to(base).as_posix() or "."
    return path.as_posix()
