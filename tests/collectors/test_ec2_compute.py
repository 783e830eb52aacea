"""The ec2_compute collector and its live normalizers (instances, launch templates, volumes, the account's EBS
encryption default) against moto, evaluated with the real catalog.

moto gaps met here: `get_ebs_default_kms_key_id` is not implemented (the live default's key is an `error`, which is
what a scan of the sandbox reports; the pass/fail cases answer it from moto's own state with a patched response
method); moto reports AWS-managed keys as CUSTOMER (the alias aws/ebs tells); moto's default VPC main route table has
no route to its internet gateway (real AWS has one), so the reachability cases build their own VPC.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
from moto.core.responses import ActionResult
from moto.ec2.responses.elastic_block_store import ElasticBlockStore

from checks.collectors import ec2_compute  # noqa: F401  (registers the collector until MODULES lists it)
from checks.collectors.base import ListFailure
from checks.model import Asset, SourceKind, Status
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

CONTROLS = ("NET-05", "NET-09", "VUL-02", "NET-06", "VUL-03", "ENC-07", "ENC-08", "ENC-14")
P, F, E, NA = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE
NOT_IMPLEMENTED = "NotImplemented ec2:GetEbsDefaultKmsKeyId (the endpoint does not implement this API)"
EXPECTED = {
    ("NET-05", "web-public"): F, ("NET-09", "web-public"): F, ("VUL-02", "web-public"): F,
    ("NET-05", "app-private"): P, ("NET-09", "app-private"): P, ("VUL-02", "app-private"): P,
    ("NET-05", "public-closed"): F, ("NET-09", "public-closed"): P, ("VUL-02", "public-closed"): P,
    ("NET-05", "public-no-route"): F, ("NET-09", "public-no-route"): P, ("VUL-02", "public-no-route"): F,
    ("NET-06", "lt-good"): P, ("VUL-03", "lt-good"): P,
    ("NET-06", "lt-bad"): F, ("VUL-03", "lt-bad"): F,
    ("NET-06", "lt-silent"): P, ("VUL-03", "lt-silent"): P,
    ("ENC-07", "vol-cmk"): P, ("ENC-07", "vol-aws"): F, ("ENC-07", "vol-plain"): F, ("ENC-07", "root-app"): P,
    ("ENC-08", f"ebs-encryption-by-default ({REGION})"): F,  # off: moto's default, like AWS's
    # the default key (moto: GetEbsDefaultKmsKeyId is not implemented) is not read, but matters only when it is on
    ("ENC-14", f"ebs-encryption-by-default ({REGION})"): NA,
}
INSTANCES = ("web-public", "app-private", "public-closed", "public-no-route")


def _tags(name: str, kind: str = "instance") -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def make_estate(session: boto3.Session) -> dict[str, str]:
    """A VPC with a public and a private subnet, two groups, four instances, three templates and three volumes."""
    ec2, kms = session.client("ec2"), session.client("kms")
    ids: dict[str, str] = {}
    cmk = kms.create_key(Description="ebs")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/ebs-cmk", TargetKeyId=cmk)
    ids["cmk"] = cmk
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=public)  # the private subnet keeps the main table
    web = ec2.create_security_group(GroupName="web-open", Description="https from anywhere", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    app = ec2.create_security_group(GroupName="app-internal", Description="from the VPC", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    ids.update(vpc=vpc, public=public, private=private, web=web, app=app, table=table)
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    def run(name: str, **kwargs: Any) -> str:
        found = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, TagSpecifications=_tags(name), **kwargs)
        ids[name] = found["Instances"][0]["InstanceId"]
        return ids[name]

    run("web-public", SubnetId=public, SecurityGroupIds=[web])
    root = [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "Encrypted": True, "KmsKeyId": cmk}}]
    run("app-private", SubnetId=private, SecurityGroupIds=[app], MetadataOptions={"HttpTokens": "required"},
        BlockDeviceMappings=root)
    run("public-closed", SubnetId=public, SecurityGroupIds=[app], MetadataOptions={"HttpEndpoint": "disabled"})
    run("public-no-route", NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": private, "Groups": [web],
                                               "AssociatePublicIpAddress": True}])
    app_root = ec2.describe_instances(InstanceIds=[ids["app-private"]])["Reservations"][0]["Instances"][0]
    ec2.create_tags(Resources=[app_root["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]],
                    Tags=[{"Key": "Name", "Value": "root-app"}])
    gone = run("terminated", SubnetId=public)
    ec2.terminate_instances(InstanceIds=[gone])

    ec2.create_launch_template(LaunchTemplateName="lt-good", LaunchTemplateData={
        "MetadataOptions": {"HttpTokens": "required"},
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False, "Groups": [app]}],
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "KmsKeyId": cmk}}],
        "IamInstanceProfile": {"Name": "app-profile"}})
    ec2.create_launch_template(LaunchTemplateName="lt-bad", LaunchTemplateData={
        "MetadataOptions": {"HttpTokens": "optional"},
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": True}]})
    # the default version stays 1 (IMDS endpoint off, no interface); a newer non-default version is ignored
    ec2.create_launch_template(LaunchTemplateName="lt-silent", LaunchTemplateData={
        "MetadataOptions": {"HttpEndpoint": "disabled"}, "SecurityGroupIds": [web]})
    ec2.create_launch_template_version(LaunchTemplateName="lt-silent", LaunchTemplateData={
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": True}]})

    def volume(name: str, **kwargs: Any) -> None:
        ids[name] = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=10, VolumeType="gp3",
                                      TagSpecifications=_tags(name, "volume"), **kwargs)["VolumeId"]

    volume("vol-cmk", Encrypted=True, KmsKeyId=cmk)
    volume("vol-aws", Encrypted=True)  # the AWS-managed aws/ebs key (moto says KeyManager CUSTOMER)
    volume("vol-plain")
    return ids


def mine(got: dict[tuple[str, str], Status]) -> dict[tuple[str, str], Status]:
    """The findings on the named resources (instances' unnamed root volumes are left out)."""
    names = {n for _, n in EXPECTED}
    return {k: v for k, v in got.items() if k[1] in names}


@pytest.fixture
def estate(session: boto3.Session) -> Iterator[dict[str, str]]:
    yield make_estate(session)


def test_live_compute_assets_validate_and_evaluate(session: boto3.Session, estate: dict[str, str]) -> None:
    result = collect(scope(session), "ec2_compute")
    assert result.errors == ()
    assets = assets_of(result)
    assert "terminated" not in {a.name for a in assets}
    assert mine(statuses(assets, *CONTROLS)) == EXPECTED
    # the other instances' root volumes have no Name tag: named by their id, and unencrypted
    named = {n for _, n in EXPECTED}
    roots = {k: v for k, v in statuses(assets, "ENC-07").items() if k[1] not in named}
    assert len(roots) == 3 and all(n.startswith("vol-") for _, n in roots) and set(roots.values()) == {F}


def test_each_key_is_described_once(session: boto3.Session, estate: dict[str, str]) -> None:
    sc = scope(session)
    seen: list[str] = []
    sc.client("kms").meta.events.register("before-call.kms.*", lambda model, **_: seen.append(model.name))
    collect(sc, "ec2_compute")
    # the CMK (two volumes, a root volume, a template) and aws/ebs; the aliases once, for moto's CUSTOMER answer
    assert sorted(seen) == ["DescribeKey", "DescribeKey", "ListAliases"]


def test_instance_attributes(session: boto3.Session, estate: dict[str, str]) -> None:
    assets = assets_of(collect(scope(session), "ec2_compute"))
    web = by_name(assets, "web-public")
    assert web.id == f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{estate['web-public']}"
    assert (web.source, web.account, web.region, web.urn, web.tags) == (SourceKind.LIVE, ACCOUNT, REGION, None,
                                                                         {"Name": "web-public"})
    a = web.attributes
    assert (a["subnet_id"], a["security_groups"], a["public_ip"]) == (estate["public"], [estate["web"]], True)
    assert (a["subnet_routes_to_internet_gateway"], a["security_groups_allow_internet_ingress"]) == (True, True)
    assert (a["reachable_from_internet"], a["imdsv2_required"]) == (True, False)
    assert a["metadata"] == {"http_tokens": "optional", "http_endpoint": "enabled"}
    app = by_name(assets, "app-private").attributes
    assert (app["public_ip"], app["subnet_routes_to_internet_gateway"], app["reachable_from_internet"]) == (
        False, False, False)
    assert app["block_devices"] == [{"device_name": "/dev/sda1", "root": True, "encryption": {
        "enabled": True, "algorithm": "aws:kms", "kms_key_id": estate["cmk"], "customer_managed_key": True}}]
    assert (app["root_volume_encrypted"], app["all_volumes_encrypted"]) == (True, True)
    closed = by_name(assets, "public-closed").attributes
    assert (closed["security_groups_allow_internet_ingress"], closed["reachable_from_internet"]) == (False, False)
    assert closed["imdsv2_required"] is True  # the metadata endpoint is off
    no_route = by_name(assets, "public-no-route").attributes
    assert (no_route["public_ip"], no_route["subnet_routes_to_internet_gateway"]) == (True, False)
    assert no_route["security_groups"] == [estate["web"]]  # from the network interface
    assert all(not x.errors for x in assets if x.kind == "ec2.instance")


def test_launch_template_volume_and_default_attributes(session: boto3.Session, estate: dict[str, str]) -> None:
    assets = assets_of(collect(scope(session), "ec2_compute"))
    good = by_name(assets, "lt-good")
    assert good.id.startswith(f"arn:aws:ec2:{REGION}:{ACCOUNT}:launch-template/lt-")
    assert good.attributes["associate_public_ip"] is False and good.attributes["security_groups"] == [estate["app"]]
    assert good.attributes["block_devices"][0]["encryption"] == {
        "enabled": True, "algorithm": "aws:kms", "kms_key_id": estate["cmk"], "customer_managed_key": True}
    assert good.attributes["iam_instance_profile"] == "app-profile" and good.errors == {}
    silent = by_name(assets, "lt-silent").attributes
    assert (silent["associate_public_ip"], silent["security_groups"]) == (None, [estate["web"]])
    assert by_name(assets, "lt-bad").attributes["associate_public_ip"] is True
    cmk, aws, plain = (by_name(assets, n).attributes for n in ("vol-cmk", "vol-aws", "vol-plain"))
    assert cmk == {"encryption": {"enabled": True, "algorithm": "aws:kms", "kms_key_id": estate["cmk"],
                                  "customer_managed_key": True},
                   "size": 10, "type": "gp3", "availability_zone": f"{REGION}a"}
    assert (aws["encryption"]["enabled"], aws["encryption"]["customer_managed_key"]) == (True, False)
    assert plain["encryption"] == {"enabled": False, "algorithm": None, "kms_key_id": None,
                                   "customer_managed_key": False}
    default = by_name(assets, f"ebs-encryption-by-default ({REGION})")
    assert default.id == f"{ACCOUNT}:{REGION}:ebs-encryption-by-default"
    assert default.attributes["enabled"] is False
    assert default.errors == {"kms_key_id": NOT_IMPLEMENTED, "customer_managed_key": NOT_IMPLEMENTED}


def _answer_default_key(self: ElasticBlockStore) -> ActionResult:
    """What AWS answers to GetEbsDefaultKmsKeyId, from moto's own state (moto has no such response method):
    the key set with ModifyEbsDefaultKmsKeyId, else the alias ARN of the AWS-managed aws/ebs key."""
    key = self.ec2_backend.default_kms_key_id or f"arn:aws:kms:{self.region}:{self.current_account}:alias/aws/ebs"
    return ActionResult({"KmsKeyId": key})


@pytest.mark.parametrize(("enable", "key", "expected", "cmk"), [
    (True, "alias/ebs-cmk", (P, P), True),
    (True, None, (P, F), False),
    (False, "alias/ebs-cmk", (F, NA), True),
])
def test_encryption_by_default_with_the_default_key_answered(session: boto3.Session, enable: bool, key: str | None,
                                                             expected: tuple[Status, Status], cmk: bool) -> None:
    """ENC-08: encryption by default is on; ENC-14: its default key is customer-managed (where it is on)."""
    ec2, kms = session.client("ec2"), session.client("kms")
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/ebs-cmk", TargetKeyId=key_arn)
    if enable:
        ec2.enable_ebs_encryption_by_default()
    if key:
        ec2.modify_ebs_default_kms_key_id(KmsKeyId=key)
    with mock.patch.object(ElasticBlockStore, "get_ebs_default_kms_key_id", _answer_default_key, create=True):
        assets = assets_of(collect(scope(session), "ec2_compute"))
    default = assets[0]
    assert default.errors == {}
    assert default.attributes == {"enabled": enable, "kms_key_id": key_arn if key else None,
                                  "customer_managed_key": cmk}
    assert statuses(assets, "ENC-08", "ENC-14") == {("ENC-08", default.name): expected[0],
                                                    ("ENC-14", default.name): expected[1]}


def _changed(before: dict[tuple[str, str], Status], after: dict[tuple[str, str], Status]) -> set[tuple[str, str]]:
    assert set(before) == set(after)
    return {k for k in after if after[k] is not before[k]}


def test_denied_describe_key_makes_enc_07_error_only_for_encrypted_volumes(session: boto3.Session,
                                                                        estate: dict[str, str]) -> None:
    baseline = mine(statuses(assets_of(collect(scope(session), "ec2_compute")), *CONTROLS))
    restricted = restricted_session(session, ["kms:DescribeKey"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "ec2_compute"))
    assert result.errors == ()
    assets = assets_of(result)
    cmk = by_name(assets, "vol-cmk")
    assert cmk.errors == {"encryption.customer_managed_key": "AccessDenied kms:DescribeKey"}
    assert cmk.attributes["encryption"]["customer_managed_key"] is None
    after = mine(statuses(assets, *CONTROLS))
    assert _changed(baseline, after) == {("ENC-07", "vol-cmk"), ("ENC-07", "vol-aws"), ("ENC-07", "root-app")}
    assert {after[k] for k in _changed(baseline, after)} == {E}
    assert after[("ENC-07", "vol-plain")] is F  # not encrypted: no key to ask about


def test_denied_launch_template_versions_errors_net_06_and_vul_03_only(session: boto3.Session,
                                                                      estate: dict[str, str]) -> None:
    baseline = mine(statuses(assets_of(collect(scope(session), "ec2_compute")), *CONTROLS))
    restricted = restricted_session(session, ["ec2:DescribeLaunchTemplateVersions"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "ec2_compute"))
    reason = "AccessDenied ec2:DescribeLaunchTemplateVersions"
    assert result.errors == ()  # a side list: an error on each template (below), not a ListFailure
    assets = assets_of(result)
    assert by_name(assets, "lt-good").errors["imdsv2_required"] == reason
    after = mine(statuses(assets, *CONTROLS))
    templates = {(c, n) for c in ("NET-06", "VUL-03") for n in ("lt-good", "lt-bad", "lt-silent")}
    assert {k for k in after if after[k] is not baseline[k]} == {k for k in templates if baseline[k] is not E}
    assert {after[k] for k in templates} == {E}


def test_denied_security_groups_errors_net_09_only_where_it_decides(session: boto3.Session,
                                                                   estate: dict[str, str]) -> None:
    baseline = mine(statuses(assets_of(collect(scope(session), "ec2_compute")), *CONTROLS))
    restricted = restricted_session(session, ["ec2:DescribeSecurityGroups"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "ec2_compute"))
    reason = "AccessDenied ec2:DescribeSecurityGroups"
    assert result.errors == ()  # a side list: an error on each instance (below), not a ListFailure
    assets = assets_of(result)
    web = by_name(assets, "web-public")
    assert web.errors == {"security_groups_allow_internet_ingress": reason, "reachable_from_internet": reason}
    after = mine(statuses(assets, *CONTROLS))
    # no public IP or no route to an internet gateway: not reachable, whatever the groups say
    assert _changed(baseline, after) == {("NET-09", "web-public"), ("NET-09", "public-closed")}
    assert after[("NET-09", "web-public")] is E and after[("NET-09", "public-closed")] is E


def test_denied_route_tables_errors_the_subnet_routing(session: boto3.Session, estate: dict[str, str]) -> None:
    restricted = restricted_session(session, ["ec2:DescribeRouteTables"])
    assets = assets_of(with_iam_enforced(lambda: collect(scope(restricted), "ec2_compute")))
    web: Asset = by_name(assets, "web-public")
    assert set(web.errors) == {"subnet_routes_to_internet_gateway", "reachable_from_internet"}
    got = statuses(assets, "NET-09")
    assert got[("NET-09", "web-public")] is E and got[("NET-09", "public-closed")] is P
    assert got[("NET-09", "app-private")] is P  # no public IP


def test_denied_describe_instances_is_a_scan_level_error(session: boto3.Session, estate: dict[str, str]) -> None:
    restricted = restricted_session(session, ["ec2:DescribeInstances"])
    result = with_iam_enforced(lambda: collect(scope(restricted), "ec2_compute"))
    assert result.errors == (ListFailure(ACCOUNT, REGION, "ec2:DescribeInstances", "AccessDenied ec2:DescribeInstances",
                                         ("live:ec2:instance",)),)
    assert not [r for r in result.resources if r.type == "live:ec2:instance"]
    assert len([r for r in result.resources if r.type == "live:ec2:volume"]) >= 3
