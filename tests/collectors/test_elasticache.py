"""The elasticache collector and the live elasticache.replication_group normalizer (ENC-19, TLS-04)."""

from __future__ import annotations

import boto3

from checks.model import Status
from tests.collectors.conftest import (
    ACCOUNT,
    REGION,
    assets_of,
    by_name,
    collect,
    restricted_session,
    scope,
    statuses,
    with_iam_enforced,
)
from tests.collectors.test_list_failures import answer

P, F, E, NA = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE


def make_caches(session: boto3.Session) -> str:
    """sessions: encrypted under a customer key, TLS; plain: neither; pages: a standalone Memcached cluster."""
    key = session.client("kms").create_key(Description="cache")["KeyMetadata"]["Arn"]
    ec = session.client("elasticache")
    ec.create_replication_group(ReplicationGroupId="sessions", ReplicationGroupDescription="sessions",
                                Engine="redis", CacheNodeType="cache.t3.micro", AtRestEncryptionEnabled=True,
                                KmsKeyId=key, TransitEncryptionEnabled=True)
    ec.create_replication_group(ReplicationGroupId="plain", ReplicationGroupDescription="plain", Engine="redis",
                                CacheNodeType="cache.t3.micro")
    ec.create_cache_cluster(CacheClusterId="pages", Engine="memcached", CacheNodeType="cache.t3.micro",
                            NumCacheNodes=1)
    return key


def test_caches_normalize_validate_and_evaluate(session: boto3.Session) -> None:
    key = make_caches(session)
    result = collect(scope(session), "elasticache")
    assert result.errors == () and all(r.errors == {} for r in result.resources)
    assets = assets_of(result)
    sessions = by_name(assets, "sessions")
    assert sessions.id == f"arn:aws:elasticache:{REGION}:{ACCOUNT}:replicationgroup:sessions"
    assert sessions.attributes == {
        "engine": "redis", "standalone": False,
        "encryption": {"enabled": True, "algorithm": "aws:kms", "kms_key_id": key, "customer_managed_key": True},
        "transit_encryption": {"enabled": True, "mode": "required"}}  # moto reports no mode: AWS's default
    assert by_name(assets, "pages").attributes["standalone"] is True
    assert statuses(assets, "ENC-19", "TLS-04") == {
        ("ENC-19", "sessions"): P, ("ENC-19", "plain"): F, ("ENC-19", "pages"): NA,
        ("TLS-04", "sessions"): P, ("TLS-04", "plain"): F, ("TLS-04", "pages"): F}


def test_preferred_transit_mode_fails_tls_04(session: boto3.Session) -> None:
    # moto does not keep TransitEncryptionMode: answer as AWS does
    group = {"ReplicationGroupId": "migrating", "ARN": f"arn:aws:elasticache:{REGION}:{ACCOUNT}:replicationgroup:m",
             "Engine": "valkey", "AtRestEncryptionEnabled": True, "TransitEncryptionEnabled": True,
             "TransitEncryptionMode": "preferred"}
    answer(session, {"elasticache:DescribeReplicationGroups": lambda: (200, {"ReplicationGroups": [group]})})
    assets = assets_of(collect(scope(session), "elasticache"))
    assert statuses(assets, "ENC-19", "TLS-04") == {("ENC-19", "migrating"): F, ("TLS-04", "migrating"): F}


def test_denied_cluster_list_is_a_list_failure_and_groups_are_kept(session: boto3.Session) -> None:
    make_caches(session)
    answer(session, {"elasticache:DescribeCacheClusters": lambda: (
        403, {"Error": {"Code": "AccessDenied", "Message": "denied"}})})
    result = collect(scope(session), "elasticache")
    assert [(f.operation, f.types) for f in result.errors] == [
        ("elasticache:DescribeCacheClusters", ("live:elasticache:replication_group",))]
    assert sorted(r.name for r in result.resources) == ["plain", "sessions"]


def test_denied_key_lookup_errors_enc_19_of_cmk_groups_only(session: boto3.Session) -> None:
    make_caches(session)
    baseline = statuses(assets_of(collect(scope(session), "elasticache")))
    restricted = restricted_session(session, ["kms:DescribeKey"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "elasticache")))
    got = statuses(assets)
    assert {k: s for k, s in got.items() if baseline[k] is not s} == {("ENC-19", "sessions"): E}
    assert by_name(assets, "sessions").errors == {"encryption.customer_managed_key": "AccessDenied kms:DescribeKey"}
