"""iam.root_user from the live account summary (GetAccountSummary): whether the root user has MFA and access keys.
No Pulumi program declares the root user, so there is no planned normalizer: only a live scan judges IAM-06/IAM-07."""

from __future__ import annotations

from collections.abc import Iterable

from checks.live_types import IAM_ROOT_USER
from checks.model import Asset
from checks.normalize.base import AssetBuilder, Index, register
from checks.normalize.live import build_live
from checks.raw import RawResource


@register(IAM_ROOT_USER)
def live_root_user(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("iam.root_user", raw)
    b.set("mfa_enabled", raw.props.get("mfaEnabled") == 1)
    b.set("access_keys_present", raw.props.get("accessKeysPresent") != 0)  # absent: not known to be none
    return [build_live(b, raw, tags={})]
