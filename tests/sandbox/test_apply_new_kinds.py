"""`sandbox apply` of the data-store and messaging kinds (SQS, SNS, Kinesis, EFS, ElastiCache, OpenSearch and
Elasticsearch): a small program declaring one compliant resource of each is created in an in-process moto server
with the encryption it declares, and a live scan of the sandbox gives the same verdicts for ENC-15..ENC-21, TLS-04
and TLS-05 as the planned check of the program (and as the check of the state the apply wrote)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checks.flows.check import CheckRequest, run_check
from checks.flows.scan import ScanRequest, run_scan
from checks.model import UNKNOWN, SourceKind, Status
from checks.raw import RawResource
from checks.report import Report
from checks.sandbox import running_sandbox
from checks.sandbox.apply import ApplyResult, Outcome, _Deployer, apply_program
from checks.sandbox.context import Sandbox
from tests.aws_env import fake_aws_env

REGION = "eu-west-1"
ACCOUNT = "123456789012"
CONTROLS = ("ENC-15", "ENC-16", "ENC-17", "ENC-18", "ENC-19", "ENC-20", "ENC-21", "TLS-04", "TLS-05")
SERVICES = ("sqs", "sns", "kinesis", "efs", "elasticache", "opensearch")
NAMES = {"orders", "notices", "telemetry", "uploads", "sessions", "tokens", "search", "legacy-search"}

PROGRAM = '''
import pulumi_aws as aws

key = aws.kms.Key("data", description="data key", enable_key_rotation=True)
aws.sqs.Queue("orders", name="orders", kms_master_key_id=key.arn, tags={"env": "test"})
aws.sns.Topic("notices", name="notices", kms_master_key_id=key.arn)
aws.kinesis.Stream("telemetry", name="telemetry", shard_count=1, retention_period=48, encryption_type="KMS",
                   kms_key_id=key.arn)
aws.efs.FileSystem("uploads", creation_token="uploads", encrypted=True, kms_key_id=key.arn, tags={"Name": "uploads"})
aws.elasticache.ReplicationGroup("sessions", replication_group_id="sessions", description="web sessions",
                                 engine="redis", node_type="cache.t4g.small", num_cache_clusters=2,
                                 automatic_failover_enabled=True, at_rest_encryption_enabled=True, kms_key_id=key.arn,
                                 transit_encryption_enabled=True, transit_encryption_mode="required")
aws.elasticache.Cluster("tokens", cluster_id="tokens", engine="memcached", engine_version="1.6.22",
                        node_type="cache.t4g.small", num_cache_nodes=1, transit_encryption_enabled=True)
aws.opensearch.Domain("search", domain_name="search", engine_version="OpenSearch_2.13",
                      cluster_config={"instance_type": "t3.small.search", "instance_count": 1},
                      ebs_options={"ebs_enabled": True, "volume_size": 10},
                      encrypt_at_rest={"enabled": True, "kms_key_id": key.arn},
                      node_to_node_encryption={"enabled": True},
                      domain_endpoint_options={"enforce_https": True,
                                               "tls_security_policy": "Policy-Min-TLS-1-2-PFS-2023-10"})
aws.elasticsearch.Domain("legacy-search", domain_name="legacy-search", elasticsearch_version="7.10",
                         cluster_config={"instance_type": "t3.small.elasticsearch", "instance_count": 1},
                         ebs_options={"ebs_enabled": True, "volume_size": 10},
                         encrypt_at_rest={"enabled": True, "kms_key_id": key.arn},
                         node_to_node_encryption={"enabled": True},
                         domain_endpoint_options={"enforce_https": True,
                                                  "tls_security_policy": "Policy-Min-TLS-1-2-2019-07"})
'''

# every resource above is compliant: each control passes, except ENC-19 on the Memcached cluster (not applicable)
EXPECTED = {
    ("ENC-15", "orders"): Status.PASS, ("ENC-16", "notices"): Status.PASS, ("ENC-17", "telemetry"): Status.PASS,
    ("ENC-18", "uploads"): Status.PASS, ("ENC-21", "uploads"): Status.PASS,
    ("ENC-19", "sessions"): Status.PASS, ("ENC-19", "tokens"): Status.NOT_APPLICABLE,
    ("TLS-04", "sessions"): Status.PASS, ("TLS-04", "tokens"): Status.PASS,
    ("ENC-20", "search"): Status.PASS, ("TLS-05", "search"): Status.PASS,
    ("ENC-20", "legacy-search"): Status.PASS, ("TLS-05", "legacy-search"): Status.PASS,
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        fake_aws_env(mp)
        with running_sandbox(region=REGION) as info:
            yield info


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("datastores")
    (folder / "Pulumi.yaml").write_text("name: datastores\nruntime:\n  name: python\n")
    (folder / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: {REGION}\n")
    (folder / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    return folder


@pytest.fixture(scope="module")
def applied(sandbox: Any, program: Path, tmp_path_factory: pytest.TempPathFactory) -> ApplyResult:
    return apply_program(program, sandbox.session(), sandbox.endpoint,
                         tmp_path_factory.mktemp("apply") / "state.json")


def _applied(result: ApplyResult, type_: str, name: str) -> Outcome:
    found = [o for o in result.applied if o.type == type_ and o.name == name]
    assert len(found) == 1, f"{type_} {name} not applied: {result.problems()} {result.unsupported}"
    return found[0]


def _verdicts(report: Report) -> dict[tuple[str, str], Status]:
    return {(f.control_id, f.asset_name): f.status for f in report.findings
            if f.control_id in CONTROLS and f.asset_name in NAMES}


def test_every_resource_is_applied(applied: ApplyResult) -> None:
    assert applied.problems() == [] and applied.unsupported == []
    assert len(applied.applied) == 9


def test_messaging_created_with_their_encryption(applied: ApplyResult, sandbox: Any) -> None:
    session = sandbox.session(REGION)
    key = _applied(applied, "aws:kms/key:Key", "data").outputs["arn"]
    queue = _applied(applied, "aws:sqs/queue:Queue", "orders")
    assert queue.id == queue.outputs["url"] and queue.outputs["arn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"
    assert "sqsManagedSseEnabled" not in queue.outputs  # moto also reports SSE-SQS beside the key: not written
    attributes = session.client("sqs").get_queue_attributes(QueueUrl=queue.id, AttributeNames=["All"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == key
    assert session.client("sqs").list_queue_tags(QueueUrl=queue.id)["Tags"] == {"env": "test"}
    topic = _applied(applied, "aws:sns/topic:Topic", "notices")
    assert topic.id == topic.outputs["arn"] == f"arn:aws:sns:{REGION}:{ACCOUNT}:notices"
    assert session.client("sns").get_topic_attributes(TopicArn=topic.id)["Attributes"]["KmsMasterKeyId"] == key
    stream = _applied(applied, "aws:kinesis/stream:Stream", "telemetry")
    summary = session.client("kinesis").describe_stream_summary(StreamName="telemetry")["StreamDescriptionSummary"]
    assert stream.id == summary["StreamARN"]
    assert (summary["EncryptionType"], summary["KeyId"], summary["RetentionPeriodHours"]) == ("KMS", key, 48)


def test_data_stores_created_with_their_encryption(applied: ApplyResult, sandbox: Any) -> None:
    session = sandbox.session(REGION)
    key = _applied(applied, "aws:kms/key:Key", "data").outputs["arn"]
    fs_id = _applied(applied, "aws:efs/fileSystem:FileSystem", "uploads").id
    fs = session.client("efs").describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
    assert (fs["Encrypted"], fs["KmsKeyId"], fs["CreationToken"], fs["Name"]) == (True, key, "uploads", "uploads")
    cache = session.client("elasticache")
    group = cache.describe_replication_groups(ReplicationGroupId="sessions")["ReplicationGroups"][0]
    assert (group["AtRestEncryptionEnabled"], group["KmsKeyId"], group["TransitEncryptionEnabled"],
            group["TransitEncryptionMode"]) == (True, key, True, "required")
    cluster = cache.describe_cache_clusters(CacheClusterId="tokens")["CacheClusters"][0]
    assert (cluster["Engine"], cluster["TransitEncryptionEnabled"], cluster.get("ReplicationGroupId")) == (
        "memcached", True, None)
    for name, policy in (("search", "Policy-Min-TLS-1-2-PFS-2023-10"), ("legacy-search", "Policy-Min-TLS-1-2-2019-07")):
        domain = session.client("opensearch").describe_domains(DomainNames=[name])["DomainStatusList"][0]
        assert domain["EncryptionAtRestOptions"] == {"Enabled": True, "KmsKeyId": key}
        assert domain["NodeToNodeEncryptionOptions"] == {"Enabled": True}
        assert domain["DomainEndpointOptions"]["EnforceHTTPS"] is True
        assert domain["DomainEndpointOptions"]["TLSSecurityPolicy"] == policy
    es = _applied(applied, "aws:elasticsearch/domain:Domain", "legacy-search")
    assert es.id == es.outputs["arn"] == f"arn:aws:es:{REGION}:{ACCOUNT}:domain/legacy-search"


def test_scan_of_the_sandbox_gives_the_planned_verdicts(applied: ApplyResult, sandbox: Any, program: Path) -> None:
    planned = _verdicts(run_check(CheckRequest(program_dir=program)))
    state = _verdicts(run_check(CheckRequest(state=applied.state_file)))
    live = _verdicts(run_scan(ScanRequest(session=sandbox.session(REGION), endpoint_url=sandbox.endpoint,
                                          regions=(REGION,), services=SERVICES, max_workers=2)))
    assert planned == EXPECTED
    assert state == EXPECTED
    assert live == EXPECTED


# ---------------------------------------------------------------- what moto cannot emulate, or emulates differently


def _raw(type_: str, name: str, props: dict[str, Any], **deps: tuple[str, ...]) -> RawResource:
    return RawResource(type=type_, urn=f"urn:pulumi:t::p::{type_}::{name}", name=name, props=props,
                       source=SourceKind.PLANNED, property_dependencies=deps)


def _deploy(sandbox: Any, *resources: RawResource) -> dict[str, Outcome]:
    box = Sandbox(session=sandbox.session(REGION), endpoint_url=sandbox.endpoint, region=REGION, account_id=ACCOUNT)
    return {o.name: o for o in _Deployer(list(resources), box, lambda known: {}).deploy()}


def test_cluster_in_a_replication_group_is_unsupported(applied: ApplyResult, sandbox: Any) -> None:
    group = _raw("aws:elasticache/replicationGroup:ReplicationGroup", "cache",
                 {"replicationGroupId": "cache", "description": "d", "nodeType": "cache.t4g.small"})
    node = _raw("aws:elasticache/cluster:Cluster", "cache-node", {"clusterId": "cache-node",
                                                                  "replicationGroupId": UNKNOWN},
                replicationGroupId=(group.urn,))
    got = _deploy(sandbox, group, node)
    assert got["cache"].status == "applied"
    assert got["cache-node"].status == "unsupported"
    assert got["cache-node"].reason == ("moto 5.2.5 ignores ReplicationGroupId in CreateCacheCluster: the node would "
                                        "be listed as a standalone cluster")
    ids = [c["CacheClusterId"] for c in sandbox.session(REGION).client("elasticache").describe_cache_clusters()[
        "CacheClusters"]]
    assert "cache-node" not in ids


def test_valkey_group_gets_the_provider_default_at_rest_encryption(applied: ApplyResult, sandbox: Any) -> None:
    got = _deploy(sandbox, _raw("aws:elasticache/replicationGroup:ReplicationGroup", "limits",
                                {"replicationGroupId": "limits", "description": "d", "engine": "valkey",
                                 "nodeType": "cache.t4g.small"}))
    assert got["limits"].status == "applied" and got["limits"].outputs["atRestEncryptionEnabled"] is True


def test_domain_endpoint_block_enforces_https_by_default(applied: ApplyResult, sandbox: Any) -> None:
    got = _deploy(sandbox, _raw("aws:opensearch/domain:Domain", "logs-search",
                                {"domainName": "logs-search",
                                 "domainEndpointOptions": {"tlsSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"}}))
    assert got["logs-search"].status == "applied"
    endpoint = sandbox.session(REGION).client("opensearch").describe_domains(DomainNames=["logs-search"])[
        "DomainStatusList"][0]["DomainEndpointOptions"]
    assert (endpoint["EnforceHTTPS"], endpoint["TLSSecurityPolicy"]) == (True, "Policy-Min-TLS-1-2-2019-07")


def test_domain_outputs_carry_what_the_sandbox_computed(applied: ApplyResult, sandbox: Any) -> None:
    """Without the blocks, AWS (here moto) decides the endpoint options: the state holds its answer, as a real one."""
    got = _deploy(sandbox, _raw("aws:opensearch/domain:Domain", "bare-search", {"domainName": "bare-search"}))
    status = sandbox.session(REGION).client("opensearch").describe_domains(DomainNames=["bare-search"])[
        "DomainStatusList"][0]
    outputs = got["bare-search"].outputs
    assert outputs["domainEndpointOptions"]["enforceHttps"] == status["DomainEndpointOptions"]["EnforceHTTPS"]
    assert outputs["domainEndpointOptions"]["tlsSecurityPolicy"] == status["DomainEndpointOptions"]["TLSSecurityPolicy"]
    assert outputs["nodeToNodeEncryption"] == {"enabled": status["NodeToNodeEncryptionOptions"]["Enabled"]}
    assert outputs["encryptAtRest"] == {"enabled": status["EncryptionAtRestOptions"]["Enabled"]}
