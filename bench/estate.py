"""Synthetic planned estates: raw resources shaped like those Pulumi's mocks produce."""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN, Location, SourceKind
from checks.raw import RawResource


def _raw(type_: str, name: str, props: dict[str, Any], deps: dict[str, list[str]] | None = None) -> RawResource:
    pdeps = {k: tuple(v) for k, v in (deps or {}).items()}
    return RawResource(type=type_, urn=f"urn:pulumi:bench::bench::{type_}::{name}", name=name, props=props,
                       source=SourceKind.PLANNED, dependencies=tuple(u for v in pdeps.values() for u in v),
                       property_dependencies=pdeps, location=Location("__main__.py", 1))


def _unit(i: int) -> list[RawResource]:
    """One unit: 10 assets of different kinds (plus folded side resources)."""
    key = _raw("aws:kms/key:Key", f"key-{i}", {"enableKeyRotation": i % 2 == 0})
    vpc = _raw("aws:ec2/vpc:Vpc", f"vpc-{i}", {"cidrBlock": "10.0.0.0/16"})
    subnet = _raw("aws:ec2/subnet:Subnet", f"subnet-{i}", {"vpcId": UNKNOWN, "cidrBlock": "10.0.1.0/24",
                                                          "mapPublicIpOnLaunch": i % 4 == 0}, {"vpcId": [vpc.urn]})
    sg = _raw("aws:ec2/securityGroup:SecurityGroup", f"sg-{i}", {
        "vpcId": UNKNOWN, "ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22,
                                       "cidrBlocks": ["0.0.0.0/0" if i % 3 == 0 else "10.0.0.0/8"]}],
        "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]}, {"vpcId": [vpc.urn]})
    bucket = _raw("aws:s3/bucketV2:BucketV2", f"bucket-{i}", {"tags": {"data": "customer"}})
    sse = _raw("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
               f"sse-{i}", {"bucket": UNKNOWN, "rules": [{"applyServerSideEncryptionByDefault": {
                   "sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN}}]},
               {"bucket": [bucket.urn], "rules": [key.urn]})
    vm = _raw("aws:ec2/instance:Instance", f"vm-{i}", {"ami": "ami-1", "instanceType": "t3.micro",
                                                       "subnetId": UNKNOWN, "vpcSecurityGroupIds": [UNKNOWN]},
              {"subnetId": [subnet.urn], "vpcSecurityGroupIds": [sg.urn]})
    db = _raw("aws:rds/instance:Instance", f"db-{i}", {"engine": "postgres", "storageEncrypted": i % 5 != 0,
                                                       "kmsKeyId": UNKNOWN, "publiclyAccessible": False,
                                                       "backupRetentionPeriod": 7}, {"kmsKeyId": [key.urn]})
    logs = _raw("aws:cloudwatch/logGroup:LogGroup", f"logs-{i}", {"retentionInDays": 30 if i % 2 else 0})
    table = _raw("aws:dynamodb/table:Table", f"table-{i}", {"hashKey": "id", "attributes": [
        {"name": "id", "type": "S"}]})
    repo = _raw("aws:ecr/repository:Repository", f"repo-{i}", {"imageScanningConfiguration": {"scanOnPush": True}})
    return [key, vpc, subnet, sg, bucket, sse, vm, db, logs, table, repo]


def make_estate(assets: int) -> list[RawResource]:
    out: list[RawResource] = []
    for i in range(max(1, assets // 10)):
        out.extend(_unit(i))
    return out
