"""The state source: a `pulumi stack export` file (version 3), read with the ResourceV3 shape it shares with previews
(`resource_v3.py`).

Props are the resource's outputs merged over its inputs (outputs win). Secrets exported with
`--show-secrets` become `Secret`; ciphertext-only secrets become UNKNOWN (they cannot be read here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from checks import collector_paused
from checks.errors import InputError
from checks.model import SourceKind
from checks.raw import RawResource, normalize_urn
from checks.sources.jsonfile import FileKind, FileSource, JsonFile, load_json_file
from checks.sources.positions import Places, program_of
from checks.sources.resource_v3 import (  # provider_urn and convert_props are also imported from here by others
    PROVIDER_PREFIX,
    ErrorSource,
    Urn,
    build_raw,
    convert_props,
    is_skipped_type,
    known_id,
    parse_urn,
    provider_urn,
    stack_identity,
    with_region,
)

SUPPORTED_VERSION = 3


@dataclass(frozen=True, slots=True)
class NamedDeployment:
    """A deployment read from elsewhere than a stack export file (a backend's checkpoint, a Pulumi Cloud export)."""

    name: str  # the file or URL, without credentials
    fix: str = "export the stack with 'pulumi stack export --file FILE' and give the file with --state"

    def error(self, problem: str) -> InputError:
        return InputError(f"{problem}: the deployment is not complete; {self.fix}", where=self.name)



class _Entry(NamedTuple):  # one per resource: a named tuple is made in a third of a frozen dataclass's time
    at: str
    res: Mapping[str, Any]
    urn_text: str
    urn: Urn
    type_: str


def load_state(path: Path, *, cwd: Path | None = None, program_dir: Path | None = None,
               candidates: Sequence[Path] = ()) -> FileSource:
    """Read a `pulumi stack export` file into raw resources of the state view. `program_dir` is the Pulumi program
    the file belongs to (--program-dir); without it the program is looked for (`positions.find_program`)."""
    with collector_paused():
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
    with collector_paused():
        return _read_deployment(deployment, name, errors=errors, path=path, cwd=cwd, program_dir=program_dir,
                                near=near, candidates=candidates)


def _read_deployment(deployment: Any, name: str, *, errors: ErrorSource | None, path: Path | None,
                     cwd: Path | None, program_dir: Path | None, near: Path | None,
                     candidates: Sequence[Path]) -> FileSource:
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
        provider = provider_urn(e.res.get("provider"))
        props = with_region(_props(e, file), regions.get(provider or ""))
        resources[e.urn_text] = build_raw(e.res, file, e.at, urn=e.urn, urn_text=e.urn_text, type_=e.type_,
                                          props=props, source=SourceKind.STATE, id_=known_id(e.res.get("id")),
                                          places=places, provider=provider)
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
