"""Cases of the non-compliant example for the catalog's firewall controls (see __main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws


def declare(shared: dict[str, Any]) -> None:
    """Declare this area's cases; `shared` is the main program's namespace (its VPC, subnets, keys, ...)."""
    vpc, tags = shared["vpc"], shared["tags"]
    # FAILS FW-01, NET-02, NET-03: SSH from the whole IPv6 internet, ::/0 written in full ("0000:0000::/0")
    aws.ec2.SecurityGroup("admin-v6", vpc_id=vpc.id, description="IPv6 admin access", tags=tags, ingress=[
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "ipv6_cidr_blocks": ["0000:0000::/0"]}])
    # pulumi/examples aws-py-fargate: the tasks get public IPs in the public subnets and run in the load balancer's
    # own group, which admits the internet on 80 and 443 (so the load balancer's group fails NET-02 and NET-10)
    # FAILS NET-08, NET-13: the internet reaches the tasks directly, past the load balancer
    aws.ecs.Service("fargate", cluster=shared["cluster"].arn, task_definition=shared["task"].arn, desired_count=1,
                    launch_type="FARGATE", tags=tags,
                    network_configuration={"subnets": [shared["public_a"].id, shared["public_b"].id],
                                           "security_groups": [shared["alb_sg"].id], "assign_public_ip": True})
