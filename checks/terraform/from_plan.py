"""A Terraform plan (`terraform show -json` output, or checkov's plan fixtures) -> raw resources of the planned view.

Each managed resource of `planned_values` (root module and child modules) becomes a RawResource with the Pulumi
token and camelCase props the mapping table gives (`checks/terraform/mapping.py`), so the existing normalizers judge
it. A value `after_unknown` marks is UNKNOWN; a value Terraform marks sensitive is a `Secret`. References in
`configuration...expressions` become property dependencies, as Pulumi records them, so a reference whose planned
value is unknown still links the two resources. Data sources (`mode: data`) are not resources.

Terraform's plan JSON records no source file or line: a resource's location is its line in the plan file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.errors import InputError
from checks.model import UNKNOWN, Location, Secret, SourceKind
from checks.paths import display_path
from checks.raw import RawResource
from checks.terraform.mapping import Table, camel, load_table

REGENERATE = "terraform show -json tfplan > {path}"
_SKIPPED_REFS = ("var.", "local.", "data.", "module.", "path.", "count.", "each.", "self.", "terraform.")


@dataclass(frozen=True)
class TerraformSource:
    path: Path
    resources: list[RawResource]
    warnings: list[str] = field(default_factory=list)
    unmapped: dict[str, int] = field(default_factory=dict)  # Terraform type -> resources not checked


@dataclass(frozen=True)
class _Planned:
    address: str
    module: str           # "" for the root module, else "module.a." or "module.a.module.b."
    type: str
    name: str
    values: dict[str, Any]
    sensitive: Any
    at: str


def load_terraform_plan(path: Path, *, shown: str | None = None, table: Table | None = None) -> TerraformSource:
    """Read a plan file; `shown`: how locations name it (default: the path as given)."""
    table = table or load_table()
    text, data = _read(path)
    planned = data.get("planned_values")
    if not isinstance(planned, dict):
        raise _error(path, "'planned_values' is not an object")
    resources: list[_Planned] = []
    _walk_module(planned.get("root_module") or {}, "planned_values.root_module", path, resources)
    changes = _changes(data, path)
    configs = _configurations(data)
    region = _region(data)
    stem = path.stem or "plan"
    urns = {p.address: f"urn:pulumi:terraform::{stem}::{_token(table, p.type)}::{p.address}" for p in resources}
    instances: dict[str, list[str]] = {}
    for p in resources:
        instances.setdefault(p.module + _base_address(p.address[len(p.module):]), []).append(p.address)
    out: list[RawResource] = []
    unmapped: Counter[str] = Counter()
    lines = _address_lines(text)
    for p in resources:
        change = changes.get(p.address, {})
        values = _marked(p.values, change.get("after_unknown"), _either(change.get("after_sensitive"), p.sensitive))
        expressions = configs.get((re.sub(r"\[[^\]]*\]", "", p.module), p.type, p.name))
        if expressions is not None:  # computed attributes the configuration does not set: the provider's, as
            values = {k: v for k, v in values.items() if v is not UNKNOWN or k in expressions}  # in Pulumi inputs
        expressions = expressions or {}
        deps = _references(expressions, p.module, instances, urns)
        deps = {a: [t for t in ts if t != p.address] for a, ts in deps.items() if set(ts) - {p.address}}
        for attr in deps:
            if values.get(attr) is None:
                values[attr] = UNKNOWN  # computed from another resource: the plan leaves it out until applied
        converted = table.to_pulumi(p.type, values)
        if converted is None:
            unmapped[p.type] += 1
            continue
        token, props = converted
        rules = table.terraform[p.type].rules[token]
        reverse = rules.reverse()
        prop_deps = {reverse.get(("", a), camel(a)): tuple(urns[t] for t in targets) for a, targets in deps.items()}
        if region is not None:
            props.setdefault("region", region)
        own_region = props.get("region")
        id_ = props.get("id")
        out.append(RawResource(
            type=token, urn=urns[p.address], name=p.address, props=props, source=SourceKind.PLANNED,
            id=id_ if isinstance(id_, str) and id_ else None,
            dependencies=tuple(sorted({u for us in prop_deps.values() for u in us})),
            property_dependencies=prop_deps, location=Location(shown or display_path(path), _line_of(lines, p.address)),
            region=own_region if isinstance(own_region, str) else region))
    warnings = ["Terraform plan JSON records no source file or line: findings name each resource's line in "
                f"{shown or display_path(path)} and its address"] if out else []
    if unmapped:
        listed = ", ".join(f"{t} ({n})" for t, n in sorted(unmapped.items()))
        warnings.append(f"{sum(unmapped.values())} resource(s) of Terraform types clearance does not map are not "
                        f"checked: {listed}")
    return TerraformSource(path, out, warnings, dict(sorted(unmapped.items())))


def _error(path: Path, problem: str) -> InputError:
    return InputError(f"{problem}: the file is not a complete Terraform plan; regenerate it with "
                      f"'{REGENERATE.format(path=path)}'", where=str(path))


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    regen = REGENERATE.format(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"file not found: check the path, or create it with '{regen}'", where=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file: give the path of the plan's JSON file",
                         where=str(path)) from None
    except UnicodeDecodeError:
        raise InputError(f"not UTF-8 text: give the JSON of the plan, written by '{regen}'", where=str(path)) from None
    except OSError as err:
        raise InputError(f"cannot be read ({err.strerror}): check the path", where=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"not valid JSON ({err.msg} at line {err.lineno}, column {err.colno}): a binary plan file "
                         f"is read with '{regen}'", where=str(path)) from None
    except (RecursionError, ValueError):
        raise _error(path, "the JSON cannot be read (nested too deeply or a number too long)") from None
    if not isinstance(data, dict):
        raise InputError(f"this is not a Terraform plan (the JSON is not an object): write one with '{regen}'",
                         where=str(path))
    for key in ("terraform_version", "planned_values"):
        if key not in data:
            raise InputError(f"this is not a Terraform plan (no '{key}' at the top level): write one with "
                             f"'{regen}'", where=str(path))
    return text, data


def _walk_module(module: Any, at: str, path: Path, out: list[_Planned]) -> None:
    if not isinstance(module, dict):
        raise _error(path, f"'{at}' is not an object")
    prefix = module.get("address")
    prefix = f"{prefix}." if isinstance(prefix, str) and prefix else ""
    resources = module.get("resources")
    resources = [] if resources is None else resources
    if not isinstance(resources, list):
        raise _error(path, f"'{at}.resources' is not a list")
    for i, res in enumerate(resources):
        where = f"{at}.resources[{i}]"
        if not isinstance(res, dict):
            raise _error(path, f"'{where}' is not an object")
        for key in ("address", "type", "name", "mode"):
            if not isinstance(res.get(key), str) or not res[key]:
                raise _error(path, f"'{where}' has no '{key}'")
        if res["mode"] != "managed":
            continue  # data sources are read, not created
        values = res.get("values") or {}
        if not isinstance(values, dict):
            raise _error(path, f"'{where}.values' is not an object")
        out.append(_Planned(res["address"], prefix, res["type"], res["name"], values,
                            res.get("sensitive_values"), where))
    children = module.get("child_modules")
    children = [] if children is None else children
    if not isinstance(children, list):
        raise _error(path, f"'{at}.child_modules' is not a list")
    for i, child in enumerate(children):
        _walk_module(child, f"{at}.child_modules[{i}]", path, out)


def _changes(data: Mapping[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    changes = data.get("resource_changes") or []
    if not isinstance(changes, list):
        raise _error(path, "'resource_changes' is not a list")
    out: dict[str, dict[str, Any]] = {}
    for i, rc in enumerate(changes):
        if not isinstance(rc, dict) or not isinstance(rc.get("address"), str):
            raise _error(path, f"'resource_changes[{i}]' has no 'address'")
        change = rc.get("change")
        if isinstance(change, dict):
            out[rc["address"]] = change
    return out


def _configurations(data: Mapping[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(module prefix, type, name) -> expressions of every resource block of the configuration."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    config = data.get("configuration")
    if not isinstance(config, dict):
        return out
    pending: list[tuple[str, Any]] = [("", config.get("root_module"))]
    while pending:
        prefix, module = pending.pop()
        if not isinstance(module, dict):
            continue
        for res in module.get("resources") or []:
            if isinstance(res, dict) and res.get("mode", "managed") == "managed":
                expressions = res.get("expressions")
                out[(prefix, str(res.get("type")), str(res.get("name")))] = \
                    expressions if isinstance(expressions, dict) else {}
        calls = module.get("module_calls")
        for call_name, call in (calls.items() if isinstance(calls, dict) else ()):
            if isinstance(call, dict):
                pending.append((f"{prefix}module.{call_name}.", call.get("module")))
    return out


def _region(data: Mapping[str, Any]) -> str | None:
    config = data.get("configuration")
    providers = config.get("provider_config") if isinstance(config, dict) else None
    aws = providers.get("aws") if isinstance(providers, dict) else None
    expressions = aws.get("expressions") if isinstance(aws, dict) else None
    region = expressions.get("region") if isinstance(expressions, dict) else None
    value = region.get("constant_value") if isinstance(region, dict) else None
    return value if isinstance(value, str) and value else None


def _token(table: Table, tf_type: str) -> str:
    mapping = table.terraform.get(tf_type)
    return mapping.token if mapping is not None else f"terraform:{tf_type}"


def _base_address(address: str) -> str:
    """`aws_s3_bucket.b["x"]` -> `aws_s3_bucket.b`: the configuration block of a counted instance."""
    return re.sub(r"\[[^\]]*\]$", "", address)


def _marked(values: Any, unknown: Any, sensitive: Any) -> Any:
    """Values with UNKNOWN where `after_unknown` is true and Secret where sensitive; nulls in objects dropped."""
    if unknown is True:
        return UNKNOWN
    if sensitive is True:
        return None if values is None else Secret(values)
    if isinstance(values, dict) or isinstance(unknown, dict):
        base = values if isinstance(values, dict) else {}
        u = unknown if isinstance(unknown, dict) else {}
        s = sensitive if isinstance(sensitive, dict) else {}
        out = {k: _marked(base.get(k), u.get(k), s.get(k)) for k in dict.fromkeys([*base, *u])}
        return {k: v for k, v in out.items() if v is not None}
    if isinstance(values, list):
        u_list = unknown if isinstance(unknown, list) else []
        s_list = sensitive if isinstance(sensitive, list) else []
        return [_marked(v, u_list[i] if i < len(u_list) else None, s_list[i] if i < len(s_list) else None)
                for i, v in enumerate(values)]
    return values


def _either(a: Any, b: Any) -> Any:
    """Sensitive marks of `after_sensitive` and `sensitive_values` together: sensitive where either says so."""
    if a is True or b is True:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _either(a.get(k), b.get(k)) for k in dict.fromkeys([*a, *b])}
    if isinstance(a, list) and isinstance(b, list):
        return [_either(a[i] if i < len(a) else None, b[i] if i < len(b) else None)
                for i in range(max(len(a), len(b)))]
    return a if isinstance(a, dict | list) else b


def _references(expressions: Mapping[str, Any], module: str, instances: Mapping[str, list[str]],
                urns: Mapping[str, str]) -> dict[str, list[str]]:
    """Top-level attribute -> addresses of the managed resources its expression (at any depth) references."""
    out: dict[str, list[str]] = {}
    for attr, expr in expressions.items():
        found: list[str] = []
        for ref in _ref_strings(expr):
            if ref.startswith(_SKIPPED_REFS):
                continue
            parts = ref.split(".")
            if len(parts) < 2:
                continue
            target = module + _base_address(f"{parts[0]}.{parts[1]}")
            found.extend(a for a in instances.get(target, ()) if a in urns)
        if found:
            out[attr] = sorted(set(found))
    return out


def _ref_strings(expr: Any) -> list[str]:
    if isinstance(expr, list):
        return [r for item in expr for r in _ref_strings(item)]
    if not isinstance(expr, dict):
        return []
    refs = expr.get("references")
    if isinstance(refs, list):
        return [r for r in refs if isinstance(r, str)]
    return [r for value in expr.values() for r in _ref_strings(value)]


_ADDRESS = re.compile(r'"address"\s*:\s*("(?:[^"\\]|\\.)*")')


def _address_lines(text: str) -> dict[str, int]:
    """The line of the first `"address": "<address>"` of each address in the plan file, by the address as JSON text
    (a key is never inside a string, where its quotes are escaped): one pass over the file."""
    lines: dict[str, int] = {}
    line, pos = 1, 0
    for match in _ADDRESS.finditer(text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        lines.setdefault(match.group(1), line)
    return lines


def _line_of(lines: Mapping[str, int], address: str) -> int:
    """The line of the resource's first `"address": "<address>"` in the plan file (1 when not found)."""
    return lines.get(json.dumps(address), 1)
