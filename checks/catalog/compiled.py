"""JMESPath ASTs compiled into Python closures: the fast path of `Expression.search`.

The input is the AST dict that jmespath's parser produces (after `Expression.bind`); this module never imports
jmespath. Each node becomes a closure `(value, ctx) -> result` that performs exactly the operations of jmespath's
TreeInterpreter (same truthiness, same `==` on mixed types, ordering of non-numbers giving null), so jmespath stays
the reference semantics (`Expression.interpret`). Function calls whose arguments pass a fast exact-type check call
the registered function directly; anything else (a wrong type or arity, an `&expref` argument, a node type not
compiled here) goes back through the context to jmespath itself, which raises its usual errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checks.catalog.semantics import (
    NUMERIC,
    ORDERING,
    Compiled,
    Context,
    FunctionTable,
    actual_number,
    comparable,
    equals,
    equals_constant,
    function_call,
    is_false,
)


def compile_tree(node: dict[str, Any], table: FunctionTable) -> Compiled:
    """The closure for `node` (an AST dict as jmespath's parser produces it)."""
    builder = _BUILDERS.get(node["type"])
    if builder is None:
        return _fallback(node)
    return builder(node, table)


def _fallback(node: dict[str, Any]) -> Compiled:
    def run(value: Any, ctx: Context) -> Any:
        return ctx.interpret(node, value)
    return run


def _field_get(name: str) -> Compiled:
    def run(value: Any, ctx: Context) -> Any:
        if type(value) is dict:
            return value.get(name)
        try:
            return value.get(name)
        except AttributeError:
            return None
    return run


def _field(node: dict[str, Any], table: FunctionTable) -> Compiled:
    return _field_get(node["value"])


def _fields_chain(names: tuple[str, ...]) -> Compiled:
    def run(value: Any, ctx: Context) -> Any:
        for name in names:
            if type(value) is dict:
                value = value.get(name)
                continue
            try:
                value = value.get(name)
            except AttributeError:
                value = None
        return value
    return run


def _chain(node: dict[str, Any], table: FunctionTable) -> Compiled:
    """subexpression, index_expression and pipe: each child reads the previous one's result."""
    children = node["children"]
    if node["type"] == "subexpression" and all(c["type"] == "field" for c in children):
        return _fields_chain(tuple(c["value"] for c in children))
    steps = tuple(compile_tree(c, table) for c in children)
    if len(steps) == 2:
        first, second = steps

        def run2(value: Any, ctx: Context) -> Any:
            return second(first(value, ctx), ctx)
        return run2

    def run(value: Any, ctx: Context) -> Any:
        for step in steps:
            value = step(value, ctx)
        return value
    return run


def _index(node: dict[str, Any], table: FunctionTable) -> Compiled:
    position = node["value"]

    def run(value: Any, ctx: Context) -> Any:
        if not isinstance(value, list):
            return None
        try:
            return value[position]
        except IndexError:
            return None
    return run


def _slice(node: dict[str, Any], table: FunctionTable) -> Compiled:
    cut = slice(*node["children"])

    def run(value: Any, ctx: Context) -> Any:
        if not isinstance(value, list):
            return None
        return value[cut]
    return run


def _literal(node: dict[str, Any], table: FunctionTable) -> Compiled:
    constant = node["value"]

    def run(value: Any, ctx: Context) -> Any:
        return constant
    return run


def _current(node: dict[str, Any], table: FunctionTable) -> Compiled:
    def run(value: Any, ctx: Context) -> Any:
        return value
    return run


def _projection(node: dict[str, Any], table: FunctionTable) -> Compiled:
    left, right = (compile_tree(c, table) for c in node["children"])
    identity = node["children"][1]["type"] == "identity"

    def run(value: Any, ctx: Context) -> Any:
        base = left(value, ctx)
        if not isinstance(base, list):
            return None
        if identity:
            return [element for element in base if element is not None]
        collected = []
        for element in base:
            current = right(element, ctx)
            if current is not None:
                collected.append(current)
        return collected
    return run


def _value_projection(node: dict[str, Any], table: FunctionTable) -> Compiled:
    left, right = (compile_tree(c, table) for c in node["children"])

    def run(value: Any, ctx: Context) -> Any:
        base = left(value, ctx)
        try:
            elements = base.values()
        except AttributeError:
            return None
        collected = []
        for element in elements:
            current = right(element, ctx)
            if current is not None:
                collected.append(current)
        return collected
    return run


def _filter_projection(node: dict[str, Any], table: FunctionTable) -> Compiled:
    left, right, condition = (compile_tree(c, table) for c in node["children"])

    def run(value: Any, ctx: Context) -> Any:
        base = left(value, ctx)
        if not isinstance(base, list):
            return None
        collected = []
        for element in base:
            if not is_false(condition(element, ctx)):
                current = right(element, ctx)
                if current is not None:
                    collected.append(current)
        return collected
    return run


def _flatten(node: dict[str, Any], table: FunctionTable) -> Compiled:
    inner = compile_tree(node["children"][0], table)

    def run(value: Any, ctx: Context) -> Any:
        base = inner(value, ctx)
        if not isinstance(base, list):
            return None
        merged: list[Any] = []
        for element in base:
            if isinstance(element, list):
                merged.extend(element)
            else:
                merged.append(element)
        return merged
    return run


def _and(node: dict[str, Any], table: FunctionTable) -> Compiled:
    left, right = (compile_tree(c, table) for c in node["children"])

    def run(value: Any, ctx: Context) -> Any:
        matched = left(value, ctx)
        if is_false(matched):
            return matched
        return right(value, ctx)
    return run


def _or(node: dict[str, Any], table: FunctionTable) -> Compiled:
    left, right = (compile_tree(c, table) for c in node["children"])

    def run(value: Any, ctx: Context) -> Any:
        matched = left(value, ctx)
        if is_false(matched):
            return right(value, ctx)
        return matched
    return run


def _not(node: dict[str, Any], table: FunctionTable) -> Compiled:
    inner = compile_tree(node["children"][0], table)

    def run(value: Any, ctx: Context) -> Any:
        result = inner(value, ctx)
        if type(result) is bool:
            return not result
        if actual_number(result) and result == 0:
            return False  # !0 is false in jmespath: 0 is not falsy
        return not result
    return run


def _multi_select_list(node: dict[str, Any], table: FunctionTable) -> Compiled:
    items = tuple(compile_tree(c, table) for c in node["children"])

    def run(value: Any, ctx: Context) -> Any:
        if value is None:
            return None
        return [item(value, ctx) for item in items]
    return run


def _multi_select_dict(node: dict[str, Any], table: FunctionTable) -> Compiled:
    pairs = tuple((c["value"], compile_tree(c["children"][0], table)) for c in node["children"])

    def run(value: Any, ctx: Context) -> Any:
        if value is None:
            return None
        collected = {}
        for key, item in pairs:
            collected[key] = item(value, ctx)
        return collected
    return run


def _key_val_pair(node: dict[str, Any], table: FunctionTable) -> Compiled:
    return compile_tree(node["children"][0], table)


_BUILDERS: dict[str, Callable[[dict[str, Any], FunctionTable], Compiled]] = {
    "field": _field, "subexpression": _chain, "index_expression": _chain, "pipe": _chain, "index": _index,
    "slice": _slice, "literal": _literal, "current": _current, "identity": _current, "projection": _projection,
    "value_projection": _value_projection, "filter_projection": _filter_projection, "flatten": _flatten,
    "and_expression": _and, "or_expression": _or, "not_expression": _not,
    "multi_select_list": _multi_select_list, "multi_select_dict": _multi_select_dict,
    "key_val_pair": _key_val_pair,
}


def _comparator(node: dict[str, Any], table: FunctionTable) -> Compiled:
    op = node["value"]
    left_node, right_node = node["children"]
    left = compile_tree(left_node, table)
    if right_node["type"] == "literal":
        constant = right_node["value"]
        if op in ("eq", "ne"):
            test = equals_constant(constant)
            if op == "eq":
                return lambda value, ctx: test(left(value, ctx))
            return lambda value, ctx: not test(left(value, ctx))
        if comparable(constant):
            return _order_constant(left, ORDERING[op], constant)
    right = compile_tree(right_node, table)
    if op == "eq":
        return lambda value, ctx: equals(left(value, ctx), right(value, ctx))
    if op == "ne":
        return lambda value, ctx: not equals(left(value, ctx), right(value, ctx))
    ordering = ORDERING[op]

    def run(value: Any, ctx: Context) -> Any:
        x, y = left(value, ctx), right(value, ctx)
        if not (comparable(x) and comparable(y)):
            return None  # ordering is defined for numbers and strings only
        return ordering(x, y)
    return run


def _order_constant(left: Compiled, ordering: Callable[[Any, Any], Any], constant: Any) -> Compiled:
    def run(value: Any, ctx: Context) -> Any:
        x = left(value, ctx)
        if type(x) in NUMERIC or comparable(x):
            return ordering(x, constant)
        return None
    return run


def _function(node: dict[str, Any], table: FunctionTable) -> Compiled:
    name = node["value"]
    children = node["children"]
    if name not in table or any(c["type"] == "expref" for c in children):
        return _fallback(node)
    args = tuple(compile_tree(c, table) for c in children)
    function, signature = table[name]
    return function_call(name, function, signature, args)


_BUILDERS["comparator"] = _comparator
_BUILDERS["function_expression"] = _function
