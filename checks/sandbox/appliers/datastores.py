"""Data-store appliers: EFS file systems, ElastiCache (subnet groups, replication groups, standalone clusters) and
OpenSearch / Elasticsearch domains, with their encryption at rest and in transit.

Where moto 5.2.5 differs from AWS:
- an encrypted file system created without a key reports no `KmsKeyId` (AWS reports aws/elasticfilesystem's ARN);
  the outputs carry what moto reported, so the state has no key, as the sandbox has none.
- it does not apply the provider's default of at-rest encryption for a valkey replication group: the applier sends
  it, as the provider does.
- CreateCacheCluster ignores `ReplicationGroupId`: the node would be listed as a standalone cluster (judged as one,
  while the program declares a node of a group), so a cluster that joins a group is `Unsupported`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.sandbox.context import Applier, ApplyContext, Outputs, Unsupported, drop_none, tag_list


def file_system(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    efs = ctx.client("efs")
    token = ctx.physical_name(props, "creationToken", max_len=64)
    tags = tag_list(props)
    made = efs.create_file_system(CreationToken=token, **drop_none(
        Encrypted=props.get("encrypted"), KmsKeyId=props.get("kmsKeyId"), PerformanceMode=props.get("performanceMode"),
        ThroughputMode=props.get("throughputMode"),
        ProvisionedThroughputInMibps=props.get("provisionedThroughputInMibps"),
        AvailabilityZoneName=props.get("availabilityZoneName"), Tags=tags or None))
    fs_id = made["FileSystemId"]
    return fs_id, {"arn": made.get("FileSystemArn") or ctx.arn("elasticfilesystem", f"file-system/{fs_id}"),
                   "creationToken": token, "encrypted": bool(made.get("Encrypted")), "kmsKeyId": made.get("KmsKeyId"),
                   "dnsName": f"{fs_id}.efs.{ctx.region}.amazonaws.com", "ownerId": made.get("OwnerId")}


def cache_subnet_group(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=255).lower()
    tags = tag_list(props)
    group = ctx.client("elasticache").create_cache_subnet_group(
        CacheSubnetGroupName=name, CacheSubnetGroupDescription=props.get("description") or "Managed by Pulumi",
        SubnetIds=list(props["subnetIds"]), **drop_none(Tags=tags or None))["CacheSubnetGroup"]
    return name, {"arn": group.get("ARN") or ctx.arn("elasticache", f"subnetgroup:{name}"), "name": name,
                  "vpcId": group.get("VpcId")}


# Pulumi prop -> CreateReplicationGroup / CreateCacheCluster parameter (the ones both share)
CACHE_ARGS = (
    ("engine", "Engine"), ("engineVersion", "EngineVersion"), ("nodeType", "CacheNodeType"),
    ("parameterGroupName", "CacheParameterGroupName"), ("subnetGroupName", "CacheSubnetGroupName"),
    ("securityGroupIds", "SecurityGroupIds"), ("port", "Port"), ("snapshotRetentionLimit", "SnapshotRetentionLimit"),
    ("snapshotWindow", "SnapshotWindow"), ("maintenanceWindow", "PreferredMaintenanceWindow"),
    ("notificationTopicArn", "NotificationTopicArn"), ("autoMinorVersionUpgrade", "AutoMinorVersionUpgrade"),
    ("transitEncryptionEnabled", "TransitEncryptionEnabled"), ("networkType", "NetworkType"),
    ("ipDiscovery", "IpDiscovery"),
)
GROUP_ARGS = (
    ("numCacheClusters", "NumCacheClusters"), ("numNodeGroups", "NumNodeGroups"),
    ("replicasPerNodeGroup", "ReplicasPerNodeGroup"), ("automaticFailoverEnabled", "AutomaticFailoverEnabled"),
    ("multiAzEnabled", "MultiAZEnabled"), ("atRestEncryptionEnabled", "AtRestEncryptionEnabled"),
    ("kmsKeyId", "KmsKeyId"), ("transitEncryptionMode", "TransitEncryptionMode"), ("authToken", "AuthToken"),
    ("preferredCacheClusterAzs", "PreferredCacheClusterAZs"), ("dataTieringEnabled", "DataTieringEnabled"),
)


def _args(props: Mapping[str, Any], *tables: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    args = {api: props[key] for table in tables for key, api in table if props.get(key) is not None}
    if isinstance(args.get("EngineVersion"), (int, float)):
        args["EngineVersion"] = str(args["EngineVersion"])
    return args


def replication_group(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    group_id = ctx.physical_name(props, "replicationGroupId", max_len=40).lower()
    args = _args(props, CACHE_ARGS, GROUP_ARGS)
    if props.get("engine") == "valkey" and props.get("atRestEncryptionEnabled") is None:
        args["AtRestEncryptionEnabled"] = True  # provider default for valkey (moto leaves it off)
    tags = tag_list(props)
    group = ctx.client("elasticache").create_replication_group(
        ReplicationGroupId=group_id, ReplicationGroupDescription=props.get("description") or "Managed by Pulumi",
        **args, **drop_none(Tags=tags or None))["ReplicationGroup"]
    primary = ((group.get("NodeGroups") or [{}])[0].get("PrimaryEndpoint") or {}).get("Address")
    return group_id, {
        "arn": group.get("ARN") or ctx.arn("elasticache", f"replicationgroup:{group_id}"),
        "engine": group.get("Engine"), "memberClusters": group.get("MemberClusters"),
        "atRestEncryptionEnabled": group.get("AtRestEncryptionEnabled"), "kmsKeyId": group.get("KmsKeyId"),
        "transitEncryptionEnabled": group.get("TransitEncryptionEnabled"),
        "transitEncryptionMode": group.get("TransitEncryptionMode"), "primaryEndpointAddress": primary}


def cache_cluster(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    if props.get("replicationGroupId"):
        raise Unsupported("moto 5.2.5 ignores ReplicationGroupId in CreateCacheCluster: the node would be listed as "
                          "a standalone cluster")
    cluster_id = ctx.physical_name(props, "clusterId", max_len=50).lower()
    tags = tag_list(props)
    made = ctx.client("elasticache").create_cache_cluster(
        CacheClusterId=cluster_id, **_args(props, CACHE_ARGS), **drop_none(
            NumCacheNodes=props.get("numCacheNodes"), AZMode=props.get("azMode"),
            PreferredAvailabilityZone=props.get("availabilityZone"),
            PreferredAvailabilityZones=props.get("preferredAvailabilityZones"), Tags=tags or None))["CacheCluster"]
    return cluster_id, {"arn": made.get("ARN") or ctx.arn("elasticache", f"cluster:{cluster_id}"),
                        "engine": made.get("Engine"), "transitEncryptionEnabled": made.get("TransitEncryptionEnabled")}


def _domain_options(props: Mapping[str, Any]) -> dict[str, Any]:
    """The encryption, network and size options OpenSearch and Elasticsearch domains share (Pulumi -> API)."""
    cluster = props.get("clusterConfig") or {}
    ebs = props.get("ebsOptions") or {}
    at_rest = props.get("encryptAtRest") or {}
    n2n = props.get("nodeToNodeEncryption") or {}
    endpoint = props.get("domainEndpointOptions")
    vpc = props.get("vpcOptions") or {}
    tags = tag_list(props)
    return drop_none(
        ClusterConfig=drop_none(
            InstanceType=cluster.get("instanceType"), InstanceCount=cluster.get("instanceCount"),
            DedicatedMasterEnabled=cluster.get("dedicatedMasterEnabled"),
            DedicatedMasterType=cluster.get("dedicatedMasterType"),
            DedicatedMasterCount=cluster.get("dedicatedMasterCount"),
            ZoneAwarenessEnabled=cluster.get("zoneAwarenessEnabled")) or None,
        EBSOptions=drop_none(EBSEnabled=ebs.get("ebsEnabled"), VolumeSize=ebs.get("volumeSize"),
                             VolumeType=ebs.get("volumeType"), Iops=ebs.get("iops")) or None,
        EncryptionAtRestOptions=drop_none(Enabled=at_rest.get("enabled"), KmsKeyId=at_rest.get("kmsKeyId")) or None,
        NodeToNodeEncryptionOptions=drop_none(Enabled=n2n.get("enabled")) or None,
        # inside the block, enforce_https defaults to true (provider); without the block AWS decides
        DomainEndpointOptions=drop_none(
            EnforceHTTPS=endpoint.get("enforceHttps", True), TLSSecurityPolicy=endpoint.get("tlsSecurityPolicy"),
            CustomEndpointEnabled=endpoint.get("customEndpointEnabled"), CustomEndpoint=endpoint.get("customEndpoint"),
            CustomEndpointCertificateArn=endpoint.get("customEndpointCertificateArn")) if endpoint else None,
        VPCOptions=drop_none(SubnetIds=vpc.get("subnetIds"), SecurityGroupIds=vpc.get("securityGroupIds")) or None,
        AccessPolicies=props.get("accessPolicies"), AdvancedOptions=props.get("advancedOptions"),
        TagList=tags or None)


def _domain_outputs(status: Mapping[str, Any], name: str) -> Outputs:
    """The outputs, with the encryption and endpoint blocks as the sandbox reports them (computed by AWS when the
    program leaves them out, as in a real state)."""
    at_rest = status.get("EncryptionAtRestOptions") or {}
    endpoint = status.get("DomainEndpointOptions") or {}
    return {"arn": status["ARN"], "domainName": name, "domainId": status.get("DomainId"),
            "endpoint": status.get("Endpoint"),
            "encryptAtRest": drop_none(enabled=bool(at_rest.get("Enabled")), kmsKeyId=at_rest.get("KmsKeyId")),
            "nodeToNodeEncryption": {"enabled": bool((status.get("NodeToNodeEncryptionOptions") or {}).get("Enabled"))},
            "domainEndpointOptions": drop_none(
                enforceHttps=endpoint.get("EnforceHTTPS"), tlsSecurityPolicy=endpoint.get("TLSSecurityPolicy"),
                customEndpointEnabled=endpoint.get("CustomEndpointEnabled")) or None}


def opensearch_domain(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, "domainName", max_len=28).lower()
    status = ctx.client("opensearch").create_domain(
        DomainName=name, **drop_none(EngineVersion=props.get("engineVersion")),
        **_domain_options(props))["DomainStatus"]
    return status["ARN"], _domain_outputs(status, name)  # Pulumi's id of a domain is its ARN


def elasticsearch_domain(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, "domainName", max_len=28).lower()
    options = _domain_options(props)
    if "ClusterConfig" in options:
        options["ElasticsearchClusterConfig"] = options.pop("ClusterConfig")
    status = ctx.client("es").create_elasticsearch_domain(
        DomainName=name, **drop_none(ElasticsearchVersion=props.get("elasticsearchVersion")), **options)["DomainStatus"]
    return status["ARN"], _domain_outputs(status, name)


APPLIERS: dict[str, Applier] = {
    "aws:efs/fileSystem:FileSystem": file_system,
    "aws:elasticache/subnetGroup:SubnetGroup": cache_subnet_group,
    "aws:elasticache/replicationGroup:ReplicationGroup": replication_group,
    "aws:elasticache/cluster:Cluster": cache_cluster,
    "aws:opensearch/domain:Domain": opensearch_domain,
    "aws:elasticsearch/domain:Domain": elasticsearch_domain,
}
