"""ecr.repository from aws:ecr/repository:Repository."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import ECR_REPOSITORY
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, as_list, blank, first_set, register, tri_map, unwrap
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.raw import RawResource

REPOSITORY = "aws:ecr/repository:Repository"


@register(REPOSITORY)
def repository(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ecr.repository", raw)
    b.set("repository_name", first_set(p.get("name"), UNKNOWN))
    scanning = unwrap(p.get("imageScanningConfiguration"))
    # registry-level scanning settings (aws:ecr/registryScanningConfiguration) are not folded here
    b.set("scan_on_push", tri_map(scanning, lambda s: first_set(s.get("scanOnPush"), False)
                                  if isinstance(s, dict) else False))  # default: scans are manual
    b.set("image_tag_mutability", first_set(blank(p.get("imageTagMutability")), "MUTABLE"))  # provider default
    b.set("encryption", _encryption(raw, index))
    return [b.build()]


def _encryption(raw: RawResource, index: Index) -> dict[str, Any]:
    """AES256 by default; KMS with `kmsKey`, or the AWS-managed key aws/ecr without one."""
    configs = unwrap(raw.props.get("encryptionConfigurations"))
    config = UNKNOWN if configs is UNKNOWN else next(iter(as_list(configs)), None)
    config = unwrap(config)
    if config is UNKNOWN:
        return {"enabled": True, "algorithm": UNKNOWN, "kms_key_id": UNKNOWN, "customer_managed_key": UNKNOWN}
    config = config if isinstance(config, dict) else {}
    algorithm = first_set(blank(config.get("encryptionType")), "AES256")
    key = tri_map(algorithm, lambda a: blank(config.get("kmsKey")) if a != "AES256" else None)
    return {
        "enabled": True,
        "algorithm": algorithm,
        "kms_key_id": key,
        # state fills kmsKey with the AWS-managed key's ARN when none was given: computed
        "customer_managed_key": customer_managed_key_value(raw, key, "encryptionConfigurations", index,
                                                           computed=True),
    }


@register(ECR_REPOSITORY)
def live_repository(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ecr.repository", raw)
    b.set("repository_name", p["name"])
    b.set("scan_on_push", bool((p.get("imageScanningConfiguration") or {}).get("scanOnPush")))
    b.set("image_tag_mutability", p.get("imageTagMutability") or "MUTABLE")
    config = p.get("encryptionConfiguration") or {}
    algorithm = config.get("encryptionType") or "AES256"
    key = config.get("kmsKey") if algorithm != "AES256" else None  # KMS without a key given: aws/ecr's ARN
    b.set("encryption", key_encryption(algorithm, key, p.get("keyManager")))
    apply_call_errors(b, raw, {"DescribeKey": KEY})
    return [build_live(b, raw, tags=p.get("tags") or {})]
