"""ec2.instance, ec2.launch_template, ec2.volume and ec2.ebs_encryption_default."""

from __future__ import annotations

from checks.model import UNKNOWN, SourceKind
from checks.normalize import normalize
from tests.normalize.conftest import make_raw, one, run_normalize

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
IGW = "aws:ec2/internetGateway:InternetGateway"
RT = "aws:ec2/routeTable:RouteTable"
RTA = "aws:ec2/routeTableAssociation:RouteTableAssociation"
SG = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
INSTANCE = "aws:ec2/instance:Instance"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
VOLUME = "aws:ebs/volume:Volume"
EBD = "aws:ebs/encryptionByDefault:EncryptionByDefault"
DKK = "aws:ebs/defaultKmsKey:DefaultKmsKey"
KEY = "aws:kms/key:Key"
STATE = SourceKind.STATE
OPEN_SSH = [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]


def public_subnet(map_public: bool = True) -> list:
    vpc = make_raw(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    igw = make_raw(IGW, "igw", {"vpcId": UNKNOWN}, deps={"vpcId": [vpc.urn]})
    subnet = make_raw(SUBNET, "public", {"vpcId": UNKNOWN, "mapPublicIpOnLaunch": map_public},
                      deps={"vpcId": [vpc.urn]})
    table = make_raw(RT, "rt", {"routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN}]},
                     deps={"routes": [igw.urn]})
    assoc = make_raw(RTA, "assoc", {"subnetId": UNKNOWN, "routeTableId": UNKNOWN},
                     deps={"subnetId": [subnet.urn], "routeTableId": [table.urn]})
    return [vpc, igw, subnet, table, assoc]


def test_planned_instance_in_public_subnet_with_open_group_is_reachable_from_internet() -> None:
    network = public_subnet()
    group = make_raw(SG, "ssh", {"ingress": OPEN_SSH})
    profile = make_raw("aws:iam/instanceProfile:InstanceProfile", "profile", {"role": "app"})
    vm = make_raw(INSTANCE, "vm", {"subnetId": UNKNOWN, "vpcSecurityGroupIds": [UNKNOWN],
                                   "iamInstanceProfile": UNKNOWN},
                  deps={"subnetId": [network[2].urn], "vpcSecurityGroupIds": [group.urn],
                        "iamInstanceProfile": [profile.urn]})
    asset = one(run_normalize(*network, group, profile, vm), "ec2.instance")
    attrs = asset.attributes
    assert attrs["subnet_id"] == network[2].urn
    assert attrs["security_groups"] == [group.urn]
    assert attrs["public_ip"] is True  # the subnet maps public IPs
    assert attrs["subnet_routes_to_internet_gateway"] is True
    assert attrs["security_groups_allow_internet_ingress"] is True
    assert attrs["reachable_from_internet"] is True
    assert attrs["iam_instance_profile"] == profile.urn
    # only the root volume's encryption is not known: it comes from the AMI's snapshot (no encrypted, no default)
    assert asset.unknown == {"block_devices[].encryption.enabled", "block_devices[].encryption.algorithm",
                             "block_devices[].encryption.kms_key_id", "block_devices[].encryption.customer_managed_key",
                             "root_volume_encrypted", "all_volumes_encrypted", "all_volumes_customer_key_encrypted"}


def test_instance_refusing_a_public_ip_is_not_reachable() -> None:
    network = public_subnet()
    group = make_raw(SG, "ssh", {"ingress": OPEN_SSH})
    vm = make_raw(INSTANCE, "vm", {"subnetId": UNKNOWN, "associatePublicIpAddress": False,
                                   "vpcSecurityGroupIds": [UNKNOWN]},
                  deps={"subnetId": [network[2].urn], "vpcSecurityGroupIds": [group.urn]})
    attrs = one(run_normalize(*network, group, vm), "ec2.instance").attributes
    assert attrs["public_ip"] is False
    assert attrs["reachable_from_internet"] is False


def test_instance_without_subnet_lands_in_a_default_subnet_with_a_public_ip() -> None:
    attrs = one(run_normalize(make_raw(INSTANCE, "vm", {})), "ec2.instance").attributes
    assert attrs["subnet_id"] is None
    assert attrs["public_ip"] is True
    assert attrs["subnet_routes_to_internet_gateway"] is True
    assert attrs["security_groups"] == []
    assert attrs["security_groups_allow_internet_ingress"] is False  # the default group admits only itself
    assert attrs["reachable_from_internet"] is False


def test_instance_in_undeclared_subnet_has_unknown_public_ip_and_reachability() -> None:
    group = make_raw(SG, "ssh", {"ingress": OPEN_SSH})
    vm = make_raw(INSTANCE, "vm", {"subnetId": "subnet-0abc", "vpcSecurityGroupIds": [UNKNOWN]},
                  deps={"vpcSecurityGroupIds": [group.urn]})
    asset = one(run_normalize(group, vm), "ec2.instance")
    assert asset.attributes["subnet_id"] == "subnet-0abc"
    assert {"public_ip", "subnet_routes_to_internet_gateway", "reachable_from_internet"} <= asset.unknown


def test_state_instance_links_subnet_and_groups_by_id() -> None:
    subnet = make_raw(SUBNET, "private", {"id": "subnet-1", "vpcId": "vpc-ext"}, source=STATE, id="subnet-1")
    group = make_raw(SG, "app", {"id": "sg-1", "name": "app", "ingress": []}, source=STATE, id="sg-1")
    vm = make_raw(INSTANCE, "vm", {"id": "i-1", "subnetId": "subnet-1", "vpcSecurityGroupIds": ["sg-1"],
                                   "associatePublicIpAddress": False,
                                   "metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled"},
                                   "rootBlockDevice": {"encrypted": True, "kmsKeyId": "arn:aws:kms:eu-west-1:1:key/k",
                                                       "deviceName": "/dev/xvda"}}, source=STATE, id="i-1")
    attrs = one(run_normalize(subnet, group, vm), "ec2.instance").attributes
    assert attrs["subnet_id"] == "subnet-1" and attrs["security_groups"] == ["sg-1"]
    assert attrs["imdsv2_required"] is True
    # the state holds the key AWS used (aws/ebs or the AMI snapshot's key, by its ARN): a key the program does not
    # declare is not known to be customer-managed
    assert attrs["block_devices"] == [{"device_name": "/dev/xvda", "root": True, "encryption": {
        "enabled": True, "algorithm": "aws:kms", "kms_key_id": "arn:aws:kms:eu-west-1:1:key/k",
        "customer_managed_key": None}}]
    assert attrs["reachable_from_internet"] is False


def test_metadata_defaults_to_optional_tokens_and_imdsv2_is_not_required() -> None:
    attrs = one(run_normalize(make_raw(INSTANCE, "vm", {})), "ec2.instance").attributes
    assert attrs["metadata"] == {"http_tokens": "optional", "http_endpoint": "enabled"}
    assert attrs["imdsv2_required"] is False
    disabled = make_raw(INSTANCE, "off", {"metadataOptions": {"httpEndpoint": "disabled"}})
    assert one(run_normalize(disabled), "ec2.instance").attributes["imdsv2_required"] is True


def test_instance_takes_metadata_and_public_ip_from_its_declared_launch_template() -> None:
    template = make_raw(LT, "tpl", {"metadataOptions": {"httpTokens": "required"},
                                    "networkInterfaces": [{"associatePublicIpAddress": "false"}]})
    vm = make_raw(INSTANCE, "vm", {"launchTemplate": {"id": UNKNOWN, "version": "$Latest"}},
                  deps={"launchTemplate": [template.urn]})
    attrs = one(run_normalize(template, vm), "ec2.instance").attributes
    assert attrs["launch_template"] == template.urn
    assert attrs["imdsv2_required"] is True
    assert attrs["public_ip"] is False
    external = make_raw(INSTANCE, "ext", {"launchTemplate": {"name": "shared-template"}})
    asset = one(run_normalize(external), "ec2.instance")
    assert asset.attributes["launch_template"] == "shared-template"
    assert {"metadata.http_tokens", "imdsv2_required"} <= asset.unknown


def test_root_volume_with_declared_key_is_customer_managed_and_snapshot_volume_is_unknown() -> None:
    key = make_raw(KEY, "ebs-key", {})
    vm = make_raw(INSTANCE, "vm", {"rootBlockDevice": {"encrypted": True, "kmsKeyId": UNKNOWN},
                                   "ebsBlockDevices": [{"deviceName": "/dev/sdf", "snapshotId": "snap-1"}]},
                  deps={"rootBlockDevice": [key.urn]})
    asset = one(run_normalize(key, vm), "ec2.instance")
    root, data = asset.attributes["block_devices"]
    assert root["encryption"] == {"enabled": True, "algorithm": "aws:kms", "kms_key_id": key.urn,
                                  "customer_managed_key": True}
    assert asset.attributes["root_volume_encrypted"] is True
    assert data["device_name"] == "/dev/sdf" and data["encryption"]["enabled"] is None
    assert {"block_devices[].encryption.enabled", "all_volumes_encrypted"} <= asset.unknown


def test_instance_without_groups_uses_the_declared_default_group_of_its_vpc() -> None:
    network = public_subnet()
    default = make_raw(DEFAULT_SG, "default", {"vpcId": UNKNOWN, "ingress": OPEN_SSH},
                       deps={"vpcId": [network[0].urn]})
    vm = make_raw(INSTANCE, "vm", {"subnetId": UNKNOWN}, deps={"subnetId": [network[2].urn]})
    attrs = one(run_normalize(*network, default, vm), "ec2.instance").attributes
    assert attrs["security_groups_allow_internet_ingress"] is True
    assert attrs["reachable_from_internet"] is True


def test_launch_template_public_ip_metadata_and_string_booleans() -> None:
    group = make_raw(SG, "g", {})
    template = make_raw(LT, "tpl", {
        "networkInterfaces": [{"associatePublicIpAddress": "true", "securityGroups": [UNKNOWN]}],
        "metadataOptions": {"httpEndpoint": "enabled"},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 20}},
                                {"deviceName": "/dev/sdb", "virtualName": "ephemeral0"}],
        "iamInstanceProfile": {"name": "app-profile"}}, deps={"networkInterfaces": [group.urn]})
    asset = one(run_normalize(group, template), "ec2.launch_template")
    attrs = asset.attributes
    assert attrs["associate_public_ip"] is True
    assert attrs["metadata"] == {"http_tokens": "optional", "http_endpoint": "enabled"}  # provider default
    assert attrs["imdsv2_required"] is False
    assert attrs["block_devices"] == [{"device_name": "/dev/xvda", "root": False, "encryption": {
        "enabled": True, "algorithm": "aws:kms", "kms_key_id": None, "customer_managed_key": False}}]
    assert attrs["all_volumes_encrypted"] is True
    assert attrs["security_groups"] == [group.urn]
    assert attrs["iam_instance_profile"] == "app-profile"
    assert one(run_normalize(group), "ec2.security_group").attributes["attached_to"] == []
    assert one(run_normalize(group, template), "ec2.security_group").attributes["attached_to"] == [
        "ec2.launch_template"]


def test_launch_template_without_interfaces_leaves_public_ip_to_the_subnet() -> None:
    attrs = one(run_normalize(make_raw(LT, "tpl", {})), "ec2.launch_template").attributes
    assert attrs["associate_public_ip"] is None
    assert attrs["block_devices"] == [] and attrs["all_volumes_encrypted"] is True


def test_volume_defaults_are_unencrypted_gp2() -> None:
    asset = one(run_normalize(make_raw(VOLUME, "data", {"size": 10, "availabilityZone": "eu-west-1a"})), "ec2.volume")
    assert asset.attributes == {"encryption": {"enabled": False, "algorithm": None, "kms_key_id": None,
                                               "customer_managed_key": False},
                                "size": 10, "type": "gp2", "availability_zone": "eu-west-1a"}


def test_volume_with_declared_key_is_customer_managed() -> None:
    key = make_raw(KEY, "k", {})
    volume = make_raw(VOLUME, "data", {"size": 10, "encrypted": True, "kmsKeyId": UNKNOWN, "type": "gp3"},
                      deps={"kmsKeyId": [key.urn]})
    encryption = one(run_normalize(key, volume), "ec2.volume").attributes["encryption"]
    assert encryption == {"enabled": True, "algorithm": "aws:kms", "kms_key_id": key.urn, "customer_managed_key": True}


def test_state_volume_with_aws_managed_alias_is_not_customer_managed() -> None:
    volume = make_raw(VOLUME, "data", {"id": "vol-1", "encrypted": True, "kmsKeyId": "alias/aws/ebs", "size": 8,
                                       "type": "gp3"}, source=STATE, id="vol-1")
    encryption = one(run_normalize(volume), "ec2.volume").attributes["encryption"]
    assert encryption["enabled"] is True and encryption["customer_managed_key"] is False


def test_encryption_by_default_encrypts_new_volumes_with_the_default_kms_key() -> None:
    key = make_raw(KEY, "ebs-key", {})
    on = make_raw(EBD, "ebs-default", {})
    default_key = make_raw(DKK, "ebs-key-default", {"keyArn": UNKNOWN}, deps={"keyArn": [key.urn]})
    volume = make_raw(VOLUME, "data", {"size": 10, "encrypted": False})
    result = normalize([key, on, default_key, volume])
    assert result.folded == 1
    default = one(result.assets, "ec2.ebs_encryption_default")
    assert default.attributes == {"enabled": True, "kms_key_id": key.urn, "customer_managed_key": True}
    assert one(result.assets, "ec2.volume").attributes["encryption"] == {
        "enabled": True, "algorithm": "aws:kms", "kms_key_id": key.urn, "customer_managed_key": True}


def test_encryption_by_default_turned_off_and_without_default_key() -> None:
    attrs = one(run_normalize(make_raw(EBD, "ebs-default", {"enabled": False})), "ec2.ebs_encryption_default")
    assert attrs.attributes == {"enabled": False, "kms_key_id": None, "customer_managed_key": False}


def test_unknown_encryption_by_default_makes_volume_encryption_unknown() -> None:
    volume = make_raw(VOLUME, "data", {"size": 10})
    asset = one(run_normalize(make_raw(EBD, "ebs-default", {"enabled": UNKNOWN}), volume), "ec2.volume")
    assert {"encryption.enabled", "encryption.customer_managed_key"} <= asset.unknown


def test_elastic_ip_gives_an_instance_in_a_private_subnet_a_public_address() -> None:
    subnet = make_raw("aws:ec2/subnet:Subnet", "private", {"cidrBlock": "10.0.1.0/24"})
    vm = make_raw(INSTANCE, "bastion", {"ami": "ami-1", "subnetId": UNKNOWN}, deps={"subnetId": [subnet.urn]})
    other = make_raw(INSTANCE, "worker", {"ami": "ami-1", "subnetId": UNKNOWN}, deps={"subnetId": [subnet.urn]})
    eip = make_raw("aws:ec2/eip:Eip", "bastion", {"domain": "vpc", "instance": UNKNOWN}, deps={"instance": [vm.urn]})
    assoc_target = make_raw(INSTANCE, "jump", {"ami": "ami-1", "subnetId": UNKNOWN}, deps={"subnetId": [subnet.urn]})
    assoc = make_raw("aws:ec2/eipAssociation:EipAssociation", "jump",
                     {"instanceId": UNKNOWN, "allocationId": "eipalloc-1"}, deps={"instanceId": [assoc_target.urn]})
    assets = run_normalize(subnet, vm, other, eip, assoc_target, assoc)
    assert one(assets, "ec2.instance", "bastion").attributes["public_ip"] is True
    assert one(assets, "ec2.instance", "jump").attributes["public_ip"] is True
    assert one(assets, "ec2.instance", "worker").attributes["public_ip"] is False
