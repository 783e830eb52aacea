"""Cases of the non-compliant example for the catalog's compute controls (see __main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws

OLD_REGION = "us-east-1"  # the first region the company used: no EBS encryption by default was ever turned on there


def declare(shared: dict[str, Any]) -> None:
    """Declare this area's cases; `shared` is the main program's namespace (its VPC, subnets, keys, ...)."""
    vpc: aws.ec2.Vpc = shared["vpc"]
    igw: aws.ec2.InternetGateway = shared["igw"]
    data_key: aws.kms.Key = shared["data_key"]
    tags: dict[str, str] = shared["tags"]
    ami: str = shared["ami"]
    imdsv2: Any = shared["imdsv2"]
    encrypted_root: Any = {"encrypted": True, "kms_key_id": data_key.arn}

    # a dual-stack public subnet for the IPv6 API: its ::/0 route goes to the internet gateway, and every instance
    # launched in it gets an IPv6 address (a global address: no NAT in IPv6)
    ipv6 = aws.ec2.VpcIpv6CidrBlockAssociation("main-ipv6", vpc_id=vpc.id, assign_generated_ipv6_cidr_block=True)
    dual_rt = aws.ec2.RouteTable("dual-stack", vpc_id=vpc.id, tags=tags,
                                 routes=[{"ipv6_cidr_block": "::/0", "gateway_id": igw.id}])
    dual_a = aws.ec2.Subnet("dual-stack-a", vpc_id=vpc.id, cidr_block="10.20.40.0/24", availability_zone="eu-west-1a",
                            ipv6_cidr_block=ipv6.ipv6_cidr_block.apply(lambda b: b and b.replace("/56", "/64")),
                            assign_ipv6_address_on_creation=True, tags={**tags, "tier": "public"})
    aws.ec2.RouteTableAssociation("dual-stack-a", subnet_id=dual_a.id, route_table_id=dual_rt.id)
    # FAILS FW-01, NET-02, NET-10: the IPv6 API's own group admits ::/0 on 443 (no load balancer), never reviewed
    api_sg = aws.ec2.SecurityGroup("api-v6", vpc_id=vpc.id, description="IPv6 API", tags=tags, ingress=[
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "ipv6_cidr_blocks": ["::/0"]}])
    # FAILS NET-05, NET-09: no public IPv4 address, but a global IPv6 address, routed ::/0 to the internet gateway
    aws.ec2.Instance("api-v6", ami=ami, instance_type="t3.small", subnet_id=dual_a.id,
                     associate_public_ip_address=False, vpc_security_group_ids=[api_sg.id], metadata_options=imdsv2,
                     root_block_device=encrypted_root, tags=tags)

    # FAILS ENC-11: the root volume asks for no encryption, in a region without EBS encryption by default
    aws.ec2.Instance("legacy-reports", ami=ami, instance_type="t3.small", region=OLD_REGION,
                     associate_public_ip_address=False, metadata_options=imdsv2,
                     root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(encrypted=False, volume_size=50), tags=tags)
    # FAILS ENC-12: the scratch volume of every batch worker is left unencrypted, in a region without the default
    aws.ec2.LaunchTemplate("legacy-batch-scratch", image_id=ami, instance_type="c5.large", region=OLD_REGION,
                           metadata_options=imdsv2, tags=tags, block_device_mappings=[
                               {"device_name": "/dev/sdb", "ebs": {"volume_size": 200, "encrypted": "false"}}])
