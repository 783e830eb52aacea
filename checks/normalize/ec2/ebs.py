"""EBS encryption facts shared by volumes, instances and launch templates, and the region's encryption default.

When a program turns on EBS encryption by default (`EncryptionByDefault`, enabled unless set false), every new
volume of that region is encrypted whatever its own `encrypted` says, with the region's `DefaultKmsKey` when one is
declared, else the AWS-managed `aws/ebs` key. The setting is per region: a volume relies on the setting declared
for its own region (the resource's `region`, else its provider's). The account setting is only visible here when
the program declares it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from checks.model import UNKNOWN, SourceKind
from checks.normalize.base import AssetBuilder, Index, tri_all, tri_and, tri_any, tri_or, unwrap
from checks.normalize.keys import KMS_ALIAS_TOKEN, KMS_KEY_TOKENS, customer_managed_key, kms_is_customer_managed
from checks.normalize.refs import as_bool, resolve_refs
from checks.raw import RawResource

ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
DEFAULT_KMS_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"
KEY_TOKENS = (*KMS_KEY_TOKENS, KMS_ALIAS_TOKEN)
UNKNOWN_ENCRYPTION = ("enabled", "algorithm", "kms_key_id", "customer_managed_key")


class AccountDefault(NamedTuple):
    enabled: Any  # True, False (not turned on by this program in that region) or UNKNOWN
    key: Any  # the region's declared DefaultKmsKey (a RawResource), None, or UNKNOWN (its region is not known)


def _known_region(value: Any) -> Any:
    value = unwrap(value)
    return value if value is UNKNOWN or (isinstance(value, str) and value) else None


def region_of(index: Index, raw: RawResource) -> Any:
    """The region a resource is declared for: its `region` (a resource input, or the provider's region that the
    preview and state sources write), else its explicit provider's `region`. None: the stack's default provider,
    whose region (`aws:region`) the program view does not record; UNKNOWN: not known."""
    region = _known_region(raw.props.get("region"))
    if region is not None or not raw.provider:
        return region
    provider = index.by_urn.get(raw.provider) or index.by_urn.get(raw.provider.rsplit("::", 1)[0])
    found = None if provider is None else _known_region(provider.props.get("region"))
    return UNKNOWN if found is None else found  # a provider configured outside the program: region not known


def same_region(a: Any, b: Any) -> Any:
    """True, False or UNKNOWN (a region not known, or the stack's default region against a named one)."""
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if a == b:
        return True
    return UNKNOWN if a is None or b is None else False


def _declared_for(index: Index, region: Any, token: str) -> tuple[list[RawResource], list[RawResource]]:
    """(declared surely for the region, maybe for it). A region's setting is declared once: a sure match is it."""
    sure: list[RawResource] = []
    maybe: list[RawResource] = []
    for raw in index.of_type(token):
        match = same_region(region, region_of(index, raw))
        if match is True:
            sure.append(raw)
        elif match is UNKNOWN:
            maybe.append(raw)
    return sure, maybe


def default_enabled(raw: RawResource) -> Any:
    enabled = as_bool(raw.props.get("enabled"))
    return True if enabled is None else enabled  # provider default: true


def account_default(index: Index, owner: RawResource) -> AccountDefault:
    """The EBS encryption default of `owner`'s region, as the program declares it."""
    region = region_of(index, owner)
    key = ("ec2_compute_ebs.account_default", "?" if region is UNKNOWN else region)
    found = index.memo.get(key)
    if isinstance(found, AccountDefault):
        return found
    sure, maybe = _declared_for(index, region, ENCRYPTION_BY_DEFAULT)
    if sure:
        enabled = tri_any(default_enabled(r) for r in sure)
    else:  # one that may be this region's: turned on there or not, unless it is off anyway
        enabled = tri_any(tri_and(UNKNOWN, default_enabled(r)) for r in maybe)
    sure_keys, maybe_keys = _declared_for(index, region, DEFAULT_KMS_KEY)
    result = AccountDefault(enabled, sure_keys[0] if sure_keys else UNKNOWN if maybe_keys else None)
    index.memo[key] = result
    return result


def default_key(index: Index, owner: RawResource) -> tuple[Any, Any]:
    """(kms_key_id, customer_managed_key) of the default EBS key of `owner`'s region: its DefaultKmsKey, else
    aws/ebs (null, false)."""
    dkk = account_default(index, owner).key
    if dkk is None:
        return None, False
    if dkk is UNKNOWN:
        return UNKNOWN, UNKNOWN
    refs = resolve_refs(index, dkk, "keyArn", KEY_TOKENS, scalar=True)
    return refs.scalar(), customer_managed_key(dkk, "keyArn", index)


def ebs_encryption(index: Index, owner: RawResource, prop: str, encrypted: Any, kms_key: Any, *,
                   top_level: bool, inherits: bool = False, use_deps: bool = True) -> dict[str, Any]:
    """The encryption of one EBS volume: {enabled, algorithm, kms_key_id, customer_managed_key}.

    `prop` is the top-level property holding the key (`kmsKeyId` on a volume, `rootBlockDevice` on an instance);
    `inherits` when the volume comes from a snapshot (an instance's root volume comes from its AMI's), whose
    encryption it keeps when `encrypted` is not set, and whose key it keeps when the snapshot is encrypted and no key
    is named: without a named key, the key of such a volume is not known here.
    """
    explicit = as_bool(encrypted)
    if explicit is None:
        explicit = UNKNOWN if inherits else False  # provider default: false
    enabled = tri_or(explicit, account_default(index, owner).enabled)
    key_set = kms_key is not None and kms_key != ""
    if key_set:
        kms_id = resolve_refs(index, owner, prop, KEY_TOKENS, value=kms_key, use_deps=use_deps, scalar=True).scalar()
        if top_level:
            cmk = customer_managed_key(owner, prop, index)
        else:
            cmk = _nested_customer_managed(index, owner, prop, kms_key, use_deps)
    elif inherits:
        kms_id, cmk = UNKNOWN, UNKNOWN  # the snapshot's key if it is encrypted, else the region's default key
    else:
        kms_id, cmk = default_key(index, owner)
    if enabled is False:
        return {"enabled": False, "algorithm": None, "kms_key_id": None, "customer_managed_key": False}
    if enabled is UNKNOWN:
        return {"enabled": UNKNOWN, "algorithm": UNKNOWN, "kms_key_id": kms_id if key_set else UNKNOWN,
                "customer_managed_key": cmk if key_set else UNKNOWN}
    return {"enabled": True, "algorithm": "aws:kms", "kms_key_id": kms_id, "customer_managed_key": cmk}


def _nested_customer_managed(index: Index, owner: RawResource, prop: str, kms_key: Any, use_deps: bool) -> Any:
    """Is a block device's key customer-managed? A state file holds the key AWS used for the volume (aws/ebs, or its
    snapshot's key) and lists only top-level inputs: there, a key declared nowhere in the program is not known to be
    customer-managed (nor known not to be)."""
    cmk = kms_is_customer_managed(index, owner, prop, kms_key, use_deps=use_deps)
    if cmk is not True or owner.source is not SourceKind.STATE:
        return cmk
    declared = resolve_refs(index, owner, prop, KEY_TOKENS, value=kms_key, use_deps=use_deps).targets
    return True if declared else UNKNOWN


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
    # an instance's root volume is created from its AMI's snapshot, whose encryption and key it keeps
    encryption = ebs_encryption(index, owner, prop, ebs.get("encrypted"), ebs.get("kmsKeyId"), top_level=False,
                                inherits=root or (snapshot is not None and snapshot != ""), use_deps=use_deps)
    return {"device_name": device.get("deviceName"), "root": root, "encryption": encryption}


def all_encrypted(devices: list[dict[str, Any]]) -> Any:
    return tri_all(d["encryption"]["enabled"] for d in devices)


def _device_label(device: dict[str, Any]) -> str:
    name = device.get("device_name")
    label = name if isinstance(name, str) and name else "a volume"
    return f"root volume {label}" if device.get("root") and label != "a volume" else \
        "the root volume" if device.get("root") else label


def customer_key_summary(devices: list[dict[str, Any]]) -> tuple[Any, list[str]]:
    """(every volume is encrypted under a customer-managed KMS key: True, False or UNKNOWN; the volumes that surely
    are not, in plain words). A value not read (None in the live view, where an error says why) counts as unknown."""
    verdicts: list[Any] = []
    offenders: list[str] = []
    for device in devices:
        encryption = device.get("encryption") or {}
        enabled = encryption.get("enabled")
        cmk = encryption.get("customer_managed_key")
        enabled = UNKNOWN if enabled is None else enabled
        cmk = UNKNOWN if cmk is None else cmk
        verdicts.append(tri_and(enabled, cmk))
        if enabled is False:
            offenders.append(f"{_device_label(device)} is not encrypted")
        elif enabled is True and cmk is False:
            key = encryption.get("kms_key_id")
            shown = key if isinstance(key, str) and key else "aws/ebs"
            offenders.append(f"{_device_label(device)} is encrypted under the AWS-managed key {shown}")
    return tri_all(verdicts), offenders


def set_customer_key_summary(b: AssetBuilder, devices: list[dict[str, Any]]) -> None:
    """`all_volumes_customer_key_encrypted` and `volumes_without_customer_key` (ENC-11, ENC-12)."""
    verdict, offenders = customer_key_summary(devices)
    b.set("all_volumes_customer_key_encrypted", verdict)
    b.set("volumes_without_customer_key", offenders)
