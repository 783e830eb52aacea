"""Three-valued logic and the small value helpers every normalizer uses (re-exported by `normalize.base`).

A value is known, UNKNOWN (not known at plan time), or a `Secret` holding a known value: `unwrap` gives the plain
value (for derived facts; never print it). `Secret` has no subclasses: `type(v) is Secret` tests for one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from checks.model import UNKNOWN, Secret
from checks.raw import UNKNOWN_MARK, RawResource


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def unwrap(value: Any) -> Any:
    """The plain value of a possibly-secret value (for derived facts; never print it)."""
    return value.value if type(value) is Secret else value


def tri_and(*values: Any) -> Any:
    """False if any is false; else UNKNOWN if any is unknown; else True."""
    unknown = False
    for value in values:
        if type(value) is Secret:
            value = value.value
        if value is UNKNOWN:
            unknown = True
        elif not value:
            return False
    return UNKNOWN if unknown else True


def tri_or(*values: Any) -> Any:
    """True if any is true; else UNKNOWN if any is unknown; else False."""
    unknown = False
    for value in values:
        if type(value) is Secret:
            value = value.value
        if value is UNKNOWN:
            unknown = True
        elif value:
            return True
    return UNKNOWN if unknown else False


def tri_not(value: Any) -> Any:
    value = unwrap(value)
    return UNKNOWN if value is UNKNOWN else not value


def tri_any(values: Iterable[Any]) -> Any:
    return tri_or(False, *values)


def tri_all(values: Iterable[Any]) -> Any:
    return tri_and(True, *values)


_SCALARS = frozenset({str, int, float, bool, type(None)})  # hold no UNKNOWN: no call needed


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Secret):
        return contains_unknown(value.value)
    if isinstance(value, list):
        items: Iterable[Any] = value
    elif isinstance(value, dict):
        items = value.values()
    else:
        return False
    for v in items:  # scalar items without a call
        if v is UNKNOWN or (type(v) not in _SCALARS and contains_unknown(v)):
            return True
    return False


def parse_json_doc(value: Any) -> Any:
    """A policy document given as a JSON string or an object; UNKNOWN stays UNKNOWN; bad JSON -> None."""
    value = unwrap(value)
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            return None
    if contains_unknown(value):
        return UNKNOWN
    return value


def partial_json(raw: RawResource, prop: str) -> Any:
    """`raw.props[prop]` as a JSON document (`parse_json_doc`); when it is UNKNOWN because parts of it are (planned
    view: a document built from outputs not known at plan time), the document with only those parts UNKNOWN."""
    value = raw.props.get(prop)
    text = raw.partial.get(prop)
    if value is not UNKNOWN or text is None:
        return parse_json_doc(value)
    try:
        doc = json.loads(text)
    except ValueError:
        return UNKNOWN
    return _unmarked(doc)


def _unmarked(value: Any) -> Any:
    if isinstance(value, str):
        return UNKNOWN if UNKNOWN_MARK in value else value
    if isinstance(value, list):
        return [_unmarked(v) for v in value]
    if isinstance(value, dict):
        return {k: UNKNOWN if UNKNOWN_MARK in k else _unmarked(v) for k, v in value.items()}
    return value


def first_set(*values: Any) -> Any:
    """The first value that is not None (UNKNOWN counts as set: it may hold anything)."""
    for value in values:
        if value is not None:
            return value
    return None


def tri_map(value: Any, fn: Callable[[Any], Any]) -> Any:
    """fn(value), or UNKNOWN when value is UNKNOWN."""
    if type(value) is Secret:
        value = value.value
    return UNKNOWN if value is UNKNOWN else fn(value)


def as_list(value: Any) -> Any:
    """None -> [], a single object -> [object], a list stays; UNKNOWN stays UNKNOWN."""
    if value is None:
        return []
    if value is UNKNOWN or isinstance(value, list):
        return value
    return [value]


def blank(value: Any) -> Any:
    """Terraform state writes "" or 0 for unset strings and numbers: those become None."""
    value = unwrap(value)
    return None if value is not UNKNOWN and value in ("", 0) and value is not False else value
