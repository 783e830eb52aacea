"""s3.account_public_access_block from aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock, and the account-level
settings a bucket of the same account is subject to (S3 applies them on top of the bucket's own settings)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN, Asset, SourceKind
from checks.normalize.base import AssetBuilder, Index, first_set, register, tri_all, tri_or, unwrap
from checks.raw import RawResource

ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
FIELDS = (("block_public_acls", "blockPublicAcls"), ("ignore_public_acls", "ignorePublicAcls"),
          ("block_public_policy", "blockPublicPolicy"), ("restrict_public_buckets", "restrictPublicBuckets"))


def declared_settings(raw: RawResource) -> list[Any]:
    """The four settings of an AccountPublicAccessBlock, in FIELDS order (UNKNOWN where not known)."""
    return [first_set(raw.props.get(prop), False) for _, prop in FIELDS]  # provider default: false


@register(ACCOUNT_PAB)
def account_public_access_block(raw: RawResource, index: Index) -> Iterable[Asset]:
    b = AssetBuilder("s3.account_public_access_block", raw)
    values = declared_settings(raw)
    for (attr, _), value in zip(FIELDS, values, strict=True):
        b.set(attr, value)
    b.set("public_access_blocked", tri_all(values))
    # absent accountId: the provider's own account, known once deployed (Terraform uses it as the resource id)
    account = first_set(raw.props.get("accountId"), raw.id if raw.source is not SourceKind.PLANNED else None,
                        UNKNOWN)
    b.set("account_id", account)
    account_str = unwrap(account)
    return [b.build(account=account_str if isinstance(account_str, str) else None)]


def account_settings_for(bucket: RawResource, index: Index) -> Any:
    """The account-level settings over a bucket the program declares: those of the AccountPublicAccessBlock declared
    with the bucket's provider (its credentials, hence its account: S3 accepts the setting only from the account
    itself), as a list in FIELDS order. UNKNOWN when the program declares none for that provider: the account's
    setting is then not known from the program. Two declarations that disagree on a setting leave it UNKNOWN."""
    declared = [r for r in index.of_type(ACCOUNT_PAB) if r.provider == bucket.provider]
    if not declared:
        return UNKNOWN
    columns = zip(*(declared_settings(r) for r in declared), strict=True)
    return [col[0] if all(unwrap(v) is not UNKNOWN and unwrap(v) == unwrap(col[0]) for v in col) else UNKNOWN
            for col in columns]


def effective(bucket_values: list[Any], account_values: Any) -> list[Any]:
    """Each setting S3 enforces on the bucket: on when the bucket or the account turns it on."""
    if account_values is UNKNOWN:
        account_values = [UNKNOWN] * len(FIELDS)
    return [tri_or(mine, theirs) for mine, theirs in zip(bucket_values, account_values, strict=True)]


def as_settings(values: Any) -> Any:
    """The settings as the schema's object (UNKNOWN stays UNKNOWN)."""
    if values is UNKNOWN:
        return UNKNOWN
    return {attr: value for (attr, _), value in zip(FIELDS, values, strict=True)}
