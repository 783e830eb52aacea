"""kms.key: key policy facts (KEY-02), origin and state (KEY-01) in the planned and state views, evaluated with the
real catalog."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import replace
from typing import Any

import pytest

from checks.catalog.loader import Catalog, load_catalog
from checks.engine import evaluate
from checks.live_types import KMS_KEY
from checks.model import UNKNOWN, Asset, SourceKind, Status
from checks.normalize.kms.policy import policy_facts
from tests.normalize.conftest import make_raw, one, run_normalize, urn

KEY = "aws:kms/key:Key"
EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
ROOT = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}


@functools.cache
def catalog() -> Catalog:
    return load_catalog()


def status(asset: Asset, control: str) -> Status:
    catalog = globals()["catalog"]()
    [finding] = evaluate([catalog.controls[control]], [asset], now=NOW, templates=catalog.templates).findings
    return finding.status


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [ROOT, *statements]})


def anyone(condition: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
                                 "Resource": "*", **extra}
    if condition is not None:
        statement["Condition"] = condition
    return statement


OPEN = [
    anyone(),
    {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"},
    anyone({"Bool": {"aws:SecureTransport": "true"}}),
    anyone({"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}),
    anyone({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
    anyone({"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}}),
    anyone({"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": ["o-abc123/r-ab12/ou-1"]}}),
    anyone({"StringLike": {"aws:PrincipalArn": "*"}}),
    anyone({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app"}}),
    anyone({"StringLike": {"aws:PrincipalAccount": ["111122223333", "*"]}}),
    anyone({"StringLike": {"aws:PrincipalOrgID": "o-*"}}),
    anyone({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}),
    anyone({"Null": {"aws:PrincipalOrgID": "false"}}),
    anyone({"StringEquals": {"kms:EncryptionContextKeys": "tenant"}}),
    {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/blocked"}, "Action": "kms:*",
     "Resource": "*"},
]
RESTRICTED = [
    anyone({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
    anyone({"StringEquals": {"aws:principalaccount": "111122223333"}}),  # condition keys are case-insensitive
    anyone({"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "s3.eu-west-1.amazonaws.com"}}),
    anyone({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-*"}}),
    anyone({"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::audit-bucket"}}),
    anyone({"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}),
    anyone({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}),
    anyone({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc123/r-ab12/ou-*"}}),
    anyone({"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:SourceAccount": "111122223333"}}),
    {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"},
    {"Effect": "Allow", "Principal": {"Service": "logs.eu-west-1.amazonaws.com"}, "Action": "kms:Encrypt*",
     "Resource": "*"},
]


@pytest.mark.parametrize("statement", OPEN, ids=lambda s: json.dumps(s.get("Condition") or s.get("Principal")
                                                                     or "NotPrincipal"))
def test_statement_open_to_anyone_fails_key_02_planned_and_state(statement: dict[str, Any]) -> None:
    assert policy_facts(json.loads(policy(statement)))["allows_anyone_unconditionally"] is True
    planned = make_raw(KEY, "k", {"policy": policy(statement)})
    asset = one(run_normalize(planned), "kms.key")
    assert asset.attributes["policy_allows_anyone_unconditionally"] is True
    assert status(asset, "KEY-02") is Status.FAIL
    state = replace(make_raw(KEY, "k", {"policy": policy(statement), "arn": "arn:aws:kms:eu-west-1:1:key/k"},
                             source=SourceKind.STATE, id="k"), input_keys=frozenset({"policy"}))
    assert status(one(run_normalize(state), "kms.key"), "KEY-02") is Status.FAIL


@pytest.mark.parametrize("statement", RESTRICTED, ids=lambda s: json.dumps(s.get("Condition") or s.get("Effect")))
def test_statement_restricting_the_caller_passes_key_02(statement: dict[str, Any]) -> None:
    asset = one(run_normalize(make_raw(KEY, "k", {"policy": policy(statement)})), "kms.key")
    assert asset.attributes["policy_allows_anyone_unconditionally"] is False
    assert status(asset, "KEY-02") is Status.PASS


def test_standalone_key_policy_and_unknown_policy() -> None:
    key = make_raw(KEY, "k")
    side = make_raw(KEY_POLICY, "kp", {"keyId": UNKNOWN, "policy": policy(anyone({"Bool": {
        "aws:SecureTransport": "true"}}))}, deps={"keyId": [key.urn]})
    assert status(one(run_normalize(key, side), "kms.key"), "KEY-02") is Status.FAIL
    unknown = one(run_normalize(make_raw(KEY, "k", {"policy": UNKNOWN})), "kms.key")
    assert status(unknown, "KEY-02") is Status.UNKNOWN


def test_planned_key_origin_and_state() -> None:
    a = one(run_normalize(make_raw(KEY, "k", {"enableKeyRotation": True})), "kms.key").attributes
    assert (a["origin"], a["custom_key_store_id"], a["state"], a["enabled"]) == ("AWS_KMS", None, "Enabled", True)
    hsm = one(run_normalize(make_raw(KEY, "k", {"customKeyStoreId": "cks-1"})), "kms.key").attributes
    assert (hsm["origin"], hsm["custom_key_store_id"]) == ("AWS_CLOUDHSM", "cks-1")
    xks = one(run_normalize(make_raw(KEY, "k", {"customKeyStoreId": "cks-2", "xksKeyId": "ext-1"})),
              "kms.key").attributes
    assert xks["origin"] == "EXTERNAL_KEY_STORE"
    store = one(run_normalize(make_raw(KEY, "k", {"customKeyStoreId": UNKNOWN}, deps={
        "customKeyStoreId": [urn("aws:cloudhsmv2/cluster:Cluster", "c")]})), "kms.key")
    assert {"origin", "custom_key_store_id"} <= store.unknown


@pytest.mark.parametrize(("token", "props", "expected"), [
    (KEY, {"enableKeyRotation": True}, Status.PASS),
    (KEY, {}, Status.FAIL),
    (KEY, {"isEnabled": False}, Status.NOT_APPLICABLE),  # disabled: protects no new data
    (KEY, {"customKeyStoreId": "cks-1"}, Status.NOT_APPLICABLE),  # CloudHSM key store: cannot rotate automatically
    (KEY, {"customKeyStoreId": "cks-2", "xksKeyId": "ext-1"}, Status.NOT_APPLICABLE),
    (KEY, {"isEnabled": UNKNOWN}, Status.UNKNOWN),
    (EXTERNAL_KEY, {"keyMaterialBase64": "c2VjcmV0LWtleS1tYXRlcmlhbC0zMmJ5dGVzLi4uLi4="}, Status.NOT_APPLICABLE),
    (EXTERNAL_KEY, {}, Status.NOT_APPLICABLE),  # pending import
])
@pytest.mark.parametrize("source", [SourceKind.PLANNED, SourceKind.STATE])
def test_key_01_judges_only_enabled_keys_that_can_rotate(token: str, props: dict[str, Any], expected: Status,
                                                        source: SourceKind) -> None:
    raw = make_raw(token, "k", props, source=source, id="k" if source is SourceKind.STATE else None)
    if source is SourceKind.STATE:
        raw = replace(raw, input_keys=frozenset(props))
    assert status(one(run_normalize(raw), "kms.key"), "KEY-01") is expected


def test_external_key_in_state_reads_its_key_state() -> None:
    raw = replace(make_raw(EXTERNAL_KEY, "k", {"keyState": "PendingImport", "enabled": False},
                           source=SourceKind.STATE, id="k"), input_keys=frozenset())
    a = one(run_normalize(raw), "kms.key").attributes
    assert (a["origin"], a["state"], a["rotation"]["enabled"]) == ("EXTERNAL", "PendingImport", False)


def live_key(meta: dict[str, Any], rotation: dict[str, Any] | None = None, **props: Any) -> Asset:
    arn = "arn:aws:kms:eu-west-1:111122223333:key/k"
    raw = make_raw(KMS_KEY, "k", {"arn": arn, "keyId": "k", "region": "eu-west-1", "account": "111122223333",
                                  "metadata": {"KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT",
                                               "KeyState": "Enabled", "Enabled": True, "Origin": "AWS_KMS",
                                               **meta},
                                  "rotation": rotation, "policy": None, "aliases": [], **props},
                   source=SourceKind.LIVE, id=arn)
    return one(run_normalize(raw), "kms.key")


@pytest.mark.parametrize(("meta", "rotation", "expected"), [
    ({}, {"enabled": True, "period_days": 365}, Status.PASS),
    ({}, {"enabled": False, "period_days": None}, Status.FAIL),
    ({"KeyState": "Disabled", "Enabled": False}, {"enabled": False, "period_days": None}, Status.NOT_APPLICABLE),
    ({"KeyState": "PendingDeletion", "Enabled": False}, {"enabled": False, "period_days": None},
     Status.NOT_APPLICABLE),
    ({"Origin": "EXTERNAL"}, None, Status.NOT_APPLICABLE),
    ({"Origin": "EXTERNAL_KEY_STORE", "CustomKeyStoreId": "cks-2"}, None, Status.NOT_APPLICABLE),
])
def test_live_key_01_reads_origin_and_key_state(meta: dict[str, Any], rotation: dict[str, Any] | None,
                                                expected: Status) -> None:
    asset = live_key(meta, rotation)
    assert asset.attributes["origin"] == meta.get("Origin", "AWS_KMS")
    assert asset.attributes["custom_key_store_id"] == meta.get("CustomKeyStoreId")
    assert status(asset, "KEY-01") is expected


def test_live_key_02_shares_the_planned_policy_judgement() -> None:
    open_policy = policy(anyone({"Bool": {"aws:SecureTransport": "true"}}))
    assert status(live_key({}, {"enabled": True, "period_days": 365}, policy=open_policy), "KEY-02") is Status.FAIL
    org = policy(anyone({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}))
    assert status(live_key({}, {"enabled": True, "period_days": 365}, policy=org), "KEY-02") is Status.PASS
