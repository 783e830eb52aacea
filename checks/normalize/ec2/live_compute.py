"""ec2.instance, ec2.launch_template, ec2.volume and ec2.ebs_encryption_default from the live collector's raw
resources (boto3 answers, see collectors/ec2_compute.py).

Same attributes as the planned normalizer (ec2_compute.py), with its metadata, IMDSv2, public-IP and all-encrypted
helpers. The live view reads what AWS applied: a volume is encrypted or not (the account default and the snapshot
are already applied), an instance's public IP is the address it has now (a stopped instance has none), its subnet's
routes are those of the route table associated with the subnet, else the VPC's main table.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from checks.live_types import EC2_EBS_ENCRYPTION_DEFAULT, EC2_INSTANCE, EC2_LAUNCH_TEMPLATE, EC2_VOLUME
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, register, tri_and, tri_or
from checks.normalize.ec2.compute import imdsv2_required, interfaces_public_ip, metadata
from checks.normalize.ec2.ebs import all_encrypted, set_customer_key_summary
from checks.normalize.ec2.live_network import default_routes
from checks.normalize.ec2.sg_rules import permissions_internet
from checks.normalize.live import apply_call_errors, build_live
from checks.raw import RawResource

CUSTOMER_KEY = ("all_volumes_customer_key_encrypted", "volumes_without_customer_key")
DEVICE_KEY = ("block_devices[].encryption.customer_managed_key", *CUSTOMER_KEY)
DEVICE_KEY_ID = ("block_devices[].encryption.kms_key_id", *DEVICE_KEY)
INSTANCE_ERRORS: dict[str, tuple[str, ...]] = {
    "DescribeVolumes": ("block_devices", "root_volume_encrypted", "all_volumes_encrypted", *CUSTOMER_KEY),
    "DescribeKey": DEVICE_KEY,
    "ListAliases": DEVICE_KEY,
    "DescribeRouteTables": ("subnet_routes_to_internet_gateway",),
    "DescribeSecurityGroups": ("security_groups_allow_internet_ingress",),
}
TEMPLATE_ERRORS: dict[str, tuple[str, ...]] = {
    "DescribeLaunchTemplateVersions": ("associate_public_ip", "metadata", "imdsv2_required", "block_devices",
                                       "all_volumes_encrypted", "declares_volumes", *CUSTOMER_KEY,
                                       "security_groups", "iam_instance_profile"),
    "DescribeKey": DEVICE_KEY,
    "ListAliases": DEVICE_KEY,
    # devices that name no key take the account's default: its setting and its key
    "DefaultGetEbsEncryptionByDefault": ("block_devices[].encryption.enabled", "all_volumes_encrypted",
                                         *CUSTOMER_KEY),
    "DefaultGetEbsDefaultKmsKeyId": DEVICE_KEY_ID,
    "DefaultDescribeKey": DEVICE_KEY,
    "DefaultListAliases": DEVICE_KEY,
}
VOLUME_ERRORS: dict[str, tuple[str, ...]] = {
    "DescribeKey": ("encryption.customer_managed_key",),
    "ListAliases": ("encryption.customer_managed_key",),
}
DEFAULT_ERRORS: dict[str, tuple[str, ...]] = {
    "GetEbsEncryptionByDefault": ("enabled",),
    "GetEbsDefaultKmsKeyId": ("kms_key_id", "customer_managed_key"),
    "DescribeKey": ("customer_managed_key",),
    "ListAliases": ("customer_managed_key",),
}


def encryption(enabled: Any, key_id: str | None, manager: str | None) -> dict[str, Any]:
    """{enabled, algorithm, kms_key_id, customer_managed_key} of a volume as EBS answers (manager None: not read)."""
    if enabled is False:
        return {"enabled": False, "algorithm": None, "kms_key_id": None, "customer_managed_key": False}
    if enabled is not True:  # not read (an error says why) or not known
        return {"enabled": enabled, "algorithm": enabled, "kms_key_id": key_id, "customer_managed_key": enabled}
    cmk = None if manager is None else manager == "customer"
    return {"enabled": True, "algorithm": "aws:kms", "kms_key_id": key_id, "customer_managed_key": cmk}


def _default_key_id(key_id: str | None, manager: str | None) -> str | None:
    """The account's default key as the schema names it: null for the AWS-managed aws/ebs key."""
    if key_id is None or manager == "aws" or "alias/aws/" in key_id:
        return None
    return key_id


def _metadata(options: Mapping[str, Any] | None) -> dict[str, Any]:
    options = options or {}
    return metadata({"httpTokens": options.get("HttpTokens"), "httpEndpoint": options.get("HttpEndpoint")})


ULA = ipaddress.ip_network("fc00::/7")


def global_ipv6(addresses: Iterable[Any]) -> list[str]:
    """The global IPv6 addresses among an interface's: not link-local, not unique local (a private IPAM pool)."""
    found = []
    for text in addresses:
        try:
            address = ipaddress.ip_address(str(text))
        except ValueError:
            continue
        if address.version == 6 and not address.is_link_local and address not in ULA:
            found.append(str(text))
    return found


def _addresses(p: Mapping[str, Any]) -> tuple[list[str], list[str], str]:
    """(public IPv4 addresses, global IPv6 addresses, what gives the instance a public address in plain words)."""
    ipv4 = list(p.get("publicIps") or [])
    ipv6 = global_ipv6(p.get("ipv6Addresses") or [])
    said = ([f"it has public IPv4 address {', '.join(ipv4)}"] if ipv4 else []) + \
        ([f"it has IPv6 address {', '.join(ipv6)}"] if ipv6 else [])
    return ipv4, ipv6, "; ".join(said) or "no public address (no public IPv4 address; no IPv6 address)"


def admits_internet(groups: Iterable[Mapping[str, Any]], family: int | None = None) -> bool:
    """Does an ingress rule of any of the groups admit the internet (0.0.0.0/0 or ::/0, as networks; any protocol
    and port)? `family` 4 or 6: only the blocks of that family."""
    keep = {None: ("IpRanges", "Ipv6Ranges"), 4: ("IpRanges",), 6: ("Ipv6Ranges",)}[family]
    permissions = [{k: v for k, v in p.items() if k not in ("IpRanges", "Ipv6Ranges") or k in keep}
                   for g in groups for p in g.get("IpPermissions") or []]
    return permissions_internet(permissions)[0]


@register(EC2_INSTANCE)
def live_instance(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.instance", raw)
    b.set("subnet_id", p.get("subnetId"))
    b.set("security_groups", list(p.get("securityGroups") or []))
    b.set("launch_template", p.get("launchTemplate"))
    ipv4, ipv6, reason = _addresses(p)
    b.set("public_ip", bool(ipv4 or ipv6))
    b.set("public_ipv4", bool(ipv4))
    b.set("public_ipv6", bool(ipv6))
    b.set("public_ip_reason", reason)
    meta = _metadata(p.get("metadataOptions"))
    b.set("metadata", meta)
    b.set("imdsv2_required", imdsv2_required(meta))
    devices = [{"device_name": d.get("deviceName"), "root": bool(d.get("root")),
                "encryption": encryption(d.get("encrypted"), d.get("kmsKeyId"), d.get("keyManager"))}
               for d in p.get("blockDevices") or []]
    b.set("block_devices", devices)
    roots = [d for d in devices if d["root"]]
    b.set("root_volume_encrypted", roots[0]["encryption"]["enabled"] if roots else None)
    b.set("all_volumes_encrypted", all_encrypted(devices))
    set_customer_key_summary(b, devices)
    table, ingress = p.get("routeTable"), p.get("securityGroupIngress")
    routes = None if table is None else default_routes(dict(table))
    igw = None if routes is None else routes[0] or routes[1]
    admits = None if ingress is None else admits_internet(ingress)
    admits4, admits6 = (UNKNOWN, UNKNOWN) if ingress is None else (admits_internet(ingress, 4),
                                                                  admits_internet(ingress, 6))
    b.set("subnet_routes_to_internet_gateway", igw)
    b.set("security_groups_allow_internet_ingress", admits)
    b.set("iam_instance_profile", p.get("iamInstanceProfile"))
    apply_call_errors(b, raw, INSTANCE_ERRORS)
    # what was not read counts as unknown: reachable is false as soon as one known part is false; an address is
    # reachable only through a default route of its own family
    igw4, igw6 = (UNKNOWN, UNKNOWN) if routes is None else routes[:2]
    reachable = tri_or(tri_and(bool(ipv4), igw4, admits4), tri_and(bool(ipv6), igw6, admits6))
    if reachable is UNKNOWN:
        why = [raw.errors[op] for op in ("DescribeRouteTables", "DescribeSecurityGroups") if op in raw.errors]
        b.errors["reachable_from_internet"] = "; ".join(why) or "the subnet's routes or the groups were not read"
        reachable = None
    b.set("reachable_from_internet", reachable)
    return [build_live(b, raw, tags=p.get("tags") or {})]


@register(EC2_LAUNCH_TEMPLATE)
def live_launch_template(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    data: Mapping[str, Any] = p.get("data") or {}
    account = p.get("accountDefault") or {}
    b = AssetBuilder("ec2.launch_template", raw)
    interfaces = data.get("NetworkInterfaces") or []
    b.set("associate_public_ip", interfaces_public_ip(interfaces, "AssociatePublicIpAddress"))
    meta = _metadata(data.get("MetadataOptions"))
    b.set("metadata", meta)
    b.set("imdsv2_required", imdsv2_required(meta))
    devices = [{"device_name": d.get("deviceName"), "root": False, "encryption": _template_encryption(d, account)}
               for d in p.get("blockDevices") or []]
    b.set("block_devices", devices)
    b.set("all_volumes_encrypted", all_encrypted(devices))
    b.set("declares_volumes", bool(devices))
    set_customer_key_summary(b, devices)
    groups = [*(data.get("SecurityGroupIds") or []), *(data.get("SecurityGroups") or []),
              *(g for n in interfaces for g in n.get("Groups") or [])]
    b.set("security_groups", list(dict.fromkeys(groups)))
    profile = data.get("IamInstanceProfile") or {}
    b.set("iam_instance_profile", profile.get("Arn") or profile.get("Name"))
    apply_call_errors(b, raw, TEMPLATE_ERRORS)
    return [build_live(b, raw, tags=p.get("tags") or {})]


def _template_encryption(device: Mapping[str, Any], account: Mapping[str, Any]) -> dict[str, Any]:
    """A template's EBS mapping: encrypted when it says so or when the account encrypts new volumes by default;
    a volume from a snapshot that says nothing keeps the snapshot's encryption (not read here: unknown)."""
    explicit = device.get("encrypted")
    default_on = account.get("enabled")
    if explicit is True or default_on is True:
        enabled: Any = True
    elif default_on is None:
        enabled = None  # the account default was not read (an error says why)
    elif explicit is None and device.get("snapshotId"):
        enabled = UNKNOWN
    else:
        enabled = False
    if device.get("kmsKeyId"):
        return encryption(enabled, device["kmsKeyId"], device.get("keyManager"))
    manager = account.get("keyManager")
    return encryption(enabled, _default_key_id(account.get("kmsKeyId"), manager), manager)


@register(EC2_VOLUME)
def live_volume(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.volume", raw)
    b.set("encryption", encryption(bool(p.get("encrypted")), p.get("kmsKeyId"), p.get("keyManager")))
    b.set("size", p.get("size"))
    b.set("type", p.get("volumeType"))
    b.set("availability_zone", p.get("availabilityZone"))
    apply_call_errors(b, raw, VOLUME_ERRORS)
    return [build_live(b, raw, tags=p.get("tags") or {})]


@register(EC2_EBS_ENCRYPTION_DEFAULT)
def live_encryption_default(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.ebs_encryption_default", raw)
    b.set("enabled", p.get("enabled"))
    key_id, manager = p.get("kmsKeyId"), p.get("keyManager")
    b.set("kms_key_id", _default_key_id(key_id, manager))
    aws_alias = key_id is None or "alias/aws/" in key_id  # no key named: AWS uses its aws/ebs key
    b.set("customer_managed_key", False if aws_alias else None if manager is None else manager == "customer")
    apply_call_errors(b, raw, DEFAULT_ERRORS)
    return [build_live(b, raw)]

