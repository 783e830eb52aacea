"""Stack settings: everything the components need from `Pulumi.<stack>.yaml`, read once.

No invoke is used (`aws.get_caller_identity`, `aws.get_availability_zones`): the account, region and zones come
from configuration, so that ARNs and policy documents are literals known before deployment (and under mocks).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class Settings:
    env: str
    region: str
    account_id: str
    availability_zones: list[str]
    vpc_cidr: str
    domain_name: str
    key_admin_role_name: str
    container_port: int
    image_tag: str

    @property
    def prefix(self) -> str:
        """Prefix of every physical name: `aptly-dev`."""
        return f"aptly-{self.env}"

    @property
    def account_root(self) -> str:
        """The account root principal: delegates key and bucket access to IAM policies of this account."""
        return f"arn:aws:iam::{self.account_id}:root"

    @property
    def key_admin_role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{self.key_admin_role_name}"

    @property
    def trail_name(self) -> str:
        return f"{self.prefix}-audit"

    @property
    def trail_arn(self) -> str:
        return f"arn:aws:cloudtrail:{self.region}:{self.account_id}:trail/{self.trail_name}"

    def bucket_name(self, purpose: str) -> str:
        """Bucket names are global: `aptly-dev-<purpose>-<account>-<region>`."""
        return f"{self.prefix}-{purpose}-{self.account_id}-{self.region}"

    def tags(self, **extra: str) -> dict[str, str]:
        """Tags every resource carries, plus `extra` (`tier`, `data`)."""
        return {"project": "aptly", "environment": self.env, "managed-by": "pulumi", **extra}


def load() -> Settings:
    config = pulumi.Config()
    zones = config.require_object("availabilityZones")
    if not isinstance(zones, list) or len(zones) < 2:
        raise ValueError("aptly:availabilityZones must list at least two availability zones")
    return Settings(
        env=config.require("env"),
        region=pulumi.Config("aws").require("region"),
        account_id=config.require("accountId"),
        availability_zones=[str(z) for z in zones],
        vpc_cidr=config.require("vpcCidr"),
        domain_name=config.require("domainName"),
        key_admin_role_name=config.require("keyAdminRoleName"),
        container_port=config.require_int("containerPort"),
        image_tag=config.require("imageTag"),
    )
