"""Asset identity for matching the state and live views: by ARN, else by AWS id, never by name."""

from __future__ import annotations


def is_arn(value: str) -> bool:
    return value.startswith("arn:")


def is_urn(value: str) -> bool:
    return value.startswith("urn:pulumi:")


def aws_id(asset_id: str) -> str | None:
    """The AWS id in an asset id: the id itself, or an ARN's resource tail (`security-group/sg-1` -> `sg-1`,
    `arn:aws:s3:::name` -> `name`, `key/<uuid>` -> `<uuid>`, `secret:db-AbCd` -> `db-AbCd`); None for a URN."""
    if is_urn(asset_id) or not asset_id:
        return None
    if not is_arn(asset_id):
        return asset_id
    parts = asset_id.split(":", 5)
    if len(parts) < 6 or not parts[5]:
        return None
    return parts[5].rsplit("/", 1)[-1].rsplit(":", 1)[-1] or None
