"""opensearch.domain from aws:opensearch/domain:Domain and aws:elasticsearch/domain:Domain (same props), and from
the opensearch collector (live; ListDomainNames lists Elasticsearch and OpenSearch domains alike).

Provider defaults: without an encrypt_at_rest block the domain is not encrypted at rest, without a
node_to_node_encryption block its nodes talk in clear; inside domain_endpoint_options, enforce_https defaults to
true. Without that block AWS decides, and it documents no default: HTTPS enforcement and the TLS policy are unknown
at plan time, as is a tls_security_policy the block leaves out (the provider takes AWS's value).
Encrypted without kms_key_id: the AWS-managed key aws/es, whose ARN AWS then reports (so the state fills it in).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from checks.live_types import OPENSEARCH_DOMAIN
from checks.model import UNKNOWN, Asset
from checks.normalize.base import AssetBuilder, Index, blank, first_set, register, unwrap
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.raw import RawResource

DOMAIN = "aws:opensearch/domain:Domain"
ELASTICSEARCH_DOMAIN = "aws:elasticsearch/domain:Domain"
KIND = "opensearch.domain"

NOT_ENCRYPTED = {"enabled": False, "algorithm": None, "kms_key_id": None, "customer_managed_key": False}
_POLICY = re.compile(r"^Policy-Min-TLS-(1)-([0-3])(-PFS)?-\d{4}-\d{2}$")
TLS_PATHS = ("enforce_https", "tls_security_policy", "tls_min_version")


def tls_min_version(b: AssetBuilder, policy: Any) -> Any:
    """The minimum TLS version of an OpenSearch TLS security policy; an unrecognised name is an error (recorded on
    tls_min_version), never a guess."""
    policy = unwrap(policy)
    if policy is UNKNOWN or policy is None:
        return policy
    match = _POLICY.match(policy) if isinstance(policy, str) else None
    if match is None:
        b.errors["tls_min_version"] = f"unrecognised TLS security policy {policy!r}: minimum TLS version not known"
        return None
    return f"{match.group(1)}.{match.group(2)}"


def _block(value: Any) -> Any:
    """A nested block: a dict, None when absent, UNKNOWN when not known (a list of one, as some state files write)."""
    value = unwrap(value)
    if isinstance(value, list):
        value = unwrap(value[0]) if value else None
    return value if value is UNKNOWN or isinstance(value, dict) else None


@register(DOMAIN, ELASTICSEARCH_DOMAIN)
def domain(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder(KIND, raw)
    b.set("domain_name", first_set(blank(p.get("domainName")), UNKNOWN))  # absent: auto-named by Pulumi
    at_rest = _block(p.get("encryptAtRest"))
    # provider default: not encrypted without the block
    enabled = UNKNOWN if at_rest is UNKNOWN else unwrap(first_set((at_rest or {}).get("enabled"), False))
    if enabled is UNKNOWN:
        b.set("encryption", dict.fromkeys(NOT_ENCRYPTED, UNKNOWN))
    elif enabled:
        key = blank(at_rest.get("kmsKeyId"))  # absent: the AWS-managed key aws/es
        b.set("encryption", {
            "enabled": True, "algorithm": "aws:kms", "kms_key_id": key,
            # the state fills kmsKeyId with aws/es's ARN when none was given: computed
            "customer_managed_key": customer_managed_key_value(raw, key, "encryptAtRest", index, computed=True),
        })
    else:
        b.set("encryption", NOT_ENCRYPTED)
    n2n = _block(p.get("nodeToNodeEncryption"))
    b.set("node_to_node_encryption",
          UNKNOWN if n2n is UNKNOWN else first_set((n2n or {}).get("enabled"), False))  # provider default
    endpoint = _block(p.get("domainEndpointOptions"))
    if endpoint is None or endpoint is UNKNOWN:  # AWS decides, and documents no default
        b.set("enforce_https", UNKNOWN)
        policy: Any = UNKNOWN
    else:
        b.set("enforce_https", first_set(endpoint.get("enforceHttps"), True))  # provider default
        policy = first_set(blank(endpoint.get("tlsSecurityPolicy")), UNKNOWN)  # absent: AWS's value
    b.set("tls_security_policy", policy)
    b.set("tls_min_version", tls_min_version(b, policy))
    return [b.build()]


@register(OPENSEARCH_DOMAIN)
def live_domain(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder(KIND, raw)
    b.set("domain_name", p["name"])
    at_rest = p.get("encryptionAtRestOptions") or {}
    b.set("encryption", key_encryption("aws:kms", at_rest.get("KmsKeyId"), p.get("keyManager"))
          if at_rest.get("Enabled") else NOT_ENCRYPTED)
    b.set("node_to_node_encryption", bool((p.get("nodeToNodeEncryptionOptions") or {}).get("Enabled")))
    endpoint = p.get("domainEndpointOptions") or {}
    b.set("enforce_https", bool(endpoint.get("EnforceHTTPS")))
    b.set("tls_security_policy", endpoint.get("TLSSecurityPolicy"))
    b.set("tls_min_version", tls_min_version(b, endpoint.get("TLSSecurityPolicy")))
    apply_call_errors(b, raw, {"DescribeKey": KEY})
    return [build_live(b, raw, tags=p.get("tags") or {})]
