"""secretsmanager.secret from aws:secretsmanager/secret:Secret, with its rotation
(aws:secretsmanager/secretRotation:SecretRotation, linked by `secretId`) folded in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import SECRETSMANAGER_SECRET
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, blank, first_set, folded, register, tri_map, unwrap
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.normalize.schedule import ScheduleError, interval_hours
from checks.raw import RawResource

SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"

folded("secretsmanager.secret", ROTATION)


@register(SECRET)
def secret(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("secretsmanager.secret", raw)
    b.set("secret_name", first_set(p.get("name"), UNKNOWN))  # absent: auto-named by Pulumi
    key = blank(p.get("kmsKeyId"))  # absent: the AWS-managed key aws/secretsmanager
    b.set("encryption", {
        "enabled": True, "algorithm": "aws:kms", "kms_key_id": key,
        "customer_managed_key": customer_managed_key_value(raw, key, "kmsKeyId", index),
    })
    b.set("owning_service", None)  # a secret the program declares is the account's (services create their own)
    b.set("recovery_window_days", first_set(p.get("recoveryWindowInDays"), 30))  # provider default
    rotations = index.referencing(raw, [ROTATION], "secretId")
    if not rotations:
        b.set("rotation", {"enabled": False, "interval_days": None})
    else:
        b.set("rotation", _rotation(b, rotations[-1]))
    return [b.build()]


def _rotation(b: AssetBuilder, rotation: RawResource) -> dict[str, Any]:
    rules = unwrap(rotation.props.get("rotationRules"))
    # rotation is on when rules are given, unless rotationEnabled says otherwise
    enabled = first_set(rotation.props.get("rotationEnabled"),
                        UNKNOWN if rules is UNKNOWN else isinstance(rules, dict))
    if rules is UNKNOWN:
        return {"enabled": enabled, "interval_days": UNKNOWN}
    if not isinstance(rules, dict):
        return {"enabled": enabled, "interval_days": None}
    days = blank(rules.get("automaticallyAfterDays"))
    if days is None:
        days = tri_map(blank(rules.get("scheduleExpression")), lambda e: rotation_days(b, e))
    return {"enabled": enabled, "interval_days": tri_map(enabled, lambda on: days if on else None)}


def rotation_days(b: AssetBuilder, expression: Any) -> Any:
    """Days between rotations of a schedule expression (errors recorded on rotation.interval_days)."""
    if expression is None:
        return None
    try:
        hours = interval_hours(expression)
    except ScheduleError as err:
        b.errors["rotation.interval_days"] = f"cannot read schedule: {err}"
        return None
    if hours is None:
        return None
    days = hours / 24
    return int(days) if days.is_integer() else round(days, 3)


@register(SECRETSMANAGER_SECRET)
def live_secret(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("secretsmanager.secret", raw)
    b.set("secret_name", p["name"])
    # no KmsKeyId: the AWS-managed key aws/secretsmanager
    b.set("encryption", key_encryption("aws:kms", p.get("kmsKeyId"), p.get("keyManager")))
    b.set("owning_service", p.get("owningService"))  # absent: no service owns the secret
    b.set("recovery_window_days", UNKNOWN)  # chosen at deletion time; AWS does not report it
    enabled = bool(p.get("rotationEnabled"))
    rules = p.get("rotationRules") or {}
    days = rules.get("AutomaticallyAfterDays") or rotation_days(b, rules.get("ScheduleExpression"))
    b.set("rotation", {"enabled": enabled, "interval_days": days if enabled else None})
    apply_call_errors(b, raw, {"DescribeKey": KEY})
    return [build_live(b, raw, tags=p.get("tags") or {})]
