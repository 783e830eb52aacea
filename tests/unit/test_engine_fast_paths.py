"""The engine's and the report's fast paths (issue 13) against their reference forms: findings built slot by slot
are true Findings, verdict keys made for a whole control at once give the verdicts of each asset judged afresh
(with error paths, missing fields and values that cannot be pickled), fingerprints made from a copied hash are
`fingerprint()`, and status counts taken from the severity counts are a count of the findings."""

from __future__ import annotations

import dataclasses
import pickle
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import checks.engine
import checks.judge
from checks.catalog.loader import load_catalog
from checks.engine import evaluate, fingerprint
from checks.model import Asset, Finding, Location, Severity, SourceKind, Status, WaiverRef, new_finding
from tests.unit.conftest import NOW, kms_asset
from tests.unit.test_engine_reuse import _estate

VALUES: dict[str, Any] = dict(
    control_id="KEY-01", severity=Severity.HIGH, status=Status.FAIL, asset_kind="kms.key", asset_id="k", asset_name="n",
    source=SourceKind.PLANNED, message="m", fingerprint="f" * 32, location=Location("a.py", 3), detail="d",
    waiver=WaiverRef("KEY-01", "k", "r", "a", "2099-01-01"), account="123456789012", region="eu-west-1",
)


def test_a_finding_built_slot_by_slot_is_a_finding() -> None:
    built = new_finding(**VALUES)
    made = Finding(**VALUES)
    assert type(built) is Finding and built == made and hash(built) == hash(made) and repr(built) == repr(made)
    assert built.in_baseline is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.message = "changed"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(built)) == made
    assert dataclasses.replace(built, in_baseline=True) == dataclasses.replace(made, in_baseline=True)
    assert dataclasses.asdict(built) == dataclasses.asdict(made)


class _Opaque:
    """A value pickle refuses (a local class's instance is fine; a lambda is not)."""

    def __init__(self) -> None:
        self.fn = lambda: None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Opaque)

    __hash__ = None  # type: ignore[assignment]


def _estates() -> dict[str, list[Asset]]:
    clean = [kms_asset(f"c{i}", rotation=i % 3 == 0, period=[365, 400][i % 2]) for i in range(12)]
    opaque = [dataclasses.replace(a, attributes={**a.attributes, "rotation": {"enabled": _Opaque(), "period_days": 1}})
              for a in clean[:2]]
    return {"mixed": _estate(), "clean": clean, "opaque": [*clean, *opaque, *clean[:3]]}


def _findings(controls_dir: Path, assets: list[Asset]) -> list[tuple[Any, ...]]:
    catalog = load_catalog(controls_dir)
    found = evaluate(catalog.controls.values(), assets, now=NOW, templates=catalog.templates).findings
    return [(f.asset_name, f.status, f.detail, f.message, f.fingerprint, f.location, f.account, f.region)
            for f in found]


@pytest.mark.parametrize("estate", ["mixed", "clean", "opaque"])
def test_verdicts_keyed_a_control_at_a_time_are_each_assets_own(estate: str, controls_dir: Path, judged: list[int],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assets = _estates()[estate]
    reused = _findings(controls_dir, assets)
    assert 0 < len(judged) < len(assets)  # repeated configurations were judged once
    monkeypatch.setattr(checks.engine, "_verdict_fields", lambda rule: None)  # the reference: every asset judged
    assert reused == _findings(controls_dir, assets)


def test_the_keys_of_a_control_single_out_what_cannot_be_keyed() -> None:
    shapes: dict[Any, int] = {}
    assets = [kms_asset("a"), kms_asset("b", errors={"rotation.enabled": "AccessDenied"}), kms_asset("c"),
              dataclasses.replace(kms_asset("d"), attributes={"manager": _Opaque()}),
              dataclasses.replace(kms_asset("e"), attributes={})]
    prepared = [checks.judge.prepare(a, shapes) for a in assets]
    keys = checks.engine._verdict_keys(("manager", "rotation"), prepared, False)
    assert keys[0] == keys[2] and keys[1] is None and keys[3] is None
    assert keys[4] == pickle.dumps((None, None), 5)  # a missing field reads as null
    shaped = checks.engine._verdict_keys(("manager",), prepared, True)
    assert shaped[0] == (prepared[0].shape, pickle.dumps("customer", 5)) and shaped[1] is None


def test_fingerprints_are_the_control_and_the_assets_identity(controls_dir: Path) -> None:
    catalog = load_catalog(controls_dir)
    assets = _estate()
    found = evaluate(catalog.controls.values(), assets, now=NOW, templates=catalog.templates).findings
    by_name = {a.name: a for a in assets}
    assert found and all(f.fingerprint == fingerprint(f.control_id, by_name[f.asset_name]) for f in found)


def test_status_counts_are_a_count_of_the_findings_in_the_order_they_first_occur() -> None:
    from tests.reports.conftest import build_report, many_findings

    rng = random.Random(13)
    findings = [dataclasses.replace(f, status=rng.choice(list(Status)), severity=rng.choice(list(Severity)))
                for f in many_findings(400)]
    report = build_report(findings=tuple(findings))
    expected = Counter(f.status for f in findings)
    assert list(report.status_counts().items()) == list(expected.items())
    assert report.severity_status_counts() == {s: Counter(f.status for f in findings if f.severity is s)
                                               for s in Severity}
    assert build_report(findings=()).status_counts() == Counter()
