"""The VPC: public and private subnets in two availability zones, one NAT gateway per zone.

Claims: "All environments are hosted in a Virtual Private Cloud ... containing separate public and private
subnets. No inbound internet traffic is allowed to the private subnets" and "application servers only reside in
private subnets without public IP addresses".

- Public subnets (`tier: public`) route 0.0.0.0/0 to the internet gateway; they hold only the load balancer and
  the NAT gateways. Even there no subnet maps public IPs on launch: nothing we launch gets one.
- Private subnets (`tier: private`) route 0.0.0.0/0 to the NAT gateway of their own zone (one per zone, so that
  losing a zone does not cut the other zone's outbound traffic), never to the internet gateway.
- The VPC's default security group is adopted and emptied: it allows nothing in or out.
"""

from __future__ import annotations

import ipaddress

import pulumi
import pulumi_aws as aws

from components.settings import Settings


def subnet_cidrs(vpc_cidr: str, count: int) -> tuple[list[str], list[str]]:
    """/20 blocks: the first `count` for public subnets, the next `count` for private ones."""
    blocks = [str(b) for b in ipaddress.ip_network(vpc_cidr).subnets(new_prefix=20)]
    if len(blocks) < 2 * count:
        raise ValueError(f"{vpc_cidr} is too small for {2 * count} /20 subnets")
    return blocks[:count], blocks[count:2 * count]


class Network(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    public_subnets: list[aws.ec2.Subnet]
    private_subnets: list[aws.ec2.Subnet]

    def __init__(self, name: str, s: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:network:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        zones = s.availability_zones
        public_cidrs, private_cidrs = subnet_cidrs(s.vpc_cidr, len(zones))

        self.vpc = aws.ec2.Vpc("vpc", cidr_block=s.vpc_cidr, enable_dns_support=True, enable_dns_hostnames=True,
                               tags=s.tags(Name=f"{s.prefix}-vpc"), opts=child)
        # adopting the default group removes all of its rules: nothing may use it by accident
        aws.ec2.DefaultSecurityGroup("default-sg", vpc_id=self.vpc.id, ingress=[], egress=[],
                                     tags=s.tags(Name=f"{s.prefix}-default-deny-all"), opts=child)
        igw = aws.ec2.InternetGateway("igw", vpc_id=self.vpc.id, tags=s.tags(Name=f"{s.prefix}-igw"), opts=child)

        public_table = aws.ec2.RouteTable(
            "public", vpc_id=self.vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags=s.tags(Name=f"{s.prefix}-public", tier="public"), opts=child)

        self.public_subnets, self.private_subnets = [], []
        for zone, public_cidr, private_cidr in zip(zones, public_cidrs, private_cidrs, strict=True):
            suffix = zone[-1]  # eu-west-1a -> a
            public = aws.ec2.Subnet(
                f"public-{suffix}", vpc_id=self.vpc.id, cidr_block=public_cidr, availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=s.tags(Name=f"{s.prefix}-public-{suffix}", tier="public"), opts=child)
            aws.ec2.RouteTableAssociation(f"public-{suffix}", subnet_id=public.id, route_table_id=public_table.id,
                                          opts=child)

            eip = aws.ec2.Eip(f"nat-{suffix}", domain="vpc", tags=s.tags(Name=f"{s.prefix}-nat-{suffix}"),
                              opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]))
            nat = aws.ec2.NatGateway(f"nat-{suffix}", allocation_id=eip.allocation_id, subnet_id=public.id,
                                     tags=s.tags(Name=f"{s.prefix}-nat-{suffix}"), opts=child)

            private = aws.ec2.Subnet(
                f"private-{suffix}", vpc_id=self.vpc.id, cidr_block=private_cidr, availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=s.tags(Name=f"{s.prefix}-private-{suffix}", tier="private"), opts=child)
            private_table = aws.ec2.RouteTable(
                f"private-{suffix}", vpc_id=self.vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
                tags=s.tags(Name=f"{s.prefix}-private-{suffix}", tier="private"), opts=child)
            aws.ec2.RouteTableAssociation(f"private-{suffix}", subnet_id=private.id,
                                          route_table_id=private_table.id, opts=child)

            self.public_subnets.append(public)
            self.private_subnets.append(private)

        self.register_outputs({"vpc_id": self.vpc.id,
                               "public_subnet_ids": [sn.id for sn in self.public_subnets],
                               "private_subnet_ids": [sn.id for sn in self.private_subnets]})
