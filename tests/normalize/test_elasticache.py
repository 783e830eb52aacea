"""elasticache.replication_group: replication groups and standalone clusters, at rest and in transit
(ENC-19, TLS-04), planned and state."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from checks.catalog.loader import load_catalog
from checks.engine import evaluate
from checks.model import UNKNOWN, Asset, SourceKind, Status
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize, urn

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CLUSTER = "aws:elasticache/cluster:Cluster"
KEY = "aws:kms/key:Key"
CMK = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-aaaa-bbbb-cccc-1234567890ab"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
P, F, U, NA = Status.PASS, Status.FAIL, Status.UNKNOWN, Status.NOT_APPLICABLE


def _status(asset: Asset, control: str) -> Status:
    catalog = load_catalog()
    [finding] = evaluate([catalog.controls[control]], [asset], now=NOW, templates=catalog.templates).findings
    return finding.status


def _statuses(*raws: RawResource) -> tuple[Status, Status]:
    asset = one(run_normalize(*raws), "elasticache.replication_group")
    return _status(asset, "ENC-19"), _status(asset, "TLS-04")


@pytest.mark.parametrize(("props", "expected"), [
    ({}, (F, F)),  # redis by default: no encryption at rest, no TLS
    ({"engine": "valkey"}, (F, F)),  # valkey encrypts at rest by default, under a key ElastiCache owns
    ({"atRestEncryptionEnabled": True, "kmsKeyId": CMK, "transitEncryptionEnabled": True}, (P, P)),
    ({"atRestEncryptionEnabled": True, "kmsKeyId": CMK, "transitEncryptionEnabled": True,
      "transitEncryptionMode": "preferred"}, (P, F)),  # plain connections still accepted
    ({"atRestEncryptionEnabled": UNKNOWN, "transitEncryptionEnabled": UNKNOWN}, (U, U)),
    ({"engine": UNKNOWN, "transitEncryptionEnabled": True}, (U, U)),  # engine decides the defaults
])
def test_replication_group_defaults(props: dict[str, Any], expected: tuple[Status, Status]) -> None:
    assert _statuses(make_raw(GROUP, "sessions", {"description": "sessions", **props})) == expected


def test_valkey_default_encryption_attributes() -> None:
    a = one(run_normalize(make_raw(GROUP, "sessions", {"engine": "valkey"})), "elasticache.replication_group")
    assert a.attributes == {
        "engine": "valkey", "standalone": False,
        "encryption": {"enabled": True, "algorithm": "aws:kms", "kms_key_id": None, "customer_managed_key": False},
        "transit_encryption": {"enabled": False, "mode": None}}


def test_declared_key_through_dependencies() -> None:
    raws = [make_raw(KEY, "cache"), make_raw(GROUP, "sessions", {
        "atRestEncryptionEnabled": True, "kmsKeyId": UNKNOWN, "transitEncryptionEnabled": True},
        deps={"kmsKeyId": [urn(KEY, "cache")]})]
    assert _statuses(*raws) == (P, P)


def test_standalone_clusters_and_group_members() -> None:
    redis = make_raw(CLUSTER, "queue", {"engine": "redis", "nodeType": "cache.t3.micro", "numCacheNodes": 1})
    memcached = make_raw(CLUSTER, "pages", {"engine": "memcached", "transitEncryptionEnabled": True})
    member = make_raw(CLUSTER, "replica", {"replicationGroupId": UNKNOWN}, deps={"replicationGroupId": [
        urn(GROUP, "sessions")]})
    assets = run_normalize(redis, memcached, member)
    assert sorted(a.name for a in assets if a.kind == "elasticache.replication_group") == ["pages", "queue"]
    assert _statuses(redis) == (F, F)  # no at-rest encryption exists for a standalone cluster
    assert _statuses(memcached) == (NA, P)


@pytest.mark.parametrize(("inputs", "expected"), [
    (frozenset({"atRestEncryptionEnabled", "kmsKeyId"}), P),  # a key of another stack, named by the program
    (None, P),
])
def test_state_view_literal_key(inputs: frozenset[str] | None, expected: Status) -> None:
    raw = make_raw(GROUP, "sessions", {"engine": "redis", "atRestEncryptionEnabled": True, "kmsKeyId": CMK,
                                       "transitEncryptionEnabled": True, "transitEncryptionMode": "required"},
                   source=SourceKind.STATE, id="sessions")
    assert _statuses(replace(raw, input_keys=inputs)) == (expected, P)


def test_state_view_without_key_is_the_service_owned_key() -> None:
    raw = make_raw(GROUP, "sessions", {"engine": "redis", "atRestEncryptionEnabled": True, "kmsKeyId": "",
                                       "transitEncryptionEnabled": False}, source=SourceKind.STATE, id="sessions")
    assert _statuses(raw) == (F, F)
