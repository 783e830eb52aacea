"""Cases of the non-compliant example for the catalog's load balancing controls (see __main__.py).

Each failing declaration has a `# FAILS <ids>: why` comment directly above it; tests/e2e/test_noncompliant.py
reads those comments as the expected failures."""

from __future__ import annotations

import json
from typing import Any

import pulumi_aws as aws

REDIRECT = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}
# the pulumi/examples policy that let anyone pull, push and delete images
ANYONE = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "new policy", "Effect": "Allow", "Principal": "*",
    "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability", "ecr:PutImage",
               "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:DescribeRepositories",
               "ecr:GetRepositoryPolicy", "ecr:ListImages", "ecr:DeleteRepository", "ecr:BatchDeleteImage",
               "ecr:SetRepositoryPolicy", "ecr:DeleteRepositoryPolicy"]}]})


def declare(shared: dict[str, Any]) -> None:
    """Declare this area's cases; `shared` is the main program's namespace (its VPC, subnets, keys, ...)."""
    tags, alb, target_group = shared["tags"], shared["alb"], shared["target_group"]

    # the old API port: its default action redirects, but a rule still forwards every path over plain HTTP
    # FAILS TLS-01: a listener rule forwards /* to the application over HTTP
    legacy_http = aws.lb.Listener("legacy-http", load_balancer_arn=alb.arn, port=8080, protocol="HTTP",
                                  default_actions=[REDIRECT], tags=tags)
    aws.lb.ListenerRule("legacy-http-all", listener_arn=legacy_http.arn, priority=100,
                        actions=[{"type": "forward", "target_group_arn": target_group.arn}],
                        conditions=[{"path_pattern": {"values": ["/*"]}}], tags=tags)

    # FAILS LOG-04, TLS-03: an internal admin portal without access logs that forwards malformed headers
    aws.lb.LoadBalancer("intranet", internal=True, load_balancer_type="application",
                        security_groups=[shared["alb_sg"].id], subnets=[shared["private_a"].id, shared["private_b"].id],
                        tags=tags)

    key = shared["data_key"].arn
    # FAILS VUL-04, VUL-05: shared "for the CI": anyone may pull, push and delete; tags can be overwritten
    builds = aws.ecr.Repository("builds", image_scanning_configuration={"scan_on_push": True}, tags=tags,
                                encryption_configurations=[{"encryption_type": "KMS", "kms_key": key}])
    aws.ecr.RepositoryPolicy("builds", repository=builds.name, policy=ANYONE)
