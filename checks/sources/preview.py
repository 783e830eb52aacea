"""The planned source from a file: `pulumi preview --json` output (a PreviewDigest).

One raw resource per resource that will exist after the update, with its planned inputs as props.
The preview writes every secret as the string `[secret]`: those values are UNKNOWN here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from checks import collector_paused
from checks.errors import InputError
from checks.model import UNKNOWN, Secret, SourceKind
from checks.raw import SIG_KEY, UNKNOWN_SENTINEL, RawResource, convert_value, normalize_urn
from checks.sources.jsonfile import FileKind, FileSource, JsonFile, load_json_file
from checks.sources.positions import Places, program_of
from checks.sources.resource_v3 import (
    PROVIDER_PREFIX,
    STACK_TYPE,
    Urn,
    build_raw,
    convert_props,
    known_id,
    parse_urn,
    provider_urn,
    stack_identity,
    with_region,
)

KEPT_OPS = frozenset({"create", "update", "same", "replace", "create-replacement", "import", "import-replacement",
                      "refresh"})
DROPPED_OPS = frozenset({"delete", "delete-replaced", "discard-replaced", "read", "read-replacement", "read-discard",
                         "remove-pending-replace"})
OLD_ID_OPS = frozenset({"update", "same", "refresh"})  # the resource keeps its id
BLINDED_SECRET = "[secret]"
_new_step = tuple.__new__  # a _Step from its values, without the named tuple's constructor (issue 13)


class _Step(NamedTuple):
    at: str
    op: str
    urn: Urn
    urn_text: str
    type_: str
    new: Mapping[str, Any]
    old: Mapping[str, Any] | None


def load_preview(path: Path, *, cwd: Path | None = None, program_dir: Path | None = None) -> FileSource:
    """Read a `pulumi preview --json` file into raw resources of the planned view. `program_dir` is the Pulumi
    program the file belongs to (--program-dir); without it the program is looked for (`positions.find_program`)."""
    with collector_paused():
        return _load_preview(path, cwd=cwd, program_dir=program_dir)


def _load_preview(path: Path, *, cwd: Path | None, program_dir: Path | None) -> FileSource:
    file = load_json_file(path, FileKind.PREVIEW)
    steps_value = file.data.get("steps", [])  # `pulumi preview --json` leaves out an empty list
    if not isinstance(steps_value, list):
        raise file.error(f"'steps' is {'null' if steps_value is None else 'not a list'}")
    warnings = _digest_warnings(file, steps_value or [])
    all_urns: list[Urn] = []
    steps: list[_Step] = []
    for i, value in enumerate(steps_value or []):
        op, urn, step = _read_step(value, file, i)
        all_urns.append(urn)
        if step is not None:
            steps.append(step)
        elif op not in DROPPED_OPS and op not in KEPT_OPS:
            warnings.append(f"steps[{i}] has an unknown op '{op}': {value['urn']} skipped")
    regions = _provider_regions(steps, file)
    folder = program_of(all_urns[0].project if all_urns else None, given=program_dir, near=path, cwd=cwd,
                        warnings=warnings)
    places = Places.of(folder, cwd)
    blinded = 0
    resources: dict[str, RawResource] = {}
    ops: dict[str, str] = {}
    for step in steps:
        type_ = step.type_
        if type_ == STACK_TYPE or type_.startswith(PROVIDER_PREFIX):  # is_skipped_type
            continue
        new = step.new
        props, count = _planned_props(new.get("inputs"), file, step.at)
        blinded += count
        provider = provider_urn(new.get("provider"))
        if provider not in regions:  # a default provider not listed as a step: worked out once
            regions[provider] = _default_region(provider, file)
        props = with_region(props, regions[provider])
        id_ = known_id(new.get("id"))
        if id_ is None and step.op in OLD_ID_OPS and step.old is not None:
            id_ = known_id(step.old.get("id"))
        urn_text = step.urn_text
        resources[urn_text] = build_raw(
            new, file, f"{step.at}.newState", urn=step.urn, urn_text=urn_text, type_=type_, props=props,
            source=SourceKind.PLANNED, id_=id_, places=places, provider=provider)
        previous = ops.get(urn_text)
        ops[urn_text] = "replace" if previous == "replace" or step.op == "replace" else step.op
    if blinded:
        warnings.append(f"the preview hides {blinded} secret value(s) as '[secret]': checks that read them "
                        f"are unknown")
    project, stack = stack_identity(all_urns, warnings)
    return FileSource(path=path, source=SourceKind.PLANNED, resources=list(resources.values()), project=project,
                      stack=stack, warnings=warnings, ops=ops, program_dir=folder)


def _read_step(value: Any, file: JsonFile, i: int) -> tuple[str, Urn, _Step | None]:
    """(`_step_head`, then `_step`) of `steps[i]`: the usual step (an object with an op kept, a URN, a `newState`
    object with a type and the same URN or none, no `oldState` or an object) is read directly; any other goes the
    reference way, which reads it or raises the error that names what is wrong (issue 13)."""
    if type(value) is dict:
        op = value.get("op")
        urn_text = value.get("urn")
        new = value.get("newState")
        if type(op) is str and op in KEPT_OPS and type(urn_text) is str and type(new) is dict:
            urn = parse_urn(urn_text)
            type_ = new.get("type")
            old = value.get("oldState")
            new_urn = new.get("urn")
            if (urn is not None and type(type_) is str and type_ and (old is None or type(old) is dict)
                    and (new_urn is None or new_urn == urn_text)):
                return op, urn, _new_step(_Step, (f"steps[{i}]", op, urn, normalize_urn(urn_text), type_, new, old))
    op, urn = _step_head(value, file, i)
    return op, urn, _step(value, file, i, op, urn)


def _step_head(value: Any, file: JsonFile, i: int) -> tuple[str, Urn]:
    at = f"steps[{i}]"
    if not isinstance(value, dict):
        raise file.error(f"{at} is not an object")
    op, urn_text = value.get("op"), value.get("urn")
    if not isinstance(op, str) or not op:
        raise file.error(f"{at} has no 'op'")
    if not isinstance(urn_text, str) or not urn_text:
        raise file.error(f"{at} has no 'urn'")
    urn = parse_urn(urn_text)
    if urn is None:
        raise file.error(f"{at}.urn is not a Pulumi URN")
    return op, urn


def _step(value: dict[str, Any], file: JsonFile, i: int, op: str, urn: Urn) -> _Step | None:
    """The step of a resource that will exist after the update, else None."""
    if op not in KEPT_OPS:
        return None
    new = value.get("newState")
    at = f"steps[{i}]"
    if new is None:  # the resource would vanish from the check: never skip it
        raise file.error(f"{at} ({value['urn']}) is a '{op}' step without 'newState'")
    if not isinstance(new, dict):
        raise file.error(f"{at}.newState is not an object")
    type_ = new.get("type")
    if not isinstance(type_, str) or not type_:
        raise file.error(f"{at}.newState ({value['urn']}) has no 'type'")
    old = value.get("oldState")
    if old is not None and not isinstance(old, dict):
        raise file.error(f"{at}.oldState is not an object")
    urn_text = new.get("urn") or value["urn"]
    parsed = urn if urn_text == value["urn"] else parse_urn(urn_text)
    if parsed is None:
        raise file.error(f"{at}.newState.urn is not a Pulumi URN")
    return _Step(at, op, parsed, normalize_urn(urn_text), type_, new, old)


def _digest_warnings(file: JsonFile, steps: list[Any]) -> list[str]:
    warnings: list[str] = []
    if file.data.get("maybeCorrupt") is True:
        warnings.append("the preview is marked 'maybeCorrupt' (a resource operation failed part-way): "
                        "the planned resources may be incomplete")
    diagnostics = file.data.get("diagnostics")
    errors = sum(1 for d in diagnostics if isinstance(d, dict) and d.get("severity") == "error") \
        if isinstance(diagnostics, list) else 0
    if errors and not steps:
        raise InputError(f"the preview failed ({errors} error diagnostic(s)) and lists no resources: fix the "
                         f"program, then regenerate it with '{FileKind.PREVIEW.regenerate(file.path)}'",
                         where=str(file.path))
    if errors:
        warnings.append(f"the preview reported {errors} error(s): the planned resources may be incomplete")
    summary = file.data.get("changeSummary")
    same = summary.get("same") if isinstance(summary, dict) else None
    if not isinstance(same, int):  # the steps are counted only when the summary says how many there are
        return warnings
    listed = sum(1 for s in steps if isinstance(s, dict) and s.get("op") == "same")
    if listed < same:
        warnings.append(f"the preview lists {listed} of its {same} unchanged resources: the others are not "
                        f"checked; regenerate it with 'pulumi preview --json --show-sames > {file.path}'")
    return warnings


def _provider_regions(steps: list[_Step], file: JsonFile) -> dict[str | None, Any]:
    """The `region` input of every provider the preview creates or keeps, by provider URN."""
    regions: dict[str | None, Any] = {}
    for step in steps:
        if step.type_.startswith(PROVIDER_PREFIX):
            inputs = convert_props(step.new.get("inputs"), file, f"{step.at}.newState.inputs")
            regions[step.urn_text] = _blind(inputs).get("region")
    return regions


def _default_region(provider: str | None, file: JsonFile) -> Any:
    """A default provider (`default_6_63_0`) not listed as a step is configured by `<package>:region`."""
    urn = parse_urn(provider)
    if urn is None or not urn.type.startswith(PROVIDER_PREFIX) or not urn.name.startswith("default"):
        return None
    config = file.data.get("config")
    value = config.get(f"{urn.type.removeprefix(PROVIDER_PREFIX)}:region") if isinstance(config, dict) else None
    return value if isinstance(value, str) and value != BLINDED_SECRET else None


def _blind(value: Any) -> Any:
    """`[secret]` strings become UNKNOWN: the preview never shows a secret's value."""
    kind = type(value)
    if kind is str:
        return UNKNOWN if value == BLINDED_SECRET else value
    if kind is dict:
        return {k: _blind(v) for k, v in value.items()}
    if kind is int or kind is bool or kind is float or value is None or value is UNKNOWN:
        return value
    if isinstance(value, str) and value == BLINDED_SECRET:
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _blind(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blind(v) for v in value]
    if isinstance(value, Secret):
        inner = _blind(value.value)
        return inner if inner is UNKNOWN else Secret(inner)
    return value


def _count_blinded(value: Any) -> int:
    if isinstance(value, str):
        return int(value == BLINDED_SECRET)
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, list):
        items = value
    else:
        return 0
    count = 0
    for item in items:
        if isinstance(item, str):
            count += item == BLINDED_SECRET
        elif isinstance(item, dict | list):
            count += _count_blinded(item)
    return count


def _planned_props(inputs: Any, file: JsonFile, at: str) -> tuple[dict[str, Any], int]:
    """(`_blind(convert_props(inputs))`, `_count_blinded(inputs)`) in one walk that converts the parsed `inputs` in
    place: the parsed file is read once and never again, so its objects become the props."""
    if inputs is None:
        return {}, 0
    if type(inputs) is not dict:
        raise file.error(f"{at}.newState.inputs is not an object")
    blinded = 0
    if "__" in "".join(inputs):  # a key may start with "__" (and nearly never does: keys joined, looked at once)
        for key in [k for k in inputs if k.startswith("__")]:  # `__defaults`, `__meta`: dropped, as convert_props
            blinded += _count_blinded(inputs.pop(key))
    return inputs, blinded + _convert_in_place(inputs)


def _convert_in_place(node: dict[str, Any] | list[Any]) -> int:
    """`_blind(convert_value(v))` written over every value of a parsed (orjson/json) object or array (of a plain
    object, without its `__defaults`: taken out by the caller, as `convert_value` leaves it out); returns
    `_count_blinded(node)` as it was."""
    blinded = 0
    items = node.items() if type(node) is dict else enumerate(node)
    for key, value in items:
        kind = type(value)
        if kind is str:
            if value == BLINDED_SECRET:
                node[key] = UNKNOWN  # type: ignore[index]
                blinded += 1
            elif value == UNKNOWN_SENTINEL:
                node[key] = UNKNOWN  # type: ignore[index]
        elif kind is dict:
            if SIG_KEY in value:  # a secret, asset or archive: converted as before (rare)
                blinded += _count_blinded(value)
                node[key] = _blind(convert_value(value))  # type: ignore[index]
            else:
                if "__defaults" in value:
                    blinded += _count_blinded(value.pop("__defaults"))
                blinded += _convert_in_place(value)
        elif kind is list:
            blinded += _convert_in_place(value)
        elif kind is float and value.is_integer():
            node[key] = int(value)  # type: ignore[index]
    return blinded
