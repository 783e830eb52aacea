"""Live collectors: one module per AWS service, each reading one account and region with boto3 (read-only).

Importing `load_collectors()` registers every collector in `base.COLLECTORS`.
"""

from __future__ import annotations

from checks.collectors.base import COLLECTORS, Collector, CollectResult, Scope
from checks.plugins import import_package

__all__ = ["COLLECTORS", "CollectResult", "Collector", "Scope", "load_collectors"]


def load_collectors() -> dict[str, Collector]:
    """Import every collector module once (registration happens at import) and return the registry."""
    import_package(__name__)
    return COLLECTORS
