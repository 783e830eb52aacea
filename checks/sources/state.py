"""The state source: a `pulumi stack export` file (version 3), and the ResourceV3 shape it shares with previews.

Props are the resource's outputs merged over its inputs (outputs win). Secrets exported with
`--show-secrets` become `Secret`; ciphertext-only secrets become UNKNOWN (they cannot be read here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from checks.errors import InputError
from checks.model import UNKNOWN, SourceKind
from checks.raw import UNKNOWN_SENTINEL, RawResource, convert_value, normalize_urn
from checks.sources.jsonfile import FileKind, FileSource, JsonFile, load_json_file
from checks.sources.positions import Places, program_of, source_location

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
SUPPORTED_VERSION = 3


class ErrorSource(Protocol):
    """What names a deployment in errors: a stack export file (JsonFile) or a checkpoint (NamedDeployment)."""

    def error(self, problem: str) -> InputError: ...


@dataclass(frozen=True, slots=True)
class NamedDeployment:
    """A deployment read from elsewhere than a stack export file (a backend's checkpoint, a Pulumi Cloud export)."""

    name: str  # the file or URL, without credentials
    fix: str = "export the stack with 'pulumi stack export --file FILE' and give the file with --state"

    def error(self, problem: str) -> InputError:
        return InputError(f"{problem}: the deployment is not complete; {self.fix}", where=self.name)


@dataclass(frozen=True, slots=True)
class Urn:
    """`urn:pulumi:<stack>::<project>::<qualified type>::<name>`; the name may itself contain `::`."""

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
    return Urn(*parts)


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
              props: Mapping[str, Any], source: SourceKind, id_: str | None, places: Places) -> RawResource:
    """A RawResource from a ResourceV3 object (`res`), with props and id already worked out."""
    custom = res.get("custom")
    parent = res.get("parent")
    dependencies = res.get("dependencies")
    property_dependencies = res.get("propertyDependencies")
    position = res.get("sourcePosition")
    return RawResource(
        type=type_, urn=normalize_urn(urn_text), name=urn.name, props=props, source=source, id=id_,
        custom=custom if isinstance(custom, bool) else id_ is not None,
        parent=None if parent is None or parent == "" else _parent(parent, file, at),
        dependencies=() if type(dependencies) is list and not dependencies
        else _urns(dependencies, file, at, ".dependencies"),
        property_dependencies={} if not property_dependencies and type(property_dependencies) is dict
        else _property_dependencies(property_dependencies, file, at),
        location=None if position is None else source_location(position, places),
        provider=provider_urn(res.get("provider")),
        input_keys=_input_keys(res) if source is SourceKind.STATE else None,
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
    return {k: _urns(v, file, at, f".propertyDependencies.{k}") for k, v in value.items()}


def stack_identity(urns: Iterable[Urn], warnings: list[str]) -> tuple[str | None, str | None]:
    """(project, stack) from the URNs; a file that mixes stacks gets a warning and keeps the first."""
    seen = list(dict.fromkeys((u.project, u.stack) for u in urns))
    if not seen:
        return None, None
    if len(seen) > 1:
        warnings.append(f"the file mixes resources of {len(seen)} stacks: reporting {seen[0][0]}/{seen[0][1]}")
    return seen[0]


# ---------------------------------------------------------------- the state file


@dataclass(frozen=True, slots=True)
class _Entry:
    at: str
    res: Mapping[str, Any]
    urn_text: str
    urn: Urn
    type_: str


def load_state(path: Path, *, cwd: Path | None = None, program_dir: Path | None = None,
               candidates: Sequence[Path] = ()) -> FileSource:
    """Read a `pulumi stack export` file into raw resources of the state view. `program_dir` is the Pulumi program
    the file belongs to (--program-dir); without it the program is looked for (`positions.find_program`)."""
    file = load_json_file(path, FileKind.STATE)
    _check_version(file)
    return read_deployment(file.data["deployment"], str(path), errors=file, path=path, cwd=cwd,
                           program_dir=program_dir, near=path, candidates=candidates)


def read_deployment(deployment: Any, name: str, *, errors: ErrorSource | None = None, path: Path | None = None,
                    cwd: Path | None = None, program_dir: Path | None = None, near: Path | None = None,
                    candidates: Sequence[Path] = ()) -> FileSource:
    """An already-loaded deployment (the `deployment` of a stack export, the `latest` of a backend's checkpoint) into
    raw resources of the state view. `name` (a file or URL) is what errors name; `path` defaults to it. `program_dir`
    is the program folder `project:///` source positions are relative to; when None, the program is looked for in
    `candidates`, beside the file `near` and its parents, and in the working folder (`positions.program_of`)."""
    file = errors or NamedDeployment(name)
    if not isinstance(deployment, dict):
        raise file.error("'deployment' is not an object")
    warnings: list[str] = []
    listed = deployment.get("resources")
    if listed is None:
        if "manifest" not in deployment:
            raise file.error("deployment.resources is missing")
        listed = []  # Pulumi omits the list when the stack has no resources
        warnings.append("the stack export lists no resources: the stack is empty")
    if not isinstance(listed, list):
        raise file.error("deployment.resources is not a list")
    entries = [_entry(res, file, i) for i, res in enumerate(listed)]
    regions = {e.urn_text: _props(e, file).get("region") for e in entries
               if e.type_.startswith(PROVIDER_PREFIX) and e.res.get("delete") is not True}
    resources: dict[str, RawResource] = {}
    pending: set[str] = set()
    folder = program_of(next((e.urn.project for e in entries), None), given=program_dir, near=near, cwd=cwd,
                        warnings=warnings, candidates=candidates)
    places = Places.of(folder, cwd)
    for e in entries:
        if is_skipped_type(e.type_):
            continue
        if e.res.get("delete") is True:
            warnings.append(f"{e.urn_text} is marked for deletion (a replaced or failed delete): skipped")
            continue
        if e.res.get("external") is True:
            continue  # read with `.get()`: not managed by this stack
        if e.urn_text in resources:
            warnings.append(f"{e.urn_text} is listed twice: kept the first")
            continue
        props = with_region(_props(e, file), regions.get(provider_urn(e.res.get("provider")) or ""))
        resources[e.urn_text] = build_raw(e.res, file, e.at, urn=e.urn, urn_text=e.urn_text, type_=e.type_,
                                          props=props, source=SourceKind.STATE, id_=known_id(e.res.get("id")),
                                          places=places)
        if e.res.get("pendingReplacement") is True:
            pending.add(e.urn_text)
            warnings.append(f"{e.urn_text} is pending replacement: it was deleted before its replacement was created")
    warnings.extend(_pending_operations(deployment.get("pending_operations"), file))
    project, stack = stack_identity((e.urn for e in entries), warnings)
    return FileSource(path=path or Path(name), source=SourceKind.STATE, resources=list(resources.values()),
                      project=project, stack=stack, warnings=warnings, pending_replacement=frozenset(pending),
                      program_dir=folder)


def _check_version(file: JsonFile) -> None:
    version = file.data.get("version")
    where, command = str(file.path), f"'{FileKind.STATE.regenerate(file.path)}'"
    if version is None:
        raise InputError("the stack export has no 'version': export it again with Pulumi CLI 3.x", where=where,
                         hint=command)
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputError("the stack export 'version' is not a number: export it again with Pulumi CLI 3.x",
                         where=where, hint=command)
    if version < SUPPORTED_VERSION:
        raise InputError(f"stack export version {version} is not supported: export it with Pulumi CLI 3.x",
                         where=where, hint=command)
    if version > SUPPORTED_VERSION:
        raise InputError(f"stack export version {version} is not supported: clearance reads version 3", where=where)


def _entry(res: Any, file: ErrorSource, index: int) -> _Entry:
    at = f"deployment.resources[{index}]"
    if not isinstance(res, dict):
        raise file.error(f"{at} is not an object")
    urn_text = res.get("urn")
    if not isinstance(urn_text, str) or not urn_text:
        raise file.error(f"{at} has no 'urn'")
    type_ = res.get("type")
    if not isinstance(type_, str) or not type_:
        raise file.error(f"{at} ({urn_text}) has no 'type'")
    urn = parse_urn(urn_text)
    if urn is None:
        raise file.error(f"{at}.urn is not a Pulumi URN")
    return _Entry(at, res, normalize_urn(urn_text), urn, type_)


def _props(e: _Entry, file: ErrorSource) -> dict[str, Any]:
    props = convert_props(e.res.get("inputs"), file, f"{e.at}.inputs")
    props.update(convert_props(e.res.get("outputs"), file, f"{e.at}.outputs"))
    return props


def _pending_operations(value: Any, file: ErrorSource) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise file.error("deployment.pending_operations is not a list")
    warnings = []
    for i, op in enumerate(value):
        res = op.get("resource") if isinstance(op, dict) else None
        urn = res.get("urn") if isinstance(res, dict) else None
        kind = op.get("type") if isinstance(op, dict) else None
        if not isinstance(urn, str) or not isinstance(kind, str):
            raise file.error(f"deployment.pending_operations[{i}] has no resource 'urn' or 'type'")
        warnings.append(f"pending operation '{kind}' on {urn}: an update was interrupted, so the state may not "
                        f"match the cloud; run 'pulumi refresh', then export again")
    return warnings
