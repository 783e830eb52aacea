"""Ignore rules: live assets that are never "unmanaged" configuration drift.

Built in (AWS creates these in every account; no Pulumi program has to declare them):

- the default VPC (`is_default`), its subnets (`ec2.subnet` whose `is_default` is true or whose `vpc_id` is a
  default VPC's id) and every VPC's default security group (`is_default`: the group named "default");
- AWS-managed KMS keys (`manager == "aws"`: aws/s3, aws/rds, ...);
- the AWS Backup vault named "Default";
- the secrets RDS creates and owns for a database's master password (`rds!db-...`, `rds!cluster-...`);
- the account-level singletons that always exist live (`ec2.ebs_encryption_default`, `iam.password_policy`,
  `s3.account_public_access_block`, the root user `iam.root_user`): they are ignored when no state given declares
  one of that kind (the live one is then AWS's default, not an unmanaged resource); when some state declares the
  kind, an unmatched live one is unmanaged like any other asset (see `singleton_reason`).

Service-linked IAM roles are not modeled (no `iam.role` kind), so no rule is needed for them yet.

The user's rules live in a YAML file:

    ignore:
      - kind: "ec2.*"                 # exact kind or fnmatch pattern; optional
        name: "legacy-*"              # fnmatch on the asset's name; optional
        arn: "arn:aws:s3:::scratch-*" # fnmatch on the asset's id (its ARN when known); optional
        tags: {team: "data*"}         # every key must be present with a matching value; optional
        reason: "made by hand, retired in Q3"   # required

An entry must name something besides its kind: a name, an arn or tags (a kind alone would hide a whole kind).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from checks.drift.ids import aws_id
from checks.errors import InputError
from checks.model import Asset
from checks.paths import display_path
from checks.validation import StrictText, records, validate_entry
from checks.yamlfile import load_yaml

SINGLETON_KINDS = ("ec2.ebs_encryption_default", "iam.password_policy", "s3.account_public_access_block",
                   "iam.root_user")
DEFAULT_VPC = "AWS default: the default VPC"
DEFAULT_SUBNET = "AWS default: a subnet of the default VPC"
DEFAULT_GROUP = "AWS default: the VPC's default security group"
AWS_KEY = "AWS default: an AWS-managed KMS key"
DEFAULT_VAULT = "AWS default: the AWS Backup vault 'Default'"
RDS_SECRET = "AWS-managed: the master-password secret RDS owns (manage_master_user_password)"
SINGLETON = "AWS default: an account-level setting that always exists, declared in no state given"


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("pattern", "must be a non-empty text pattern")
    return value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str | None = None
    name: str | None = None
    arn: str | None = None
    tags: dict[str, str] | None = None
    reason: StrictText

    @field_validator("kind", "name", "arn", mode="plain")
    @classmethod
    def _pattern(cls, value: Any) -> str | None:
        return _optional_text(value)

    @field_validator("tags", mode="plain")
    @classmethod
    def _tags(cls, value: Any) -> dict[str, str] | None:
        if value is None:
            return None
        if not isinstance(value, dict) or not value or not all(
                isinstance(k, str) and k and isinstance(v, str) and v for k, v in value.items()):
            raise PydanticCustomError("tags", "must be a mapping of tag key to text pattern, e.g. {team: 'data*'}")
        return dict(value)


FIELDS = tuple(_Entry.model_fields)


@dataclass(frozen=True)
class IgnoreRule:
    reason: str
    kind: str | None = None
    name: str | None = None
    arn: str | None = None
    tags: Mapping[str, str] | None = None
    where: str = ""   # file:line of the entry

    def matches(self, asset: Asset) -> bool:
        if self.kind is not None and not fnmatchcase(asset.kind, self.kind):
            return False
        if self.name is not None and not fnmatchcase(asset.name, self.name):
            return False
        if self.arn is not None and not fnmatchcase(asset.id, self.arn):
            return False
        if self.tags is not None:
            return all(k in asset.tags and fnmatchcase(asset.tags[k], v) for k, v in self.tags.items())
        return True


def _default_vpc_ids(assets: Collection[Asset]) -> frozenset[str]:
    found = (aws_id(a.id) for a in assets if a.kind == "ec2.vpc" and a.attributes.get("is_default") is True)
    return frozenset(i for i in found if i)


def builtin_reason(asset: Asset, default_vpcs: Collection[str] = ()) -> str | None:
    """Why AWS's own default resource is never unmanaged drift (None: it is not one)."""
    attrs = asset.attributes
    if asset.kind == "ec2.vpc" and attrs.get("is_default") is True:
        return DEFAULT_VPC
    if asset.kind == "ec2.subnet" and (attrs.get("is_default") is True or attrs.get("vpc_id") in default_vpcs):
        return DEFAULT_SUBNET
    if asset.kind == "ec2.security_group" and attrs.get("is_default") is True:
        return DEFAULT_GROUP
    if asset.kind == "kms.key" and attrs.get("manager") == "aws":
        return AWS_KEY
    if asset.kind == "backup.vault" and (attrs.get("vault_name") or asset.name) == "Default":
        return DEFAULT_VAULT
    if asset.kind == "secretsmanager.secret" and asset.name.startswith("rds!"):
        return RDS_SECRET
    return None


@dataclass(frozen=True)
class IgnoreRules:
    """The built-in rules plus the user's (`load`)."""

    rules: tuple[IgnoreRule, ...] = ()
    default_vpcs: frozenset[str] = frozenset()   # ids of the live default VPCs (their subnets are AWS's too)

    @classmethod
    def load(cls, path: Path | None) -> IgnoreRules:
        """The user's ignore file (None: the built-in rules only); a problem is one line naming file, line, field."""
        if path is None:
            return cls()
        shown = display_path(path)
        doc = load_yaml(path, shown)
        if doc.data is None:
            return cls()
        out: list[IgnoreRule] = []
        for i, item in enumerate(records(doc, "ignore")):
            entry = validate_entry(_Entry, item, doc, ("ignore", i), "ignore rule")
            where = f"{shown}:{doc.line_of(('ignore', i))}"
            if entry.name is None and entry.arn is None and entry.tags is None:
                raise InputError(f"ignore rule #{i + 1}: give 'name', 'arn' or 'tags' (a kind alone would hide every "
                                 f"asset of the kind)", where=where,
                                 hint="name the assets it covers, e.g. name: 'legacy-*'")
            out.append(IgnoreRule(entry.reason, entry.kind, entry.name, entry.arn, entry.tags, where))
        return cls(tuple(out))

    def with_live(self, live: Collection[Asset]) -> IgnoreRules:
        """These rules knowing the live default VPCs (whose subnets are AWS defaults too)."""
        return IgnoreRules(self.rules, self.default_vpcs | _default_vpc_ids(live))

    def ignores(self, asset: Asset) -> str | None:
        """The reason `asset` is never unmanaged drift, or None."""
        reason = builtin_reason(asset, self.default_vpcs)
        if reason is not None:
            return reason
        for rule in self.rules:
            if rule.matches(asset):
                return f"{rule.reason} ({rule.where})" if rule.where else rule.reason
        return None


def singleton_reason(asset: Asset, state_kinds: Collection[str]) -> str | None:
    """An account-level setting that always exists live is AWS's default unless some state declares its kind."""
    return SINGLETON if asset.kind in SINGLETON_KINDS and asset.kind not in state_kinds else None
