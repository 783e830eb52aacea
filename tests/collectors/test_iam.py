"""The iam collector and the live iam.password_policy / iam.user normalizers (IAM-01, IAM-02, IAM-03)."""

from __future__ import annotations

import datetime as dt

import boto3
from moto.iam.models import AccessKeyLastUsed, iam_backends

from checks.catalog.loader import load_catalog
from checks.collectors import iam as iam_collector  # noqa: F401  (registers the collector)
from checks.engine import evaluate
from checks.model import Asset, Status
from tests.collectors.conftest import (
    ACCOUNT,
    assets_of,
    by_name,
    collect,
    restricted_session,
    scope,
    statuses,
    with_iam_enforced,
)

P, F, E, NA = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE
STRONG = {"MinimumPasswordLength": 14, "PasswordReusePrevention": 24, "MaxPasswordAge": 90,
          "RequireSymbols": True, "RequireNumbers": True, "RequireUppercaseCharacters": True,
          "RequireLowercaseCharacters": True, "AllowUsersToChangePassword": True}


def make_users(session: boto3.Session) -> None:
    """alice: console + MFA; bob: console, no MFA; ci: access key only; retired: an inactive key only."""
    iam = session.client("iam")
    for name in ("alice", "bob", "ci", "retired"):
        iam.create_user(UserName=name)
    for name in ("alice", "bob"):
        iam.create_login_profile(UserName=name, Password="Correct-Horse-Battery-1")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    iam.enable_mfa_device(UserName="alice", SerialNumber=device["SerialNumber"], AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    iam.create_access_key(UserName="ci")
    key = iam.create_access_key(UserName="retired")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="retired", AccessKeyId=key, Status="Inactive")


def users(assets: list[Asset]) -> list[Asset]:
    return [a for a in assets if a.kind == "iam.user"]


def evaluated_at(assets: list[Asset], now: dt.datetime, *controls: str) -> dict[tuple[str, str], Status]:
    catalog = load_catalog()
    ev = evaluate([catalog.controls[c] for c in controls], assets, now=now, templates=catalog.templates)
    return {(f.control_id, f.asset_name): f.status for f in ev.findings}


def test_users_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    make_users(session)
    result = collect(scope(session), "iam")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    alice = by_name(assets, "alice")
    assert alice.id == f"arn:aws:iam::{ACCOUNT}:user/alice" and alice.account == ACCOUNT and alice.region is None
    created = alice.attributes["password_unused_since"]  # never used: counts from the login profile's creation
    assert created is not None and days_ago(created) == 0
    assert alice.attributes == {"user_name": "alice", "console_access": True, "password_reset_required": False,
                                "mfa_enabled": True, "access_keys": [], "oldest_active_access_key_created": None,
                                "password_last_used": None, "password_unused_since": created,
                                "stalest_credential": "console password", "stalest_credential_unused_since": created}
    ci = by_name(assets, "ci").attributes
    assert (ci["console_access"], ci["mfa_enabled"], ci["password_reset_required"]) == (False, None, None)
    assert ci["access_keys"][0]["status"] == "Active" and ci["access_keys"][0]["pending_creation"] is False
    assert ci["oldest_active_access_key_created"] == ci["access_keys"][0]["created"]
    assert by_name(assets, "retired").attributes["oldest_active_access_key_created"] is None
    assert statuses(users(assets), "IAM-02", "IAM-03") == {
        ("IAM-02", "alice"): P, ("IAM-02", "bob"): P, ("IAM-02", "ci"): P, ("IAM-02", "retired"): P,
        ("IAM-03", "alice"): P, ("IAM-03", "bob"): F, ("IAM-03", "ci"): NA, ("IAM-03", "retired"): NA}
    # moto cannot backdate a key: evaluate 100 days later, when ci's active key is too old
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=100)
    assert evaluated_at(users(assets), later, "IAM-02") == {
        ("IAM-02", "alice"): P, ("IAM-02", "bob"): P, ("IAM-02", "ci"): F, ("IAM-02", "retired"): P}


def test_no_password_policy_is_aws_default_and_fails_iam_01(session: boto3.Session) -> None:
    assets = assets_of(collect(scope(session), "iam"))
    policy = by_name(assets, "account-password-policy")
    assert policy.id == f"iam-account-password-policy:{ACCOUNT}" and policy.errors == {}
    assert policy.attributes == {
        "minimum_length": 8, "require_symbols": False, "require_numbers": False, "require_uppercase": False,
        "require_lowercase": False, "reuse_prevention": 0, "max_age_days": None, "expire_passwords": False,
        "allow_users_to_change": False, "hard_expiry": False}
    assert statuses(assets, "IAM-01") == {("IAM-01", "account-password-policy"): F}


def test_password_policy_strong_passes_and_weak_fails(session: boto3.Session) -> None:
    iam = session.client("iam")
    iam.update_account_password_policy(**STRONG)
    assets = assets_of(collect(scope(session), "iam"))
    policy = by_name(assets, "account-password-policy").attributes
    assert (policy["minimum_length"], policy["reuse_prevention"], policy["max_age_days"]) == (14, 24, 90)
    assert (policy["expire_passwords"], policy["allow_users_to_change"], policy["require_symbols"]) == (
        True, True, True)
    assert statuses(assets, "IAM-01") == {("IAM-01", "account-password-policy"): P}
    iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)  # never expires
    assert statuses(assets_of(collect(scope(session), "iam")), "IAM-01") == {
        ("IAM-01", "account-password-policy"): F}


def test_denied_mfa_devices_errors_iam_03_of_console_users_only(session: boto3.Session) -> None:
    make_users(session)
    restricted = restricted_session(session, ["iam:ListMFADevices"])  # adds the user "scanner"
    baseline = statuses(assets_of(collect(scope(session), "iam")))
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "iam")))
    assert by_name(assets, "bob").errors == {"mfa_enabled": "AccessDenied iam:ListMFADevices"}
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {("IAM-03", "alice"): E, ("IAM-03", "bob"): E}


def test_denied_password_policy_errors_iam_01(session: boto3.Session) -> None:
    restricted = restricted_session(session, ["iam:GetAccountPasswordPolicy"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "iam")))
    policy = by_name(assets, "account-password-policy")
    assert policy.errors["minimum_length"] == "AccessDenied iam:GetAccountPasswordPolicy"
    assert statuses(assets, "IAM-01") == {("IAM-01", "account-password-policy"): E}


def test_denied_access_keys_errors_iam_02_and_iam_11_only(session: boto3.Session) -> None:
    make_users(session)
    restricted = restricted_session(session, ["iam:ListAccessKeys"])
    baseline = statuses(assets_of(collect(scope(session), "iam")))
    got = statuses(assets_of(with_iam_enforced(lambda: collect(scope(restricted), "iam"))))
    changed = {k: s for k, s in got.items() if baseline[k] is not s}
    # IAM-11 needs the keys too: whether a user has an active key decides whether it applies
    assert changed == {(c, n): E for c in ("IAM-02", "IAM-11") for n in ("alice", "bob", "ci", "retired", "scanner")}


# --- IAM-11: credentials unused for 45 days or more -----------------------------------------------------------------

def days_ago(stamp: str) -> int:
    return (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(stamp)).days


def make_usage(session: boto3.Session) -> None:
    """moto cannot sign in or backdate through the API: its backend objects are set directly (moto documents
    `last_used`, `password_last_used` and `create_date` as settable). The login profile's CreateDate is the user's
    in moto."""
    iam = session.client("iam")
    now = dt.datetime.now(dt.UTC)
    users = {"recent": (200, None), "stale": (100, None), "console-recent": (300, 5), "console-never": (60, None),
             "console-new": (0, None), "console-reset": (10, 100), "retired": (400, None), "nobody": (400, None)}
    for name in users:
        iam.create_user(UserName=name)
    for name in ("console-recent", "console-never", "console-new", "console-reset"):
        iam.create_login_profile(UserName=name, Password="Correct-Horse-Battery-1")
    for name in ("recent", "stale", "retired"):
        iam.create_access_key(UserName=name)
    key = iam.list_access_keys(UserName="retired")["AccessKeyMetadata"][0]["AccessKeyId"]
    iam.update_access_key(UserName="retired", AccessKeyId=key, Status="Inactive")
    backend = iam_backends[ACCOUNT]["aws"]
    for name, (created_days, password_days) in users.items():
        user = backend.users[name]
        user.create_date = now - dt.timedelta(days=created_days)
        if password_days is not None:
            user.password_last_used = now - dt.timedelta(days=password_days)  # type: ignore[assignment]  # moto types it None
        for k in user.access_keys:
            k.create_date = now - dt.timedelta(days=created_days)
    backend.users["recent"].access_keys[0].last_used = AccessKeyLastUsed(
        timestamp=now - dt.timedelta(days=3), service="s3", region="us-east-1")


def test_unused_credentials_fail_iam_11(session: boto3.Session) -> None:
    make_usage(session)
    result = collect(scope(session), "iam")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    recent = by_name(assets, "recent").attributes
    [key] = recent["access_keys"]
    assert days_ago(key["last_used"]) == 3 and key["unused_since"] == key["last_used"]
    assert recent["stalest_credential"] == f"access key {key['id']}"
    [stale] = by_name(assets, "stale").attributes["access_keys"]
    assert stale["last_used"] is None and stale["unused_since"] == stale["created"]  # never used: since creation
    reset = by_name(assets, "console-reset").attributes  # used before the current login profile was created
    assert days_ago(reset["password_last_used"]) == 100 and days_ago(reset["password_unused_since"]) == 10
    [inactive] = by_name(assets, "retired").attributes["access_keys"]
    assert (inactive["last_used"], inactive["unused_since"]) == (None, None)  # not read: already disabled
    assert statuses(users(assets), "IAM-11") == {
        ("IAM-11", "recent"): P, ("IAM-11", "stale"): F, ("IAM-11", "console-recent"): P,
        ("IAM-11", "console-never"): F, ("IAM-11", "console-new"): P, ("IAM-11", "console-reset"): P,
        ("IAM-11", "retired"): NA, ("IAM-11", "nobody"): NA}
    findings = {f.asset_name: f.message for f in evaluate(
        [load_catalog().controls["IAM-11"]], users(assets), now=dt.datetime.now(dt.UTC),
        templates=load_catalog().templates).findings}
    assert findings["stale"] == (f"IAM user stale has an active access key {stale['id']} not used since "
                                 f"{stale['created']}, 45 days or more ago")
    assert findings["console-never"].startswith("IAM user console-never has an active console password not used since")


def test_denied_access_key_last_used_errors_iam_11_of_key_users_only(session: boto3.Session) -> None:
    make_usage(session)
    restricted = restricted_session(session, ["iam:GetAccessKeyLastUsed"])  # adds "scanner", with an active key
    baseline = statuses(assets_of(collect(scope(session), "iam")))
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "iam")))
    denied = "AccessDenied iam:GetAccessKeyLastUsed"
    assert by_name(assets, "stale").errors == {p: denied for p in (
        "access_keys[].last_used", "access_keys[].unused_since", "stalest_credential",
        "stalest_credential_unused_since")}
    [key] = by_name(assets, "stale").attributes["access_keys"]
    assert (key["last_used"], key["unused_since"]) == (None, None)  # never filled in from the creation date
    assert by_name(assets, "retired").errors == {} and by_name(assets, "console-never").errors == {}
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {
        ("IAM-11", n): E for n in ("recent", "stale", "scanner")}
