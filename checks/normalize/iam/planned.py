"""iam.password_policy (aws:iam/accountPasswordPolicy:AccountPasswordPolicy) and iam.user (aws:iam/user:User,
with its login profile, access keys and virtual MFA devices folded in).

MFA: devices are enrolled by the user, not by the program, so whether a console user has MFA is not known
from a plan (UNKNOWN). A virtual MFA device declared in the program and shown attached to the user in state
(`userName` with an `enableDate`) makes it true. For a user without a console password MFA is irrelevant to
console sign-in: `mfa_enabled` is null there, not unknown.

Access keys: `created` is the key's CreateDate when the source shows it. In the planned view a key whose
creation date is absent is one this update creates: it will be 0 days old once deployed, so it is marked
`pending_creation` with `created` null and can never be the oldest key. (Sources should carry the outputs
of keys that already exist, as a preview's old state does.)

Credential use (IAM-11): when a console password or an active key was last used is known only live (ListUsers,
GetAccessKeyLastUsed), never from a plan or a state: it is UNKNOWN for every console password and every key
that is (or may be) active, and null for an inactive key, which is already disabled.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from checks.model import UNKNOWN, Asset, SourceKind
from checks.normalize.base import AssetBuilder, Index, blank, first_set, folded, register, tri_map, unwrap
from checks.raw import RawResource

PASSWORD_POLICY = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
USER = "aws:iam/user:User"
LOGIN_PROFILE = "aws:iam/userLoginProfile:UserLoginProfile"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
VIRTUAL_MFA = "aws:iam/virtualMfaDevice:VirtualMfaDevice"

folded("iam.user", LOGIN_PROFILE, ACCESS_KEY, VIRTUAL_MFA)


@register(PASSWORD_POLICY)
def password_policy(raw: RawResource, index: Index) -> Iterable[Asset]:
    """Unset fields take IAM's defaults (UpdateAccountPasswordPolicy), except allow_users_to_change
    which the provider sends as true."""
    p = raw.props
    b = AssetBuilder("iam.password_policy", raw)
    b.set("minimum_length", first_set(blank(p.get("minimumPasswordLength")), 6))
    b.set("require_symbols", first_set(p.get("requireSymbols"), False))
    b.set("require_numbers", first_set(p.get("requireNumbers"), False))
    b.set("require_uppercase", first_set(p.get("requireUppercaseCharacters"), False))
    b.set("require_lowercase", first_set(p.get("requireLowercaseCharacters"), False))
    b.set("reuse_prevention", first_set(p.get("passwordReusePrevention"), 0))  # 0: reuse allowed
    max_age = blank(p.get("maxPasswordAge"))  # absent or 0: passwords never expire
    b.set("max_age_days", max_age)
    b.set("expire_passwords", tri_map(max_age, lambda a: a is not None))
    b.set("allow_users_to_change", first_set(p.get("allowUsersToChangePassword"), True))
    b.set("hard_expiry", first_set(p.get("hardExpiry"), False))
    return [b.build()]


@register(USER)
def user(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("iam.user", raw)
    b.set("user_name", first_set(raw.props.get("name"), UNKNOWN))
    profiles = index.referencing(raw, [LOGIN_PROFILE], "user")
    console = bool(profiles)
    b.set("console_access", console)
    b.set("password_reset_required", first_set(profiles[-1].props.get("passwordResetRequired"), False)
          if profiles else None)
    b.set("mfa_enabled", _mfa(raw, index) if console else None)
    keys = [_access_key(k) for k in index.referencing(raw, [ACCESS_KEY], "user")]
    b.set("access_keys", keys)
    b.set("oldest_active_access_key_created", oldest_active(keys))
    b.set("password_last_used", UNKNOWN if console else None)  # the last sign-in is known only live
    b.set("password_unused_since", UNKNOWN if console else None)
    stalest = UNKNOWN if console or any(k["unused_since"] is UNKNOWN for k in keys) else None
    b.set("stalest_credential", stalest)
    b.set("stalest_credential_unused_since", stalest)
    return [b.build()]


def _mfa(raw: RawResource, index: Index) -> Any:
    for device in index.referencing(raw, [VIRTUAL_MFA], "userName"):
        if blank(unwrap(device.props.get("enableDate"))) not in (None, UNKNOWN):
            return True
    return UNKNOWN  # enrolled by the user outside the program: known only live


def _access_key(key: RawResource) -> dict[str, Any]:
    p = key.props
    created = blank(p.get("createDate"))
    pending = key.source is SourceKind.PLANNED and created is None
    if created is None and not pending:
        created = UNKNOWN
    key_id = first_set(blank(p.get("id")), key.id if key.source is not SourceKind.PLANNED else None)
    status = first_set(p.get("status"), "Active")  # provider default
    in_use = UNKNOWN if unwrap(status) in (UNKNOWN, "Active") else None  # last use: known only live
    return {
        "id": UNKNOWN if key_id is None and not pending else key_id,
        "status": status,
        "created": created,
        "pending_creation": pending,
        "last_used": in_use,
        "unused_since": in_use,
    }


def parse_time(ts: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def oldest_active(keys: list[dict[str, Any]]) -> Any:
    """CreateDate of the oldest active key; null when no active key has one (none, or only new keys)."""
    oldest: tuple[datetime, str] | None = None
    for k in keys:
        status, created = unwrap(k["status"]), unwrap(k["created"])
        if status is not UNKNOWN and status != "Active":
            continue
        if k["pending_creation"] is True:
            continue  # 0 days old when deployed: never the oldest
        if status is UNKNOWN or created is UNKNOWN:
            return UNKNOWN
        when = parse_time(created) if isinstance(created, str) else None
        if when is None:
            return UNKNOWN
        if oldest is None or when < oldest[0]:
            oldest = (when, created)
    return None if oldest is None else oldest[1]
