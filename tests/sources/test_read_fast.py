"""The fast ways preview and state files are read (issue 13) give what the reference ways give: the same raw
resources, warnings and ops, and the same one-line errors in the same order, on every fixture and on fixtures
damaged step by step."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import fields
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import checks.sources.preview as preview
import checks.sources.resource_v3 as resource_v3
import checks.sources.state as state
from checks.errors import InputError
from checks.model import Location, SourceKind
from checks.raw import STACK_SEPARATOR, RawResource, file_resource, normalize_urn
from checks.sources.jsonfile import (
    _NOT_STRUCTURE,
    _PARENS,
    _QUOTED,
    MAX_DEPTH,
    FileKind,
    JsonFile,
    _depth,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
PREVIEWS = sorted((FIXTURES / "preview").glob("*.json"))
STATES = sorted((FIXTURES / "state").glob("*.json"))
FILE = JsonFile(Path("preview.json"), FileKind.PREVIEW, {})
URN = "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::docs"
STACK_URN = "urn:pulumi:dev::shop::pulumi:pulumi:Stack$aws:s3/bucket:Bucket::docs"


def _reference_step(value: Any, file: JsonFile, i: int) -> tuple[str, resource_v3.Urn, Any]:
    op, urn = preview._step_head(value, file, i)
    return op, urn, preview._step(value, file, i, op, urn)


def _reference_resource(type_: str, urn: str, name: str, props: Any, source: SourceKind, id_: str | None,
                        custom: bool, parent: str | None, dependencies: tuple[str, ...], property_dependencies: Any,
                        location: Location | None, provider: str | None, input_keys: frozenset[str] | None
                        ) -> RawResource:
    return RawResource(type=type_, urn=urn, name=name, props=props, source=source, id=id_, custom=custom,
                       parent=parent, dependencies=dependencies, property_dependencies=property_dependencies,
                       location=location, provider=provider, input_keys=input_keys)


@contextlib.contextmanager
def _reference_ways(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every fast path replaced by the reference it stands for."""
    with monkeypatch.context() as patch:
        patch.setattr(preview, "_read_step", _reference_step)
        patch.setattr(resource_v3, "file_resource", _reference_resource)
        patch.setattr(resource_v3, "_plain_urns", lambda value: None)
        patch.setattr(preview, "collector_paused", contextlib.nullcontext)
        patch.setattr(state, "collector_paused", contextlib.nullcontext)
        yield


def _outcome(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except InputError as err:
        return ("error", str(err))


def _steps(path: Path) -> tuple[Any, list[Any]]:
    """The parsed fixture and its steps (none when it is not valid JSON, or has no list of steps)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None, []
    steps = data.get("steps") if isinstance(data, dict) else None
    return data, steps if isinstance(steps, list) else []


def _both(monkeypatch: pytest.MonkeyPatch, read: Callable[[], Any]) -> tuple[Any, Any]:
    fast = _outcome(read)
    with _reference_ways(monkeypatch):
        reference = _outcome(read)
    return fast, reference


@pytest.mark.parametrize("path", PREVIEWS, ids=lambda p: p.name)
def test_every_preview_fixture_reads_as_the_reference_reads_it(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    fast, reference = _both(monkeypatch, lambda: preview.load_preview(path, cwd=path.parent))
    assert fast == reference


@pytest.mark.parametrize("path", STATES, ids=lambda p: p.name)
def test_every_state_fixture_reads_as_the_reference_reads_it(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    fast, reference = _both(monkeypatch, lambda: state.load_state(path, cwd=path.parent))
    assert fast == reference


DAMAGES: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("no op", lambda s: s.pop("op", None)),
    ("empty op", lambda s: s.update(op="")),
    ("op a number", lambda s: s.update(op=5)),
    ("op a list", lambda s: s.update(op=["create"])),
    ("unknown op", lambda s: s.update(op="teleport")),
    ("dropped op", lambda s: s.update(op="delete")),
    ("no urn", lambda s: s.pop("urn", None)),
    ("urn not a URN", lambda s: s.update(urn="arn:aws:s3:::docs")),
    ("urn a list", lambda s: s.update(urn=[URN])),
    ("no newState", lambda s: s.pop("newState", None)),
    ("newState a list", lambda s: s.update(newState=[])),
    ("no type", lambda s: s.get("newState", {}).pop("type", None)),
    ("empty type", lambda s: s.get("newState", {}).update(type="")),
    ("oldState a string", lambda s: s.update(oldState="x")),
    ("oldState with an id", lambda s: s.update(oldState={"id": "bucket-1"}, op="update")),
    ("newState urn another URN", lambda s: s.get("newState", {}).update(urn=URN + "-2")),
    ("newState urn empty", lambda s: s.get("newState", {}).update(urn="")),
    ("newState urn not a URN", lambda s: s.get("newState", {}).update(urn="docs")),
    ("newState urn with the stack type", lambda s: s.get("newState", {}).update(urn=STACK_URN)),
    ("dependencies with the stack type", lambda s: s.get("newState", {}).update(dependencies=[URN, STACK_URN])),
    ("dependencies not a list", lambda s: s.get("newState", {}).update(dependencies={"a": URN})),
    ("dependencies with a number", lambda s: s.get("newState", {}).update(dependencies=[URN, 3])),
    ("dependencies null", lambda s: s.get("newState", {}).update(dependencies=None)),
    ("property dependency with the stack type",
     lambda s: s.get("newState", {}).update(propertyDependencies={"a": [STACK_URN], "b": []})),
    ("property dependency a string", lambda s: s.get("newState", {}).update(propertyDependencies={"a": URN})),
    ("property dependencies a list", lambda s: s.get("newState", {}).update(propertyDependencies=[URN])),
    ("parent not a URN", lambda s: s.get("newState", {}).update(parent="docs")),
    ("inputs a list", lambda s: s.get("newState", {}).update(inputs=["x"])),
    ("inputs with engine keys", lambda s: s.get("newState", {}).update(inputs={"__meta": "[secret]", "a_": 1,
                                                                               "_b": "[secret]"})),
    ("provider a number", lambda s: s.get("newState", {}).update(provider=7)),
    ("default provider not listed",
     lambda s: s.get("newState", {}).update(provider="urn:pulumi:dev::shop::pulumi:providers:aws::default::id")),
    ("step a list", lambda s: s.clear()),
]


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d[0])
@pytest.mark.parametrize("path", PREVIEWS, ids=lambda p: p.name)
def test_damaged_previews_read_or_fail_as_the_reference_does(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                              path: Path,
                                                              damage: tuple[str, Callable[[dict[str, Any]], Any]]
                                                              ) -> None:
    data, steps = _steps(path)
    if not steps:
        pytest.skip("no steps to damage")
    for index in sorted({0, len(steps) // 2, len(steps) - 1}):  # the first error in step order wins, either way
        damaged = copy.deepcopy(data)
        step = damaged["steps"][index]
        damage[1](step)
        if damage[0] == "step a list":
            damaged["steps"][index] = []
        file = tmp_path / f"{index}.json"
        file.write_text(json.dumps(damaged), encoding="utf-8")
        fast, reference = _both(monkeypatch, partial(preview.load_preview, file, cwd=tmp_path))
        assert fast == reference, (damage[0], index)


@pytest.mark.parametrize("path", PREVIEWS, ids=lambda p: p.name)
def test_the_fast_step_equals_the_reference_step_by_step(path: Path) -> None:
    for i, value in enumerate(_steps(path)[1]):
        assert _outcome(partial(preview._read_step, value, FILE, i)) == _outcome(
            partial(_reference_step, value, FILE, i))


def test_a_file_resource_is_the_resource_the_constructor_makes() -> None:
    values: list[Any] = ["aws:s3/bucket:Bucket", URN, "docs", {"bucket": "docs"}, SourceKind.STATE, "docs-1", False,
                         URN + "-parent", (URN,), {"bucket": (URN,)}, Location("infra/x.py", 3), "p", frozenset({"a"})]
    made = file_resource(*values)
    assert made == _reference_resource(*values)
    for f in fields(RawResource):  # every slot set, the ones not given at their defaults
        assert getattr(made, f.name) == getattr(_reference_resource(*values), f.name), f.name
    assert made.errors == {} and made.partial == {} and made.region is None
    assert made.errors is not file_resource(*values).errors  # each its own mapping, as a default_factory makes
    with pytest.raises(AttributeError):
        made.name = "other"  # type: ignore[misc]  # still frozen


@pytest.mark.parametrize("value", [
    None, [], [URN], [URN, URN + "-2"], [STACK_URN], [URN, STACK_URN], [URN, 3], [None], "x", {"a": URN}, (URN,),
])
def test_plain_urns_are_the_checked_urns(value: Any) -> None:
    fast = _outcome(lambda: resource_v3._urns(value, FILE, "steps[0]", ".dependencies"))
    assert fast == _outcome(lambda: resource_v3._urns_checked(value, FILE, "steps[0]", ".dependencies"))


@pytest.mark.parametrize("urn", [URN, STACK_URN, f"{STACK_URN}{STACK_SEPARATOR}x", "", "docs", STACK_SEPARATOR])
def test_normalize_urn(urn: str) -> None:
    head, sep, rest = urn.partition(STACK_SEPARATOR)
    assert normalize_urn(urn) == (f"{head}::{rest}" if sep else urn)


def test_a_urn_is_read_into_its_parts() -> None:
    urn = resource_v3.parse_urn("urn:pulumi:dev::shop::aws:s3/bucket:Bucket$aws:s3/bucket:BucketPolicy::a::b")
    assert urn == resource_v3.Urn("dev", "shop", "aws:s3/bucket:Bucket$aws:s3/bucket:BucketPolicy", "a::b")
    assert (urn.stack, urn.project, urn.name, urn.type) == ("dev", "shop", "a::b", "aws:s3/bucket:BucketPolicy")
    for bad in (None, 3, "", "urn:pulumi:", "urn:pulumi:dev::shop::", "urn:pulumi:::shop::t::n", "x::y::z::w"):
        assert resource_v3.parse_urn(bad) is None


def _reference_depth(body: bytes) -> int:
    """`_depth` as it was: escapes removed whether or not the body has a backslash."""
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = _QUOTED.sub(b"", unescaped.translate(None, _NOT_STRUCTURE).replace(b'""', b"")).translate(_PARENS)
    depth = 0
    while brackets and depth <= MAX_DEPTH:
        inner_removed = brackets.replace(b"()", b"")
        if len(inner_removed) == len(brackets):
            break
        brackets, depth = inner_removed, depth + 1
    return depth


@pytest.mark.parametrize("body", [
    b'{"a": [1, {"b": "]]]"}], "c": {}}', b'{"a": "x\\\\"}', b'{"a": "\\"[[[["}', b"{}", b'{"a": [[[[[]]]]]}',
    b'{"a": "\\\\\\"]", "b": [[]]}', b"[" * 120 + b"]" * 120,
])
def test_the_depth_is_the_reference_depth(body: bytes) -> None:
    assert _depth(body) == _reference_depth(body)
