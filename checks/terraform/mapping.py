"""The one table of Pulumi AWS type tokens <-> Terraform AWS resource types, read in both directions.

The data is `policies/terraform/types.yaml`, validated when it is loaded (one-line errors naming file, line and
field). Property names follow Pulumi camelCase <-> Terraform snake_case unless the table renames them; MaxItems=1
blocks are an object in Pulumi and a one-element list in Terraform; the keys of maps (tags, variables) are data and
never renamed. UNKNOWN and Secret values are leaves: they pass through a conversion unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from checks.errors import InputError
from checks.paths import policies_dir
from checks.validation import records, validate_entry
from checks.yamlfile import load_yaml

ALWAYS_MAPS = frozenset({"tags", "tagsAll"})  # a property of this name anywhere holds tag names: keys are data
TOKEN = r"^aws:[a-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+$"
PATH = r"^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$"
Token = Annotated[str, Field(pattern=TOKEN)]
PropPath = Annotated[str, Field(pattern=PATH)]
TfName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    renames: dict[PropPath, TfName] = {}
    blocks: list[PropPath] = []
    maps: list[PropPath] = []


class _Entry(_Rules):
    terraform: Annotated[str, Field(pattern=r"^aws_[a-z0-9_]+$")]
    pulumi: Annotated[list[Token], Field(min_length=1)]
    variants: dict[Token, _Rules] = {}
    defaults: dict[TfName, bool | int | str] = {}


@dataclass(frozen=True, slots=True)
class PropRules:
    """How one token's properties are named and shaped in Terraform."""

    renames: Mapping[str, str]    # Pulumi path -> Terraform attribute name
    blocks: frozenset[str]        # Pulumi paths of MaxItems=1 blocks
    maps: frozenset[str]          # Pulumi paths whose keys are data

    def reverse(self) -> dict[tuple[str, str], str]:
        """(Pulumi parent path, Terraform name) -> Pulumi property name, for the renamed properties."""
        out: dict[tuple[str, str], str] = {}
        for path, tf in self.renames.items():
            parent, _, key = path.rpartition(".")
            out[(parent, tf)] = key
        return out


@dataclass(frozen=True, slots=True)
class TypeMapping:
    terraform: str
    tokens: tuple[str, ...]           # the first is what a Terraform resource becomes (the pulumi-aws v7 token)
    rules: Mapping[str, PropRules]    # token -> its property rules
    defaults: Mapping[str, Any] = field(default_factory=dict)  # provider defaults a Pulumi input leaves out

    @property
    def token(self) -> str:
        return self.tokens[0]


@dataclass(frozen=True, slots=True)
class Table:
    types: tuple[TypeMapping, ...]
    tokens: Mapping[str, TypeMapping]       # every token -> its mapping
    terraform: Mapping[str, TypeMapping]    # Terraform type -> its mapping

    @classmethod
    def of(cls, types: tuple[TypeMapping, ...]) -> Table:
        return cls(types, {t: m for m in types for t in m.tokens}, {m.terraform: m for m in types})

    def to_terraform(self, token: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """(Terraform type, attributes) of a Pulumi resource's props; None when the token is not mapped."""
        mapping = self.tokens.get(token)
        if mapping is None:
            return None
        attrs = _to_tf(props, "", mapping.rules[token])
        # what the provider would fill in: a plan made by `terraform plan` carries these, checkov reads them
        return mapping.terraform, {**{k: v for k, v in mapping.defaults.items() if k not in attrs}, **attrs}

    def to_pulumi(self, tf_type: str, values: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """(Pulumi token, camelCase props) of a Terraform resource's values; None when the type is not mapped."""
        mapping = self.terraform.get(tf_type)
        if mapping is None:
            return None
        rules = mapping.rules[mapping.token]
        return mapping.token, _to_pulumi(values, "", rules, rules.reverse())


def snake(name: str) -> str:
    """`serverSideEncryptionConfiguration` -> `server_side_encryption_configuration`."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def camel(name: str) -> str:
    """`server_side_encryption_configuration` -> `serverSideEncryptionConfiguration`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _join(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def _to_tf(obj: Mapping[str, Any], parent: str, rules: PropRules) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        path = _join(parent, key)
        name = rules.renames.get(path, snake(key))
        if path in rules.maps or key in ALWAYS_MAPS:
            out[name] = value
            continue
        converted = _value_to_tf(value, path, rules)
        out[name] = [converted] if path in rules.blocks and isinstance(value, dict) else converted
    return out


def _value_to_tf(value: Any, path: str, rules: PropRules) -> Any:
    if isinstance(value, dict):
        return _to_tf(value, path, rules)
    if isinstance(value, list):
        return [_value_to_tf(v, path, rules) for v in value]
    return value


def _to_pulumi(obj: Mapping[str, Any], parent: str, rules: PropRules,
               reverse: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in obj.items():
        key = reverse.get((parent, name), camel(name))
        path = _join(parent, key)
        if path in rules.maps or key in ALWAYS_MAPS:
            out[key] = value
            continue
        if path in rules.blocks and isinstance(value, list):
            if not value:
                continue  # an absent block
            if len(value) == 1:
                value = value[0]
        out[key] = _value_to_pulumi(value, path, rules, reverse)
    return out


def _value_to_pulumi(value: Any, path: str, rules: PropRules, reverse: Mapping[tuple[str, str], str]) -> Any:
    if isinstance(value, dict):
        return _to_pulumi(value, path, rules, reverse)
    if isinstance(value, list):
        return [_value_to_pulumi(v, path, rules, reverse) for v in value]
    return value


def table_path() -> Path:
    return policies_dir() / "terraform" / "types.yaml"


@cache
def load_table(path: Path | None = None) -> Table:
    """The mapping table (default `policies/terraform/types.yaml`), validated: every error is one line."""
    path = path or table_path()
    doc = load_yaml(path)
    tokens: dict[str, int] = {}
    tf_types: dict[str, int] = {}
    types: list[TypeMapping] = []
    for i, item in enumerate(records(doc, "types")):
        entry = validate_entry(_Entry, item, doc, ("types", i), "type")
        at = ("types", i)
        if entry.terraform in tf_types:
            raise InputError(f"type #{i + 1}: Terraform type '{entry.terraform}' is already mapped by type "
                             f"#{tf_types[entry.terraform] + 1}",
                             where=f"{doc.file}:{doc.line_of(at + ('terraform',))}")
        tf_types[entry.terraform] = i
        for token in entry.pulumi:
            if token in tokens:
                raise InputError(f"type #{i + 1}: token '{token}' is already mapped by type #{tokens[token] + 1}",
                                 where=f"{doc.file}:{doc.line_of(at + ('pulumi',))}")
            tokens[token] = i
        for token in entry.variants:
            if token not in entry.pulumi[1:]:
                raise InputError(f"type #{i + 1}: variant '{token}' is not one of the other tokens in 'pulumi'",
                                 where=f"{doc.file}:{doc.line_of(at + ('variants', token))}")
        rules = {entry.pulumi[0]: _rules(entry)}
        for token in entry.pulumi[1:]:
            rules[token] = _rules(entry.variants.get(token, _Rules()))
        types.append(TypeMapping(entry.terraform, tuple(entry.pulumi), rules, dict(entry.defaults)))
    return Table.of(tuple(types))


def _rules(r: _Rules) -> PropRules:
    return PropRules(dict(r.renames), frozenset(r.blocks), frozenset(r.maps))
