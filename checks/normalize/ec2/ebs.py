"""EBS encryption facts shared by volumes, instances and launch templates, and the account's encryption default.

When a program turns on EBS encryption by default (`EncryptionByDefault`, enabled unless set false), every new
volume is encrypted whatever its own `encrypted` says, with the `DefaultKmsKey` when one is declared, else the
AWS-managed `aws/ebs` key. The account setting is only visible here when the program declares it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import Index, tri_all, tri_any, tri_or, unwrap
from checks.normalize.keys import KMS_ALIAS_TOKEN, KMS_KEY_TOKENS, customer_managed_key, kms_is_customer_managed
from checks.normalize.refs import as_bool, resolve_refs
from checks.raw import RawResource

ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
DEFAULT_KMS_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"
KEY_TOKENS = (*KMS_KEY_TOKENS, KMS_ALIAS_TOKEN)
UNKNOWN_ENCRYPTION = ("enabled", "algorithm", "kms_key_id", "customer_managed_key")


@dataclass(frozen=True, slots=True)
class AccountDefault:
    enabled: Any  # True, False (not turned on by this program) or UNKNOWN
    key: RawResource | None  # the declared DefaultKmsKey


def default_enabled(raw: RawResource) -> Any:
    enabled = as_bool(raw.props.get("enabled"))
    return True if enabled is None else enabled  # provider default: true


def account_default(index: Index) -> AccountDefault:
    key = "ec2_compute_ebs.account_default"
    found = index.memo.get(key)
    if isinstance(found, AccountDefault):
        return found
    enabled = tri_any(default_enabled(r) for r in index.of_type(ENCRYPTION_BY_DEFAULT))
    keys = index.of_type(DEFAULT_KMS_KEY)
    result = AccountDefault(enabled, keys[0] if keys else None)
    index.memo[key] = result
    return result


def default_key(index: Index) -> tuple[Any, Any]:
    """(kms_key_id, customer_managed_key) of the account's default EBS key: the DefaultKmsKey, else aws/ebs."""
    dkk = account_default(index).key
    if dkk is None:
        return None, False
    refs = resolve_refs(index, dkk, "keyArn", KEY_TOKENS, scalar=True)
    return refs.scalar(), customer_managed_key(dkk, "keyArn", index)


def ebs_encryption(index: Index, owner: RawResource, prop: str, encrypted: Any, kms_key: Any, *,
                   top_level: bool, inherits: bool = False, use_deps: bool = True) -> dict[str, Any]:
    """The encryption of one EBS volume: {enabled, algorithm, kms_key_id, customer_managed_key}.

    `prop` is the top-level property holding the key (`kmsKeyId` on a volume, `rootBlockDevice` on an instance);
    `inherits` when the volume comes from a snapshot, whose encryption it keeps when `encrypted` is not set.
    """
    explicit = as_bool(encrypted)
    if explicit is None:
        explicit = UNKNOWN if inherits else False  # provider default: false
    enabled = tri_or(explicit, account_default(index).enabled)
    key_set = kms_key is not None and kms_key != ""
    if key_set:
        kms_id = resolve_refs(index, owner, prop, KEY_TOKENS, value=kms_key, use_deps=use_deps, scalar=True).scalar()
        if top_level:
            cmk = customer_managed_key(owner, prop, index)
        else:
            cmk = kms_is_customer_managed(index, owner, prop, kms_key, use_deps=use_deps)
    else:
        kms_id, cmk = default_key(index)
    if enabled is False:
        return {"enabled": False, "algorithm": None, "kms_key_id": None, "customer_managed_key": False}
    if enabled is UNKNOWN:
        return {"enabled": UNKNOWN, "algorithm": UNKNOWN, "kms_key_id": kms_id if key_set else UNKNOWN,
                "customer_managed_key": cmk if key_set else UNKNOWN}
    return {"enabled": True, "algorithm": "aws:kms", "kms_key_id": kms_id, "customer_managed_key": cmk}


def block_device(index: Index, owner: RawResource, prop: str, device: Any, *, root: bool, ebs_path: str | None,
                 use_deps: bool) -> dict[str, Any]:
    """One block device: {device_name, root, encryption}; `ebs_path` names the nested EBS block (launch templates)."""
    device = unwrap(device)
    if device is UNKNOWN:
        return {"device_name": UNKNOWN, "root": root, "encryption": dict.fromkeys(UNKNOWN_ENCRYPTION, UNKNOWN)}
    device = device if isinstance(device, dict) else {}
    ebs = unwrap(device.get(ebs_path)) if ebs_path else device
    if ebs is UNKNOWN:
        return {"device_name": device.get("deviceName"), "root": root,
                "encryption": dict.fromkeys(UNKNOWN_ENCRYPTION, UNKNOWN)}
    ebs = ebs if isinstance(ebs, dict) else {}
    snapshot = ebs.get("snapshotId")
    encryption = ebs_encryption(index, owner, prop, ebs.get("encrypted"), ebs.get("kmsKeyId"), top_level=False,
                                inherits=snapshot is not None and snapshot != "", use_deps=use_deps)
    return {"device_name": device.get("deviceName"), "root": root, "encryption": encryption}


def all_encrypted(devices: list[dict[str, Any]]) -> Any:
    return tri_all(d["encryption"]["enabled"] for d in devices)
