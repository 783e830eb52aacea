"""An organization in moto, in process: three member accounts (plus the management one) with different violations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import boto3
from moto import mock_aws

REGIONS = ("us-east-1", "eu-west-1")
SERVICES = ("ec2_network", "kms", "s3")
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
ROLE = "ClearanceScan"


def _member(base: boto3.Session, account: str) -> boto3.Session:
    creds = base.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}",
                                           RoleSessionName="seed")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name=REGIONS[0])


def _open_ssh(session: boto3.Session, region: str) -> None:
    ec2 = session.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="ssh-open", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])


def _key(session: boto3.Session, region: str, *, rotate: bool) -> None:
    kms = session.client("kms", region_name=region)
    key = kms.create_key(Description="data")["KeyMetadata"]["KeyId"]
    if rotate:
        kms.enable_key_rotation(KeyId=key)


def build_org() -> Iterator[tuple[boto3.Session, list[str]]]:
    """An organization of three member accounts (plus the management one) with different violations: the first
    has SSH open to the world in both regions, the second a key without rotation in eu-west-1, the third a key that
    rotates."""
    with mock_aws():
        base = boto3.Session(region_name=REGIONS[0])
        orgs = base.client("organizations")
        orgs.create_organization(FeatureSet="ALL")
        members = []
        for i in range(3):
            status = orgs.create_account(Email=f"m{i}@example.com", AccountName=f"member-{i}")["CreateAccountStatus"]
            members.append(status["AccountId"])
        for region in REGIONS:
            _open_ssh(_member(base, members[0]), region)
        _key(_member(base, members[1]), "eu-west-1", rotate=False)
        _key(_member(base, members[2]), "us-east-1", rotate=True)
        yield base, members


