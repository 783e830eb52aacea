"""Who manages a KMS key that another service names (customer or AWS), read once per key and scan.

Not a collector: the collectors of DynamoDB, AWS Backup, CloudTrail, CloudWatch Logs, Secrets Manager and
ECR use it to decide `encryption.customer_managed_key`. Declare KEY_OPERATIONS in their operations.

A key's description (kms:DescribeKey) and a region's aliases (kms:ListAliases) are read once per scan, whoever asks
first: the KMS collector and every collector naming a key share them through the scan's `Scope.shared`
(collectors/shared.py). Only answers that succeeded are shared: a failure is each asker's own, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checks.collectors.base import Outcome, Scope, call, paginate
from checks.live_types import is_aws_managed

KEY_OPERATIONS = ("kms:DescribeKey", "kms:ListAliases")


def _ok(outcome: Outcome) -> bool:
    return outcome.error is None and outcome.result is not None


def _listed_ok(answer: tuple[list[Any], str | None]) -> bool:
    return answer[1] is None


def describe_key(scope: Scope, key_id: str, key_region: str) -> Outcome:
    """kms:DescribeKey of a key named by id, ARN or alias in `key_region`, once per scan (what succeeded is kept)."""
    account = key_id.split(":")[4] if key_id.startswith("arn:") and key_id.count(":") >= 5 else scope.account
    name = key_id.rsplit(":key/", 1)[1] if key_id.startswith("arn:") and ":key/" in key_id else key_id
    kms = scope.client("kms", key_region)
    return scope.shared.once(("kms:DescribeKey", account, key_region, name),
                             lambda: call(kms, "describe_key", KeyId=key_id), _ok)


def region_aliases(scope: Scope, region: str) -> tuple[list[Any], str | None]:
    """Every alias of the scanned account in `region` (kms:ListAliases, paginated) and the reason a page failed (the
    aliases read so far are kept); once per scan when it succeeds."""
    kms = scope.client("kms", region)
    return scope.shared.once(("kms:ListAliases", scope.account, region),
                             lambda: paginate(kms, "list_aliases", "Aliases"), _listed_ok)


def aliases_by_key(aliases: list[Any]) -> dict[str, list[str]]:
    """Alias names by the key they point at (entries without both are left out)."""
    by_key: dict[str, list[str]] = {}
    for alias in aliases:
        if isinstance(alias, dict) and alias.get("TargetKeyId") and alias.get("AliasName"):
            by_key.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    return by_key


def read_key_manager(scope: Scope, key_id: str, region: str | None = None) -> Outcome:
    """Outcome({"manager": "customer" | "aws"}) of a key named by id, ARN or alias; a bare id or alias is looked up
    in `region` (the naming resource's), else the scope's region."""
    if key_id.startswith("alias/aws/") or ":alias/aws/" in key_id:
        return Outcome({"manager": "aws"}, None)
    key_region = key_id.split(":")[3] if key_id.startswith("arn:") else (region or scope.region)
    described = describe_key(scope, key_id, key_region)
    if described.error or described.result is None:
        return Outcome(None, described.error)
    meta = described.result["KeyMetadata"]
    aliases: list[str] = []
    if meta.get("KeyManager") == "CUSTOMER":  # moto reports AWS-managed keys as CUSTOMER: check their aliases
        own = str(meta.get("Arn") or "").split(":")[4:5] in ([scope.account], [])
        if own:  # the region's alias list, shared with the KMS collector: one read per region, not one per key
            listed, error = region_aliases(scope, key_region)
            if error:
                return Outcome(None, error)
            aliases = aliases_by_key(listed).get(meta["KeyId"], [])
        else:  # another account's key: its aliases are not in this account's list
            answer = call(scope.client("kms", key_region), "list_aliases", KeyId=meta["KeyId"])
            if answer.error:
                return Outcome(None, answer.error)
            aliases = [a["AliasName"] for a in (answer.result or {}).get("Aliases", [])]
    return Outcome({"manager": "aws" if is_aws_managed(meta.get("KeyManager"), aliases) else "customer"}, None)


@dataclass
class KeyManagers:
    """`manager(key)` -> ("customer" | "aws" | None, failure reason); one DescribeKey per key per scan."""

    scope: Scope
    _seen: dict[str, Outcome] = field(default_factory=dict)

    def outcome(self, key_id: str, region: str | None = None) -> Outcome:
        if key_id not in self._seen:
            self._seen[key_id] = read_key_manager(self.scope, key_id, region)
        return self._seen[key_id]

    def manager(self, key_id: str | None) -> tuple[str | None, str | None]:
        """None with no reason when no key is named (the service's own key is used)."""
        if not key_id:
            return None, None
        outcome = self.outcome(key_id)
        return (outcome.result or {}).get("manager"), outcome.error
