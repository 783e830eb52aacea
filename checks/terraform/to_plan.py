"""Raw resources (a Pulumi program, preview or state) -> a Terraform plan JSON that checkov's terraform_plan reads.

Every mapped resource appears in `planned_values`, `resource_changes` and `configuration`; the raw resources'
property dependencies become `configuration...expressions.<attr>.references`, which is what checkov's graph turns
into edges (a flow log -> its VPC, an encryption configuration -> its bucket). UNKNOWN values are left out of
`values` and marked in `after_unknown`; secret values are never written: left out and marked sensitive.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.model import UNKNOWN, Location, Secret, SourceKind
from checks.raw import RawResource, normalize_urn
from checks.terraform.mapping import Table, load_table, snake

FORMAT_VERSION = "1.2"
TERRAFORM_VERSION = "1.9.0"  # the plan format this writes follows Terraform 1.9's `terraform show -json`
PROVIDER_NAME = "registry.terraform.io/hashicorp/aws"
_OMIT = object()


@dataclass(frozen=True)
class TerraformPlan:
    """A plan document and how to map its addresses back to the resources it was made from."""

    plan: dict[str, Any]
    addresses: dict[str, str]                                  # Terraform address -> the resource's URN
    locations: dict[str, Location] = field(default_factory=dict)  # Terraform address -> where it is declared
    unmapped: dict[str, int] = field(default_factory=dict)     # Pulumi token -> resources left out (not mapped)

    def to_json(self) -> str:
        """The plan as JSON text, the same bytes for the same resources."""
        return json.dumps(self.plan, indent=2, sort_keys=True) + "\n"


def to_terraform_plan(resources: Sequence[RawResource], table: Table | None = None) -> TerraformPlan:
    table = table or load_table()
    names = _addresses(resources, table)
    by_urn = {normalize_urn(r.urn): a for r, a in names}
    planned: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    config: list[dict[str, Any]] = []
    addresses: dict[str, str] = {}
    locations: dict[str, Location] = {}
    regions: set[str] = set()
    for raw, address in names:
        props = raw.props if "region" in raw.props or not isinstance(raw.region, str) else \
            {**raw.props, "region": raw.region}  # the resource's region (AWS provider 6: a `region` argument)
        converted = table.to_terraform(raw.type, props)
        assert converted is not None  # _addresses keeps mapped resources only
        tf_type, attrs = converted
        name = address.split(".", 1)[1]
        values, unknown, sensitive = _split(attrs)
        head = {"address": address, "mode": "managed", "type": tf_type, "name": name, "provider_name": PROVIDER_NAME}
        planned.append({**head, "schema_version": 0, "values": values, "sensitive_values": sensitive})
        planned_change = raw.source is SourceKind.PLANNED
        changes.append({**head, "change": {
            "actions": ["create"] if planned_change else ["no-op"],
            "before": None if planned_change else values,
            "after": values, "after_unknown": unknown,
            "before_sensitive": False if planned_change else sensitive, "after_sensitive": sensitive}})
        config.append(_config(raw, address, tf_type, name, table, by_urn))
        addresses[address] = raw.urn
        if raw.location is not None:
            locations[address] = raw.location
        if isinstance(raw.region, str):
            regions.add(raw.region)
    provider: dict[str, Any] = {"name": "aws", "full_name": PROVIDER_NAME}
    if len(regions) == 1:
        provider["expressions"] = {"region": {"constant_value": regions.pop()}}
    plan = {
        "format_version": FORMAT_VERSION, "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {"provider_config": {"aws": provider}, "root_module": {"resources": config}},
    }
    unmapped = Counter(r.type for r in resources
                       if r.custom and r.type.startswith("aws:") and table.tokens.get(r.type) is None)
    return TerraformPlan(plan, addresses, locations, dict(sorted(unmapped.items())))


def _addresses(resources: Sequence[RawResource], table: Table) -> list[tuple[RawResource, str]]:
    """(resource, Terraform address) of every mapped resource, in address order; names made unique per type."""
    mapped = [r for r in resources if r.custom and r.type in table.tokens]
    mapped.sort(key=lambda r: (table.tokens[r.type].terraform, safe_name(r.name), normalize_urn(r.urn)))
    taken: set[str] = set()
    out: list[tuple[RawResource, str]] = []
    for raw in mapped:
        base = f"{table.tokens[raw.type].terraform}.{safe_name(raw.name)}"
        address, n = base, 1
        while address in taken:
            n += 1
            address = f"{base}_{n}"
        taken.add(address)
        out.append((raw, address))
    out.sort(key=lambda pair: pair[1])
    return out


def safe_name(name: str) -> str:
    """A Terraform resource name: letters, digits, `_` and `-`, starting with a letter or `_`."""
    text = re.sub(r"[^A-Za-z0-9_-]", "_", name) or "_"
    return text if re.match(r"[A-Za-z_]", text) else f"_{text}"


def _split(value: Any) -> tuple[Any, Any, Any]:
    """(known value or _OMIT, after_unknown marks, sensitive marks) of a converted value."""
    if value is UNKNOWN:
        return _OMIT, True, False
    if isinstance(value, Secret):
        return _OMIT, False, True
    if isinstance(value, dict):
        known: dict[str, Any] = {}
        unknown: dict[str, Any] = {}
        sensitive: dict[str, Any] = {}
        for key, item in value.items():
            k, u, s = _split(item)
            if k is not _OMIT:
                known[key] = k
            if u is not False and u != [] and u != {}:
                unknown[key] = u
            if s is not False and s != [] and s != {}:
                sensitive[key] = s
        return known, unknown, sensitive
    if isinstance(value, list):
        parts = [_split(item) for item in value]
        items = [None if k is _OMIT else k for k, _, _ in parts]
        unknowns = [u for _, u, _ in parts]
        secrets = [s for _, _, s in parts]
        return (items, unknowns if any(_marked(u) for u in unknowns) else [],
                secrets if any(_marked(s) for s in secrets) else [])
    return value, False, False


def _marked(mark: Any) -> bool:
    return mark is True or (isinstance(mark, dict | list) and bool(mark))


def _config(raw: RawResource, address: str, tf_type: str, name: str, table: Table,
            by_urn: Mapping[str, str]) -> dict[str, Any]:
    """The configuration block: references from the property dependencies, depends_on from the others."""
    rules = table.tokens[raw.type].rules[raw.type]
    expressions: dict[str, Any] = {}
    for prop in sorted(raw.property_dependencies):
        attr = rules.renames.get(prop, snake(prop))
        refs: list[str] = []
        for urn in raw.property_dependencies[prop]:
            target = by_urn.get(normalize_urn(urn))
            if target is not None and target != address:
                refs.extend((f"{target}.{_ref_attr(attr, target)}", target))
        if refs:
            expressions[attr] = {"references": list(dict.fromkeys(refs))}
    for prop, value in raw.props.items():  # set by the program, value not known yet: an expression Terraform
        attr = rules.renames.get(prop, snake(prop))  # would record without constant (a function, a variable)
        if value is UNKNOWN and attr not in expressions:
            expressions[attr] = {}
    referenced = {r for e in expressions.values() for r in e.get("references", ()) if r.count(".") == 1}
    depends = sorted({by_urn[u] for u in map(normalize_urn, raw.dependencies)
                      if u in by_urn and by_urn[u] != address and by_urn[u] not in referenced})
    block: dict[str, Any] = {"address": address, "mode": "managed", "type": tf_type, "name": name,
                             "provider_config_key": "aws", "expressions": expressions, "schema_version": 0}
    if depends:
        block["depends_on"] = depends
    return block


def _ref_attr(attr: str, target: str) -> str:
    """Which attribute of the referenced resource an attribute names: an ARN for ARN fields and KMS keys, else id."""
    return "arn" if attr.endswith("arn") or "kms" in attr or target.startswith("aws_kms_key.") else "id"
