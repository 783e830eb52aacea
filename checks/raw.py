"""The raw resource every source produces, and the conversion of Pulumi wire values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from checks.model import UNKNOWN, Location, Secret, SourceKind

MAX_PLAINTEXT_DEPTH = 50  # levels of nesting in a secret's JSON plaintext
UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_MARK = "clearance-unknown-"  # a value not known under clearance's mocks (checks/sources/marks.py)
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
STACK_PREFIX = "pulumi:pulumi:Stack$"
STACK_SEPARATOR = "::" + STACK_PREFIX  # in a URN only when a mock monitor made it


@dataclass(frozen=True, slots=True)
class RawResource:
    """A resource as a source sees it: Pulumi type token and camelCase properties.

    `props` holds plain JSON values, with `UNKNOWN` where the value is not known and `Secret(v)`
    where a secret's plaintext is known. A secret whose plaintext is not available is `UNKNOWN`.
    """

    type: str
    urn: str
    name: str
    props: Mapping[str, Any]
    source: SourceKind
    id: str | None = None
    custom: bool = True
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    location: Location | None = None
    provider: str | None = None
    input_keys: frozenset[str] | None = None  # state view: the props the program set; None: all props are inputs
    errors: Mapping[str, str] = field(default_factory=dict)  # live view: API call -> why it failed (AccessDenied ...)
    region: str | None = None  # planned view: the region it deploys to (its explicit provider's, else aws:region)
    # planned view: props that are UNKNOWN because parts of them are (a JSON document built from outputs not known at
    # plan time), as text with those parts marked (UNKNOWN_MARK); read only through normalize.base.partial_json
    partial: Mapping[str, str] = field(default_factory=dict)

    def is_input(self, prop: str) -> bool:
        """Did the program set `prop`? (False when the provider or AWS filled it in, as in a state file.)"""
        return prop in self.props if self.input_keys is None else prop in self.input_keys


_FILE_FIELDS = ("type", "urn", "name", "props", "source", "id", "custom", "parent", "dependencies",
                "property_dependencies", "location", "provider", "input_keys")
_SET = {f.name: getattr(RawResource, f.name).__set__ for f in fields(RawResource)}  # the slots' own setters
(_set_type, _set_urn, _set_name, _set_props, _set_source, _set_id, _set_custom, _set_parent, _set_dependencies,
 _set_property_dependencies, _set_location, _set_provider, _set_input_keys) = (_SET[name] for name in _FILE_FIELDS)
_DEFAULTED = tuple((_SET[f.name], f.default_factory, f.default) for f in fields(RawResource)
                   if f.name not in _FILE_FIELDS)
_new_object = object.__new__


def file_resource(type_: str, urn: str, name: str, props: Mapping[str, Any], source: SourceKind, id_: str | None,
                  custom: bool, parent: str | None, dependencies: tuple[str, ...],
                  property_dependencies: Mapping[str, tuple[str, ...]], location: Location | None,
                  provider: str | None, input_keys: frozenset[str] | None) -> RawResource:
    """`RawResource(type=type_, urn=urn, ...)` of what a preview or state file gives (the other fields at their
    defaults), made in half the time: each slot is set directly, without the generated constructor's keywords and
    frozen-attribute checks (issue 13: a file of 100,000 resources makes 100,000; a test compares the two)."""
    raw = _new_object(RawResource)
    _set_type(raw, type_)
    _set_urn(raw, urn)
    _set_name(raw, name)
    _set_props(raw, props)
    _set_source(raw, source)
    _set_id(raw, id_)
    _set_custom(raw, custom)
    _set_parent(raw, parent)
    _set_dependencies(raw, dependencies)
    _set_property_dependencies(raw, property_dependencies)
    _set_location(raw, location)
    _set_provider(raw, provider)
    _set_input_keys(raw, input_keys)
    for setter, factory, default in _DEFAULTED:
        setter(raw, default if factory is MISSING else factory())
    return raw


def normalize_urn(urn: str) -> str:
    """Drop the `pulumi:pulumi:Stack$` type prefix that Pulumi's mock monitor adds to top-level URNs."""
    if STACK_SEPARATOR not in urn:  # nearly every URN: returned without splitting it (issue 13)
        return urn
    head, _, rest = urn.partition(STACK_SEPARATOR)
    return f"{head}::{rest}"


def urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def convert_value(value: Any) -> Any:
    """Pulumi wire JSON -> props: the unknown sentinel becomes UNKNOWN, secrets become Secret/UNKNOWN.

    Numbers that are whole floats (the Python SDK sends 20.0) become ints.
    """
    kind = type(value)  # the types a JSON parser makes first, without isinstance
    if kind is str:
        return UNKNOWN if value == UNKNOWN_SENTINEL else value
    if kind is int or kind is bool or value is None:
        return value
    if kind is list:
        return [convert_value(v) for v in value]
    if kind is dict and SIG_KEY not in value:
        return {k: convert_value(v) for k, v in value.items() if k != "__defaults"}
    if isinstance(value, str):
        return UNKNOWN if value == UNKNOWN_SENTINEL else value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, list):
        return [convert_value(v) for v in value]
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            if "value" in value:
                inner = convert_value(value["value"])
                return inner if inner is UNKNOWN else Secret(inner)
            if "plaintext" in value:
                return _plaintext(value["plaintext"])
            return UNKNOWN  # only ciphertext: the value cannot be read here
        if sig is not None:
            return UNKNOWN  # assets and archives: content is not inspected
        return {k: convert_value(v) for k, v in value.items() if k != "__defaults"}
    return value


def _plaintext(text: Any) -> Any:
    """A secret's `plaintext`: JSON text of its value. Text that is not JSON is the value itself; a plaintext that
    is not text, or JSON nested too deeply to convert, cannot be read: UNKNOWN (never a value that was not read)."""
    import json

    if not isinstance(text, str):
        return UNKNOWN
    try:
        decoded = json.loads(text)
    except RecursionError:
        return UNKNOWN
    except ValueError:  # not JSON, or a number of more digits than int() converts
        return Secret(text)
    if json_depth(decoded) > MAX_PLAINTEXT_DEPTH:
        return UNKNOWN
    return Secret(convert_value(decoded))


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a decoded JSON value, counted without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            pending.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest
