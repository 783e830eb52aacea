"""The ECR repository of the application image.

Claims: "Systems are deployed using up-to-date images that are updated with configuration changes and security
updates before deployment" and "we ... perform regular vulnerability scans": every pushed image is scanned,
tags are immutable (a tag always names the image that was scanned and reviewed), images are encrypted with
the platform key, and untagged images are expired.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.settings import Settings


def repository(s: Settings, *, key: aws.kms.Key, opts: pulumi.ResourceOptions | None = None) -> aws.ecr.Repository:
    repo = aws.ecr.Repository(
        "app",
        name=f"{s.prefix}/app",
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration={"scan_on_push": True},
        encryption_configurations=[{"encryption_type": "KMS", "kms_key": key.arn}],
        force_delete=False,
        tags=s.tags(),
        opts=opts,
    )
    aws.ecr.LifecyclePolicy(
        "app",
        repository=repo.name,
        policy=json.dumps({"rules": [{
            "rulePriority": 1, "description": "Expire untagged images after 14 days",
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                          "countNumber": 14},
            "action": {"type": "expire"},
        }]}),
        opts=opts,
    )
    return repo
