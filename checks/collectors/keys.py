"""Who manages a KMS key that another service names (customer or AWS), read once per key and scan.

Not a collector: the collectors of DynamoDB, AWS Backup, CloudTrail, CloudWatch Logs, Secrets Manager and
ECR use it to decide `encryption.customer_managed_key`. Declare KEY_OPERATIONS in their operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checks.collectors.base import Outcome, Scope, call
from checks.live_types import is_aws_managed

KEY_OPERATIONS = ("kms:DescribeKey", "kms:ListAliases")


def read_key_manager(scope: Scope, key_id: str, region: str | None = None) -> Outcome:
    """Outcome({"manager": "customer" | "aws"}) of a key named by id, ARN or alias; a bare id or alias is looked up
    in `region` (the naming resource's), else the scope's region."""
    if key_id.startswith("alias/aws/") or ":alias/aws/" in key_id:
        return Outcome({"manager": "aws"}, None)
    key_region = key_id.split(":")[3] if key_id.startswith("arn:") else (region or scope.region)
    kms = scope.client("kms", key_region)
    described = call(kms, "describe_key", KeyId=key_id)
    if described.error or described.result is None:
        return Outcome(None, described.error)
    meta = described.result["KeyMetadata"]
    aliases: list[str] = []
    if meta.get("KeyManager") == "CUSTOMER":  # moto reports AWS-managed keys as CUSTOMER: check their aliases
        listed = call(kms, "list_aliases", KeyId=meta["KeyId"])
        if listed.error:
            return Outcome(None, listed.error)
        aliases = [a["AliasName"] for a in (listed.result or {}).get("Aliases", [])]
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
