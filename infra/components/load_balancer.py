"""The internet-facing Application Load Balancer: the only way in.

Claims: "Only Amazon managed and maintained load balancers have ingress access to the application servers",
"Is HTTPS enforced? Yes, and if a user reaches our website via HTTP we redirect them to HTTPS", "All external
data transfers ... are encrypted in transit with TLS" and "There is a detailed log of all actions".

- HTTP (80) answers only with a permanent redirect (301) to HTTPS.
- HTTPS (443) uses ELBSecurityPolicy-TLS13-1-2-2021-06: TLS 1.3 and 1.2 only, forward-secret ciphers.
- The certificate is issued by ACM and validated by DNS: the validation record is created in the zone of
  `domainName` by whoever runs that zone (`pulumi stack output certificate_validation`); the HTTPS listener
  waits for the certificate to be issued.
- Access logs go to the access-log bucket; invalid HTTP headers are dropped; deletion protection is on.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.buckets import SecureBucket
from components.settings import Settings
from components.storage import ALB_LOG_PREFIX

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


class LoadBalancer(pulumi.ComponentResource):
    alb: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    https: aws.lb.Listener

    def __init__(self, name: str, s: Settings, *, vpc: aws.ec2.Vpc, subnets: list[aws.ec2.Subnet],
                 security_group: aws.ec2.SecurityGroup, access_logs: SecureBucket,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:edge:LoadBalancer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.alb = aws.lb.LoadBalancer(
            "alb", name=f"{s.prefix}-alb", load_balancer_type="application", internal=False,
            security_groups=[security_group.id], subnets=[sn.id for sn in subnets],
            access_logs={"bucket": access_logs.bucket.bucket, "prefix": ALB_LOG_PREFIX, "enabled": True},
            drop_invalid_header_fields=True, enable_deletion_protection=True, tags=s.tags(),
            # ELB checks that it may write to the bucket when access logs are turned on
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access_logs.policy]))

        self.target_group = aws.lb.TargetGroup(
            "app", name=f"{s.prefix}-app", port=s.container_port, protocol="HTTP", target_type="ip",
            vpc_id=vpc.id, deregistration_delay=30,
            health_check={"path": "/healthz", "protocol": "HTTP", "matcher": "200", "interval": 15,
                          "healthy_threshold": 2, "unhealthy_threshold": 3},
            tags=s.tags(), opts=child)

        certificate = aws.acm.Certificate(
            "app", domain_name=s.domain_name, validation_method="DNS", key_algorithm="EC_prime256v1",
            tags=s.tags(), opts=child)
        validated = aws.acm.CertificateValidation("app", certificate_arn=certificate.arn, opts=child)

        aws.lb.Listener(
            "http", load_balancer_arn=self.alb.arn, port=80, protocol="HTTP",
            default_actions=[{"type": "redirect",
                              "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}],
            tags=s.tags(), opts=child)
        self.https = aws.lb.Listener(
            "https", load_balancer_arn=self.alb.arn, port=443, protocol="HTTPS", ssl_policy=TLS_POLICY,
            certificate_arn=validated.certificate_arn,
            default_actions=[{"type": "forward", "target_group_arn": self.target_group.arn}],
            tags=s.tags(), opts=child)

        self.certificate_validation = certificate.domain_validation_options
        self.register_outputs({"dns_name": self.alb.dns_name})
