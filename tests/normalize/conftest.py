"""Helpers for normalizer tests: build raw resources as the sources would, then normalize them."""

from __future__ import annotations

from typing import Any

import pytest

from checks.catalog.schemas import validate_assets
from checks.model import Asset, Location, SourceKind
from checks.normalize import normalize
from checks.raw import RawResource


def make_raw(type_: str, name: str, props: dict[str, Any] | None = None, *, source: SourceKind = SourceKind.PLANNED,
             id: str | None = None, deps: dict[str, list[str]] | None = None, parent: str | None = None,
             line: int = 1, project: str = "proj", stack: str = "dev") -> RawResource:
    """A raw resource with a real-looking URN; `deps` maps a property to the URNs it depends on."""
    pdeps = {k: tuple(v) for k, v in (deps or {}).items()}
    return RawResource(
        type=type_, urn=urn(type_, name, project, stack), name=name, props=props or {}, source=source, id=id,
        parent=parent, dependencies=tuple(u for v in pdeps.values() for u in v), property_dependencies=pdeps,
        location=Location("__main__.py", line),
    )


def urn(type_: str, name: str, project: str = "proj", stack: str = "dev") -> str:
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def run_normalize(*raws: RawResource) -> list[Asset]:
    """Normalize and assert every asset validates against its kind's schema."""
    result = normalize(raws)
    problems = validate_assets(result.assets)
    assert not problems, problems
    return result.assets


def one(assets: list[Asset], kind: str, name: str | None = None) -> Asset:
    found = [a for a in assets if a.kind == kind and (name is None or a.name == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, got {[a.name for a in found]}"
    return found[0]


@pytest.fixture
def raw() -> Any:
    return make_raw
