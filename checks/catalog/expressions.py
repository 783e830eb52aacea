"""JMESPath for controls: the only module that imports jmespath.

Expressions compile once at load time. Custom functions (CIDR tests, port ranges, day arithmetic)
are registered here; `now` is injected per evaluation so the engine stays pure.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jmespath
from jmespath import exceptions as jexc
from jmespath import functions as jfunc
from jmespath import visitor as jvisitor
from jmespath.parser import ParsedResult

from checks.catalog.compiled import Compiled, FunctionTable, compile_tree

INTERNET_CIDRS = frozenset({"0.0.0.0/0", "::/0"})


class ExpressionError(ValueError):
    """An expression that does not compile, or calls a function that does not exist."""


class _Functions(jfunc.Functions):
    def __init__(self, now: datetime) -> None:
        super().__init__()
        self._now = now

    @jfunc.signature({"types": ["string", "null"]})
    def _func_is_internet(self, cidr: str | None) -> bool:
        """True for 0.0.0.0/0 and ::/0 (any address on the internet)."""
        if cidr is None:
            return False
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            return False
        return net.prefixlen == 0

    @jfunc.signature({"types": ["string", "null"]})
    def _func_is_private_cidr(self, cidr: str | None) -> bool:
        """True when the CIDR lies wholly in private (RFC 1918 / ULA) address space."""
        if cidr is None:
            return False
        try:
            return ipaddress.ip_network(cidr, strict=False).is_private
        except ValueError:
            return False

    @jfunc.signature({"types": ["number", "null"]}, {"types": ["number", "null"]}, {"types": ["number"]})
    def _func_port_in_range(self, low: float | None, high: float | None, port: float) -> bool:
        """True when `port` lies in [low, high]; a null bound means all ports."""
        if low is None or high is None:
            return True
        return low <= port <= high

    @jfunc.signature({"types": ["object", "null"]}, {"types": ["string"]})
    def _func_get(self, obj: dict[str, Any] | None, key: str) -> Any:
        """obj[key], or null when obj is null or has no such key (a key named by a parameter)."""
        return None if obj is None else obj.get(key)

    @jfunc.signature({"types": ["number", "null"]}, {"types": ["number", "null"]}, {"types": ["array"]})
    def _func_any_port_in_range(self, low: float | None, high: float | None, ports: list[Any]) -> bool:
        """True when any of `ports` lies in [low, high]; a null bound means all ports."""
        return any(self._func_port_in_range(low, high, p) for p in ports if isinstance(p, int | float))

    @jfunc.signature({"types": ["string", "null"]})
    def _func_days_since(self, stamp: str | None) -> float | None:
        """Whole days between an ISO-8601 timestamp and the evaluation time; null stays null."""
        if stamp is None:
            return None
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return float((self._now - when).days)


_BOUND_CACHE = 64  # bindings kept per expression (one per distinct set of parameter values)
_FUNCTION_TABLE: FunctionTable = {
    name: (spec["function"], tuple(spec["signature"])) for name, spec in _Functions.FUNCTION_TABLE.items()
}

CUSTOM_FUNCTIONS = frozenset(
    name.removeprefix("_func_") for name in dir(_Functions) if name.startswith("_func_")
)


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children", []):
        if isinstance(child, dict):
            yield from _walk(child)


def _top_fields(node: dict[str, Any]) -> Iterator[str]:
    """Names of the fields an expression reads from the root document."""
    kind = node["type"]
    if kind == "field":
        yield node["value"]
    elif kind in ("subexpression", "index_expression", "projection", "value_projection",
                  "filter_projection", "flatten"):
        # only the left side reads from the current node; the right side reads from its result
        if node["children"]:
            yield from _top_fields(node["children"][0])
    elif kind in ("function_expression", "comparator", "and_expression", "or_expression",
                  "not_expression", "multi_select_list", "multi_select_dict", "key_val_pair",
                  "pipe"):
        children = node["children"] if kind != "pipe" else node["children"][:1]
        for child in children:
            if isinstance(child, dict):
                yield from _top_fields(child)


# Node types whose children all read from the node they are applied to, and those where only the first (left)
# child does (the others read its result), as in `_top_fields`.
_ALL_CHILDREN_READ = frozenset({"function_expression", "comparator", "and_expression", "or_expression",
                                "not_expression", "multi_select_list", "multi_select_dict", "key_val_pair"})
_LEFT_CHILD_READS = frozenset({"subexpression", "index_expression", "projection", "value_projection",
                               "filter_projection", "flatten", "pipe"})


def _reads_named_fields_only(node: Any) -> bool:
    """True when everything `node` reads from the document it is applied to is a named field (`root_fields`): no
    `@`, no `*` or `[0]` over the whole document, no node type this module does not know."""
    if not isinstance(node, dict):
        return True
    kind = node["type"]
    if kind in ("field", "literal", "expref"):  # an &expref reads the items a function gives it, not the document
        return True
    if kind in _LEFT_CHILD_READS:
        return bool(node["children"]) and _reads_named_fields_only(node["children"][0])
    if kind in _ALL_CHILDREN_READ:
        return all(_reads_named_fields_only(child) for child in node["children"])
    return False


def reads_only(expr: Expression) -> frozenset[str] | None:
    """The root fields `expr` reads when its value depends on the document through them alone (two documents
    equal at those fields give the same value), else None (it reads `@`, `*` or `[...]` of the whole document)."""
    return expr.root_fields if _reads_named_fields_only(expr.tree) else None


def _is_param_ref(node: dict[str, Any]) -> bool:
    children = node.get("children", [])
    return (node["type"] == "subexpression" and len(children) == 2
            and children[0] == {"type": "field", "children": [], "value": "params"}
            and children[1]["type"] == "field")


def _bind(node: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    if _is_param_ref(node):
        name = node["children"][1]["value"]
        if name in params:
            return {"type": "literal", "value": params[name], "children": []}
        return node
    children = node.get("children", [])
    if not children:
        return node
    return dict(node, children=[_bind(c, params) if isinstance(c, dict) else c for c in children])


class Expression:
    """A compiled control expression."""

    __slots__ = ("source", "_parsed", "_tree", "root_fields", "param_refs", "_compiled", "_bound")

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            self._parsed: ParsedResult = jmespath.compile(source)
            self._tree: dict[str, Any] = dict(self._parsed.parsed)
        except jexc.ParseError as err:
            raise ExpressionError(
                f"invalid JMESPath at column {err.lex_position + 1}: {err.msg or 'syntax error'} "
                f"near {err.token_value!r}"
            ) from None
        except jexc.JMESPathError as err:
            raise ExpressionError(f"invalid JMESPath: {err}") from None
        for node in _walk(self._tree):
            if node["type"] == "function_expression":
                name = node["value"]
                if name not in CUSTOM_FUNCTIONS and not hasattr(jfunc.Functions, f"_func_{name}"):
                    raise ExpressionError(f"unknown function {name}()")
        self.root_fields = frozenset(_top_fields(self._tree))
        self.param_refs = frozenset(
            node["children"][1]["value"] for node in _walk(self._tree) if _is_param_ref(node)
        )
        self._compiled: Compiled | None = None
        self._bound: dict[str, Expression] = {}

    @classmethod
    def from_tree(cls, source: str, tree: dict[str, Any], root_fields: frozenset[str] | None = None,
                  param_refs: frozenset[str] | None = None) -> Expression:
        """The expression `source` from the tree (and the root fields and parameters) `Expression(source)` gave
        before, without parsing or checking it again (the catalog cache, checks/catalog/cache.py, stores them for
        validated controls)."""
        expr = cls.__new__(cls)
        expr.source = source
        expr._parsed = ParsedResult(source, tree)  # type: ignore[arg-type]  # the same dicts jmespath built
        expr._tree = tree
        expr.root_fields = frozenset(_top_fields(tree)) if root_fields is None else root_fields
        expr.param_refs = (frozenset(node["children"][1]["value"] for node in _walk(tree) if _is_param_ref(node))
                           if param_refs is None else param_refs)
        expr._compiled = None
        expr._bound = {}
        return expr

    @property
    def tree(self) -> dict[str, Any]:
        """The parsed JMESPath tree (plain dicts, lists and JSON values); do not modify it."""
        return self._tree

    def bind(self, params: dict[str, Any]) -> Expression:
        """The same expression with every `params.<name>` replaced by its value as a literal.

        Inside a filter (`rules[?port == params.port]`) the current node is the list item, so `params`
        would not resolve there; binding makes parameters constants that work anywhere.
        """
        if not self.param_refs:
            return self
        key = repr(sorted((name, params[name]) for name in self.param_refs if name in params))
        bound = self._bound.get(key)  # the same parameters bind to the same expression, compiled once
        if bound is None:
            bound = Expression.__new__(Expression)
            bound.source = self.source
            bound._parsed = self._parsed
            bound._tree = _bind(self._tree, params)
            bound.root_fields = self.root_fields
            bound.param_refs = frozenset()
            bound._compiled = None
            bound._bound = {}
            if len(self._bound) < _BOUND_CACHE:
                self._bound[key] = bound
        return bound

    def search(self, data: Any, evaluator: Evaluator) -> Any:
        """The expression's value on `data` (compiled form); EvaluationError when it fails on the document."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = compile_tree(self._tree, _FUNCTION_TABLE)
        try:
            return compiled(data, evaluator)
        except (jexc.JMESPathError, TypeError, ValueError) as err:
            # TypeError/ValueError: what jmespath lets through from the data ('x' < `1`, days_since('soon')): the
            # control's result is an error on that asset, never a crash of the run
            raise EvaluationError(str(err).replace("\n", " ")) from None

    def interpret(self, data: Any, evaluator: Evaluator) -> Any:
        """The same value from jmespath's own interpreter: the reference semantics the compiled form follows."""
        try:
            return evaluator.visit(self._tree, data)
        except (jexc.JMESPathError, TypeError, ValueError) as err:
            raise EvaluationError(str(err).replace("\n", " ")) from None

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


class Evaluator:
    """One reusable JMESPath interpreter with the custom functions bound to the evaluation time.

    Reusing it keeps the interpreter's method cache warm (a fresh interpreter per search costs ~3x).
    """

    __slots__ = ("_interpreter", "functions")

    def __init__(self, now: datetime) -> None:
        self.functions = _Functions(now)
        self._interpreter = jvisitor.TreeInterpreter(jmespath.Options(custom_functions=self.functions))

    def visit(self, tree: dict[str, Any], data: Any) -> Any:
        return self._interpreter.visit(tree, data)  # type: ignore[arg-type]

    def interpret(self, node: dict[str, Any], value: Any) -> Any:
        """A node the compiled form leaves to jmespath (an &expref argument, a rare node type)."""
        return self._interpreter.visit(node, value)  # type: ignore[arg-type]

    def call_function(self, name: str, args: list[Any]) -> Any:
        """A call whose arguments the compiled form's fast type check did not accept: jmespath decides."""
        return self.functions.call_function(name, args)


class EvaluationError(ValueError):
    """Raised when an expression fails on a document (bad argument type, etc.)."""


def search(expr: Expression, data: Any, evaluator: Evaluator) -> Any:
    return expr.search(data, evaluator)
