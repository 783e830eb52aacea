"""Paths shared by the tests. The SARIF schema is vendored (OASIS SARIF 2.1.0) so the suite runs anywhere."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"


def load_script(path: Path, name: str) -> ModuleType:
    """A script of the repository (bench/, scripts/: not packages) as a module named `name`, registered while its
    body runs (dataclasses look their module up while a class is made) and not after."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module
