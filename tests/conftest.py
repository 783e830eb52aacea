"""The `slow` marker, given by folder: `make test-fast` (pytest -m "not slow") leaves these folders out.

A folder is slow by what its tests are made of, so a test added to it is marked without anyone remembering to:
  collectors/  moto in process: every test builds an estate through boto3 and scans it
  e2e/         the real `clearance` command in a subprocess (Pulumi programs, the sandbox server, the wheel)
  live/        a moto server with IAM enforcement
  sandbox/     the sandbox server and `clearance sandbox` subprocesses
  faults/      a fault-injecting proxy in front of a sandbox, scanned by `clearance scan`
A test elsewhere that starts a moto server or runs `clearance` in a subprocess belongs in one of these folders.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SLOW_FOLDERS = tuple(TESTS / name for name in ("collectors", "e2e", "faults", "live", "sandbox"))


def pytest_configure(config: pytest.Config) -> None:
    """The compiled-catalog cache (checks/catalog/cache.py) of the whole run, `clearance` subprocesses included, in a
    folder of the run's own: tests never read or write the user's ~/.cache/clearance."""
    os.environ["CLEARANCE_CACHE_DIR"] = tempfile.mkdtemp(prefix="clearance-test-cache-")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = [folder.name for folder in SLOW_FOLDERS if not folder.is_dir()]
    if missing:  # a renamed folder would otherwise turn its slow tests into fast ones silently
        raise pytest.UsageError(f"tests/conftest.py: SLOW_FOLDERS names missing folders: {missing}")
    for item in items:
        if any(item.path.is_relative_to(folder) for folder in SLOW_FOLDERS):
            item.add_marker(pytest.mark.slow)
