"""iam.password_policy and iam.user: defaults, console access, MFA, access key ages."""

from __future__ import annotations

from checks.model import UNKNOWN, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize, urn

POLICY = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
USER = "aws:iam/user:User"
PROFILE = "aws:iam/userLoginProfile:UserLoginProfile"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
MFA = "aws:iam/virtualMfaDevice:VirtualMfaDevice"
STATE = SourceKind.STATE


def test_password_policy_unset_fields_take_iam_defaults() -> None:
    asset = one(run_normalize(make_raw(POLICY, "pw")), "iam.password_policy")
    assert asset.attributes == {
        "minimum_length": 6, "require_symbols": False, "require_numbers": False, "require_uppercase": False,
        "require_lowercase": False, "reuse_prevention": 0, "max_age_days": None, "expire_passwords": False,
        "allow_users_to_change": True, "hard_expiry": False}


def test_strict_password_policy_and_state_zero_values() -> None:
    strict = {"minimumPasswordLength": 14, "requireSymbols": True, "requireNumbers": True,
              "requireUppercaseCharacters": True, "requireLowercaseCharacters": True, "passwordReusePrevention": 24,
              "maxPasswordAge": 90, "allowUsersToChangePassword": True, "hardExpiry": False}
    a = one(run_normalize(make_raw(POLICY, "pw", strict)), "iam.password_policy").attributes
    assert (a["minimum_length"], a["reuse_prevention"], a["max_age_days"], a["expire_passwords"]) == (14, 24, 90, True)
    state = {**strict, "maxPasswordAge": 0, "expirePasswords": False}
    a = one(run_normalize(make_raw(POLICY, "pw", state, source=STATE, id="iam-account-password-policy")),
            "iam.password_policy").attributes
    assert (a["max_age_days"], a["expire_passwords"]) == (None, False)


def test_user_without_login_profile_has_no_console_access_and_mfa_is_irrelevant() -> None:
    asset = one(run_normalize(make_raw(USER, "ci", {"name": "ci"})), "iam.user")
    assert (asset.attributes["console_access"], asset.attributes["mfa_enabled"]) == (False, None)
    assert asset.attributes["access_keys"] == [] and asset.attributes["oldest_active_access_key_created"] is None
    assert not asset.unknown


def test_planned_console_user_mfa_is_unknown_and_new_keys_are_pending() -> None:
    user_urn = urn(USER, "alice")
    raws = [make_raw(USER, "alice", {"name": "alice"}),
            make_raw(PROFILE, "alice-login", {"user": UNKNOWN, "passwordResetRequired": True},
                     deps={"user": [user_urn]}),
            make_raw(ACCESS_KEY, "alice-key", {"user": UNKNOWN}, deps={"user": [user_urn]})]
    asset = one(run_normalize(*raws), "iam.user")
    a = asset.attributes
    assert (a["console_access"], a["password_reset_required"], a["mfa_enabled"]) == (True, True, None)
    assert "mfa_enabled" in asset.unknown
    assert a["access_keys"] == [{"id": None, "status": "Active", "created": None, "pending_creation": True,
                                 "last_used": None, "unused_since": None}]  # last use: unknown (IAM-11)
    assert a["oldest_active_access_key_created"] is None and "oldest_active_access_key_created" not in asset.unknown


def test_state_user_keys_mfa_device_and_oldest_active_key() -> None:
    raws = [make_raw(USER, "bob", {"name": "bob", "arn": "arn:aws:iam::1:user/bob"}, source=STATE, id="bob"),
            make_raw(PROFILE, "bob-login", {"user": "bob"}, source=STATE, id="bob"),
            make_raw(MFA, "bob-mfa", {"userName": "bob", "enableDate": "2024-01-02T00:00:00Z"}, source=STATE),
            make_raw(ACCESS_KEY, "k1", {"user": "bob", "status": "Active", "createDate": "2024-03-01T10:00:00Z"},
                     source=STATE, id="AKIAOLD"),
            make_raw(ACCESS_KEY, "k2", {"user": "bob", "status": "Inactive", "createDate": "2020-01-01T00:00:00Z"},
                     source=STATE, id="AKIAINACTIVE"),
            make_raw(ACCESS_KEY, "k3", {"user": "bob", "createDate": "2025-06-01T00:00:00Z"}, source=STATE,
                     id="AKIANEW")]
    asset = one(run_normalize(*raws), "iam.user")
    a = asset.attributes
    assert (a["console_access"], a["mfa_enabled"]) == (True, True)
    assert [k["id"] for k in a["access_keys"]] == ["AKIAOLD", "AKIAINACTIVE", "AKIANEW"]
    assert a["oldest_active_access_key_created"] == "2024-03-01T10:00:00Z"  # the inactive older key is ignored
    assert asset.unknown == {"password_last_used", "password_unused_since", "access_keys[].last_used",
                             "access_keys[].unused_since", "stalest_credential",
                             "stalest_credential_unused_since"}  # when a credential was last used: only live


def test_unknown_key_status_makes_the_oldest_active_key_unknown() -> None:
    raws = [make_raw(USER, "c", {"name": "c"}, source=STATE, id="c"),
            make_raw(ACCESS_KEY, "k", {"user": "c", "status": UNKNOWN, "createDate": "2020-01-01T00:00:00Z"},
                     source=STATE, id="AKIA1")]
    asset = one(run_normalize(*raws), "iam.user")
    assert {"access_keys[].status", "oldest_active_access_key_created"} <= asset.unknown
