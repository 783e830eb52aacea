"""IAM from the live collector (boto3 answers): iam.password_policy and iam.user.

No custom password policy (GetAccountPasswordPolicy: NoSuchEntity) is not "nothing to check": IAM then
enforces its default policy, which is weak (at least 8 characters with three of four character classes,
no reuse prevention, no expiry). The asset describes that default, so IAM-01 fails with the reason rather
than passing or vanishing: minimum_length 8, no single character class required, reuse_prevention 0,
max_age_days null, users may not change their password unless granted iam:ChangePassword.

A user's MFA is read for console users only (`mfa_enabled` is null for the others, as in the planned view).

Credential use (IAM-11): a console password is unused since its last use (PasswordLastUsed) or, when it was not
used since, the login profile's creation (a profile created after the last sign-in holds a password never used);
an active key since its LastUsedDate or, never used, its CreateDate. An active key whose last use was not read
(the call failed: `errors`) has none, and the user's stalest credential is then not known either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from checks.live_types import IAM_PASSWORD_POLICY, IAM_USER
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, register
from checks.normalize.iam.planned import oldest_active, parse_time
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

AWS_DEFAULT_MIN_LENGTH = 8
POLICY_FIELDS = (("minimum_length", "MinimumPasswordLength"), ("require_symbols", "RequireSymbols"),
                 ("require_numbers", "RequireNumbers"), ("require_uppercase", "RequireUppercaseCharacters"),
                 ("require_lowercase", "RequireLowercaseCharacters"), ("reuse_prevention", "PasswordReusePrevention"),
                 ("max_age_days", "MaxPasswordAge"), ("expire_passwords", "ExpirePasswords"),
                 ("allow_users_to_change", "AllowUsersToChangePassword"), ("hard_expiry", "HardExpiry"))
AWS_DEFAULT_POLICY: dict[str, Any] = {"MinimumPasswordLength": AWS_DEFAULT_MIN_LENGTH}
USER_ERRORS: dict[str, tuple[str, ...]] = {
    "GetLoginProfile": ("console_access", "password_reset_required", "mfa_enabled", "password_unused_since",
                        "stalest_credential", "stalest_credential_unused_since"),
    "ListMFADevices": ("mfa_enabled",),
    "ListAccessKeys": ("access_keys", "oldest_active_access_key_created", "stalest_credential",
                       "stalest_credential_unused_since"),
    "GetAccessKeyLastUsed": ("access_keys[].last_used", "access_keys[].unused_since", "stalest_credential",
                             "stalest_credential_unused_since"),
}


@register(IAM_PASSWORD_POLICY)
def live_password_policy(raw: RawResource, index: Index) -> Iterable[Asset]:
    policy: Mapping[str, Any] = raw.props.get("policy") or AWS_DEFAULT_POLICY
    b = AssetBuilder("iam.password_policy", raw)
    for attr, key in POLICY_FIELDS:
        value = policy.get(key)
        if attr == "minimum_length":
            b.set(attr, value or AWS_DEFAULT_MIN_LENGTH)
        elif attr == "reuse_prevention":
            b.set(attr, value or 0)  # absent: reuse allowed
        elif attr == "max_age_days":
            b.set(attr, value or None)  # absent: passwords never expire
        else:
            b.set(attr, bool(value))
    apply_call_errors(b, raw, {})  # a failed read taints every attribute
    return [build_live(b, raw)]


@register(IAM_USER)
def live_user(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("iam.user", raw)
    b.set("user_name", p["name"])
    login = p.get("loginProfile")
    b.set("console_access", login is not None)
    b.set("password_reset_required", bool(login.get("passwordResetRequired")) if login is not None else None)
    devices = p.get("mfaDevices")
    b.set("mfa_enabled", bool(devices) if login is not None and devices is not None else None)
    keys = [_access_key(k) for k in p.get("accessKeys") or []]
    b.set("access_keys", keys)
    b.set("oldest_active_access_key_created", oldest_active(keys))
    b.set("password_last_used", p.get("passwordLastUsed"))
    password = _latest(p.get("passwordLastUsed"), login.get("created")) if login is not None else None
    b.set("password_unused_since", password)
    credentials = [("console password", password)] if login is not None else []
    credentials += [(f"access key {k['id']}", k["unused_since"]) for k in keys if k["status"] == "Active"]
    stalest = _stalest(credentials)
    b.set("stalest_credential", stalest[0])
    b.set("stalest_credential_unused_since", stalest[1])
    apply_call_errors(b, raw, USER_ERRORS)
    return [build_live(b, raw)]


def _access_key(k: Mapping[str, Any]) -> dict[str, Any]:
    key = {"id": k.get("id"), "status": k.get("status"), "created": k.get("created"), "pending_creation": False,
           "last_used": None, "unused_since": None}  # inactive: already disabled, its last use is not read
    if k.get("status") == "Active":
        if "lastUsed" in k:
            key["last_used"] = k["lastUsed"]
            key["unused_since"] = _latest(k["lastUsed"], k.get("created"))
        else:  # not read: the call failed (recorded in errors, which win)
            key["last_used"] = key["unused_since"] = UNKNOWN
    return key


def _latest(last_used: Any, created: Any) -> Any:
    """The later of the last use and the creation (None: never used); UNKNOWN without a readable creation date."""
    used, made = (parse_time(s) if isinstance(s, str) else None for s in (last_used, created))
    if made is None or (last_used is not None and used is None):
        return UNKNOWN
    return last_used if used is not None and used > made else created


def _stalest(credentials: list[tuple[str, Any]]) -> tuple[Any, Any]:
    """(name, unused since) of the credential unused the longest; (None, None) when there is none."""
    if any(since is UNKNOWN for _, since in credentials):
        return UNKNOWN, UNKNOWN
    dated: list[tuple[datetime, str, str]] = [(t, name, since) for name, since in credentials
                                              if isinstance(since, str) and (t := parse_time(since)) is not None]
    if len(dated) < len(credentials):
        return UNKNOWN, UNKNOWN
    if not dated:
        return None, None
    _, name, since = min(dated)
    return name, since
