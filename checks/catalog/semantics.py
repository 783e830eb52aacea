"""jmespath's value semantics, as its TreeInterpreter applies them: the rules checks/catalog/compiled.py follows.

No jmespath import: these helpers restate, operation for operation, what jmespath 1.1's visitor does (truthiness,
`==`, ordering) and call functions after a fast exact-type check that accepts only what jmespath's own check accepts
(anything else is handed to jmespath through the `Context`, which raises its usual errors).
tests/unit/test_compiled_expressions.py holds them to the interpreter on every control and fixture.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from numbers import Number
from typing import Any, Protocol

Compiled = Callable[[Any, "Context"], Any]
FunctionTable = Mapping[str, tuple[Callable[..., Any], tuple[dict[str, Any], ...]]]


class Context(Protocol):
    """What a compiled expression needs at run time (the Evaluator: functions bound to the evaluation time)."""

    @property
    def functions(self) -> Any: ...

    def call_function(self, name: str, args: list[Any]) -> Any: ...

    def interpret(self, node: dict[str, Any], value: Any) -> Any: ...


NUMERIC = (int, float)
ORDERING = {"lt": operator.lt, "gt": operator.gt, "lte": operator.le, "gte": operator.ge}
# jmespath type names -> the exact Python types that certainly pass its type check (anything else: ask jmespath)
_EXACT_TYPES: dict[str, tuple[type, ...]] = {
    "boolean": (bool,), "array": (list,), "object": (dict,), "null": (type(None),), "string": (str,),
    "number": (float, int),
}


def is_false(value: Any) -> bool:
    """jmespath's falsiness: null, false, and an empty string, list or object."""
    kind = type(value)
    if kind is bool:
        return not value
    if kind is str or kind is list or kind is dict:
        return not value
    if value is None:
        return True
    if kind is int or kind is float:
        return False
    return value == "" or value == [] or value == {}  # the interpreter's exact test, for anything else


def actual_number(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, Number)


def equals(x: Any, y: Any) -> Any:
    """jmespath's `==`: Python equality, except that 0 and 1 never equal false and true."""
    if actual_number(x) and x in (0, 1):
        if isinstance(y, bool):
            return False
    elif actual_number(y) and y in (0, 1) and isinstance(x, bool):
        return False
    return x == y


def comparable(x: Any) -> bool:
    return actual_number(x) or isinstance(x, str)


_PLAIN = frozenset({type(None), bool, int, float, str, list, dict})


def equals_constant(constant: Any) -> Callable[[Any], Any]:
    """`equals(x, constant)` specialised for a literal right side (see `equals` for why each shortcut holds)."""
    if constant is None or isinstance(constant, bool):
        return lambda x: x is constant if type(x) in _PLAIN else equals(x, constant)
    if type(constant) is str:
        return lambda x: x == constant
    if type(constant) in NUMERIC and constant not in (0, 1):
        return lambda x: x == constant if type(x) in _PLAIN else equals(x, constant)
    return lambda x: equals(x, constant)


def function_call(name: str, function: Callable[..., Any], signature: tuple[dict[str, Any], ...],
                  args: tuple[Compiled, ...]) -> Compiled:
    """A call of `function` (jmespath's or ours) on compiled arguments: a fast exact-type check, else jmespath."""
    variadic = bool(signature) and bool(signature[-1].get("variadic"))
    arity_ok = len(args) >= len(signature) if variadic else len(args) == len(signature)
    checks = tuple(argument_check(spec) for spec in signature)  # jmespath checks the first len(signature) only
    if arity_ok and 1 <= len(args) == len(checks) <= 2:
        return _short_call(name, function, args, checks)

    def run(value: Any, ctx: Context) -> Any:
        resolved = [arg(value, ctx) for arg in args]
        if arity_ok:
            for check, arg in zip(checks, resolved, strict=False):
                if check is not None and not check(arg):
                    break
            else:
                return function(ctx.functions, *resolved)
        return ctx.call_function(name, resolved)  # jmespath raises its arity or type error
    return run


def _short_call(name: str, function: Callable[..., Any], args: tuple[Compiled, ...],
                checks: tuple[Callable[[Any], bool] | None, ...]) -> Compiled:
    """`function_call` for the usual one or two arguments, without the list and the loop."""
    accept_all: Callable[[Any], bool] = lambda arg: True  # noqa: E731
    if len(args) == 1:
        [first], [check] = args, checks
        check = check or accept_all

        def run1(value: Any, ctx: Context) -> Any:
            x = first(value, ctx)
            return function(ctx.functions, x) if check(x) else ctx.call_function(name, [x])
        return run1
    (first, second), (check1, check2) = args, checks
    check1, check2 = check1 or accept_all, check2 or accept_all

    def run2(value: Any, ctx: Context) -> Any:
        x, y = first(value, ctx), second(value, ctx)
        return function(ctx.functions, x, y) if check1(x) and check2(y) else ctx.call_function(name, [x, y])
    return run2


def argument_check(spec: dict[str, Any]) -> Callable[[Any], bool] | None:
    """A check that accepts only what jmespath's type check certainly accepts (a rejection asks jmespath)."""
    names = spec.get("types") or []
    if not names:
        return None
    allowed: set[type] = set()
    subtypes: list[tuple[type, ...]] = []
    for name in names:
        base, _, sub = name.partition("-")
        allowed.update(_EXACT_TYPES.get(base, ()))
        if sub:
            subtypes.append(_EXACT_TYPES.get(sub, ()))
    exact = frozenset(allowed)
    if not subtypes:
        return lambda arg: type(arg) in exact

    def check(arg: Any) -> bool:
        return type(arg) in exact and any(all(type(e) in sub for e in arg) for sub in subtypes)
    return check
