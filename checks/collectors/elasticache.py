"""ElastiCache caches of one account and region: describe_replication_groups (batch; encryption at rest and in
transit come with it), describe_cache_clusters for the standalone clusters (those in no replication group; the
nodes of a group are judged with it), and who manages each group's KMS key (once per key).

Tags (ListTagsForResource, one call per cache) are not read: no control of this kind needs them.
"""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import ELASTICACHE_REPLICATION_GROUP
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("elasticache:DescribeReplicationGroups", "elasticache:DescribeCacheClusters", *KEY_OPERATIONS)
TYPE = ELASTICACHE_REPLICATION_GROUP


@collector("elasticache", OPERATIONS, types=(TYPE,))
def collect(scope: Scope) -> CollectResult:
    ec = scope.client("elasticache")
    groups, list_error = paginate(ec, "describe_replication_groups", "ReplicationGroups")
    errors = listed(scope, "elasticache:DescribeReplicationGroups", list_error, TYPE)
    groups, malformed = well_formed(scope, "elasticache:DescribeReplicationGroups", groups, ("ReplicationGroupId",),
                                    TYPE)
    errors += malformed
    clusters, cluster_error = paginate(ec, "describe_cache_clusters", "CacheClusters")
    errors += listed(scope, "elasticache:DescribeCacheClusters", cluster_error, TYPE)
    clusters, malformed = well_formed(scope, "elasticache:DescribeCacheClusters", clusters, ("CacheClusterId",), TYPE)
    errors += malformed
    keys = KeyManagers(scope)
    resources = [*scope.map(lambda g: _group(scope, g, keys), groups),
                 *(_cluster(scope, c) for c in clusters if not c.get("ReplicationGroupId"))]
    return CollectResult(tuple(resources), tuple(errors))


def _group(scope: Scope, g: dict[str, Any], keys: KeyManagers) -> RawResource:
    errors: dict[str, str] = {}
    name = g["ReplicationGroupId"]
    arn = g.get("ARN") or f"arn:aws:elasticache:{scope.region}:{scope.account}:replicationgroup:{name}"
    key = g.get("KmsKeyId") if g.get("AtRestEncryptionEnabled") else None
    manager, key_error = keys.manager(key)
    if key_error:
        errors["DescribeKey"] = key_error
    props = {
        "arn": arn, "name": name, "region": scope.region, "account": scope.account, "standalone": False,
        "engine": g.get("Engine"), "atRestEncryptionEnabled": bool(g.get("AtRestEncryptionEnabled")),
        "kmsKeyId": key, "keyManager": manager,
        "transitEncryptionEnabled": bool(g.get("TransitEncryptionEnabled")),
        "transitEncryptionMode": g.get("TransitEncryptionMode"),
    }
    return RawResource(type=TYPE, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn, errors=errors)


def _cluster(scope: Scope, c: dict[str, Any]) -> RawResource:
    name = c["CacheClusterId"]
    arn = c.get("ARN") or f"arn:aws:elasticache:{scope.region}:{scope.account}:cluster:{name}"
    props = {
        "arn": arn, "name": name, "region": scope.region, "account": scope.account, "standalone": True,
        "engine": c.get("Engine"), "atRestEncryptionEnabled": bool(c.get("AtRestEncryptionEnabled")),
        "kmsKeyId": None, "keyManager": None,  # a standalone cluster has no at-rest encryption, so no key
        "transitEncryptionEnabled": bool(c.get("TransitEncryptionEnabled")),
        "transitEncryptionMode": c.get("TransitEncryptionMode"),
    }
    return RawResource(type=TYPE, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn, errors={})
