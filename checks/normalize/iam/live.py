"""IAM from the live collector (boto3 answers): iam.password_policy and iam.user.

No custom password policy (GetAccountPasswordPolicy: NoSuchEntity) is not "nothing to check": IAM then
enforces its default policy, which is weak (at least 8 characters with three of four character classes,
no reuse prevention, no expiry). The asset describes that default, so IAM-01 fails with the reason rather
than passing or vanishing: minimum_length 8, no single character class required, reuse_prevention 0,
max_age_days null, users may not change their password unless granted iam:ChangePassword.

A user's MFA is read for console users only (`mfa_enabled` is null for the others, as in the planned view).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.live_types import IAM_PASSWORD_POLICY, IAM_USER
from checks.model import Asset
from checks.normalize.base import AssetBuilder, Index, register
from checks.normalize.iam.planned import oldest_active
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
    "GetLoginProfile": ("console_access", "password_reset_required", "mfa_enabled"),
    "ListMFADevices": ("mfa_enabled",),
    "ListAccessKeys": ("access_keys", "oldest_active_access_key_created"),
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
    keys = [{**k, "pending_creation": False} for k in p.get("accessKeys") or []]
    b.set("access_keys", keys)
    b.set("oldest_active_access_key_created", oldest_active(keys))
    apply_call_errors(b, raw, USER_ERRORS)
    return [build_live(b, raw)]
