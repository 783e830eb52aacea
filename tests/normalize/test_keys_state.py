"""`encryption.customer_managed_key` of every kind that names a KMS key, judged the same way in the planned view
and in the state view (a `pulumi stack export`, where `input_keys` lists the properties the program set).

A key given as a literal ARN (a key of another stack) is customer managed in both views; an AWS-managed alias is
not; a key that AWS filled in (the program set none) is not customer managed, or cannot be judged where the state
file does not say whether the program named it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from checks.model import UNKNOWN, SourceKind
from checks.raw import RawResource
from tests.normalize.conftest import make_raw, one, run_normalize

CMK = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-aaaa-bbbb-cccc-1234567890ab"
AWS_ALIAS = "arn:aws:kms:eu-west-1:111122223333:alias/aws/service"


@dataclass(frozen=True)
class Consumer:
    kind: str
    token: str
    props: Callable[[str], dict[str, Any]]  # the program's inputs naming the key
    prop: str  # the top-level property that holds the key (or its container)


CONSUMERS = [
    Consumer("s3.bucket", "aws:s3/bucket:Bucket", lambda k: {"bucket": "data", "serverSideEncryptionConfiguration": {
        "rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": k}}}},
        "serverSideEncryptionConfiguration"),
    Consumer("dynamodb.table", "aws:dynamodb/table:Table", lambda k: {
        "name": "orders", "serverSideEncryption": {"enabled": True, "kmsKeyArn": k}}, "serverSideEncryption"),
    Consumer("backup.vault", "aws:backup/vault:Vault", lambda k: {"name": "main", "kmsKeyArn": k}, "kmsKeyArn"),
    Consumer("logs.log_group", "aws:cloudwatch/logGroup:LogGroup", lambda k: {"name": "/app", "kmsKeyId": k},
             "kmsKeyId"),
    Consumer("cloudtrail.trail", "aws:cloudtrail/trail:Trail", lambda k: {"name": "org", "s3BucketName": "audit",
                                                                          "kmsKeyId": k}, "kmsKeyId"),
    Consumer("secretsmanager.secret", "aws:secretsmanager/secret:Secret", lambda k: {"name": "db", "kmsKeyId": k},
             "kmsKeyId"),
    Consumer("ecr.repository", "aws:ecr/repository:Repository", lambda k: {
        "name": "app", "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": k}]},
        "encryptionConfigurations"),
    Consumer("rds.db_instance", "aws:rds/instance:Instance", lambda k: {
        "engine": "postgres", "storageEncrypted": True, "kmsKeyId": k}, "kmsKeyId"),
    Consumer("ec2.volume", "aws:ebs/volume:Volume", lambda k: {
        "availabilityZone": "eu-west-1a", "size": 10, "encrypted": True, "kmsKeyId": k}, "kmsKeyId"),
]
IDS = [c.kind for c in CONSUMERS]


def planned(c: Consumer, key: str) -> RawResource:
    return make_raw(c.token, "r", c.props(key))


def state(c: Consumer, key: str, *, inputs: frozenset[str] | None = None) -> RawResource:
    """The resource as a stack export shows it: props are outputs over inputs, `input_keys` the inputs."""
    props = c.props(key)
    return replace(make_raw(c.token, "r", props, source=SourceKind.STATE, id="r-1"),
                   input_keys=frozenset(props) if inputs is None else inputs)


def cmk(raw: RawResource, kind: str) -> Any:
    asset = one(run_normalize(raw), kind)
    if "encryption.customer_managed_key" in asset.unknown:
        return UNKNOWN
    return asset.attributes["encryption"]["customer_managed_key"]


def kind_of(c: Consumer) -> str:
    return c.kind


@pytest.mark.parametrize("c", CONSUMERS, ids=IDS)
def test_literal_customer_key_arn_is_customer_managed_in_planned_and_state_view(c: Consumer) -> None:
    kind = kind_of(c)
    assert cmk(planned(c, CMK), kind) is True
    expected = UNKNOWN if c.kind == "ecr.repository" else True
    # ECR: the state fills `kmsKey` inside the configuration with aws/ecr's ARN when the program named no key, and
    # a stack export's input_keys are top-level only: whether the program named this key cannot be told (UNKNOWN)
    assert cmk(state(c, CMK), kind) is expected


@pytest.mark.parametrize("c", CONSUMERS, ids=IDS)
def test_aws_managed_alias_is_not_customer_managed_in_either_view(c: Consumer) -> None:
    kind = kind_of(c)
    assert cmk(planned(c, AWS_ALIAS), kind) is False
    assert cmk(state(c, AWS_ALIAS), kind) is False


@pytest.mark.parametrize("c", [c for c in CONSUMERS if c.kind in ("backup.vault", "rds.db_instance", "ec2.volume",
                                                                   "ecr.repository")], ids=lambda c: c.kind)
def test_key_filled_in_by_aws_is_not_customer_managed_in_state_view(c: Consumer) -> None:
    """The program set no key (the property is not an input): AWS put its managed key's ARN in the state."""
    props = c.props(CMK)
    inputs = frozenset(props) - {c.prop}
    assert cmk(state(c, CMK, inputs=inputs), kind_of(c)) is False
