"""JSON Schemas: of control and framework files (their one-line errors), and of asset kinds (load them, validate
assets, and resolve attribute paths)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.model import Asset
from checks.paths import asset_schema_dir, policies_dir

if TYPE_CHECKING:  # imported when a schema is first used (tests, lint, a catalog not cached): `check` on a cached
    # catalog never needs it (issue 13)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError as SchemaError

    from checks.yamlfile import PathKey

Problem = Callable[["PathKey", str], str]  # (field path, message) -> `file:line: <what> <id>: field '<f>': message`

COMMON_PROPERTIES: dict[str, Any] = {
    "kind": {"type": "string"},
    "id": {"type": "string", "minLength": 1},
    "name": {"type": "string"},
    "urn": {"type": ["string", "null"]},
    "account": {"type": ["string", "null"]},
    "region": {"type": ["string", "null"]},
    "source": {"enum": ["planned", "state", "live"]},
    "location": {
        "type": ["object", "null"],
        "properties": {"file": {"type": "string"}, "line": {"type": "integer", "minimum": 1}},
        "required": ["file", "line"],
    },
    "tags": {"type": "object", "additionalProperties": {"type": "string"}},
}


# --- control and framework files ---------------------------------------------------------------------------------


@cache
def schema_validator(name: str) -> Draft202012Validator:
    """The validator of `policies/schema/<name>` (control.schema.json, framework.schema.json)."""
    from jsonschema import Draft202012Validator

    schema = json.loads((policies_dir() / "schema" / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def schema_message(e: SchemaError, err: Problem) -> str:
    """One jsonschema error as one line: unknown fields list the allowed ones, a missing field `is missing`."""
    path = tuple(e.absolute_path)
    schema: Any = e.schema
    instance: Any = e.instance
    if e.validator == "additionalProperties":
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        allowed = ", ".join(sorted(schema.get("properties", {})))
        return err(path + (extra[0],) if extra else path, f"unknown field (allowed: {allowed})")
    if e.validator == "required":
        return err(path, e.message.replace("is a required property", "is missing"))
    return err(path, e.message)


# --- asset kinds -------------------------------------------------------------------------------------------------


@cache
def kind_schemas(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every `<kind>.schema.json` in the asset schema folder, by kind."""
    folder = folder or asset_schema_dir()
    schemas: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.schema.json")):
        kind = path.name.removesuffix(".schema.json")
        schemas[kind] = json.loads(path.read_text(encoding="utf-8"))
    return schemas


@cache
def _validator(kind: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    attrs = kind_schemas()[kind]
    props = dict(attrs.get("properties", {}))
    clash = set(props) & set(COMMON_PROPERTIES)
    if clash:
        raise ValueError(f"schema of {kind} redefines identity fields {sorted(clash)}")
    props.update(COMMON_PROPERTIES)
    schema = dict(attrs, properties=props)
    schema["required"] = sorted(set(attrs.get("required", [])) | {"kind", "id", "name", "source"})
    return Draft202012Validator(schema)


def validation_errors(asset: Asset) -> list[str]:
    """Schema violations of one asset's document, as `kind id: path: message` lines."""
    if asset.kind not in kind_schemas():
        return [f"{asset.kind} {asset.id}: no schema for kind {asset.kind}"]
    out = []
    for err in _validator(asset.kind).iter_errors(asset.document()):
        where = ".".join(str(p) for p in err.absolute_path) or "(document)"
        out.append(f"{asset.kind} {asset.id}: {where}: {err.message}")
    return out


def validate_assets(assets: Iterable[Asset]) -> list[str]:
    return [msg for asset in assets for msg in validation_errors(asset)]


def path_exists(kind: str, path: str) -> bool:
    """Whether a dotted read path (`rules[].cidr`, `tags.Name`) exists in the kind's schema."""
    schema = kind_schemas().get(kind)
    if schema is None:
        return False
    root = dict(schema, properties={**COMMON_PROPERTIES, **schema.get("properties", {})})
    return _walk(root, path.split("."))


def _walk(node: dict[str, Any], parts: list[str]) -> bool:
    if not parts:
        return True
    head, rest = parts[0], parts[1:]
    is_list = head.endswith("[]")
    name = head.removesuffix("[]")
    props = node.get("properties", {})
    if name in props:
        child = props[name]
    elif isinstance(node.get("additionalProperties"), dict):
        child = node["additionalProperties"]  # maps such as tags.<key>
    else:
        return False
    if is_list or (_types(child) == {"array"} or "array" in _types(child)) and "items" in child:
        if "items" not in child:
            return False
        child = child["items"]
    return _walk(child, rest)


def _types(node: dict[str, Any]) -> set[str]:
    t = node.get("type", [])
    return {t} if isinstance(t, str) else set(t)
