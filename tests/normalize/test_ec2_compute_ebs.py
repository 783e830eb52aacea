"""EBS encryption by default is per region; volumes of instances and launch templates under customer-managed keys
(ENC-11, ENC-12), planned and state."""

from __future__ import annotations

from dataclasses import replace

from checks.model import UNKNOWN, SourceKind
from tests.normalize.conftest import make_raw, one, run_normalize, urn

INSTANCE = "aws:ec2/instance:Instance"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
VOLUME = "aws:ebs/volume:Volume"
EBD = "aws:ebs/encryptionByDefault:EncryptionByDefault"
DKK = "aws:ebs/defaultKmsKey:DefaultKmsKey"
KEY = "aws:kms/key:Key"
PROVIDER = "pulumi:providers:aws"
STATE = SourceKind.STATE
NOT_ENCRYPTED = {"enabled": False, "algorithm": None, "kms_key_id": None, "customer_managed_key": False}


def test_encryption_by_default_of_another_region_does_not_encrypt_a_volume() -> None:
    on = make_raw(EBD, "us", {"region": "us-east-1"})
    volume = make_raw(VOLUME, "data", {"size": 10, "region": "eu-west-1"})
    assert one(run_normalize(on, volume), "ec2.volume").attributes["encryption"] == NOT_ENCRYPTED


def test_encryption_by_default_of_the_same_region_encrypts_a_volume_with_that_regions_default_key() -> None:
    key_eu, key_us = make_raw(KEY, "eu", {}), make_raw(KEY, "us", {})
    raws = [key_eu, key_us,
            make_raw(EBD, "eu", {"region": "eu-west-1"}), make_raw(EBD, "us", {"region": "us-east-1"}),
            make_raw(DKK, "eu", {"keyArn": UNKNOWN, "region": "eu-west-1"}, deps={"keyArn": [key_eu.urn]}),
            make_raw(DKK, "us", {"keyArn": UNKNOWN, "region": "us-east-1"}, deps={"keyArn": [key_us.urn]}),
            make_raw(VOLUME, "data", {"size": 10, "region": "us-east-1"})]
    assets = run_normalize(*raws)
    assert one(assets, "ec2.volume").attributes["encryption"] == {
        "enabled": True, "algorithm": "aws:kms", "kms_key_id": key_us.urn, "customer_managed_key": True}
    defaults = {a.name: a.attributes["kms_key_id"] for a in assets if a.kind == "ec2.ebs_encryption_default"}
    assert (defaults["eu"], defaults["us"]) == (key_eu.urn, key_us.urn)  # each region's own default key


def test_region_comes_from_the_resources_explicit_provider() -> None:
    east = make_raw(PROVIDER, "east", {"region": "us-east-1"})
    off = replace(make_raw(EBD, "east", {"enabled": False}), provider=east.urn)
    on = make_raw(EBD, "default", {})  # the stack's default provider: its region is not recorded here
    volume = replace(make_raw(VOLUME, "data", {"size": 10}), provider=f"{east.urn}::04da6b54")  # reference: URN::id
    # the east setting is surely the volume's region's: it is off there, whatever the default provider's says
    assert one(run_normalize(east, off, on, volume), "ec2.volume").attributes["encryption"] == NOT_ENCRYPTED


def test_default_provider_setting_against_a_named_region_is_unknown() -> None:
    on = make_raw(EBD, "default", {})
    volume = make_raw(VOLUME, "data", {"size": 10, "region": "us-east-1"})
    asset = one(run_normalize(on, volume), "ec2.volume")
    assert {"encryption.enabled", "encryption.customer_managed_key"} <= asset.unknown


def test_state_view_compares_the_regions_the_provider_wrote() -> None:
    on = make_raw(EBD, "eu", {"id": "default", "enabled": True, "region": "eu-west-1"}, source=STATE, id="default")
    volume = make_raw(VOLUME, "data", {"id": "vol-1", "size": 10, "encrypted": False, "region": "us-east-1"},
                      source=STATE, id="vol-1")
    assert one(run_normalize(on, volume), "ec2.volume").attributes["encryption"] == NOT_ENCRYPTED


def test_instance_with_unencrypted_root_device_fails_the_customer_key_summary() -> None:
    key = make_raw(KEY, "k", {})
    instance = make_raw(INSTANCE, "legacy", {"rootBlockDevice": {"encrypted": False, "deviceName": "/dev/xvda"},
                                             "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True,
                                                                  "kmsKeyId": UNKNOWN}]},
                        deps={"ebsBlockDevices": [key.urn]})
    attrs = one(run_normalize(key, instance), "ec2.instance").attributes
    assert attrs["all_volumes_customer_key_encrypted"] is False
    assert attrs["volumes_without_customer_key"] == ["root volume /dev/xvda is not encrypted"]


def test_root_device_relying_on_the_ami_is_unknown_unless_the_region_encrypts_by_default() -> None:
    instance = make_raw(INSTANCE, "vm", {"region": "eu-west-1"})
    asset = one(run_normalize(instance), "ec2.instance")
    assert {"block_devices[].encryption.enabled", "all_volumes_customer_key_encrypted"} <= asset.unknown
    on = make_raw(EBD, "eu", {"region": "eu-west-1"})
    asset = one(run_normalize(on, instance), "ec2.instance")
    assert asset.attributes["block_devices"][0]["encryption"]["enabled"] is True
    # the key is the AMI snapshot's when it is encrypted, else the region's default key: not known here
    assert "all_volumes_customer_key_encrypted" in asset.unknown
    keyed = make_raw(INSTANCE, "keyed", {"region": "eu-west-1",
                                         "rootBlockDevice": {"encrypted": True, "kmsKeyId": "alias/aws/ebs"}})
    attrs = one(run_normalize(on, keyed), "ec2.instance").attributes
    assert attrs["all_volumes_customer_key_encrypted"] is False
    assert attrs["volumes_without_customer_key"] == ["the root volume is encrypted under the AWS-managed key "
                                                     "alias/aws/ebs"]


def test_launch_template_volumes_and_their_keys() -> None:
    key = make_raw(KEY, "k", {})
    good = make_raw(LT, "good", {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {
        "encrypted": "true", "kmsKeyId": UNKNOWN}}]}, deps={"blockDeviceMappings": [key.urn]})
    bad = make_raw(LT, "bad", {"blockDeviceMappings": [{"deviceName": "/dev/sdb", "ebs": {"volumeSize": 50}}]})
    none = make_raw(LT, "none", {})
    assets = run_normalize(key, good, bad, none)
    assert one(assets, "ec2.launch_template", "good").attributes["all_volumes_customer_key_encrypted"] is True
    bad_attrs = one(assets, "ec2.launch_template", "bad").attributes
    assert bad_attrs["all_volumes_customer_key_encrypted"] is False and bad_attrs["declares_volumes"] is True
    assert bad_attrs["volumes_without_customer_key"] == ["/dev/sdb is not encrypted"]
    assert one(assets, "ec2.launch_template", "none").attributes["declares_volumes"] is False


def test_state_launch_template_in_a_region_encrypting_by_default() -> None:
    on = make_raw(EBD, "eu", {"id": "default", "enabled": True, "region": "eu-west-1"}, source=STATE, id="default")
    template = make_raw(LT, "tpl", {"id": "lt-1", "region": "eu-west-1", "blockDeviceMappings": [
        {"deviceName": "/dev/sdb", "ebs": {"volumeSize": 50, "encrypted": ""}}]}, source=STATE, id="lt-1")
    attrs = one(run_normalize(on, template), "ec2.launch_template").attributes
    assert attrs["volumes_without_customer_key"] == ["/dev/sdb is encrypted under the AWS-managed key aws/ebs"]
    assert urn(LT, "tpl") == template.urn


def test_state_block_device_key_is_customer_managed_only_when_the_program_declares_it() -> None:
    arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key = make_raw(KEY, "data", {"id": "1234abcd-12ab-34cd-56ef-1234567890ab", "arn": arn}, source=STATE,
                   id="1234abcd-12ab-34cd-56ef-1234567890ab")
    root = {"deviceName": "/dev/xvda", "encrypted": True, "kmsKeyId": arn}
    instance = make_raw(INSTANCE, "vm", {"id": "i-1", "rootBlockDevice": root}, source=STATE, id="i-1")
    assert one(run_normalize(key, instance), "ec2.instance").attributes["all_volumes_customer_key_encrypted"] is True
    # the ARN of a key the program does not declare: maybe aws/ebs, which the state names by its ARN too
    assert "all_volumes_customer_key_encrypted" in one(run_normalize(instance), "ec2.instance").unknown
