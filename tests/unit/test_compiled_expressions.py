"""The compiled form of control expressions (checks/catalog/compiled.py) against jmespath's interpreter.

`Expression.search` runs the compiled closures, `Expression.interpret` jmespath's TreeInterpreter: the reference.
Both must give the same value of the same type, or fail the same way, on every control and fixture of the catalog
and on every JMESPath construct fed odd inputs (null, wrong types, nested lists).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.catalog.compiled import equals, is_false
from checks.catalog.expressions import EvaluationError, Evaluator, Expression
from checks.catalog.loader import Catalog, load_catalog
from checks.model import Asset, Finding, Location, Severity, SourceKind, Status, new_finding

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
FIXTURES = Path(__file__).resolve().parent.parent / "controls" / "fixtures"


class CountingEvaluator(Evaluator):
    """An Evaluator that counts the nodes the compiled form hands back to the interpreter."""

    def __init__(self, now: dt.datetime) -> None:
        super().__init__(now)
        self.interpreted = 0

    def interpret(self, node: dict[str, Any], value: Any) -> Any:
        self.interpreted += 1
        return super().interpret(node, value)


def typed(value: Any) -> Any:
    """The value with every scalar tagged by its type: 1, 1.0 and true must not compare equal here."""
    if isinstance(value, dict):
        return ("dict", {k: typed(v) for k, v in value.items()})
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def outcome(run: Any) -> tuple[Any, ...]:
    try:
        return ("value", typed(run()))
    except EvaluationError as err:
        return ("EvaluationError", str(err))
    except (TypeError, ValueError) as err:  # what jmespath lets through too ('a' < 1, merge of a list)
        return (type(err).__name__, str(err))


def assert_same(expr: Expression, data: Any, evaluator: Evaluator | None = None) -> tuple[Any, ...]:
    evaluator = evaluator or Evaluator(NOW)
    compiled = outcome(lambda: expr.search(data, evaluator))
    reference = outcome(lambda: expr.interpret(data, evaluator))
    assert compiled == reference, f"{expr.source!r} on {data!r}"
    return compiled


# --- every control on every fixture ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _asset(kind: str, data: dict[str, Any], name: str) -> Asset:
    """The asset a fixture describes, built as tests/controls/test_controls.py builds it."""
    return Asset(
        kind=data.get("kind", kind), id=data.get("id", f"urn:pulumi:test::fixtures::{name}"),
        name=data.get("name", name), source=SourceKind(data.get("source", "planned")),
        attributes=data.get("attributes", {}), tags=data.get("tags", {}),
        location=Location("__main__.py", 1), unknown=frozenset(data.get("unknown", [])),
        errors=data.get("errors", {}), secrets=frozenset(data.get("secrets", [])),
    )


def test_every_control_on_every_fixture_of_its_kind(catalog: Catalog) -> None:
    fixtures: dict[str, list[tuple[dict[str, Any], Asset]]] = {}
    for path in sorted(FIXTURES.glob("*/*.yaml")):
        control = catalog.controls[path.parent.name.upper()]
        data = yaml.safe_load(path.read_text())
        fixtures.setdefault(control.kind, []).append((data, _asset(control.kind, data, path.stem)))
    evaluator = CountingEvaluator(NOW)
    compared = 0
    outcomes: set[str] = set()
    for control in catalog.controls.values():
        assert fixtures.get(control.kind), f"{control.id}: no fixture of kind {control.kind}"
        for data, asset in fixtures[control.kind]:  # its own fixtures and those of every control on the same kind
            params = {**control.params, **(data.get("params") or {})}
            doc = asset.document()
            doc["params"] = params
            expressions = [control.assert_.bind(params), *catalog.templates[control.id].fields.values()]
            if control.applies_if is not None:
                expressions.append(control.applies_if.bind(params))
            for expr in expressions:
                outcomes.add(assert_same(expr, doc, evaluator)[0])
                compared += 1
    assert compared > 3000
    assert "value" in outcomes  # (other controls' fixtures make some expressions fail: compared the same way)
    assert evaluator.interpreted == 0  # the whole catalog runs compiled: no node is left to the interpreter


def test_compiled_engine_findings_equal_the_interpreter_engine(catalog: Catalog,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine run on every fixture gives the same findings with Expression.search forced to interpret."""
    from checks.engine import evaluate

    assets = [_asset(catalog.controls[p.parent.name.upper()].kind, yaml.safe_load(p.read_text()), p.stem)
              for p in sorted(FIXTURES.glob("*/*.yaml"))]
    compiled = evaluate(catalog.controls.values(), assets, now=NOW, templates=catalog.templates)
    monkeypatch.setattr(Expression, "search", Expression.interpret)
    reference = evaluate(catalog.controls.values(), assets, now=NOW, templates=catalog.templates)
    assert compiled.findings == reference.findings
    assert {f.status for f in compiled.findings} >= {Status.PASS, Status.FAIL, Status.UNKNOWN, Status.ERROR,
                                                      Status.NOT_APPLICABLE}


# --- every construct on odd inputs ----------------------------------------------------------------------------------

EXPRESSIONS = [
    # fields, subexpressions, indexes, slices
    "a", "a.b", "a.b.c", "a.b.c.d", "\"a\".b", "a[0]", "a[-1]", "a[5]", "a[0][1]", "a[0].b", "a[1:]", "a[::-1]",
    "a[:2].b", "a[::2]", "b.a[0]",
    # projections
    "a[*]", "a[*].b", "a[*].b.c", "a[*][0]", "*", "*.b", "a.*", "a.*.b", "a[].b", "a[]", "a[][]", "a[*][]",
    "a[?b]", "a[?b].c", "a[?b == `1`]", "a[?b > `1`].b", "a[?!b]", "a[?b == c]", "a[?@ == `1`]", "a[?length(@) > `1`]",
    # comparators on every kind of value
    "a == `1`", "a != `1`", "a == `0`", "a == `true`", "a == `false`", "a != `false`", "a == `null`", "a != `null`",
    "a == 'x'", "a != 'x'", "a == `[1]`", "a == `{\"b\": 1}`", "a == `1.0`", "a == `2`", "a == b", "a != b",
    "a < `2`", "a <= `2`", "a > `2`", "a >= `2`", "a < 'm'", "a > b", "a <= b", "`1` < a", "a < `null`",
    "a < `true`", "a >= `[1]`", "b == a", "`true` == a",
    # logic and truthiness
    "a && b", "a || b", "!a", "!b", "a && !b", "!(a == `1`)", "a || b || c", "a && b && c", "!!a", "!@",
    # literals, current node, multi-selects, pipes
    "`1`", "'s'", "`[1, [2]]`", "@", "@.a", "[a, b]", "[a, b][0]", "{x: a, y: b}", "a.[b, c]", "a.{x: b}",
    "a | b", "a[*].b | [0]", "a | length(@)", "[a, b] | [?@]",
    # built-in functions, right and wrong types
    "length(a)", "length(@)", "contains(a, 'x')", "contains(a, `1`)", "contains(`[\"x\", 1]`, a)",
    "join(', ', a)", "join(a, `[]`)", "to_string(a)", "to_number(a)", "not_null(a, b, 'none')", "not_null(a)",
    "not_null()", "sum(a)", "avg(a)", "max(a)", "min(a)", "sort(a)", "reverse(a)", "keys(a)", "values(a)",
    "type(a)", "to_array(a)", "abs(a)", "ceil(a)", "floor(a)", "starts_with(a, 'x')", "ends_with(a, 'x')",
    "merge(a, b)", "merge(a)", "length(a, b)", "map(&b, a)", "sort_by(a, &b)", "max_by(a, &b)", "min_by(a, &b)",
    # our functions
    "is_internet(a)", "is_private_cidr(a)", "port_in_range(a, b, `22`)", "port_in_range(`0`, `10`, a)",
    "any_port_in_range(a, b, c)", "any_port_in_range(`0`, `100`, a)", "get(a, 'b')", "get(a, b)",
    "days_since(a)", "length(a[?is_internet(b)]) == `0`",
]

ODD = [None, True, False, 0, 1, 2, 0.0, 1.0, 2.5, -1, "", "x", "m", "0.0.0.0/0", "10.0.0.0/8", "2026-08-25T12:00:00Z",
       [], [1], [1, 2, 3], ["x", "y"], [True, False], [None, 1], [[1, 2], [3]], [{"b": 1}, {"b": 2, "c": "x"}],
       [{"b": None}, {"b": [1]}, 3], {}, {"b": 1}, {"b": {"c": {"d": 0}}}, {"b": [1, 2]}, [1, "x"], [0.5, 2]]


def _documents() -> list[Any]:
    docs: list[Any] = [None, [], "text", 3, {}]
    for a in ODD:
        docs.append({"a": a})
        docs.append({"a": a, "b": a, "c": [a]})
    rng = random.Random(13)
    for _ in range(200):
        docs.append({k: rng.choice(ODD) for k in "abc" if rng.random() < 0.8})
    return docs


ALWAYS_FAIL = {"not_null()", "length(a, b)"}  # wrong arity: an error on every input


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_every_construct_on_odd_inputs(source: str) -> None:
    expr = Expression(source)
    seen = {assert_same(expr, doc)[0] for doc in _documents()}
    assert ("value" in seen) is (source not in ALWAYS_FAIL), seen


@pytest.mark.parametrize(("source", "data", "expected"), [
    ("a == `0`", {"a": False}, ("value", ("bool", False))),          # 0 and 1 never equal false and true
    ("a == `true`", {"a": 1}, ("value", ("bool", False))),
    ("a == `1`", {"a": 1.0}, ("value", ("bool", True))),
    ("a < 'b'", {"a": "a"}, ("value", ("bool", True))),              # ordering strings is allowed
    ("a < `1`", {"a": True}, ("value", ("NoneType", None))),         # ordering anything else is null
    ("!a", {"a": 0}, ("value", ("bool", False))),                    # 0 is not falsy
    ("a || 'd'", {"a": []}, ("value", ("str", "d"))),                 # empty list, object and string are
    ("a && 'd'", {"a": {}}, ("value", ("dict", {}))),
    ("a[?b].b", {"a": [{"b": ""}, {"b": "x"}]}, ("value", ("list", [("str", "x")]))),
    ("length(a)", {"a": 5}, ("EvaluationError", "In function length(), invalid type for value: 5, expected one "
                                                "of: ['string', 'array', 'object'], received: \"number\"")),
    ("join(', ', a)", {"a": ["x", 1]}, ("EvaluationError", "In function join(), invalid type for value: 1, "
                                                           "expected one of: ['array-string'], received: \"int\"")),
    ("not_null()", {}, ("EvaluationError", "Expected at least 1 argument for function not_null(), received 0")),
    # what jmespath lets through from the data is an EvaluationError too: an error result, never a crash of the run
    ("a < `1`", {"a": "x"}, ("EvaluationError", "'<' not supported between instances of 'str' and 'int'")),
    ("days_since(a)", {"a": "soon"}, ("EvaluationError", "Invalid isoformat string: 'soon'")),
])
def test_jmespath_semantics_kept(source: str, data: Any, expected: tuple[Any, ...]) -> None:
    assert assert_same(Expression(source), data) == expected


def test_semantic_helpers() -> None:
    assert [is_false(v) for v in (None, False, "", [], {}, 0, 0.0, "x", [0], {"a": None}, True, ())] == [
        True, True, True, True, True, False, False, False, False, False, False, False]
    assert (equals(0, False), equals(1, True), equals(True, 1.0), equals(2, 2.0), equals([1], [1])) == (
        False, False, False, True, True)


def test_bind_reuses_one_expression_per_parameter_set() -> None:
    expr = Expression("a <= params.limit && b == params.name")
    first = expr.bind({"limit": 3, "name": "x"})
    assert expr.bind({"limit": 3, "name": "x", "unused": 1}) is first
    other = expr.bind({"limit": 3.0, "name": "x"})
    assert other is not first
    assert first.search({"a": 3, "b": "x"}, Evaluator(NOW)) is True
    assert other.search({"a": 4, "b": "x"}, Evaluator(NOW)) is False


def test_new_finding_equals_the_dataclass_constructor() -> None:
    values: dict[str, Any] = {
        "control_id": "KEY-01", "severity": Severity.HIGH, "status": Status.FAIL, "asset_kind": "kms.key",
        "asset_id": "urn:x", "asset_name": "x", "source": SourceKind.PLANNED, "message": "m", "fingerprint": "f",
        "location": Location("a.py", 2), "detail": "d", "waiver": None,
    }
    # a new field: set it there
    assert [f.name for f in dataclasses.fields(Finding)] == [*values, "in_baseline", "account", "region"]
    built = new_finding(**values)
    assert built == Finding(**values)
    assert dataclasses.replace(built, in_baseline=True).in_baseline is True


def test_engine_keeps_control_order_across_kinds(catalog: Catalog) -> None:
    """The engine works kind by kind (one kind's documents alive at a time) but reports in the controls' order."""
    from checks.engine import evaluate

    controls = [catalog.controls[cid] for cid in ("KEY-01", "ENC-01", "KEY-01", "S3-01")]
    assets = [_asset(kind, {"name": f"{kind}-{i}"}, f"{kind}-{i}")
              for i in range(2) for kind in ("s3.bucket", "kms.key")]
    result = evaluate(controls, assets, now=NOW, templates=catalog.templates)
    assert [(f.control_id, f.asset_name) for f in result.findings] == [
        ("KEY-01", "kms.key-0"), ("KEY-01", "kms.key-1"), ("ENC-01", "s3.bucket-0"), ("ENC-01", "s3.bucket-1"),
        ("KEY-01", "kms.key-0"), ("KEY-01", "kms.key-1"), ("S3-01", "s3.bucket-0"), ("S3-01", "s3.bucket-1")]
    assert list(result.seconds) == ["KEY-01", "ENC-01", "S3-01"]
