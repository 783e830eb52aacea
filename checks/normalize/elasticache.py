"""elasticache.replication_group from aws:elasticache/replicationGroup:ReplicationGroup, and from a standalone
aws:elasticache/cluster:Cluster (one without replication_group_id); live from the elasticache collector.

A cluster that joins a replication group (replication_group_id set) is one of the group's nodes: the group is
judged, the cluster gives no asset. A standalone node-based cluster cannot be encrypted at rest (AWS offers at-rest
encryption only on replication groups and serverless caches; CreateCacheCluster has no such parameter) and only a
Memcached cluster can use TLS (transit_encryption_enabled, Memcached 1.6.12 and later).

Defaults: engine redis (provider); at-rest encryption off for redis, on for valkey (provider); TLS off (AWS's
CreateReplicationGroup default); with TLS on and no transit_encryption_mode, AWS uses `required` (the mode exists
to migrate clients: `preferred` also accepts plain connections). Without kms_key_id, ElastiCache encrypts under a
key it owns, which does not appear in the account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import ELASTICACHE_REPLICATION_GROUP
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, blank, first_set, register, tri_map, unwrap
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.raw import RawResource

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CLUSTER = "aws:elasticache/cluster:Cluster"
KIND = "elasticache.replication_group"

NOT_ENCRYPTED = {"enabled": False, "algorithm": None, "kms_key_id": None, "customer_managed_key": False}


def _transit(enabled: Any, mode: Any) -> dict[str, Any]:
    """TLS on the endpoints; a mode is only meaningful while TLS is on (AWS's default then: required)."""
    return {"enabled": enabled, "mode": tri_map(enabled, lambda on: first_set(mode, "required") if on else None)}


@register(REPLICATION_GROUP)
def replication_group(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder(KIND, raw)
    engine = unwrap(first_set(blank(p.get("engine")), "redis"))  # provider default
    b.set("engine", engine)
    b.set("standalone", False)
    # provider default: off for redis, on for valkey
    at_rest = unwrap(first_set(p.get("atRestEncryptionEnabled"), tri_map(engine, lambda e: e == "valkey")))
    if at_rest is UNKNOWN:
        b.set("encryption", dict.fromkeys(NOT_ENCRYPTED, UNKNOWN))
    elif at_rest:
        key = blank(p.get("kmsKeyId"))  # absent: a key ElastiCache owns (AWS reports none)
        b.set("encryption", {"enabled": True, "algorithm": "aws:kms", "kms_key_id": key,
                             "customer_managed_key": customer_managed_key_value(raw, key, "kmsKeyId", index)})
    else:
        b.set("encryption", NOT_ENCRYPTED)
    b.set("transit_encryption", _transit(unwrap(first_set(p.get("transitEncryptionEnabled"), False)),
                                         blank(p.get("transitEncryptionMode"))))
    return [b.build()]


@register(CLUSTER)
def cluster(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    if blank(p.get("replicationGroupId")) is not None:
        return []  # a node of a replication group (known or not yet): the group is judged
    b = AssetBuilder(KIND, raw)
    b.set("engine", first_set(blank(p.get("engine")), UNKNOWN))  # required for a standalone cluster
    b.set("standalone", True)
    b.set("encryption", NOT_ENCRYPTED)  # no at-rest encryption exists for a standalone node-based cluster
    b.set("transit_encryption", _transit(unwrap(first_set(p.get("transitEncryptionEnabled"), False)), None))
    return [b.build()]


@register(ELASTICACHE_REPLICATION_GROUP)
def live_replication_group(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder(KIND, raw)
    b.set("engine", p.get("engine"))
    b.set("standalone", bool(p.get("standalone")))
    b.set("encryption", key_encryption("aws:kms", p.get("kmsKeyId"), p.get("keyManager"))
          if p.get("atRestEncryptionEnabled") else NOT_ENCRYPTED)
    b.set("transit_encryption", _transit(bool(p.get("transitEncryptionEnabled")), p.get("transitEncryptionMode")))
    apply_call_errors(b, raw, {"DescribeKey": KEY})
    return [build_live(b, raw, tags=p.get("tags") or {})]
