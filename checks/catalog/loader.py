"""Load controls: YAML -> JSON Schema (stage 1) -> references (stage 2) -> the Control model.

Every error names the file, the line, the control and the field. All errors of all files are
collected, then raised together as one ControlLoadError (one line each). A catalog that loaded without errors is
cached by the content of every file it was built from (checks/catalog/cache.py) and reused while they are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.catalog.cache import CatalogCache, source_files
from checks.catalog.controls import Control, Remediation
from checks.catalog.expressions import Expression, ExpressionError
from checks.catalog.frameworks import Framework, load_frameworks
from checks.catalog.messages import MessageTemplate
from checks.errors import ClearanceError, InputError
from checks.model import IDENTITY_FIELDS, Severity, path_segments
from checks.paths import asset_schema_dir, display_path, policies_dir

if TYPE_CHECKING:  # YAML is parsed and the schemas read only when the catalog is not cached (checks/catalog/cache.py)
    from checks.yamlfile import LinedDocument

# identity fields every asset has, readable without listing them; not `tags`, which a live read can fail to get
# (an unlisted read could not make the result an error: checks/judge.py judges the errors of what `reads` lists)
ALWAYS_READABLE = (frozenset(IDENTITY_FIELDS) - {"tags"}) | {"params"}
YAML_PATTERNS = ("*.yaml", "*.yml")


class ControlLoadError(ClearanceError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the controls")

    def render(self) -> str:
        return "\n".join(getattr(self, "errors", [])) or super().render()


@dataclass(frozen=True)
class Catalog:
    controls: dict[str, Control]
    frameworks: dict[str, Framework]
    templates: dict[str, MessageTemplate]


def load_catalog(controls_dir: Path | None = None, frameworks_dir: Path | None = None) -> Catalog:
    return load_catalog_cached(controls_dir, frameworks_dir)[0]


def load_catalog_cached(controls_dir: Path | None = None, frameworks_dir: Path | None = None
                        ) -> tuple[Catalog, bool]:
    """The catalog, and whether it came from the cache (checks/catalog/cache.py) rather than from the files."""
    root = policies_dir()
    controls_dir = controls_dir or root / "controls"
    if not controls_dir.is_dir():
        raise InputError("controls folder not found", where=str(controls_dir))
    frameworks_dir = frameworks_dir or root / "frameworks"

    def entry() -> CatalogCache | None:
        schemas = [root / "schema" / "control.schema.json", root / "schema" / "framework.schema.json",
                   *source_files(asset_schema_dir(), ("*.schema.json",))]
        return CatalogCache.of(source_files(controls_dir, YAML_PATTERNS), source_files(frameworks_dir, YAML_PATTERNS),
                               schemas, (controls_dir, frameworks_dir, root))

    cache = entry()
    cached = cache.load() if cache is not None else None
    if cached is not None:
        return Catalog(*cached), True
    catalog = _load_files(controls_dir, frameworks_dir)  # raises on any problem: errors are never cached
    if cache is not None and entry() == cache:  # the files did not change while they were loaded
        cache.store((catalog.controls, catalog.frameworks, catalog.templates))
    return catalog, False


def _load_files(controls_dir: Path, frameworks_dir: Path) -> Catalog:
    frameworks, errors = load_frameworks(frameworks_dir)
    controls: dict[str, Control] = {}
    templates: dict[str, MessageTemplate] = {}
    for path in source_files(controls_dir, YAML_PATTERNS):
        try:
            control, template, problems = _load_one(path, frameworks)
        except InputError as err:
            errors.append(err.render())
            continue
        errors.extend(problems)
        if control is None or template is None:
            continue
        if control.id in controls:
            errors.append(f"{control.file}:{control.line}: control {control.id}: field 'id': "
                          f"duplicate id, also defined in {controls[control.id].file}")
            continue
        controls[control.id] = control
        templates[control.id] = template
    if errors:
        raise ControlLoadError(errors)
    return Catalog(controls=controls, frameworks=frameworks, templates=templates)


def _load_one(path: Path, frameworks: dict[str, Framework]
              ) -> tuple[Control | None, MessageTemplate | None, list[str]]:
    from checks.catalog.schemas import schema_message, schema_validator
    from checks.yamlfile import load_yaml

    shown = display_path(path)
    doc = load_yaml(path, shown)
    data: Any = doc.data
    cid: str = data["id"] if isinstance(data, dict) and isinstance(data.get("id"), str) else path.stem

    def err(field_path: tuple[str | int, ...], message: str) -> str:
        field = ".".join(str(p) for p in field_path) or "(document)"
        return f"{shown}:{doc.line_of(field_path)}: control {cid}: field '{field}': {message}"

    if not isinstance(data, dict):
        return None, None, [f"{shown}:1: control {cid}: the file must hold one mapping (id, title, severity, ...)"]
    problems = [schema_message(e, err) for e in sorted(
        schema_validator("control.schema.json").iter_errors(data), key=lambda e: list(e.absolute_path))]
    if problems:
        return None, None, problems
    if path.stem.lower() != cid.lower():
        problems.append(err(("id",), f"must match the file name '{path.stem}' (rename the file to {cid.lower()}.yaml)"))
    compiled: dict[str, Expression] = {}
    for key in ("applies_if", "assert"):
        if key in data:
            try:
                compiled[key] = Expression(data[key])
            except ExpressionError as e:
                problems.append(err((key,), str(e)))
    try:
        template = MessageTemplate(data["message"])
    except ExpressionError as e:
        return None, None, problems + [err(("message",), str(e))]
    problems.extend(_check_references(data, compiled, template, frameworks, err))
    if problems:
        return None, None, problems
    # Stages 1 and 2 have checked everything: build the control without validating it a second time.
    remediation = data["remediation"]
    control = Control.of({
        **data,
        "severity": Severity(data["severity"]),
        "assert": compiled["assert"],
        "applies_if": compiled.get("applies_if"),
        "params": dict(data.get("params", {})),
        "remediation": Remediation(**({"pulumi": remediation} if isinstance(remediation, str) else remediation)),
        "reads": tuple(data["reads"]),
        "frameworks": {k: tuple(v) for k, v in data.get("frameworks", {}).items()},
        "tags": tuple(data.get("tags", ())),
        "file": shown,
        "line": doc.line_of(("id",)),
    })
    return control, template, []


def _check_references(data: dict[str, Any], compiled: dict[str, Expression], template: MessageTemplate,
                      frameworks: dict[str, Framework], err: Any) -> Iterable[str]:
    from checks.catalog.schemas import kind_schemas, path_exists

    kind = data["kind"]
    if kind not in kind_schemas():
        known = ", ".join(sorted(kind_schemas()))
        yield err(("kind",), f"unknown asset kind '{kind}' (known: {known})")
        return
    reads: list[str] = data["reads"]
    for i, path in enumerate(reads):
        if not path_exists(kind, path):
            yield err(("reads", i),
                      f"'{path}' is not an attribute of {kind} (see policies/schema/assets/{kind}.schema.json)")
    read_roots = {path_segments(p)[0] for p in reads} | ALWAYS_READABLE
    for key, expr in compiled.items():
        missing = sorted(expr.root_fields - read_roots)
        if missing:
            yield err((key,), f"reads {', '.join(missing)} which is not listed in 'reads' (add it there)")
    params = data.get("params", {})
    for name, field_expr in template.fields.items():
        # a placeholder is a path (`rules[].cidr`, `params.x`) or an expression (`a && b || 'text'`): every field
        # it reads from the asset must be read, so an unknown or unread value makes the finding unknown or error
        if any(pname not in params for pname in field_expr.param_refs):
            yield err(("message",), f"placeholder {{{name}}} names a parameter that 'params' does not define")
        elif field_expr.root_fields - read_roots:
            yield err(("message",), f"placeholder {{{name}}} is not listed in 'reads'")
    for key, expr in compiled.items():
        for pname in sorted(expr.param_refs - set(params)):
            yield err((key,), f"uses params.{pname} which 'params' does not define")
    for fid, req_ids in data.get("frameworks", {}).items():
        framework = frameworks.get(fid)
        if framework is None:
            yield err(("frameworks", fid), f"unknown framework '{fid}' (known: {', '.join(sorted(frameworks))})")
            continue
        for j, rid in enumerate(req_ids):
            if rid not in framework.requirements:
                yield err(("frameworks", fid, j),
                          f"'{rid}' is not a requirement of {framework.name} ({framework.file})")


def load_lined(path: Path) -> LinedDocument:
    from checks.yamlfile import load_yaml

    return load_yaml(path, display_path(path))
