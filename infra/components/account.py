"""Account-wide settings: the IAM password policy, S3 Block Public Access, EBS encryption by default.

Claims: "All passwords and access keys allowing access to client data are rotated every 3 months" (passwords
expire after 90 days, at least 14 characters, the last 24 cannot be reused), "All data is encrypted at rest"
(every new EBS volume of the account is encrypted with the platform key, whoever creates it) and no bucket of the
account can be made public, whatever its own settings.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.settings import Settings


class AccountBaseline(pulumi.ComponentResource):
    def __init__(self, name: str, s: Settings, *, ebs_key: aws.kms.Key,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aptly:account:AccountBaseline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        aws.iam.AccountPasswordPolicy(
            "passwords", minimum_password_length=14, password_reuse_prevention=24, max_password_age=90,
            require_lowercase_characters=True, require_uppercase_characters=True, require_numbers=True,
            require_symbols=True, allow_users_to_change_password=True, hard_expiry=False, opts=child)
        aws.s3.AccountPublicAccessBlock(
            "account", account_id=s.account_id, block_public_acls=True, ignore_public_acls=True,
            block_public_policy=True, restrict_public_buckets=True, opts=child)
        aws.ebs.EncryptionByDefault("ebs", enabled=True, opts=child)
        aws.ebs.DefaultKmsKey("ebs", key_arn=ebs_key.arn, opts=child)
        self.register_outputs({})
