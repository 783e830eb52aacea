"""Security groups of the three tiers, each rule a separate, described resource.

Claims: "Only Amazon managed and maintained load balancers have ingress access to the application servers",
"The database is accessible only from our Amazon Virtual Private Cloud" and "All firewall rule changes (security
group changes) are reviewed by our security team before being deployed" (every rule below is listed in
`security-group-reviews.yaml`; `clearance check` fails a rule that is not).

    internet --443/80--> alb --container port--> app --5432--> db
                                                 app --443--> internet (through the NAT gateways: ECR, AWS APIs,
                                                              the partners' APIs: Google, Microsoft, Box, Dropbox)

Groups have explicit names so that rule fingerprints are stable, and no inline rules: a rule added or removed is
one resource in the diff.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.settings import Settings

INTERNET = "0.0.0.0/0"
POSTGRES = 5432


class SecurityGroups(pulumi.ComponentResource):
    alb: aws.ec2.SecurityGroup
    app: aws.ec2.SecurityGroup
    db: aws.ec2.SecurityGroup

    def __init__(self, name: str, s: Settings, *, vpc: aws.ec2.Vpc,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:network:SecurityGroups", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # one constructor call per group, so that findings point at the group they are about
        self.alb = aws.ec2.SecurityGroup(
            "alb", name=f"{s.prefix}-alb", vpc_id=vpc.id, tags=s.tags(Name=f"{s.prefix}-alb"), opts=child,
            description="Internet-facing load balancer: HTTPS (and HTTP, redirected) from anywhere")
        self.app = aws.ec2.SecurityGroup(
            "app", name=f"{s.prefix}-app", vpc_id=vpc.id, tags=s.tags(Name=f"{s.prefix}-app"), opts=child,
            description="Application tasks: only the load balancer may connect")
        self.db = aws.ec2.SecurityGroup(
            "db", name=f"{s.prefix}-db", vpc_id=vpc.id, tags=s.tags(Name=f"{s.prefix}-db"), opts=child,
            description="PostgreSQL: only the application tasks may connect")
        port = s.container_port

        for web in (443, 80):
            aws.vpc.SecurityGroupIngressRule(
                f"alb-in-{web}", security_group_id=self.alb.id, ip_protocol="tcp", from_port=web, to_port=web,
                cidr_ipv4=INTERNET, description=f"Clients over tcp {web} ({'HTTPS' if web == 443 else 'redirect'})",
                tags=s.tags(), opts=child)
        aws.vpc.SecurityGroupEgressRule(
            "alb-out-app", security_group_id=self.alb.id, ip_protocol="tcp", from_port=port, to_port=port,
            referenced_security_group_id=self.app.id, description="Forward requests to the application tasks",
            tags=s.tags(), opts=child)

        aws.vpc.SecurityGroupIngressRule(
            "app-in-alb", security_group_id=self.app.id, ip_protocol="tcp", from_port=port, to_port=port,
            referenced_security_group_id=self.alb.id, description="Requests from the load balancer only",
            tags=s.tags(), opts=child)
        aws.vpc.SecurityGroupEgressRule(
            "app-out-db", security_group_id=self.app.id, ip_protocol="tcp", from_port=POSTGRES, to_port=POSTGRES,
            referenced_security_group_id=self.db.id, description="PostgreSQL", tags=s.tags(), opts=child)
        aws.vpc.SecurityGroupEgressRule(
            "app-out-https", security_group_id=self.app.id, ip_protocol="tcp", from_port=443, to_port=443,
            cidr_ipv4=INTERNET, description="HTTPS through the NAT gateways: ECR, AWS APIs, partner APIs",
            tags=s.tags(), opts=child)

        aws.vpc.SecurityGroupIngressRule(
            "db-in-app", security_group_id=self.db.id, ip_protocol="tcp", from_port=POSTGRES, to_port=POSTGRES,
            referenced_security_group_id=self.app.id, description="PostgreSQL from the application tasks only",
            tags=s.tags(), opts=child)

        self.register_outputs({"alb": self.alb.id, "app": self.app.id, "db": self.db.id})
