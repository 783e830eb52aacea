"""ecr.repository from aws:ecr/repository:Repository, with its repository policy (aws:ecr/repositoryPolicy, linked by
`repository`) and the registry's scanning configuration (aws:ecr/registryScanningConfiguration) folded in.

Scanning (AWS "Filters to choose which repositories are scanned"): without a registry scanning configuration the
registry uses BASIC scanning and the repository's own scan_on_push decides. With BASIC scan-on-push rules, a
repository that no filter matches is set to manual scans; with ENHANCED scanning (Amazon Inspector) a repository
that no filter matches is not scanned, and a CONTINUOUS_SCAN filter wins over a SCAN_ON_PUSH one. A filter without
`*` matches every name that contains it; `*` stands for any run of characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import ECR_REPOSITORY
from checks.model import UNKNOWN, Asset
from checks.normalize.base import (
    AssetBuilder,
    Index,
    as_list,
    blank,
    first_set,
    folded,
    register,
    tri_any,
    tri_map,
    unwrap,
)
from checks.normalize.keys import customer_managed_key_value
from checks.normalize.live import KEY, apply_call_errors, build_live, key_encryption
from checks.normalize.patterns import wildcard_match
from checks.normalize.policy_grants import anyone_actions
from checks.raw import RawResource

REPOSITORY = "aws:ecr/repository:Repository"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"

folded("ecr.repository", REPOSITORY_POLICY, REGISTRY_SCANNING)

SCAN_PATHS = ("registry_scan_type", "scan_frequency")
POLICY_PATHS = ("policy_allows_anyone", "policy_public_actions")


@register(REPOSITORY)
def repository(raw: RawResource, index: Index) -> Iterable[Asset]:
    p = raw.props
    b = AssetBuilder("ecr.repository", raw)
    name = first_set(p.get("name"), UNKNOWN)
    b.set("repository_name", name)
    scanning = unwrap(p.get("imageScanningConfiguration"))
    scan_on_push = tri_map(scanning, lambda s: first_set(s.get("scanOnPush"), False)
                           if isinstance(s, dict) else False)  # default: scans are manual
    b.set("scan_on_push", scan_on_push)
    scan_type, rules = _registry_scanning(index)
    b.set("registry_scan_type", scan_type)
    b.set("scan_frequency", scan_frequency(unwrap(name), unwrap(scan_on_push), scan_type, rules))
    b.set("image_tag_mutability", first_set(blank(p.get("imageTagMutability")), "MUTABLE"))  # provider default
    b.set("encryption", _encryption(raw, index))
    policies = index.referencing(raw, [REPOSITORY_POLICY], "repository")
    _policy(b, [r.props.get("policy") for r in policies])
    return [b.build()]


def _registry_scanning(index: Index) -> tuple[Any, Any]:
    """(scan type, rules as [(frequency, [filter, ...])]) of the registry scanning configuration the program
    declares; none declared: the registry's default, BASIC without rules (AWS). Several declared (several
    regions or accounts): which one applies is not known."""
    configs = index.of_type(REGISTRY_SCANNING)
    if not configs:
        return "BASIC", []  # AWS default: "When a registry scanning configuration is not defined ... BASIC"
    if len(configs) > 1:
        return UNKNOWN, UNKNOWN
    p = configs[0].props
    scan_type = unwrap(p.get("scanType"))
    raw_rules = unwrap(p.get("rules"))
    if raw_rules is UNKNOWN:
        return scan_type, UNKNOWN
    rules: list[Any] = []
    for rule in as_list(raw_rules):
        rule = unwrap(rule)
        if rule is UNKNOWN:
            return scan_type, UNKNOWN
        if isinstance(rule, dict):
            filters = unwrap(rule.get("repositoryFilters"))
            filters = UNKNOWN if filters is UNKNOWN else [
                unwrap(f.get("filter")) if isinstance(unwrap(f), dict) else UNKNOWN for f in as_list(filters)]
            rules.append((unwrap(rule.get("scanFrequency")), filters))
    return scan_type, rules


def _filter_matches(pattern: Any, name: Any) -> Any:
    """Does a registry scanning filter match the repository name? Without `*` it matches names containing it."""
    if pattern is UNKNOWN or not isinstance(pattern, str):
        return UNKNOWN if pattern is UNKNOWN else False
    if pattern and set(pattern) == {"*"}:
        return True
    if name is UNKNOWN or not isinstance(name, str):
        return UNKNOWN
    return wildcard_match(pattern, name) if "*" in pattern else pattern in name


def scan_frequency(name: Any, scan_on_push: Any, scan_type: Any, rules: Any) -> Any:
    """The repository's effective scan frequency: SCAN_ON_PUSH, CONTINUOUS_SCAN or MANUAL (not scanned
    automatically). `rules` are the registry's (frequency, filters) pairs."""
    if scan_type is UNKNOWN or rules is UNKNOWN or any(freq is UNKNOWN for freq, _ in rules):
        return UNKNOWN
    if scan_type != "ENHANCED" and not rules:
        return tri_map(scan_on_push, lambda on: "SCAN_ON_PUSH" if on else "MANUAL")
    # BASIC rules scan on push only; ENHANCED: continuous scanning wins over scan on push
    order = ("CONTINUOUS_SCAN", "SCAN_ON_PUSH") if scan_type == "ENHANCED" else ("SCAN_ON_PUSH",)
    for frequency in order:
        matched = tri_any(UNKNOWN if filters is UNKNOWN else tri_any(_filter_matches(f, name) for f in filters)
                          for freq, filters in rules if freq == frequency)
        if matched is not False:
            return frequency if matched is True else UNKNOWN
    return "MANUAL"


def _policy(b: AssetBuilder, documents: list[Any]) -> None:
    """Who the repository policies (none: only the account's IAM principals) let in."""
    actions: list[str] = []
    found: list[Any] = []
    whole_unknown = False
    for document in documents:
        granted = anyone_actions(document)
        if granted is UNKNOWN:
            found.append(UNKNOWN)
            whole_unknown = True
            continue
        known, open_ = granted
        actions += [a for a in known if a not in actions]
        found.append(open_)
    allows = tri_any(found)
    b.set("policy_allows_anyone", allows)
    # a policy not known at all leaves its actions unknown; a known grant is reported with the actions read
    b.set("policy_public_actions", UNKNOWN if whole_unknown and allows is not True else actions)


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
    scan_on_push = bool((p.get("imageScanningConfiguration") or {}).get("scanOnPush"))
    b.set("scan_on_push", scan_on_push)
    registry = p.get("registryScanning") or {}
    scan_type = registry.get("scanType") or "BASIC"  # AWS default when the registry has no configuration
    rules = [(r.get("scanFrequency"), [f.get("filter") for f in r.get("repositoryFilters") or []])
             for r in registry.get("rules") or []]
    b.set("registry_scan_type", scan_type)
    b.set("scan_frequency", scan_frequency(p["name"], scan_on_push, scan_type, rules))
    b.set("image_tag_mutability", p.get("imageTagMutability") or "MUTABLE")
    config = p.get("encryptionConfiguration") or {}
    algorithm = config.get("encryptionType") or "AES256"
    key = config.get("kmsKey") if algorithm != "AES256" else None  # KMS without a key given: aws/ecr's ARN
    b.set("encryption", key_encryption(algorithm, key, p.get("keyManager")))
    _policy(b, [p["policyText"]] if p.get("policyText") else [])  # no policy: RepositoryPolicyNotFoundException
    apply_call_errors(b, raw, {"DescribeKey": KEY, "GetRegistryScanningConfiguration": SCAN_PATHS,
                               "GetRepositoryPolicy": POLICY_PATHS})
    return [build_live(b, raw, tags=p.get("tags") or {})]
