"""IAM of one account (global): the account password policy (get_account_password_policy; NoSuchEntity
means no custom policy is set), list_users (batch), then per user the calls IAM has no batch for:
get_login_profile (NoSuchEntity: no console password), list_access_keys (status and CreateDate), for
console users only list_mfa_devices, and for active keys only get_access_key_last_used (an inactive key is
already disabled). ListUsers carries PasswordLastUsed. (The credential report would batch these, but it must
be generated and polled, and it reports key ages only through rotation dates.) Roles and customer-managed
policies: `iam_roles.py`."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, malformed_reason, well_formed
from checks.collectors.base import CollectResult, Scope, action_of, call, collector, paginate
from checks.collectors.iam_roles import ROLE_OPERATIONS, roles_and_policies
from checks.live_types import (
    IAM_PASSWORD_POLICY,
    IAM_POLICY,
    IAM_ROLE,
    IAM_USER,
    password_policy_id,
    skipped_reason,
)
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("iam:GetAccountPasswordPolicy", "iam:ListUsers", "iam:GetLoginProfile", "iam:ListAccessKeys",
              "iam:ListMFADevices", "iam:GetAccessKeyLastUsed", *ROLE_OPERATIONS)


@collector("iam", OPERATIONS, types=(IAM_PASSWORD_POLICY, IAM_USER, IAM_ROLE, IAM_POLICY), global_scope=True)
def collect(scope: Scope) -> CollectResult:
    iam = scope.client("iam")
    resources = [_password_policy(scope, iam)]
    users, list_error = paginate(iam, "list_users", "Users")
    errors = listed(scope, "iam:ListUsers", list_error, IAM_USER, global_scope=True)
    users, malformed = well_formed(scope, "iam:ListUsers", users, ("UserName", "Arn"), IAM_USER, global_scope=True)
    errors += malformed
    resources += scope.map(lambda u: _user(scope, iam, u), users)
    roles, role_errors = roles_and_policies(scope, iam)
    return CollectResult(tuple(resources + roles), tuple(errors + role_errors))


def _password_policy(scope: Scope, iam: Any) -> RawResource:
    """Always one resource: the policy, None when the account has none (AWS's default policy applies)."""
    got = call(iam, "get_account_password_policy", absent=("NoSuchEntity",))
    ident = password_policy_id(scope.account)
    props = {"account": scope.account, "region": None,
             "policy": (got.result or {}).get("PasswordPolicy") if got.error is None else None}
    return RawResource(type=IAM_PASSWORD_POLICY, urn=ident, name="account-password-policy", props=props,
                       source=SourceKind.LIVE, id=ident,
                       errors={"GetAccountPasswordPolicy": got.error} if got.error else {})


def _user(scope: Scope, iam: Any, u: dict[str, Any]) -> RawResource:
    name, arn = u["UserName"], u["Arn"]
    errors: dict[str, str] = {}
    profile = call(iam, "get_login_profile", absent=("NoSuchEntity",), UserName=name)
    if profile.error:
        errors["GetLoginProfile"] = profile.error
    login = (profile.result or {}).get("LoginProfile")
    keys, key_error = paginate(iam, "list_access_keys", "AccessKeyMetadata", UserName=name)
    if key_error:
        errors["ListAccessKeys"] = key_error
    mfa: list[dict[str, Any]] | None = None
    if login is not None:  # MFA matters for console sign-in only
        mfa, mfa_error = paginate(iam, "list_mfa_devices", "MFADevices", UserName=name)
        if mfa_error:
            errors["ListMFADevices"] = mfa_error
    props = {
        "arn": arn, "name": name, "account": scope.account, "region": None,
        "passwordLastUsed": _iso(u.get("PasswordLastUsed")),  # absent: no password was ever used
        "loginProfile": None if login is None else {"passwordResetRequired": login.get("PasswordResetRequired"),
                                                    "created": _iso(login.get("CreateDate"))},
        "accessKeys": [_access_key(scope, iam, k, errors) for k in keys],
        "mfaDevices": None if mfa is None else [d.get("SerialNumber") for d in mfa],
    }
    return RawResource(type=IAM_USER, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)


def _access_key(scope: Scope, iam: Any, k: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The key's metadata; an active key also gets `lastUsed` (None: never used). No `lastUsed` entry means it
    was not read: the key is inactive, the call failed or no selected control reads it (recorded in `errors`)."""
    key = {"id": k.get("AccessKeyId"), "status": k.get("Status"), "created": _iso(k.get("CreateDate"))}
    if k.get("Status") != "Active" or k.get("AccessKeyId") is None:
        return key
    if not scope.needs.wants(IAM_USER, "GetAccessKeyLastUsed"):
        errors.setdefault("GetAccessKeyLastUsed", skipped_reason(action_of(iam, "get_access_key_last_used")))
        return key
    got = call(iam, "get_access_key_last_used", AccessKeyId=k["AccessKeyId"])
    last = (got.result or {}).get("AccessKeyLastUsed")
    if got.error or not isinstance(last, dict):
        errors.setdefault("GetAccessKeyLastUsed",
                          got.error or malformed_reason("iam:GetAccessKeyLastUsed", "AccessKeyLastUsed"))
        return key
    key["lastUsed"] = _iso(last.get("LastUsedDate"))  # absent (ServiceName "N/A"): never used
    return key


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
