"""OpenSearch Service domains of one account and region (OpenSearch and Elasticsearch engines alike):
list_domain_names, then describe_domains in batches of 5 (AWS's limit; encryption, node-to-node encryption and the
endpoint options come with it), and who manages each domain's KMS key (once per key)."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, action_of, call, collector
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import OPENSEARCH_DOMAIN
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("opensearch:ListDomainNames", "opensearch:DescribeDomains", *KEY_OPERATIONS)
BATCH = 5  # DescribeDomains takes at most 5 names


@collector("opensearch", OPERATIONS, types=(OPENSEARCH_DOMAIN,))
def collect(scope: Scope) -> CollectResult:
    client = scope.client("opensearch")
    got = call(client, "list_domain_names")  # not paginated: one answer lists every domain of the region
    entries = (got.result or {}).get("DomainNames")
    list_error = got.error
    if list_error is None and not isinstance(entries, list):
        list_error = f"InvalidResponse {action_of(client, 'list_domain_names')} (malformed answer: missing DomainNames)"
    errors = listed(scope, "opensearch:ListDomainNames", list_error, OPENSEARCH_DOMAIN)
    entries, malformed = well_formed(scope, "opensearch:ListDomainNames", entries if isinstance(entries, list) else [],
                                     ("DomainName",), OPENSEARCH_DOMAIN)
    errors += malformed
    names = [e["DomainName"] for e in entries]
    keys = KeyManagers(scope)
    resources: list[RawResource] = []
    for start in range(0, len(names), BATCH):
        batch = names[start:start + BATCH]
        described = call(client, "describe_domains", DomainNames=batch)
        found = {d.get("DomainName"): d for d in (described.result or {}).get("DomainStatusList") or []
                 if isinstance(d, dict)}
        for name in batch:
            missing = f"InvalidResponse {action_of(client, 'describe_domains')} (malformed answer: {name} missing)"
            why = described.error or (None if name in found else missing)
            resources.append(_domain(scope, name, found.get(name) or {}, why, keys))
    return CollectResult(tuple(resources), tuple(errors))


def _domain(scope: Scope, name: str, d: dict[str, Any], describe_error: str | None,
            keys: KeyManagers) -> RawResource:
    errors: dict[str, str] = {}
    if describe_error:
        errors["DescribeDomains"] = describe_error  # no entry in the normalizer's map: every attribute is an error
    arn = d.get("ARN") or f"arn:aws:es:{scope.region}:{scope.account}:domain/{name}"
    at_rest = d.get("EncryptionAtRestOptions") or {}
    key = at_rest.get("KmsKeyId") if at_rest.get("Enabled") else None
    manager, key_error = keys.manager(key)
    if key_error:
        errors["DescribeKey"] = key_error
    props = {
        "arn": arn, "name": name, "region": scope.region, "account": scope.account,
        "engineVersion": d.get("EngineVersion"), "encryptionAtRestOptions": at_rest, "keyManager": manager,
        "nodeToNodeEncryptionOptions": d.get("NodeToNodeEncryptionOptions"),
        "domainEndpointOptions": d.get("DomainEndpointOptions"),
    }
    return RawResource(type=OPENSEARCH_DOMAIN, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)
