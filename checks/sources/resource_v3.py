"""The ResourceV3 shape stack exports and previews share: URNs, providers, props, and one RawResource per resource.

Split from `state.py` (issue 13), which reads stack exports with it, as `preview.py` reads previews.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from checks.errors import InputError
from checks.model import UNKNOWN, SourceKind
from checks.raw import STACK_SEPARATOR, UNKNOWN_SENTINEL, RawResource, convert_value, file_resource, normalize_urn
from checks.sources.positions import Places, source_location

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
_new_urn = tuple.__new__  # Urn from the four parts `split` gives, without the keyword-checking constructor


class ErrorSource(Protocol):
    """What names a deployment in errors: a stack export file (JsonFile) or a checkpoint (NamedDeployment)."""

    def error(self, problem: str) -> InputError: ...


class Urn(NamedTuple):
    """`urn:pulumi:<stack>::<project>::<qualified type>::<name>`; the name may itself contain `::`. A named tuple:
    one is made per resource read (issue 13: a frozen dataclass cost three times as much to build)."""

    stack: str
    project: str
    qualified_type: str
    name: str

    @property
    def type(self) -> str:
        return self.qualified_type.rsplit("$", 1)[-1]


def parse_urn(value: Any) -> Urn | None:
    if not isinstance(value, str) or not value.startswith("urn:pulumi:"):
        return None
    parts = value[11:].split("::", 3)  # after "urn:pulumi:"
    if len(parts) != 4 or not (parts[0] and parts[1] and parts[2]):
        return None
    return _new_urn(Urn, parts)


def is_skipped_type(type_: str) -> bool:
    """The stack itself and provider resources are not cloud resources."""
    return type_ == STACK_TYPE or type_.startswith(PROVIDER_PREFIX)


def provider_urn(reference: Any) -> str | None:
    """A provider reference is `<provider URN>::<provider id>`: keep the URN."""
    if not isinstance(reference, str) or not reference:
        return None
    return _provider_urn(reference)


@lru_cache(maxsize=1024)
def _provider_urn(reference: str) -> str:
    """`provider_urn` of a reference (the resources of a stack share a few providers)."""
    urn = reference.rsplit("::", 1)[0] if reference.count("::") > 3 else reference
    return normalize_urn(urn)


def convert_props(value: Any, file: ErrorSource, at: str) -> dict[str, Any]:
    """Convert an `inputs`/`outputs` object; engine-internal top-level keys (`__defaults`, `__meta`) are dropped."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise file.error(f"{at} is not an object")
    return {k: convert_value(v) for k, v in value.items() if not k.startswith("__")}


def known_id(value: Any) -> str | None:
    return value if isinstance(value, str) and value and value != UNKNOWN_SENTINEL else None


def with_region(props: dict[str, Any], region: Any) -> dict[str, Any]:
    """The provider's region, for resources that carry none of their own."""
    if "region" not in props and (isinstance(region, str) or region is UNKNOWN):
        props["region"] = region
    return props


def build_raw(res: Mapping[str, Any], file: ErrorSource, at: str, *, urn: Urn, urn_text: str, type_: str,
              props: Mapping[str, Any], source: SourceKind, id_: str | None, places: Places,
              provider: str | None) -> RawResource:
    """A RawResource from a ResourceV3 object (`res`), with props, id and provider (`provider_urn` of its
    `provider`) already worked out."""
    custom = res.get("custom")
    parent = res.get("parent")
    dependencies = res.get("dependencies")
    property_dependencies = res.get("propertyDependencies")
    position = res.get("sourcePosition")
    return file_resource(
        type_, normalize_urn(urn_text), urn.name, props, source, id_,
        custom if isinstance(custom, bool) else id_ is not None,
        None if parent is None or parent == "" else _parent(parent, file, at),
        _urns(dependencies, file, at, ".dependencies"),
        {} if not property_dependencies and type(property_dependencies) is dict
        else _property_dependencies(property_dependencies, file, at),
        None if position is None else source_location(position, places),
        provider,
        _input_keys(res) if source is SourceKind.STATE else None,
    )


def _input_keys(res: Mapping[str, Any]) -> frozenset[str]:
    """The properties the program set (state props also hold outputs the provider or AWS filled in). Inputs the
    provider defaulted (an auto-generated `name`) are listed in `inputs.__defaults`: the program did not set them."""
    inputs = res.get("inputs")
    if not isinstance(inputs, dict):
        return frozenset()
    defaults = inputs.get("__defaults")
    defaulted = {d for d in defaults if isinstance(d, str)} if isinstance(defaults, list) else set()
    return frozenset(k for k in inputs if not k.startswith("__") and k not in defaulted)


def _parent(value: Any, file: ErrorSource, at: str) -> str | None:
    if value is None or value == "":
        return None
    parsed = parse_urn(value)
    if parsed is None:
        raise file.error(f"{at}.parent is not a Pulumi URN")
    return None if parsed.type == STACK_TYPE else normalize_urn(value)


def _urns(value: Any, file: ErrorSource, at: str, field: str) -> tuple[str, ...]:
    """The URNs of `{at}{field}` (a list of URN strings, or null)."""
    urns = _plain_urns(value)
    return _urns_checked(value, file, at, field) if urns is None else urns


def _plain_urns(value: Any) -> tuple[str, ...] | None:
    """`_urns` of the list a parser makes, when its URNs are strings that need no normalizing (nearly always);
    else None."""
    if type(value) is not list:
        return None
    urns = tuple(value)
    for v in urns:
        if type(v) is not str or STACK_SEPARATOR in v:
            return None
    return urns


def _urns_checked(value: Any, file: ErrorSource, at: str, field: str) -> tuple[str, ...]:
    """`_urns` of any value: the error, or each URN normalized."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise file.error(f"{at}{field} is not a list of URNs")
    urns: list[str] = []
    for v in value:
        if not isinstance(v, str):
            raise file.error(f"{at}{field} is not a list of URNs")
        urns.append(normalize_urn(v))
    return tuple(urns)


def _property_dependencies(value: Any, file: ErrorSource, at: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise file.error(f"{at}.propertyDependencies is not an object")
    found: dict[str, tuple[str, ...]] = {}
    for k, v in value.items():
        urns = _plain_urns(v)
        found[k] = _urns_checked(v, file, at, f".propertyDependencies.{k}") if urns is None else urns
    return found


def stack_identity(urns: Iterable[Urn], warnings: list[str]) -> tuple[str | None, str | None]:
    """(project, stack) from the URNs; a file that mixes stacks gets a warning and keeps the first."""
    seen = list(dict.fromkeys((u.project, u.stack) for u in urns))
    if not seen:
        return None, None
    if len(seen) > 1:
        warnings.append(f"the file mixes resources of {len(seen)} stacks: reporting {seen[0][0]}/{seen[0][1]}")
    return seen[0]
