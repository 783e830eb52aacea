"""Cases of the non-compliant example for the controls that each check exactly one CIS recommendation (see
__main__.py and docs/evidence.md).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws


def declare(shared: dict[str, Any]) -> None:
    """An RDS instance left unencrypted (CIS 2.3.1; the password policy's CIS 1.8/1.9 cases are in __main__.py)."""
    settings = {**shared["db_defaults"], "backup_retention_period": 7, "deletion_protection": True,
                "tags": shared["backed_up"]}
    # FAILS ENC-09, ENC-13: storage_encrypted left at the provider default (false): not encrypted at all
    aws.rds.Instance("legacy-orders", **settings)
