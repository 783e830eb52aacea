"""Shared helpers for engine and loader tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from checks.model import Asset, Location, SourceKind

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def kms_asset(name: str = "data", *, rotation: Any = True, period: Any = 365, unknown: frozenset[str] = frozenset(),
              errors: dict[str, str] | None = None, manager: str | None = "customer", line: int = 3) -> Asset:
    return Asset(
        kind="kms.key", id=f"urn:pulumi:dev::p::aws:kms/key:Key::{name}", name=name, source=SourceKind.PLANNED,
        attributes={"manager": manager, "spec": "SYMMETRIC_DEFAULT", "rotation": {"enabled": rotation,
                    "period_days": period}},
        location=Location("infra/__main__.py", line), unknown=unknown, errors=errors or {},
    )


CONTROL = """\
id: KEY-01
title: Customer-managed KMS keys rotate automatically
severity: high
kind: kms.key
reads: [manager, spec, rotation.enabled, rotation.period_days]
applies_if: "manager == 'customer' && spec == 'SYMMETRIC_DEFAULT'"
assert: "rotation.enabled == `true` && rotation.period_days <= params.max_rotation_days"
params: {max_rotation_days: 365}
message: "KMS key {name}: rotation is {rotation.enabled}"
remediation:
  pulumi: "Set enable_key_rotation=True on aws.kms.Key."
frameworks: {soc2: [CC6.1]}
"""


@pytest.fixture
def controls_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "controls"
    folder.mkdir()
    (folder / "key-01.yaml").write_text(CONTROL)
    return folder


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per judgement the engine makes (checks.engine._judge counted; verdict reuse makes fewer)."""
    import checks.engine

    calls: list[int] = []
    real = checks.engine._judge

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(checks.engine, "_judge", counted)
    return calls
