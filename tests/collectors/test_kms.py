"""The kms collector and the live kms.key normalizer against moto, evaluated with the real catalog."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from checks.collectors.base import ListFailure
from checks.model import SourceKind, Status
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    restricted_session,
    results,
    scope,
    statuses,
    throttle,
    with_iam_enforced,
)

OPEN_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
     "Resource": "*"},
    {"Sid": "anyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}
# a condition every HTTPS caller meets: anyone may decrypt (KEY-02 fails)
TRANSPORT_ONLY_POLICY = {"Version": "2012-10-17", "Statement": [
    OPEN_POLICY["Statement"][0],
    {"Sid": "anyoneOverTls", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
KEY_CONTROLS = ("KEY-01", "KEY-02", "KEY-03")


def make_keys(session: boto3.Session) -> dict[str, str]:
    """A key for every case, each named by an alias: alias/<case> -> key id."""
    kms = session.client("kms")
    ids: dict[str, str] = {}

    def key(alias: str, **kwargs: Any) -> str:
        key_id = kms.create_key(**kwargs)["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=f"alias/{alias}", TargetKeyId=key_id)
        ids[alias] = key_id
        return key_id

    kms.enable_key_rotation(KeyId=key("rotating"))
    key("static")
    kms.schedule_key_deletion(KeyId=key("doomed"), PendingWindowInDays=7)
    key("signing", KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    kms.enable_key_rotation(KeyId=key("open", Policy=json.dumps(OPEN_POLICY)))
    kms.disable_key(KeyId=key("disabled"))
    key("imported", Origin="EXTERNAL")  # key material to import: AWS cannot rotate it
    key("hsm", Origin="AWS_CLOUDHSM")  # moto needs no key store for it
    key("transport-only", Policy=json.dumps(TRANSPORT_ONLY_POLICY))
    ids["aws/s3"] = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"]  # created lazily by moto
    return ids


def test_live_keys_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    ids = make_keys(session)
    result = collect(scope(session), "kms")
    assert result.errors == ()
    assert all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    assert {a.name for a in assets} == {f"alias/{n}" for n in ids}
    rotating = by_name(assets, "alias/rotating")
    assert rotating.id == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{ids['rotating']}"
    assert (rotating.source, rotating.account, rotating.region, rotating.urn) == (SourceKind.LIVE, ACCOUNT, REGION,
                                                                                   None)
    a = rotating.attributes
    assert (a["manager"], a["spec"], a["usage"], a["state"], a["enabled"]) == (
        "customer", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Enabled", True)
    assert a["rotation"] == {"enabled": True, "period_days": 365}  # moto omits RotationPeriodInDays: AWS default
    assert a["policy_allows_anyone_unconditionally"] is False and a["policy"]["Statement"]
    assert by_name(assets, "alias/static").attributes["rotation"] == {"enabled": False, "period_days": None}
    doomed = by_name(assets, "alias/doomed").attributes
    assert (doomed["state"], doomed["pending_deletion"], doomed["enabled"]) == ("PendingDeletion", True, False)
    aws = by_name(assets, "alias/aws/s3").attributes  # moto says KeyManager CUSTOMER; the alias says AWS
    assert (aws["manager"], aws["rotation"]) == ("aws", {"enabled": True, "period_days": 365})
    signing = by_name(assets, "alias/signing").attributes
    assert (signing["spec"], signing["usage"], signing["rotation"]["enabled"]) == ("RSA_2048", "SIGN_VERIFY", False)
    assert by_name(assets, "alias/open").attributes["policy_allows_anyone_unconditionally"] is True

    imported = by_name(assets, "alias/imported").attributes
    assert (imported["origin"], imported["custom_key_store_id"], imported["rotation"]["enabled"]) == (
        "EXTERNAL", None, False)  # GetKeyRotationStatus is not asked: imported material cannot rotate
    assert (a["origin"], by_name(assets, "alias/hsm").attributes["origin"]) == ("AWS_KMS", "AWS_CLOUDHSM")
    assert by_name(assets, "alias/disabled").attributes["state"] == "Disabled"
    assert by_name(assets, "alias/transport-only").attributes["policy_allows_anyone_unconditionally"] is True

    got = statuses(assets, *KEY_CONTROLS)
    P, F, NA = Status.PASS, Status.FAIL, Status.NOT_APPLICABLE
    # KEY-01 leaves out keys that cannot rotate automatically (imported, CloudHSM), disabled keys and keys pending
    # deletion (KEY-03's finding): before, it failed alias/doomed, alias/disabled, alias/imported and alias/hsm
    assert got == {
        ("KEY-01", "alias/rotating"): P, ("KEY-01", "alias/static"): F, ("KEY-01", "alias/doomed"): NA,
        ("KEY-01", "alias/signing"): NA, ("KEY-01", "alias/open"): P, ("KEY-01", "alias/aws/s3"): NA,
        ("KEY-01", "alias/disabled"): NA, ("KEY-01", "alias/imported"): NA, ("KEY-01", "alias/hsm"): NA,
        ("KEY-01", "alias/transport-only"): F,
        ("KEY-02", "alias/rotating"): P, ("KEY-02", "alias/static"): P, ("KEY-02", "alias/doomed"): P,
        ("KEY-02", "alias/signing"): P, ("KEY-02", "alias/open"): F, ("KEY-02", "alias/aws/s3"): NA,
        ("KEY-02", "alias/disabled"): P, ("KEY-02", "alias/imported"): P, ("KEY-02", "alias/hsm"): P,
        ("KEY-02", "alias/transport-only"): F,
        ("KEY-03", "alias/rotating"): P, ("KEY-03", "alias/static"): P, ("KEY-03", "alias/doomed"): F,
        ("KEY-03", "alias/signing"): P, ("KEY-03", "alias/open"): P, ("KEY-03", "alias/aws/s3"): NA,
        ("KEY-03", "alias/disabled"): P, ("KEY-03", "alias/imported"): P, ("KEY-03", "alias/hsm"): P,
        ("KEY-03", "alias/transport-only"): P,
    }


def test_denied_rotation_status_makes_key_01_error_and_changes_nothing_else(session: boto3.Session) -> None:
    make_keys(session)
    baseline = statuses(assets_of(collect(scope(session), "kms")))
    restricted = restricted_session(session, ["kms:GetKeyRotationStatus"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "kms"))
    assert result.errors == ()
    raw = next(r for r in result.resources if r.name == "alias/static")
    assert set(raw.errors) == {"GetKeyRotationStatus"}
    assets = assets_of(result)
    static = by_name(assets, "alias/static")
    assert static.errors == {"rotation.enabled": "AccessDenied kms:GetKeyRotationStatus",
                             "rotation.period_days": "AccessDenied kms:GetKeyRotationStatus"}
    assert static.attributes["rotation"] == {"enabled": None, "period_days": None}
    got = results(assets)
    status, detail = got[("KEY-01", "alias/static")]
    assert status is Status.ERROR and detail is not None and "AccessDenied kms:GetKeyRotationStatus" in detail
    changed = {k for k, (s, _) in got.items() if baseline[k] is not s}
    # every enabled customer symmetric key of KMS's own material now errors on KEY-01 (AWS keys, the RSA, imported
    # and CloudHSM keys are not asked; the disabled key and the key pending deletion are not applicable before their
    # rotation is read); nothing else moves
    assert changed == {("KEY-01", n) for n in ("alias/rotating", "alias/static", "alias/open",
                                               "alias/transport-only")}


def test_denied_list_keys_is_a_scan_level_error(session: boto3.Session) -> None:
    make_keys(session)
    restricted = restricted_session(session, ["kms:ListKeys"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "kms"))
    assert result.resources == ()
    assert result.errors == (ListFailure(
        ACCOUNT, REGION, "kms:ListKeys", "AccessDenied kms:ListKeys", ("live:kms:key",)),)


@pytest.mark.usefixtures("no_backoff")
def test_throttled_call_is_retried_then_succeeds(session: boto3.Session) -> None:
    session.client("kms").create_key()
    sc = scope(session)
    seen = throttle(sc.client("kms"), "GetKeyRotationStatus", times=2)  # FAST allows 2 retries
    result = collect(sc, "kms")
    assert len(seen) == 3
    assert [r.errors for r in result.resources] == [{}]


@pytest.mark.usefixtures("no_backoff")
def test_persistent_throttling_is_recorded_and_key_01_errors(session: boto3.Session) -> None:
    session.client("kms").create_key()
    sc = scope(session)
    seen = throttle(sc.client("kms"), "GetKeyRotationStatus", times=100)
    assets = assets_of(collect(sc, "kms"))
    assert len(seen) == 3  # one attempt and FAST's two retries
    reason = "Throttled kms:GetKeyRotationStatus (still throttled after retries)"
    assert assets[0].errors["rotation.enabled"] == reason
    status, detail = next(iter(results(assets, "KEY-01").values()))
    assert status is Status.ERROR and detail is not None and reason in detail


@pytest.mark.parametrize("operation", ["DescribeKey", "GetKeyPolicy"])
def test_other_denied_key_calls_map_to_their_attributes(session: boto3.Session, operation: str) -> None:
    make_keys(session)
    restricted = restricted_session(session, [f"kms:{operation}"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "kms")))
    static = by_name(assets, "alias/static")
    if operation == "DescribeKey":
        assert {"manager", "spec", "rotation.enabled"} <= set(static.errors)
        assert {s for (c, n), s in statuses(assets).items() if n == "alias/static"} == {Status.ERROR}
    else:
        assert set(static.errors) == {"policy", "policy_allows_anyone_unconditionally"}
        assert statuses(assets, "KEY-02")[("KEY-02", "alias/static")] is Status.ERROR
