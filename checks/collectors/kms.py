"""KMS keys of one account and region: list_keys and list_aliases (batch), then per key describe_key,
get_key_rotation_status (customer-managed symmetric keys only) and get_key_policy. The aliases and the descriptions
are shared with the collectors that name keys (keys.py: read once per scan, whoever asks first); the rotation status
and the policy are left out when no selected control reads them (live_types.OPTIONAL_READS)."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, action_of, call, collector, paginate
from checks.collectors.keys import aliases_by_key, describe_key, region_aliases
from checks.live_types import KMS_KEY, is_aws_managed, skipped_reason
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:GetKeyPolicy")


@collector("kms", OPERATIONS, types=(KMS_KEY,))
def collect(scope: Scope) -> CollectResult:
    """A failed ListKeys hides every key (a ListFailure); a failed ListAliases is an error on every key."""
    kms = scope.client("kms")
    keys, list_error = paginate(kms, "list_keys", "Keys")
    errors = listed(scope, "kms:ListKeys", list_error, KMS_KEY)
    keys, malformed = well_formed(scope, "kms:ListKeys", [_identified(scope, k) for k in keys], ("KeyId",), KMS_KEY)
    errors += malformed
    aliases, alias_error = region_aliases(scope, scope.region)
    by_key = aliases_by_key(aliases)
    resources = scope.map(lambda k: _key(scope, kms, k, sorted(by_key.get(k["KeyId"], [])), alias_error), keys)
    return CollectResult(tuple(resources), tuple(errors))


def _identified(scope: Scope, entry: Any) -> Any:
    """A ListKeys entry with KeyId and KeyArn, the one derived from the other when only one is given."""
    if not isinstance(entry, dict):
        return entry
    key_id, arn = entry.get("KeyId"), entry.get("KeyArn")
    if not key_id and isinstance(arn, str) and ":key/" in arn:
        key_id = arn.rsplit("/", 1)[-1]
    if key_id and not arn:
        arn = f"arn:aws:kms:{scope.region}:{scope.account}:key/{key_id}"
    return {**entry, "KeyId": key_id, "KeyArn": arn}


def _key(scope: Scope, kms: Any, entry: dict[str, Any], aliases: list[str], alias_error: str | None) -> RawResource:
    key_id, arn = entry["KeyId"], entry["KeyArn"]
    errors: dict[str, str] = {"ListAliases": alias_error} if alias_error else {}
    described = describe_key(scope, key_id, scope.region)
    meta = (described.result or {}).get("KeyMetadata")
    if described.error:
        errors["DescribeKey"] = described.error
    rotation: dict[str, Any] | None = None
    if meta is not None and _rotation_applies(meta, aliases):
        if not scope.needs.wants(KMS_KEY, "GetKeyRotationStatus"):
            errors["GetKeyRotationStatus"] = skipped_reason(action_of(kms, "get_key_rotation_status"))
        else:
            status = call(kms, "get_key_rotation_status", KeyId=key_id)
            if status.error:
                errors["GetKeyRotationStatus"] = status.error
            elif status.result is not None:
                rotation = {"enabled": bool(status.result.get("KeyRotationEnabled")),
                            "period_days": status.result.get("RotationPeriodInDays")}
    policy_text = None
    if not scope.needs.wants(KMS_KEY, "GetKeyPolicy"):
        errors["GetKeyPolicy"] = skipped_reason(action_of(kms, "get_key_policy"))
    else:  # PolicyName is optional in the API (default "default"), but moto requires it
        policy = call(kms, "get_key_policy", KeyId=key_id, PolicyName="default")
        if policy.error:
            errors["GetKeyPolicy"] = policy.error
        policy_text = (policy.result or {}).get("Policy")
    props = {
        "arn": arn, "keyId": key_id, "region": scope.region, "account": scope.account,
        "metadata": _plain(meta) if meta is not None else None,
        "rotation": rotation,
        "policy": policy_text,
        "aliases": aliases,
    }
    return RawResource(type=KMS_KEY, urn=arn, name=aliases[0] if aliases else key_id, props=props,
                       source=SourceKind.LIVE, id=arn, errors=errors)


def _rotation_applies(meta: dict[str, Any], aliases: list[str]) -> bool:
    """Rotation status is read for customer-managed symmetric keys whose material AWS KMS generated; AWS rotates its
    own keys yearly, and asymmetric and HMAC keys, imported key material (Origin EXTERNAL) and keys in a custom key
    store (AWS_CLOUDHSM, EXTERNAL_KEY_STORE) cannot rotate automatically. Origin is always answered by AWS."""
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
    return (not is_aws_managed(meta.get("KeyManager"), aliases) and spec == "SYMMETRIC_DEFAULT"
            and meta.get("Origin", "AWS_KMS") == "AWS_KMS")


def _plain(meta: dict[str, Any]) -> dict[str, Any]:
    """KeyMetadata without its datetimes (raw props hold plain JSON values)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}
