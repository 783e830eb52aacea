"""Paths shared by the tests. The SARIF schema is vendored (OASIS SARIF 2.1.0) so the suite runs anywhere."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"
