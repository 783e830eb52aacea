"""Live collectors: one module per AWS service, each reading one account and region with boto3 (read-only).

Importing `load_collectors()` registers every collector in `base.COLLECTORS`.
"""

from __future__ import annotations

import importlib

from checks.collectors.base import COLLECTORS, Collector, CollectResult, Scope

MODULES = ("kms", "s3", "ec2_compute", "ec2_network", "elbv2", "rds", "ecs", "dynamodb", "backup", "cloudtrail", "logs",
           "iam", "secretsmanager", "ecr")

__all__ = ["COLLECTORS", "CollectResult", "Collector", "Scope", "load_collectors"]


def load_collectors() -> dict[str, Collector]:
    """Import every collector module once (registration happens at import) and return the registry."""
    for name in MODULES:
        importlib.import_module(f"checks.collectors.{name}")
    return COLLECTORS
