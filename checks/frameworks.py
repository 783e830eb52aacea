"""Compliance frameworks: policies/frameworks/*.yaml, validated like controls."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from checks.paths import policies_dir
from checks.yamlfile import load_yaml


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    manual: bool = False


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    requirements: dict[str, Requirement]
    file: str
    version: str | None = None


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((policies_dir() / "schema" / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def schema_validator(name: str) -> Draft202012Validator:
    return _validator(name)


def display_path(path: Path) -> str:
    """A path relative to the working directory when inside it (what users typed), else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_frameworks(folder: Path | None = None) -> tuple[dict[str, Framework], list[str]]:
    """Frameworks by id, and the load errors (file:line: message)."""
    folder = folder or policies_dir() / "frameworks"
    frameworks: dict[str, Framework] = {}
    errors: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        shown = display_path(path)
        doc = load_yaml(path, shown)
        data: Any = doc.data
        problems = sorted(_validator("framework.schema.json").iter_errors(data), key=lambda e: list(e.absolute_path))
        if problems:
            for err in problems:
                field = ".".join(str(p) for p in err.absolute_path) or "(document)"
                errors.append(f"{shown}:{doc.line_of(tuple(err.absolute_path))}: field '{field}': {err.message}")
            continue
        fid = data["id"]
        if fid in frameworks:
            errors.append(f"{shown}:1: framework '{fid}' is also defined in {frameworks[fid].file}")
            continue
        reqs = {
            rid: Requirement(rid, body["title"], bool(body.get("manual", False)))
            for rid, body in data["requirements"].items()
        }
        frameworks[fid] = Framework(fid, data["name"], reqs, shown, data.get("version"))
    return frameworks, errors
