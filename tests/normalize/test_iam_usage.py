"""iam.user credential use (IAM-11) in the planned and state views: the last use of a console password or an
access key is known only live, so it is UNKNOWN for every active credential a program declares, never a guess."""

from __future__ import annotations

import datetime as dt

from checks.catalog.loader import load_catalog
from checks.engine import evaluate
from checks.model import UNKNOWN, Asset, SourceKind, Status
from tests.normalize.conftest import make_raw, one, run_normalize, urn

USER = "aws:iam/user:User"
PROFILE = "aws:iam/userLoginProfile:UserLoginProfile"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
STATE = SourceKind.STATE
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
USAGE = {"password_last_used", "password_unused_since", "stalest_credential", "stalest_credential_unused_since"}


def iam_11(asset: Asset) -> Status:
    catalog = load_catalog()
    [finding] = evaluate([catalog.controls["IAM-11"]], [asset], now=NOW, templates=catalog.templates).findings
    return finding.status


def test_planned_console_user_last_use_is_unknown() -> None:
    raws = [make_raw(USER, "alice", {"name": "alice"}),
            make_raw(PROFILE, "alice-login", {"user": UNKNOWN}, deps={"user": [urn(USER, "alice")]})]
    asset = one(run_normalize(*raws), "iam.user")
    assert {k: asset.attributes[k] for k in USAGE} == dict.fromkeys(USAGE)
    assert USAGE <= asset.unknown
    assert iam_11(asset) is Status.UNKNOWN


def test_planned_key_created_by_this_update_last_use_is_unknown() -> None:
    raws = [make_raw(USER, "ci", {"name": "ci"}),
            make_raw(ACCESS_KEY, "ci-key", {"user": UNKNOWN}, deps={"user": [urn(USER, "ci")]})]
    asset = one(run_normalize(*raws), "iam.user")
    assert asset.attributes["access_keys"] == [{"id": None, "status": "Active", "created": None,
                                                "pending_creation": True, "last_used": None, "unused_since": None}]
    assert {"access_keys[].last_used", "access_keys[].unused_since", "stalest_credential",
            "stalest_credential_unused_since"} <= asset.unknown
    assert "password_last_used" not in asset.unknown and asset.attributes["password_unused_since"] is None
    assert iam_11(asset) is Status.UNKNOWN


def test_user_without_credentials_is_not_applicable_and_nothing_is_unknown() -> None:
    asset = one(run_normalize(make_raw(USER, "svc", {"name": "svc"})), "iam.user")
    assert {k: asset.attributes[k] for k in USAGE} == dict.fromkeys(USAGE) and not asset.unknown
    assert iam_11(asset) is Status.NOT_APPLICABLE


def test_state_key_created_date_is_known_but_its_last_use_is_not() -> None:
    raws = [make_raw(USER, "bob", {"name": "bob"}, source=STATE, id="bob"),
            make_raw(ACCESS_KEY, "k1", {"user": "bob", "status": "Active", "createDate": "2024-03-01T10:00:00Z"},
                     source=STATE, id="AKIAOLD")]
    asset = one(run_normalize(*raws), "iam.user")
    [key] = asset.attributes["access_keys"]
    assert key["created"] == "2024-03-01T10:00:00Z" and key["last_used"] is None
    assert {"access_keys[].last_used", "access_keys[].unused_since", "stalest_credential_unused_since"} <= asset.unknown
    assert "access_keys[].created" not in asset.unknown
    assert iam_11(asset) is Status.UNKNOWN


def test_state_inactive_key_only_is_not_applicable() -> None:
    raws = [make_raw(USER, "old", {"name": "old"}, source=STATE, id="old"),
            make_raw(ACCESS_KEY, "k", {"user": "old", "status": "Inactive", "createDate": "2020-01-01T00:00:00Z"},
                     source=STATE, id="AKIAINACTIVE")]
    asset = one(run_normalize(*raws), "iam.user")
    [key] = asset.attributes["access_keys"]
    assert (key["last_used"], key["unused_since"], asset.attributes["stalest_credential"]) == (None, None, None)
    assert not asset.unknown  # an inactive key is already disabled: its last use does not matter
    assert iam_11(asset) is Status.NOT_APPLICABLE


def test_state_key_of_unknown_status_is_unknown() -> None:
    raws = [make_raw(USER, "c", {"name": "c"}, source=STATE, id="c"),
            make_raw(ACCESS_KEY, "k", {"user": "c", "status": UNKNOWN, "createDate": "2020-01-01T00:00:00Z"},
                     source=STATE, id="AKIA1")]
    asset = one(run_normalize(*raws), "iam.user")
    assert {"access_keys[].status", "access_keys[].last_used", "stalest_credential_unused_since"} <= asset.unknown
    assert iam_11(asset) is Status.UNKNOWN


def test_live_key_without_a_read_last_use_or_creation_date_is_never_a_pass() -> None:
    """A collector answer missing what IAM-11 needs (no `lastUsed` read, no CreateDate) is unknown, not passing."""
    for key in ({"id": "AKIA1", "status": "Active", "created": "2026-11-20T00:00:00Z"},
                {"id": "AKIA1", "status": "Active", "created": None, "lastUsed": None}):
        raw = make_raw("live:iam:user", "u", {"name": "u", "arn": "arn:aws:iam::1:user/u", "account": "1",
                                              "region": None, "loginProfile": None, "accessKeys": [key]},
                       source=SourceKind.LIVE, id="arn:aws:iam::1:user/u")
        asset = one(run_normalize(raw), "iam.user")
        assert {"access_keys[].unused_since", "stalest_credential_unused_since"} <= asset.unknown
        assert iam_11(asset) is Status.UNKNOWN
