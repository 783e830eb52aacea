"""EC2 and VPC appliers: network, security groups and their rules, flow logs, account-level EBS encryption."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.sandbox.context import Applier, ApplyContext, ApplyFailed, Outputs, drop_none, tag_list, tag_specs


def _tag(ctx: ApplyContext, resource_id: str, props: Mapping[str, Any]) -> None:
    tags = tag_list(props)
    if tags:
        ctx.client("ec2").create_tags(Resources=[resource_id], Tags=tags)


def vpc(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    ec2 = ctx.client("ec2")
    created = ec2.create_vpc(CidrBlock=props["cidrBlock"], TagSpecifications=tag_specs(props, "vpc"),
                             **drop_none(InstanceTenancy=props.get("instanceTenancy")))["Vpc"]
    vpc_id = created["VpcId"]
    for key, attr in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        if key in props:
            ec2.modify_vpc_attribute(VpcId=vpc_id, **{attr: {"Value": bool(props[key])}})
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                   {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    return vpc_id, {"arn": ctx.arn("ec2", f"vpc/{vpc_id}"), "cidrBlock": created["CidrBlock"],
                    "ownerId": created.get("OwnerId", ctx.account_id),
                    "defaultSecurityGroupId": groups[0]["GroupId"] if groups else None,
                    "mainRouteTableId": tables[0]["RouteTableId"] if tables else None}


def subnet(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    ec2 = ctx.client("ec2")
    created = ec2.create_subnet(VpcId=props["vpcId"], CidrBlock=props["cidrBlock"],
                                TagSpecifications=tag_specs(props, "subnet"),
                                **drop_none(AvailabilityZone=props.get("availabilityZone")))["Subnet"]
    subnet_id = created["SubnetId"]
    # set either way: AWS's default is false, but moto makes the first subnet of an availability zone public
    ec2.modify_subnet_attribute(SubnetId=subnet_id,
                                MapPublicIpOnLaunch={"Value": bool(props.get("mapPublicIpOnLaunch"))})
    return subnet_id, {"arn": created.get("SubnetArn") or ctx.arn("ec2", f"subnet/{subnet_id}"),
                       "availabilityZone": created["AvailabilityZone"], "ownerId": ctx.account_id}


def internet_gateway(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    ec2 = ctx.client("ec2")
    igw_id = ec2.create_internet_gateway(
        TagSpecifications=tag_specs(props, "internet-gateway"))["InternetGateway"]["InternetGatewayId"]
    if props.get("vpcId"):
        ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=props["vpcId"])
    return igw_id, {"arn": ctx.arn("ec2", f"internet-gateway/{igw_id}"), "ownerId": ctx.account_id}


def eip(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    created = ctx.client("ec2").allocate_address(Domain=props.get("domain") or "vpc",
                                                 TagSpecifications=tag_specs(props, "elastic-ip"))
    alloc = created["AllocationId"]
    return alloc, {"allocationId": alloc, "publicIp": created.get("PublicIp"),
                   "arn": ctx.arn("ec2", f"elastic-ip/{alloc}")}


def nat_gateway(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    created = ctx.client("ec2").create_nat_gateway(
        SubnetId=props["subnetId"], TagSpecifications=tag_specs(props, "natgateway"),
        **drop_none(AllocationId=props.get("allocationId"), ConnectivityType=props.get("connectivityType")))
    nat = created["NatGateway"]
    addresses = nat.get("NatGatewayAddresses") or [{}]
    interface = addresses[0].get("NetworkInterfaceId")
    if interface:  # AWS describes a NAT gateway's interface so (moto leaves it blank, in the default group)
        ctx.client("ec2").modify_network_interface_attribute(
            NetworkInterfaceId=interface, Description={"Value": f"Interface for NAT Gateway {nat['NatGatewayId']}"})
    return nat["NatGatewayId"], {"publicIp": addresses[0].get("PublicIp"), "privateIp": addresses[0].get("PrivateIp"),
                                 "networkInterfaceId": addresses[0].get("NetworkInterfaceId")}


ROUTE_TARGETS = (("gatewayId", "GatewayId"), ("natGatewayId", "NatGatewayId"), ("networkInterfaceId",
                 "NetworkInterfaceId"), ("vpcPeeringConnectionId", "VpcPeeringConnectionId"),
                 ("transitGatewayId", "TransitGatewayId"), ("vpcEndpointId", "VpcEndpointId"))


def route_table(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    ec2 = ctx.client("ec2")
    rt_id = ec2.create_route_table(VpcId=props["vpcId"],
                                   TagSpecifications=tag_specs(props, "route-table"))["RouteTable"]["RouteTableId"]
    for route in props.get("routes") or []:
        dest = drop_none(DestinationCidrBlock=route.get("cidrBlock"),
                         DestinationIpv6CidrBlock=route.get("ipv6CidrBlock"),
                         DestinationPrefixListId=route.get("destinationPrefixListId"))
        target = {api: route[key] for key, api in ROUTE_TARGETS if route.get(key)}
        ec2.create_route(RouteTableId=rt_id, **dest, **target)
    return rt_id, {"arn": ctx.arn("ec2", f"route-table/{rt_id}"), "ownerId": ctx.account_id}


def route_table_association(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    target = drop_none(SubnetId=props.get("subnetId"), GatewayId=props.get("gatewayId"))
    assoc = ctx.client("ec2").associate_route_table(RouteTableId=props["routeTableId"], **target)
    return assoc["AssociationId"], {}


def _permissions(rules: Any, group_id: str) -> list[dict[str, Any]]:
    """Inline `ingress`/`egress` blocks of aws.ec2.SecurityGroup -> IpPermissions."""
    perms = []
    for rule in rules or []:
        protocol = str(rule.get("protocol", "-1"))
        perm: dict[str, Any] = {"IpProtocol": "-1" if protocol in ("-1", "all") else protocol}
        if perm["IpProtocol"] != "-1":
            perm.update(FromPort=int(rule.get("fromPort", 0)), ToPort=int(rule.get("toPort", 0)))
        desc = drop_none(Description=rule.get("description"))
        perm["IpRanges"] = [{"CidrIp": c, **desc} for c in rule.get("cidrBlocks") or []]
        perm["Ipv6Ranges"] = [{"CidrIpv6": c, **desc} for c in rule.get("ipv6CidrBlocks") or []]
        perm["PrefixListIds"] = [{"PrefixListId": p, **desc} for p in rule.get("prefixListIds") or []]
        groups = list(rule.get("securityGroups") or []) + ([group_id] if rule.get("self") else [])
        perm["UserIdGroupPairs"] = [{"GroupId": g, **desc} for g in groups]
        perms.append(perm)
    return perms


def _replace_rules(ctx: ApplyContext, group_id: str, props: Mapping[str, Any]) -> None:
    """Make the group's rules exactly the inline ones (as Terraform does: AWS's default allow-all egress goes)."""
    ec2 = ctx.client("ec2")
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    if group.get("IpPermissions"):
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=group["IpPermissions"])
    if group.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=group["IpPermissionsEgress"])
    if props.get("ingress"):
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=_permissions(props["ingress"], group_id))
    if props.get("egress"):
        ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=_permissions(props["egress"], group_id))


def security_group(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    name = ctx.physical_name(props, max_len=255)
    created = ctx.client("ec2").create_security_group(
        GroupName=name, Description=props.get("description") or "Managed by Pulumi",
        TagSpecifications=tag_specs(props, "security-group"), **drop_none(VpcId=props.get("vpcId")))
    group_id = created["GroupId"]
    _replace_rules(ctx, group_id, props)
    return group_id, {"arn": ctx.arn("ec2", f"security-group/{group_id}"), "name": name, "ownerId": ctx.account_id}


def default_security_group(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    """Adopt the VPC's default group and make its rules the declared ones (usually none: deny all)."""
    filters = [{"Name": "vpc-id", "Values": [props["vpcId"]]}, {"Name": "group-name", "Values": ["default"]}]
    groups = ctx.client("ec2").describe_security_groups(Filters=filters)["SecurityGroups"]
    if not groups:
        raise ApplyFailed(f"VPC {props['vpcId']} has no default security group")
    group_id = groups[0]["GroupId"]
    _replace_rules(ctx, group_id, props)
    _tag(ctx, group_id, props)
    return group_id, {"arn": ctx.arn("ec2", f"security-group/{group_id}"), "name": "default",
                      "ownerId": ctx.account_id}


def _vpc_rule(props: Mapping[str, Any], ctx: ApplyContext, egress: bool) -> tuple[str, Outputs]:
    protocol = str(props.get("ipProtocol", "-1"))
    perm: dict[str, Any] = {"IpProtocol": protocol}
    if protocol not in ("-1", "all"):
        perm.update(FromPort=int(props["fromPort"]), ToPort=int(props["toPort"]))
    desc = drop_none(Description=props.get("description"))
    if props.get("cidrIpv4"):
        perm["IpRanges"] = [{"CidrIp": props["cidrIpv4"], **desc}]
    if props.get("cidrIpv6"):
        perm["Ipv6Ranges"] = [{"CidrIpv6": props["cidrIpv6"], **desc}]
    if props.get("prefixListId"):
        perm["PrefixListIds"] = [{"PrefixListId": props["prefixListId"], **desc}]
    if props.get("referencedSecurityGroupId"):
        perm["UserIdGroupPairs"] = [{"GroupId": props["referencedSecurityGroupId"], **desc}]
    ec2 = ctx.client("ec2")
    call = ec2.authorize_security_group_egress if egress else ec2.authorize_security_group_ingress
    tags = tag_specs(props, "security-group-rule")
    rules = call(GroupId=props["securityGroupId"], IpPermissions=[perm],
                 **({"TagSpecifications": tags} if tags else {}))
    rule_id = rules["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    return rule_id, {"securityGroupRuleId": rule_id, "arn": ctx.arn("ec2", f"security-group-rule/{rule_id}")}


def ingress_rule(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    return _vpc_rule(props, ctx, egress=False)


def egress_rule(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    return _vpc_rule(props, ctx, egress=True)


def legacy_rule(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    """aws.ec2.SecurityGroupRule (type ingress|egress, cidrBlocks, sourceSecurityGroupId, self)."""
    group_id = props["securityGroupId"]
    block = dict(props, securityGroups=[props["sourceSecurityGroupId"]] if props.get("sourceSecurityGroupId") else [])
    ec2 = ctx.client("ec2")
    egress = props.get("type") == "egress"
    call = ec2.authorize_security_group_egress if egress else ec2.authorize_security_group_ingress
    call(GroupId=group_id, IpPermissions=_permissions([block], group_id))
    return f"sgrule-{group_id}-{props.get('type')}-{props.get('protocol')}-{props.get('fromPort')}", {}


def flow_log(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    resource_id = props.get("vpcId") or props.get("subnetId") or props.get("eniId")
    kind = "VPC" if props.get("vpcId") else "Subnet" if props.get("subnetId") else "NetworkInterface"
    dest_type = props.get("logDestinationType") or "cloud-watch-logs"
    dest = props.get("logDestination")
    args = drop_none(DeliverLogsPermissionArn=props.get("iamRoleArn"), LogFormat=props.get("logFormat"),
                     MaxAggregationInterval=props.get("maxAggregationInterval"))
    if dest_type == "cloud-watch-logs" and not dest and props.get("logGroupName"):
        args["LogGroupName"] = props["logGroupName"]
    elif dest:
        args["LogDestination"] = dest
    created = ctx.client("ec2").create_flow_logs(
        ResourceIds=[resource_id], ResourceType=kind, TrafficType=props.get("trafficType") or "ALL",
        LogDestinationType=dest_type, TagSpecifications=tag_specs(props, "vpc-flow-log"), **args)
    if created.get("Unsuccessful"):
        raise ApplyFailed(f"CreateFlowLogs: {created['Unsuccessful'][0].get('Error', {}).get('Message')}")
    fl_id = created["FlowLogIds"][0]
    return fl_id, {"arn": ctx.arn("ec2", f"vpc-flow-log/{fl_id}")}


def ebs_encryption_by_default(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    ec2 = ctx.client("ec2")
    if props.get("enabled", True):
        ec2.enable_ebs_encryption_by_default()
    else:
        ec2.disable_ebs_encryption_by_default()
    return ctx.region, {}


def ebs_default_kms_key(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    """Written with ModifyEbsDefaultKmsKeyId (which moto has); moto cannot read it back (GetEbsDefaultKmsKeyId)."""
    ctx.client("ec2").modify_ebs_default_kms_key_id(KmsKeyId=props["keyArn"])
    return ctx.region, {}


APPLIERS: dict[str, Applier] = {
    "aws:ec2/vpc:Vpc": vpc,
    "aws:ec2/subnet:Subnet": subnet,
    "aws:ec2/internetGateway:InternetGateway": internet_gateway,
    "aws:ec2/eip:Eip": eip,
    "aws:ec2/natGateway:NatGateway": nat_gateway,
    "aws:ec2/routeTable:RouteTable": route_table,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": route_table_association,
    "aws:ec2/securityGroup:SecurityGroup": security_group,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": default_security_group,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ingress_rule,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": egress_rule,
    "aws:ec2/securityGroupRule:SecurityGroupRule": legacy_rule,
    "aws:ec2/flowLog:FlowLog": flow_log,
    "aws:ebs/encryptionByDefault:EncryptionByDefault": ebs_encryption_by_default,
    "aws:ebs/defaultKmsKey:DefaultKmsKey": ebs_default_kms_key,
}
