"""Verdict reuse and the fast message paths (issue 13): the same findings as judging and rendering every asset
afresh, for values that compare equal but are not the same (1, 1.0, true; NaN and null), unknown paths and views."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest

import checks.engine
from checks.catalog.expressions import Evaluator, Expression, reads_only
from checks.catalog.loader import load_catalog
from checks.catalog.messages import MessageTemplate, _show
from checks.engine import evaluate
from checks.model import Asset, SourceKind
from tests.unit.conftest import NOW, kms_asset

VALUES: list[Any] = [True, 1, 1.0, "true", None, False, 0, math.nan, [True], {"x": 1}]
PERIODS: list[Any] = [365, 365.0, 400, None, math.nan, "365", True]


def _estate() -> list[Asset]:
    assets = [kms_asset(f"k{i}-{j}", rotation=v, period=p) for i, v in enumerate(VALUES)
              for j, p in enumerate(PERIODS)]
    assets += [kms_asset(f"u{i}", unknown=frozenset({"rotation.enabled"})) for i in range(3)]
    assets += [kms_asset(f"e{i}", errors={"rotation.period_days": "AccessDenied"}) for i in range(3)]
    assets += [kms_asset("other", manager="aws"), kms_asset("none", manager=None)]
    bare = kms_asset("bare")
    assets += [dataclasses.replace(bare, attributes={"manager": "customer", "spec": "SYMMETRIC_DEFAULT"}),
               dataclasses.replace(bare, name="nulls", attributes={"manager": "customer", "spec": "SYMMETRIC_DEFAULT",
                                                                   "rotation": None})]
    live = dataclasses.replace(kms_asset("live", unknown=frozenset({"rotation.enabled"})), source=SourceKind.LIVE)
    return [*assets, *assets[:10], live]


def _findings(controls_dir: Path) -> list[tuple[Any, ...]]:
    catalog = load_catalog(controls_dir)
    result = evaluate(catalog.controls.values(), _estate(), now=NOW, templates=catalog.templates)
    return [(f.asset_name, f.status, f.detail, f.message, f.fingerprint) for f in result.findings]


def test_reused_verdicts_are_the_verdicts_of_each_asset(controls_dir: Path, judged: list[int],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    reused = _findings(controls_dir)
    assert 0 < len(judged) < len(reused)  # repeated configurations were judged once
    monkeypatch.setattr(checks.engine, "_verdict_fields", lambda rule: None)
    assert reused == _findings(controls_dir)
    statuses = {name: status for name, status, *_ in reused}
    assert (statuses["k0-0"], statuses["k1-0"], statuses["k2-0"], statuses["k4-0"]) == ("pass", "fail", "fail", "fail")
    assert (statuses["k0-3"], statuses["k0-4"]) == ("error", "fail")  # null and NaN are not the same value
    assert statuses["bare"] == statuses["nulls"] == "fail"  # a missing field reads as null
    assert [d for n, _, d, *_ in reused if n in ("u0", "live")] == ["not known at plan time: rotation.enabled",
                                                                     "not known in this view: rotation.enabled"]


@pytest.mark.parametrize(("source", "fields"), [
    ("a.b && c", {"a", "c"}),
    ("rules[?port == `22`] | length(@) > `0`", {"rules"}),
    ("sort_by(rules, &port)[0].port", {"rules"}),
    ("{x: a, y: b.c}", {"a", "b"}),
    ("!contains(tags.keys(@), 'x')", {"tags"}),
    ("`true`", set()),
    ("@", None),
    ("length(keys(@)) > `3`", None),
    ("*.enabled", None),
    ("[0]", None),
    ("a || @", None),
])
def test_reads_only_names_the_fields_or_none_when_the_whole_document_is_read(source: str, fields: set[str] | None
                                                                             ) -> None:
    assert reads_only(Expression(source)) == (None if fields is None else frozenset(fields))


DOCS: list[dict[str, Any]] = [{"a": {"b": "x", "n": 1.0}}, {"a": None}, {"a": "text"}, {"a": [{"b": 1}]}, {},
                              {"a": {"b": {"c": [1, 2]}}}, {"a": {"b": True}}, {"a": {"b": 1}}, {"a": {"b": None}}]


def test_a_rendered_message_shows_what_the_expressions_give() -> None:
    template = MessageTemplate("{a.b} / {a.n} / {a} / {a.b.c} / {to_string(a.b)} / {a.b == `1` && 'one' || 'other'}")
    evaluator = Evaluator(NOW)
    memo: dict[tuple[int, bytes], str] = {}
    for doc in DOCS * 2:
        expected = " / ".join(_show(e.search(doc, evaluator)) for e in template.fields.values())
        assert template.render(doc, frozenset(), evaluator) == expected
        assert template.render(doc, frozenset(), evaluator, memo) == expected
    assert {text for key, text in memo.items() if key[0] == 4} == {"x", "null", '{"c":[1,2]}', "true", "1"}
    assert template.render({"a": {"b": "s3cr3t"}}, frozenset({"a.b"}), evaluator, memo).startswith("**** / none /")
