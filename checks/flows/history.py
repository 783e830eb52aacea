"""Recording a run in the history store (`--store URL`): the same for `check`, `scan` and `drift`.

The store's key for a run is its target without anything that changes between runs of the same thing (a
sandbox's port): `program infra/ (stack dev)`, `account 123456789012 (eu-west-1)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from checks import tool_version
from checks.report import Report
from checks.store import Recorded, RunRecord, catalog_version, open_store, safe_url, store_url

DEFAULT_STORE = Path("clearance-out") / "history.db"


def record(report: Report, key: str, store: str | None, *, default: Path = DEFAULT_STORE,
           configuration: Mapping[str, int] | None = None) -> tuple[Recorded, str]:
    """Record `report` under `key` in the store (created or upgraded as needed); the recorded run and the store's
    printable URL (no password)."""
    url = store_url(store, default)
    with open_store(url) as opened:
        recorded = opened.record(RunRecord(
            target=key, view=report.view, started_at=report.generated_at, tool_version=tool_version(),
            catalog_version=catalog_version(report.controls), findings=report.findings,
            configuration=dict(configuration or {})))
    return recorded, safe_url(url)
