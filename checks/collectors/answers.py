"""Malformed but parseable answers: a list entry without the fields that identify it hides a resource, so the
list is reported as a ListFailure ("InvalidResponse kms:ListKeys (malformed answer: missing KeyId)") and the
well-formed entries are kept."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.collectors.base import ListFailure, Scope, paginate
from checks.collectors.permissions import iam_action


def malformed_reason(operation: str, missing: str) -> str:
    return f"InvalidResponse {iam_action(operation)} (malformed answer: missing {missing})"


def well_formed(scope: Scope, operation: str, items: Iterable[Any], required: tuple[str, ...], *types: str,
                global_scope: bool = False) -> tuple[list[Any], list[ListFailure]]:
    """The entries of a list answer that carry every `required` field (with `required` empty: non-empty strings,
    as in dynamodb ListTables), and one ListFailure naming the first missing field when some do not."""
    good: list[Any] = []
    missing: str | None = None
    for item in items:
        if not required:
            if isinstance(item, str) and item:
                good.append(item)
            elif missing is None:
                missing = "a name"
            continue
        if not isinstance(item, dict):
            missing = missing or "an entry object"
            continue
        lacking = [k for k in required if not item.get(k)]
        if lacking:
            missing = missing or lacking[0]
            continue
        good.append(item)
    if missing is None:
        return good, []
    reason = malformed_reason(operation, missing)
    return good, [scope.failure(operation, reason, *types, global_scope=global_scope)]


def listed(scope: Scope, operation: str, error: str | None, *types: str,
           global_scope: bool = False) -> list[ListFailure]:
    """The ListFailure of a list call that failed (`error` its reason), else none."""
    return [scope.failure(operation, error, *types, global_scope=global_scope)] if error else []


def region_list(scope: Scope, service: str, method: str, key: str) -> tuple[list[Any], str | None]:
    """An unfiltered list of the scope's account and region (`paginate`: items and the reason a page failed), read
    once per scan when it succeeds (collectors/shared.py): ec2_network and ec2_compute both need the security groups
    and the route tables. The items are shared between collectors: read them, never change them."""
    client = scope.client(service)
    return scope.shared.once((f"{service}:{method}", scope.account, scope.region),
                             lambda: paginate(client, method, key), _succeeded)


def _succeeded(answer: tuple[list[Any], str | None]) -> bool:
    return answer[1] is None
