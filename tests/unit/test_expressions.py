"""The JMESPath layer: custom functions, compile-time checks, what an expression reads."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.catalog.expressions import EvaluationError, Evaluator, Expression, ExpressionError, search

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def ev(expr: str, data: object = None) -> object:
    return search(Expression(expr), data or {}, Evaluator(NOW))


@pytest.mark.parametrize(("cidr", "internet", "private"), [
    ("0.0.0.0/0", True, False), ("::/0", True, False), ("10.0.0.0/8", False, True),
    ("8.8.8.0/24", False, False), ("fd00::/8", False, True), ("not-a-cidr", False, False),
])
def test_cidr_functions(cidr: str, internet: bool, private: bool) -> None:
    assert ev("is_internet(c)", {"c": cidr}) is internet
    assert ev("is_private_cidr(c)", {"c": cidr}) is private
    assert ev("is_internet(c)", {"c": None}) is False


def test_port_in_range() -> None:
    assert ev("port_in_range(`0`, `65535`, `22`)") is True
    assert ev("port_in_range(`80`, `80`, `22`)") is False
    assert ev("port_in_range(`null`, `null`, `3389`)") is True


def test_days_since_and_get() -> None:
    assert ev("days_since('2026-08-25T12:00:00Z')") == 90.0
    assert ev("days_since('2026-11-23')") == 0.0
    assert ev("days_since(`null`)") is None
    assert ev("get(tags, 'data')", {"tags": {"data": "customer"}}) == "customer"
    assert ev("get(tags, 'x')", {"tags": {}}) is None and ev("get(tags, 'x')", {}) is None


def test_wrong_argument_type_is_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError, match="is_internet"):
        ev("is_internet(`5`)")


def test_root_fields_and_param_refs() -> None:
    expr = Expression("length(rules[?is_internet(peer) && port_in_range(from_port, to_port, `22`)]) == `0` "
                      "&& is_default == `false` && x.y <= params.limit")
    assert expr.root_fields == {"rules", "is_default", "x", "params"}
    assert expr.param_refs == {"limit"}


def test_compile_errors() -> None:
    with pytest.raises(ExpressionError, match="unknown function nope"):
        Expression("nope(a)")
    with pytest.raises(ExpressionError, match="invalid JMESPath at column"):
        Expression("a ==")


def test_bound_params_work_inside_filters() -> None:
    expr = Expression("length(rules[?any_port_in_range(from_port, to_port, params.ports)]) == `0`")
    data = {"rules": [{"from_port": 20, "to_port": 30}]}
    assert search(expr.bind({"ports": [22]}), data, Evaluator(NOW)) is False
    assert search(expr.bind({"ports": [3389]}), data, Evaluator(NOW)) is True
    # unbound, `params` inside the filter reads the list item: the function sees null and fails loudly
    with pytest.raises(EvaluationError):
        search(expr, data, Evaluator(NOW))
