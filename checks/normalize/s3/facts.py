"""Derived S3 facts: bucket policy analysis, ACL publicity and lifecycle expiry, in three-valued logic.

Every function here takes plain values that may hold `UNKNOWN` (anywhere inside) and returns True,
False or UNKNOWN (or a number / None / UNKNOWN for the lifecycle minima); none of them guesses.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import (
    as_list,
    tri_and,
    tri_any,
    tri_not,
    tri_or,
    unwrap,
)
from checks.normalize.patterns import covers_every_suffix, wildcard_match
from checks.normalize.policy_conditions import principal_is_anyone, values

S3_ARN_PREFIX = "arn:aws:s3:::"
PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GRANTEE_URIS = frozenset({
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
})


# ---------------------------------------------------------------- policy documents


def policy_document(value: Any) -> Any:
    """A policy given as JSON text or an object. UNKNOWN text stays UNKNOWN; an object keeps its
    unknown leaves (so that the known parts can still be analysed); empty or bad JSON -> None."""
    value = unwrap(value)
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            doc = json.loads(value)
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None
    return value if isinstance(value, dict) else None


def _statements(doc: Any) -> Any:
    if doc is UNKNOWN:
        return UNKNOWN
    if not isinstance(doc, dict):
        return []
    return as_list(doc.get("Statement"))


def _tri_eq(value: Any, expected: str, *, fold_case: bool = False) -> Any:
    value = unwrap(value)
    if value is UNKNOWN:
        return UNKNOWN
    if not isinstance(value, str):
        return False
    return value.lower() == expected.lower() if fold_case else value == expected


def _all_s3_actions(actions: Any) -> Any:
    return tri_any(tri_or(_tri_eq(a, "*"), _tri_eq(a, "s3:*", fold_case=True)) for a in values(actions))


def _secure_transport_false(condition: Any) -> Any:
    """Is the condition exactly `{"Bool" | "BoolIfExists": {"aws:SecureTransport": "false"}}`?

    Any further condition would narrow the deny, so it does not count.
    """
    condition = unwrap(condition)
    if condition is UNKNOWN:
        return UNKNOWN
    if not isinstance(condition, dict) or len(condition) != 1:
        return False
    operator, block = next(iter(condition.items()))
    block = unwrap(block)
    if operator not in ("Bool", "BoolIfExists"):
        return False
    if block is UNKNOWN:
        return UNKNOWN
    if not isinstance(block, dict) or len(block) != 1:
        return False
    key, value = next(iter(block.items()))
    if key.lower() != "aws:securetransport":
        return False
    found = values(value)
    if len(found) != 1:
        return tri_and(*(_false_literal(v) for v in found)) if found else False
    return _false_literal(found[0])


def _false_literal(value: Any) -> Any:
    value = unwrap(value)
    if value is UNKNOWN:
        return UNKNOWN
    return value is False or (isinstance(value, str) and value.lower() == "false")


def _resource_covers(resources: Any, test: Callable[[str], bool], decisive: bool) -> Any:
    """Does any Resource pattern pass `test`? When not `decisive` (the bucket name is unknown),
    a pattern that fails the test may still name the bucket: the answer is then UNKNOWN."""
    out = []
    for r in values(resources):
        if r is UNKNOWN:
            out.append(UNKNOWN)
        elif isinstance(r, str):
            out.append(True if test(r) else (False if decisive else UNKNOWN))
    return tri_any(out)


def denies_insecure_transport(doc: Any, bucket_name: Any) -> Any:
    """Does the policy deny every principal all S3 actions over non-TLS requests, on the bucket and
    on all of its objects? (A Deny with Principal `*`, Action `s3:*` or `*`, condition
    `Bool aws:SecureTransport = false`; the bucket and the objects may be covered by separate statements.)
    """
    stmts = _statements(doc)
    if stmts is UNKNOWN:
        return UNKNOWN
    name = unwrap(bucket_name)
    name_known = isinstance(name, str) and bool(name)
    if name_known:
        bucket_arn, objects_prefix = f"{S3_ARN_PREFIX}{name}", f"{S3_ARN_PREFIX}{name}/"

        def bucket_test(p: str) -> bool:
            return wildcard_match(p, bucket_arn)

        def objects_test(p: str) -> bool:
            return covers_every_suffix(p, objects_prefix)
    else:  # only patterns that cover every bucket name can be judged

        def bucket_test(p: str) -> bool:
            return covers_every_suffix(p, S3_ARN_PREFIX)

        objects_test = bucket_test

    bucket_cov, objects_cov = [], []
    for s in stmts:
        s = unwrap(s)
        if s is UNKNOWN:
            bucket_cov.append(UNKNOWN)
            objects_cov.append(UNKNOWN)
            continue
        if not isinstance(s, dict) or any(k in s for k in ("NotPrincipal", "NotAction", "NotResource")):
            continue
        qualifies = tri_and(_tri_eq(s.get("Effect"), "Deny"), principal_is_anyone(s.get("Principal")),
                            _all_s3_actions(s.get("Action")), _secure_transport_false(s.get("Condition")))
        resources = s.get("Resource")
        bucket_cov.append(tri_and(qualifies, _resource_covers(resources, bucket_test, name_known)))
        objects_cov.append(tri_and(qualifies, _resource_covers(resources, objects_test, name_known)))
    return tri_and(tri_any(bucket_cov), tri_any(objects_cov))


def allows_public(doc: Any) -> Any:
    """Does any statement Allow everyone (Principal `*`) without a condition?"""
    stmts = _statements(doc)
    if stmts is UNKNOWN:
        return UNKNOWN
    out = []
    for s in stmts:
        s = unwrap(s)
        if s is UNKNOWN:
            out.append(UNKNOWN)
            continue
        if not isinstance(s, dict):
            continue
        cond = unwrap(s.get("Condition"))
        no_condition = UNKNOWN if cond is UNKNOWN else not cond
        out.append(tri_and(_tri_eq(s.get("Effect"), "Allow"), principal_is_anyone(s.get("Principal")), no_condition))
    return tri_any(out)


# ---------------------------------------------------------------- ACLs


def acl_allows_public(canned: Any, grants: Iterable[Any]) -> Any:
    """A public canned ACL, or a grant to the AllUsers / AuthenticatedUsers groups."""
    facts = [tri_map_str(canned, lambda a: a in PUBLIC_CANNED_ACLS)]
    for grant in grants:
        grant = unwrap(grant)
        if grant is UNKNOWN:
            facts.append(UNKNOWN)
        elif isinstance(grant, dict):
            grantee = unwrap(grant.get("grantee", grant))  # BucketAcl nests it; inline grants are flat
            uri = unwrap(grantee.get("uri")) if isinstance(grantee, dict) else UNKNOWN
            facts.append(tri_map_str(uri, lambda u: u in PUBLIC_GRANTEE_URIS))
    return tri_any(facts)


def tri_map_str(value: Any, fn: Callable[[str], bool]) -> Any:
    value = unwrap(value)
    if value is UNKNOWN:
        return UNKNOWN
    return fn(value) if isinstance(value, str) else False


# ---------------------------------------------------------------- lifecycle


def applies_to_whole_bucket(prefix: Any, flt: Any, tags: Any) -> Any:
    """Does a lifecycle rule select every object: no prefix, and no tag, size or prefix filter?"""
    return tri_not(tri_or(_non_empty(prefix), filter_narrows(flt), _non_empty(tags)))


def _non_empty(value: Any) -> Any:
    value = unwrap(value)
    return UNKNOWN if value is UNKNOWN else bool(value)


def filter_narrows(flt: Any) -> Any:
    """Does a lifecycle `filter` select only some objects? (a prefix, tag, size or `and` block)"""
    flt = unwrap(flt)
    if flt is UNKNOWN:
        return UNKNOWN
    if isinstance(flt, list):  # BucketV2-era list shape
        return tri_any(filter_narrows(f) for f in flt)
    if not isinstance(flt, dict):
        return False
    out = []
    for key, value in flt.items():
        value = unwrap(value)
        if value is UNKNOWN:
            out.append(UNKNOWN)
        elif key == "and":
            out.append(filter_narrows(value))
        elif key in ("prefix", "tag", "tags", "objectSizeGreaterThan", "objectSizeLessThan"):
            out.append(bool(value))  # "", 0, {} and None select every object (state may hold such empties)
    return tri_any(out)


def min_days(rules: list[dict[str, Any]], field: str, unless: str | None = None) -> Any:
    """The smallest `field` of the enabled whole-bucket rules; None when no such rule sets it.

    A rule whose `unless` field is set does not count (NewerNoncurrentVersions: the rule keeps that many noncurrent
    versions whatever their age, so its days bound nothing). UNKNOWN when a rule whose status, scope, days or
    `unless` field are unknown could change the answer.
    """
    known: list[int] = []
    unsure = False
    for rule in rules:
        applies = tri_and(rule["enabled"], rule["whole_bucket"])
        days = unwrap(rule[field])
        keeps = unwrap(rule[unless]) if unless is not None else None
        if applies is False or days is None or (keeps is not None and keeps is not UNKNOWN):
            continue
        if applies is UNKNOWN or days is UNKNOWN or keeps is UNKNOWN:
            unsure = True
            continue
        known.append(int(days))
    if unsure:
        return UNKNOWN
    return min(known) if known else None


def count(value: Any) -> Any:
    """A positive count given as a number or (pulumi-aws v6) a string; None for unset ("", 0, null)."""
    value = unwrap(value)
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, str):
        value = int(value) if value.strip().isdigit() else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def retention_days(days: Any, years: Any) -> Any:
    """An Object Lock retention period in days: `days`, or `years` counted as 365 days each (no fewer days than a
    year has); None when neither is set."""
    days, years = count(days), count(years)
    if days is UNKNOWN or (days is None and years is UNKNOWN):
        return UNKNOWN
    if days is not None:
        return days
    return None if years is None else years * 365
