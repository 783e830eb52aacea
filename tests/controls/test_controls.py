"""Fixture-driven control tests: tests/controls/fixtures/<control-id>/<expected>_<what>.yaml.

The file-name prefix is the expected result: pass_, fail_, unknown_, error_, na_ (not applicable).
A fixture holds one asset (`attributes`, optional `unknown`, `errors`, `secrets`, `name`, `tags`) and
optionally `params` overrides; every fixture must validate against its kind's schema.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.catalog.expressions import Evaluator
from checks.catalog.loader import Catalog, load_catalog
from checks.catalog.schemas import validation_errors
from checks.engine import evaluate
from checks.judge import Rule, not_applicable, prepare
from checks.model import Asset, Location, SourceKind, Status

FIXTURES = Path(__file__).parent / "fixtures"
PREFIXES = {"pass": Status.PASS, "fail": Status.FAIL, "unknown": Status.UNKNOWN, "error": Status.ERROR,
            "na": Status.NOT_APPLICABLE}
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.yaml"))


def _asset(control_kind: str, data: dict[str, Any], name: str) -> Asset:
    return Asset(
        kind=data.get("kind", control_kind), id=data.get("id", f"urn:pulumi:test::fixtures::{name}"),
        name=data.get("name", name), source=SourceKind(data.get("source", "planned")),
        attributes=data.get("attributes", {}), tags=data.get("tags", {}),
        location=Location("__main__.py", 1), unknown=frozenset(data.get("unknown", [])),
        errors=data.get("errors", {}), secrets=frozenset(data.get("secrets", [])),
    )


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture(path: Path, catalog: Catalog) -> None:
    control_id = path.parent.name.upper()
    control = catalog.controls.get(control_id)
    assert control is not None, f"fixtures for unknown control {control_id}"
    expected = PREFIXES[path.stem.split("_", 1)[0]]
    data = yaml.safe_load(path.read_text())
    asset = _asset(control.kind, data, path.stem)
    assert validation_errors(asset) == []
    if data.get("params"):
        control = control.with_params(data["params"])
    [finding] = evaluate([control], [asset], now=NOW, templates=catalog.templates).findings
    assert finding.status is expected, f"{finding.status}: {finding.detail or finding.message}"
    # the engine's first step alone, as a scan uses it to leave reads out (checks/flows/scan_needs.py)
    assert not_applicable(Rule.of(control), asset, prepare(asset, {}), Evaluator(NOW)) is (
        expected is Status.NOT_APPLICABLE)
    if expected is Status.FAIL and "message" in data:
        assert finding.message == data["message"]


def test_every_control_has_pass_and_fail_fixtures(catalog: Catalog) -> None:
    missing = []
    for cid in catalog.controls:
        folder = FIXTURES / cid.lower()
        stems = {p.stem.split("_", 1)[0] for p in folder.glob("*.yaml")}
        for needed in ("pass", "fail"):
            if needed not in stems:
                missing.append(f"{cid}: no {needed}_ fixture")
    assert missing == []


def test_fixture_names_say_the_expected_result() -> None:
    bad = [p.name for p in _fixture_files() if p.stem.split("_", 1)[0] not in PREFIXES]
    assert bad == []
