"""Registries fill themselves: every module of a package is imported once, and registers what it defines.

A new normalizer, collector or sandbox applier is a new module in its package; nothing else is edited by hand,
except a normalizer's type tokens in checks/normalize/table.py (a check imports only the normalizers its source
needs; tests/normalize/test_table.py names any token missing there).
Modules whose name starts with an underscore are left alone (child-process scripts, private helpers).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

_imported: dict[str, tuple[ModuleType, ...]] = {}


def import_package(package: str) -> tuple[ModuleType, ...]:
    """Import every module below `package` (sub-packages included), in name order; cached per package."""
    if package not in _imported:
        root = importlib.import_module(package)
        names = sorted(info.name for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")
                       if not info.name.rpartition(".")[2].startswith("_"))
        _imported[package] = tuple(importlib.import_module(name) for name in names)
    return _imported[package]
