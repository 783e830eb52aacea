"""Compliance frameworks: policies/frameworks/*.yaml, validated like controls.

A framework lists requirements (SOC 2 criteria, ISO/IEC 27001 Annex A controls, CIS recommendations, NIST
controls, claims of the security statement); controls reference them with `frameworks: {<id>: [<requirement>]}`.
A requirement marked `manual: true` is one that no control checks (process evidence); see checks/coverage.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.errors import InputError
from checks.paths import display_path, policies_dir

if TYPE_CHECKING:  # YAML is parsed and the schemas read only when the catalog is not cached (checks/catalog/cache.py)
    from checks.yamlfile import LinedDocument


class Evidence(StrEnum):
    """How far the controls mapped to a requirement evidence it."""
    FULL = "full"          # passing controls show the requirement met
    PARTIAL = "partial"    # they check a proxy or a part of it: passing controls do not show it met


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    manual: bool = False
    description: str | None = None
    evidence: Evidence = Evidence.FULL
    evidence_why: str | None = None      # what the controls check and what they leave unchecked

    @property
    def partial(self) -> bool:
        return self.evidence is Evidence.PARTIAL


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    requirements: dict[str, Requirement]   # in the file's order
    file: str
    version: str | None = None
    url: str | None = None
    description: str | None = None


def load_frameworks(folder: Path | None = None) -> tuple[dict[str, Framework], list[str]]:
    """Frameworks by id, and the load errors (one line each: `file:line: framework <id>: field '<f>': message`).

    A file with problems still contributes the requirements that are well formed, so that the controls that
    reference them do not each report an "unknown framework" on top of the one real problem.
    """
    from checks.yamlfile import load_yaml

    folder = folder or policies_dir() / "frameworks"
    frameworks: dict[str, Framework] = {}
    errors: list[str] = []
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        shown = display_path(path)
        try:
            doc = load_yaml(path, shown)
        except InputError as err:
            errors.append(err.render())
            continue
        framework, problems = _load_one(path, shown, doc)
        errors.extend(problems)
        if framework is None:
            continue
        if framework.id in frameworks:
            errors.append(f"{shown}:{doc.line_of(('id',))}: framework {framework.id}: field 'id': duplicate id, "
                          f"also defined in {frameworks[framework.id].file}")
            continue
        frameworks[framework.id] = framework
    return frameworks, errors


def _load_one(path: Path, shown: str, doc: LinedDocument) -> tuple[Framework | None, list[str]]:
    from checks.catalog.schemas import schema_message, schema_validator

    data: Any = doc.data
    fid = data["id"] if isinstance(data, dict) and isinstance(data.get("id"), str) else path.stem

    def err(field_path: tuple[str | int, ...], message: str) -> str:
        field = ".".join(str(p) for p in field_path) or "(document)"
        return f"{shown}:{doc.line_of(field_path)}: framework {fid}: field '{field}': {message}"

    if not isinstance(data, dict):
        return None, [f"{shown}:1: framework {fid}: the file must hold one mapping (id, name, requirements)"]
    problems = [schema_message(e, err) for e in sorted(
        schema_validator("framework.schema.json").iter_errors(data),
        key=lambda e: ([str(p) for p in e.absolute_path], e.message))]
    if isinstance(data.get("id"), str) and fid != path.stem:
        problems.append(err(("id",), f"must match the file name '{path.stem}' (rename the file to {fid}.yaml)"))
    body = data.get("requirements")
    if not isinstance(body, dict):
        return None, problems
    requirements = {
        str(rid): Requirement(str(rid), req["title"], req.get("manual") is True,
                              req["description"] if isinstance(req.get("description"), str) else None,
                              *_evidence(req.get("evidence")))
        for rid, req in body.items()
        if isinstance(req, dict) and isinstance(req.get("title"), str)
    }
    problems += [err(("requirements", rid, "evidence"), "a manual requirement has no controls to evidence it: "
                     "drop `evidence` (or `manual`)")
                 for rid, req in body.items()
                 if isinstance(req, dict) and req.get("manual") is True and "evidence" in req]
    name = data["name"] if isinstance(data.get("name"), str) else fid
    optional = {key: data[key] if isinstance(data.get(key), str) else None for key in ("version", "url", "description")}
    return Framework(fid, name, requirements, shown, **optional), problems


def _evidence(value: Any) -> tuple[Evidence, str | None]:
    """`evidence: {level, why}` as read; anything malformed is full evidence (the schema error reports it)."""
    if not isinstance(value, dict) or value.get("level") not in tuple(Evidence):
        return Evidence.FULL, None
    why = value.get("why")
    return Evidence(value["level"]), " ".join(why.split()) if isinstance(why, str) and why.strip() else None
