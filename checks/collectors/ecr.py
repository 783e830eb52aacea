"""ECR repositories of one account and region: describe_repositories (batch; scan on push, tag mutability
and encryption come with it), the registry's scanning configuration (once per region: it decides which
repositories are scanned), each repository's policy (get_repository_policy, no batch; none is not an error), and who
manages each repository's KMS key (once per key)."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, action_of, call, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import ECR_REPOSITORY, skipped_reason
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("ecr:DescribeRepositories", "ecr:GetRegistryScanningConfiguration", "ecr:GetRepositoryPolicy",
              *KEY_OPERATIONS)


@collector("ecr", OPERATIONS, types=(ECR_REPOSITORY,))
def collect(scope: Scope) -> CollectResult:
    ecr = scope.client("ecr")
    repos, list_error = paginate(ecr, "describe_repositories", "repositories")
    errors = listed(scope, "ecr:DescribeRepositories", list_error, ECR_REPOSITORY)
    repos, malformed = well_formed(scope, "ecr:DescribeRepositories", repos, ("repositoryArn", "repositoryName"),
                                   ECR_REPOSITORY)
    errors += malformed
    if not repos:
        return CollectResult((), tuple(errors))
    registry = call(ecr, "get_registry_scanning_configuration")
    scanning, scanning_error = (registry.result or {}).get("scanningConfiguration"), registry.error
    if scanning_error is None and not isinstance(scanning, dict):  # AWS always answers one (BASIC by default)
        scanning_error = (f"InvalidResponse {action_of(ecr, 'get_registry_scanning_configuration')} "
                          "(malformed answer: missing scanningConfiguration)")
    keys = KeyManagers(scope)
    resources = scope.map(lambda r: _repository(scope, ecr, r, keys, scanning, scanning_error), repos)
    return CollectResult(tuple(resources), tuple(errors))


def _repository(scope: Scope, ecr: Any, r: dict[str, Any], keys: KeyManagers, scanning: Any,
                scanning_error: str | None) -> RawResource:
    errors: dict[str, str] = {}
    config = r.get("encryptionConfiguration") or {}
    key = config.get("kmsKey") if config.get("encryptionType", "AES256") != "AES256" else None
    manager, key_error = keys.manager(key)
    if key_error:
        errors["DescribeKey"] = key_error
    if scanning_error:
        errors["GetRegistryScanningConfiguration"] = scanning_error
    policy_text = None
    if not scope.needs.wants(ECR_REPOSITORY, "GetRepositoryPolicy"):  # no selected control reads the policy
        errors["GetRepositoryPolicy"] = skipped_reason(action_of(ecr, "get_repository_policy"))
    else:
        policy = call(ecr, "get_repository_policy", repositoryName=r["repositoryName"],
                      absent=("RepositoryPolicyNotFoundException",))
        if policy.error:
            errors["GetRepositoryPolicy"] = policy.error
        policy_text = (policy.result or {}).get("policyText")
    arn = r["repositoryArn"]
    props = {
        "arn": arn, "name": r["repositoryName"], "region": scope.region, "account": scope.account,
        "imageScanningConfiguration": r.get("imageScanningConfiguration"),
        "imageTagMutability": r.get("imageTagMutability"), "encryptionConfiguration": config,
        "keyManager": manager, "registryScanning": scanning,
        "policyText": policy_text,
    }
    return RawResource(type=ECR_REPOSITORY, urn=arn, name=r["repositoryName"], props=props,
                       source=SourceKind.LIVE, id=arn, errors=errors)
