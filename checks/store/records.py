"""What the flows give the store and get back: a run to record, and the run's id with its compliance drift."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.catalog.controls import Control
from checks.catalog.expressions import Expression
from checks.drift.model import ComplianceDrift
from checks.model import Finding, SourceKind


@dataclass(frozen=True)
class RunRecord:
    """One `check`, `scan` or `drift` run. `target` is the comparison key ("account 123456789012 (eu-west-1)",
    "program infra (stack dev)"); `findings` holds every status (already redacted); `configuration` counts
    configuration drift by class (changed / missing / unmanaged / in_sync), when the run compared views."""

    target: str
    view: SourceKind
    started_at: dt.datetime
    tool_version: str
    catalog_version: str
    findings: Sequence[Finding]
    configuration: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.started_at.tzinfo is None or self.started_at.utcoffset() is None:
            raise ValueError("RunRecord.started_at must be an aware datetime (UTC)")


@dataclass(frozen=True)
class Recorded:
    run_id: str
    compliance: ComplianceDrift


def _plain(value: Any) -> Any:
    if isinstance(value, Expression):
        return value.source
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def catalog_version(controls: Mapping[str, Control]) -> str:
    """A content hash of the controls (their YAML-equivalent content: expressions by their source text; the file
    and line they were read from left out), so a run records which catalog judged it."""
    content = {
        cid: _plain(control.definition())
        for cid, control in sorted(controls.items())
    }
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
