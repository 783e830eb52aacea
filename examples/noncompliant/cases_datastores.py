"""Cases of the non-compliant example for the catalog's data store controls: EFS, ElastiCache and OpenSearch (see
__main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws


def declare(shared: dict[str, Any]) -> None:
    """Declare this area's cases; `shared` is the main program's namespace (its VPC, subnets, keys, ...)."""
    prefix: str = shared["prefix"]
    tags: dict[str, str] = shared["tags"]
    data_key: aws.kms.Key = shared["data_key"]

    # compliant: encrypted under the customer-managed data key
    aws.efs.FileSystem("uploads", creation_token=f"{prefix}-uploads", encrypted=True, kms_key_id=data_key.arn,
                       tags=tags)
    # FAILS ENC-18: `encrypted` left out: the file system is created unencrypted
    aws.efs.FileSystem("exports", creation_token=f"{prefix}-exports", tags=tags)
    # FAILS ENC-21: encrypted, but under the AWS-managed key aws/elasticfilesystem
    aws.efs.FileSystem("renders", creation_token=f"{prefix}-renders", encrypted=True, tags=tags)

    # FAILS ENC-19, TLS-04: redis defaults: no encryption at rest, plain connections
    aws.elasticache.ReplicationGroup("sessions", replication_group_id=f"{prefix}-sessions",
                                     description="web sessions", engine="redis", node_type="cache.t4g.small",
                                     num_cache_clusters=2, automatic_failover_enabled=True, tags=tags)
    # FAILS ENC-19, TLS-04: a key ElastiCache owns; TLS in `preferred` mode still accepts plain connections
    aws.elasticache.ReplicationGroup("rate-limits", replication_group_id=f"{prefix}-rate-limits",
                                     description="rate limiter", engine="valkey", node_type="cache.t4g.small",
                                     num_cache_clusters=1, transit_encryption_enabled=True,
                                     transit_encryption_mode="preferred", tags=tags)

    # FAILS ENC-20, TLS-05: no encrypt_at_rest or node_to_node_encryption; HTTP allowed, TLS 1.0 accepted
    aws.opensearch.Domain("search", domain_name=f"{prefix}-search", engine_version="OpenSearch_2.13",
                          cluster_config={"instance_type": "t3.small.search", "instance_count": 1},
                          ebs_options={"ebs_enabled": True, "volume_size": 10},
                          domain_endpoint_options={"enforce_https": False,
                                                   "tls_security_policy": "Policy-Min-TLS-1-0-2019-07"},
                          tags=tags)
