"""s3.account_public_access_block from aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock."""

from __future__ import annotations

from collections.abc import Iterable

from checks.model import UNKNOWN, Asset, SourceKind
from checks.normalize.base import AssetBuilder, Index, first_set, register, tri_all, unwrap
from checks.raw import RawResource

ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
FIELDS = (("block_public_acls", "blockPublicAcls"), ("ignore_public_acls", "ignorePublicAcls"),
          ("block_public_policy", "blockPublicPolicy"), ("restrict_public_buckets", "restrictPublicBuckets"))


@register(ACCOUNT_PAB)
def account_public_access_block(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("s3.account_public_access_block", raw)
    values = [first_set(raw.props.get(prop), False) for _, prop in FIELDS]  # provider default: false
    for (attr, _), value in zip(FIELDS, values, strict=True):
        b.set(attr, value)
    b.set("public_access_blocked", tri_all(values))
    # absent accountId: the provider's own account, known once deployed (Terraform uses it as the resource id)
    account = first_set(raw.props.get("accountId"), raw.id if raw.source is not SourceKind.PLANNED else None,
                        UNKNOWN)
    b.set("account_id", account)
    account_str = unwrap(account)
    return [b.build(account=account_str if isinstance(account_str, str) else None)]
