"""ec2.instance, ec2.launch_template, ec2.volume and ec2.ebs_encryption_default (DefaultKmsKey folded in)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset
from checks.normalize.base import (
    AssetBuilder,
    Index,
    first_set,
    folded,
    register,
    tri_and,
    tri_any,
    tri_map,
    tri_or,
    unwrap,
)
from checks.normalize.ec2.addresses import (
    DEFAULT_SUBNET_IPV4,
    DEFAULT_SUBNET_IPV6,
    ELASTIC_IP,
    UNKNOWN_INTERFACE,
    Addresses,
    asks_for_ipv6,
    assigns_ipv6,
    ipv4_fact,
    ipv6_fact,
    subnet_ipv4,
    subnet_ipv6,
    template_ipv6,
)
from checks.normalize.ec2.ebs import (
    DEFAULT_KMS_KEY,
    ENCRYPTION_BY_DEFAULT,
    all_encrypted,
    block_device,
    default_enabled,
    default_key,
    ebs_encryption,
    set_customer_key_summary,
)
from checks.normalize.ec2.routes import (
    EIP,
    SUBNET_TOKENS,
    UNKNOWN_ROUTING,
    Routing,
    default_vpc,
    main_routing,
    subnet_vpc,
    subnets_routing,
)
from checks.normalize.ec2.sg_internet import internet_ingress
from checks.normalize.ec2.sg_rules import group_facts
from checks.normalize.ec2.sg_usage import default_group, group_refs
from checks.normalize.refs import Refs, as_bool, path_value, resolve_refs
from checks.raw import RawResource

INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
VOLUME = "aws:ebs/volume:Volume"
INSTANCE_PROFILE = "aws:iam/instanceProfile:InstanceProfile"
EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"

folded("ec2.ebs_encryption_default", DEFAULT_KMS_KEY)
folded("ec2.instance", EIP_ASSOCIATION)


def metadata(options: Any) -> dict[str, Any]:
    """IMDS settings; absent settings take the EC2 defaults: tokens optional (IMDSv1 allowed), endpoint enabled."""
    options = unwrap(options)
    if options is UNKNOWN:
        return {"http_tokens": UNKNOWN, "http_endpoint": UNKNOWN}
    options = options if isinstance(options, dict) else {}
    return {"http_tokens": first_set(options.get("httpTokens"), "optional"),
            "http_endpoint": first_set(options.get("httpEndpoint"), "enabled")}


def imdsv2_required(meta: dict[str, Any]) -> Any:
    """IMDSv1 cannot be used: session tokens are required, or the metadata endpoint is disabled."""
    return tri_or(tri_map(meta["http_tokens"], lambda t: t == "required"),
                  tri_map(meta["http_endpoint"], lambda e: e == "disabled"))


def interfaces_public_ip(interfaces: Any, key: str = "associatePublicIpAddress") -> Any:
    """True if any network interface asks for a public IP, False if one refuses it, None when none says.

    `key` names the setting: `associatePublicIpAddress` (Pulumi) or `AssociatePublicIpAddress` (boto3).
    """
    interfaces = unwrap(interfaces)
    if interfaces is UNKNOWN:
        return UNKNOWN
    values = [as_bool(path_value(i, key)) for i in interfaces or []]
    said = [v for v in values if v is not None]
    return tri_any(said) if said else None


def _launch_template_public_ip(raw: RawResource) -> Any:
    return interfaces_public_ip(raw.props.get("networkInterfaces"))


def _instance_template(index: Index, raw: RawResource) -> Refs:
    spec = unwrap(raw.props.get("launchTemplate"))
    if spec is None:
        return Refs()
    value = UNKNOWN if spec is UNKNOWN else first_set(spec.get("id"), spec.get("name"))
    return resolve_refs(index, raw, "launchTemplate", [LAUNCH_TEMPLATE], value=value, scalar=True)


def _instance_network(index: Index, raw: RawResource, template: RawResource | None,
                      subnet: Refs) -> tuple[Addresses, Routing, Any]:
    """(public addresses, routing of its subnet, its declared VPC or None/UNKNOWN); `subnet`: its `subnetId`'s refs."""
    p = raw.props
    explicit = as_bool(p.get("associatePublicIpAddress"))
    template4 = None if template is None else _launch_template_public_ip(template)
    ipv6 = asks_for_ipv6(p)
    template6 = None if template is None else template_ipv6(template)
    if p.get("subnetId") is not None:
        refs = subnet
        routing, maps_public = subnets_routing(index, refs)
        assigns = tri_or(False, *(assigns_ipv6(s) for s in refs.targets),
                         *((UNKNOWN,) if refs.external or refs.unknown else ()))
        vpcs = [v for s in refs.targets for v in subnet_vpc(index, s).targets]
        addresses = Addresses(ipv4_fact(explicit, template4, subnet_ipv4(maps_public)),
                              ipv6_fact(ipv6, template6, subnet_ipv6(assigns)))
        return addresses, routing, (vpcs[0] if vpcs else UNKNOWN)
    if p.get("primaryNetworkInterface") is not None or p.get("networkInterfaces") is not None:
        # an existing network interface decides the subnet and the addresses: not followed here
        addresses = Addresses(ipv4_fact(explicit, template4, UNKNOWN_INTERFACE),
                              ipv6_fact(ipv6, template6, UNKNOWN_INTERFACE))
        return addresses, UNKNOWN_ROUTING, UNKNOWN
    # no subnet: a default subnet of the default VPC, which maps public IPs and routes to its internet gateway
    vpc = default_vpc(index)
    routing = main_routing(index, vpc) if vpc is not None else Routing(True, False)
    addresses = Addresses(ipv4_fact(explicit, template4, DEFAULT_SUBNET_IPV4),
                          ipv6_fact(ipv6, template6, DEFAULT_SUBNET_IPV6))
    return addresses, routing, vpc


def _reachable(addresses: Addresses, routing: Routing, ingress: tuple[Any, Any]) -> Any:
    """For one address family: a public address, a default route to an internet gateway and a group admitting the
    internet of that family (0.0.0.0/0, ::/0)."""
    return tri_or(tri_and(addresses.ipv4[0], routing.igw4, ingress[0]),
                  tri_and(addresses.ipv6[0], routing.igw6, ingress[1]))


OTHER_FAMILY = {4: "cidr_ipv6", 6: "cidr_ipv4"}


def _internet_ingress(index: Index, refs: Refs, vpc: Any) -> tuple[Any, Any]:
    """Does any of the groups admit the IPv4 internet, the IPv6 internet? With no group named, the VPC's default
    group applies."""
    groups = list(refs.targets)
    if not groups and not refs.external and not refs.unknown:
        if vpc is UNKNOWN:
            return UNKNOWN, UNKNOWN
        group = default_group(index, vpc)
        if group is None:
            return False, False  # AWS default rules admit only the group itself
        groups = [group]
    facts = [group_facts(index, g) for g in groups]
    by_family = []
    for family in (4, 6):
        found = [tri_map(internet_ingress([r for r in f.rules if r["peer_type"] != OTHER_FAMILY[family]])[0], bool)
                 for f in facts]
        if refs.external or refs.unknown:
            found.append(UNKNOWN)
        by_family.append(tri_any(found))
    return by_family[0], by_family[1]


def _instance_devices(index: Index, raw: RawResource) -> list[dict[str, Any]]:
    p = raw.props
    root = unwrap(p.get("rootBlockDevice"))
    devices = [block_device(index, raw, "rootBlockDevice", {} if root is None else root, root=True, ebs_path=None,
                            use_deps=True)]
    ebs = unwrap(p.get("ebsBlockDevices"))
    if ebs is UNKNOWN:
        devices.append(block_device(index, raw, "ebsBlockDevices", UNKNOWN, root=False, ebs_path=None, use_deps=False))
    elif isinstance(ebs, list):
        devices += [block_device(index, raw, "ebsBlockDevices", d, root=False, ebs_path=None, use_deps=len(ebs) == 1)
                    for d in ebs]
    return devices


def _elastic_ips(index: Index, raw: RawResource) -> list[RawResource]:
    """Elastic IPs of the instance: `aws.ec2.Eip(instance=...)` or `aws.ec2.EipAssociation(instance_id=...)`."""
    return index.referencing(raw, [EIP], "instance") + index.referencing(raw, [EIP_ASSOCIATION], "instanceId")


@register(INSTANCE)
def instance(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.instance", raw)
    template_refs = _instance_template(index, raw)
    template = template_refs.targets[0] if template_refs.targets else None
    b.set("launch_template", template_refs.scalar())
    subnet = resolve_refs(index, raw, "subnetId", SUBNET_TOKENS, scalar=True)  # resolved once
    addresses, routing, vpc = _instance_network(index, raw, template, subnet)
    b.set("subnet_id", subnet.scalar())
    groups = group_refs(index, raw)
    if not groups.targets and not groups.external and not groups.unknown and template is not None:
        groups = group_refs(index, template)
    b.set("security_groups", groups.values())
    if _elastic_ips(index, raw):
        # an Elastic IP associated with the instance is a public address, whatever the subnet says
        addresses = Addresses(ELASTIC_IP, addresses.ipv6)
    b.set("public_ip", addresses.public)
    b.set("public_ipv4", addresses.ipv4[0])
    b.set("public_ipv6", addresses.ipv6[0])
    b.set("public_ip_reason", addresses.reason())
    options = p.get("metadataOptions")
    if options is None and template is not None:
        options = template.props.get("metadataOptions")
    elif options is None and p.get("launchTemplate") is not None:
        options = UNKNOWN  # the settings of a template not declared here are not known
    meta = metadata(options)
    b.set("metadata", meta)
    b.set("imdsv2_required", imdsv2_required(meta))
    devices = _instance_devices(index, raw)
    b.set("block_devices", devices)
    b.set("root_volume_encrypted", devices[0]["encryption"]["enabled"])
    b.set("all_volumes_encrypted", all_encrypted(devices))
    set_customer_key_summary(b, devices)
    b.set("subnet_routes_to_internet_gateway", routing.igw)
    ingress = _internet_ingress(index, groups, vpc)
    b.set("security_groups_allow_internet_ingress", tri_or(*ingress))
    b.set("reachable_from_internet", _reachable(addresses, routing, ingress))
    profile = resolve_refs(index, raw, "iamInstanceProfile", [INSTANCE_PROFILE], scalar=True)
    b.set("iam_instance_profile", profile.scalar())
    return [b.build()]


@register(LAUNCH_TEMPLATE)
def launch_template(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.launch_template", raw)
    b.set("associate_public_ip", _launch_template_public_ip(raw))
    meta = metadata(p.get("metadataOptions"))
    b.set("metadata", meta)
    b.set("imdsv2_required", imdsv2_required(meta))
    mappings = unwrap(p.get("blockDeviceMappings"))
    devices: list[dict[str, Any]] = []
    if mappings is UNKNOWN:
        devices.append(block_device(index, raw, "blockDeviceMappings", UNKNOWN, root=False, ebs_path="ebs",
                                    use_deps=False))
    elif isinstance(mappings, list):
        with_ebs = [m for m in mappings if isinstance(unwrap(m), dict) and unwrap(m).get("ebs") is not None]
        devices += [block_device(index, raw, "blockDeviceMappings", m, root=False, ebs_path="ebs",
                                 use_deps=len(with_ebs) == 1) for m in with_ebs]
    b.set("block_devices", devices)
    b.set("all_volumes_encrypted", all_encrypted(devices))
    b.set("declares_volumes", bool(devices))
    set_customer_key_summary(b, devices)
    b.set("security_groups", group_refs(index, raw).values())
    profile = p.get("iamInstanceProfile")
    b.set("iam_instance_profile", first_set(path_value(profile, "arn"), path_value(profile, "name")))
    return [b.build()]


@register(VOLUME)
def volume(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ec2.volume", raw)
    snapshot = p.get("snapshotId")
    from_snapshot = snapshot is not None and snapshot != ""
    b.set("encryption", ebs_encryption(index, raw, "kmsKeyId", p.get("encrypted"), p.get("kmsKeyId"),
                                       top_level=True, inherits=from_snapshot))
    # without a size the volume takes its snapshot's size
    b.set("size", first_set(p.get("size"), UNKNOWN if from_snapshot else None))
    b.set("type", first_set(p.get("type"), "gp2"))  # provider default gp2
    b.set("availability_zone", p.get("availabilityZone"))
    return [b.build()]


@register(ENCRYPTION_BY_DEFAULT)
def ebs_encryption_default(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("ec2.ebs_encryption_default", raw)
    enabled = default_enabled(raw)
    b.set("enabled", enabled)
    kms_id, cmk = default_key(index, raw)  # the default key of this setting's own region
    b.set("kms_key_id", kms_id)
    b.set("customer_managed_key", cmk)
    return [b.build()]

