"""AWS Backup selections (aws:backup/selection:Selection): their shape and the declared resources they cover.

AWS Backup assigns a resource when it matches `resources` (ARNs or `*` patterns) OR one of the
`selectionTags` (ListOfTags, StringEquals); with neither, every supported resource. The result is then
filtered by all `conditions` (AND) and by `notResources`. Service opt-in settings are not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import Index, as_list, first_set, tri_and, tri_any, tri_not, tri_or, unwrap
from checks.normalize.patterns import wildcard_match
from checks.raw import RawResource

SELECTION = "aws:backup/selection:Selection"
# resource types AWS Backup protects that a Pulumi program may declare
SUPPORTED = (
    "aws:dynamodb/table:Table", "aws:rds/instance:Instance", "aws:rds/cluster:Cluster",
    "aws:efs/fileSystem:FileSystem", "aws:ebs/volume:Volume", "aws:ec2/instance:Instance",
    "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2", "aws:fsx/lustreFileSystem:LustreFileSystem",
    "aws:fsx/windowsFileSystem:WindowsFileSystem", "aws:fsx/ontapFileSystem:OntapFileSystem",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem", "aws:docdb/cluster:Cluster", "aws:neptune/cluster:Cluster",
    "aws:redshift/cluster:Cluster", "aws:timestreamwrite/table:Table",
)
CONDITION_OPS = (("stringEquals", "StringEquals"), ("stringLikes", "StringLike"),
                 ("stringNotEquals", "StringNotEquals"), ("stringNotLikes", "StringNotLike"))
TAG_KEY_PREFIX = "aws:ResourceTag/"


def describe(sel: RawResource) -> dict[str, Any]:
    """The selection as an attribute: name, resources, not_resources, selection_tags, conditions, iam_role."""
    p = sel.props
    tags = [{"type": t.get("type"), "key": t.get("key"), "value": t.get("value")}
            for t in _dicts(p.get("selectionTags"))]
    return {
        "name": first_set(p.get("name"), UNKNOWN),  # absent: auto-named by Pulumi
        "resources": first_set(p.get("resources"), []),
        "not_resources": first_set(p.get("notResources"), []),
        "selection_tags": UNKNOWN if unwrap(p.get("selectionTags")) is UNKNOWN else tags,
        "conditions": _conditions(p.get("conditions")),
        "iam_role": p.get("iamRoleArn"),
    }


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    value = unwrap(value)
    return [unwrap(v) for v in as_list(value) if isinstance(unwrap(v), Mapping)] if value is not UNKNOWN else []


def _conditions(value: Any) -> Any:
    """Pulumi `conditions[].stringEquals[].{key, value}` -> [{operator, key, value}]."""
    if unwrap(value) is UNKNOWN:
        return UNKNOWN
    out = []
    for block in _dicts(value):
        for prop, operator in CONDITION_OPS:
            if unwrap(block.get(prop)) is UNKNOWN:
                out.append({"operator": operator, "key": UNKNOWN, "value": UNKNOWN})
            for cond in _dicts(block.get(prop)):
                out.append({"operator": operator, "key": cond.get("key"), "value": cond.get("value")})
    return out


def identities(r: RawResource) -> set[str]:
    """How assets name a resource: its URN, and its ARN and id when known."""
    out = {r.urn}
    arn = unwrap(r.props.get("arn"))
    if isinstance(arn, str) and arn:
        out.add(arn)
    if r.id:
        out.add(r.id)
    return out


def _prepared(sel: RawResource, index: Index) -> tuple[dict[str, Any], set[str], set[str]]:
    """The selection's description and the URNs its `resources` / `notResources` name, once per selection."""
    key = ("backup_selection.prepared", sel.urn)
    found = index.memo.get(key)
    if found is None:
        found = index.memo[key] = (
            describe(sel),
            {r.urn for r in index.resolve(sel, "resources", list(index.by_type))},
            {r.urn for r in index.resolve(sel, "notResources", list(index.by_type))},
        )
    return found


def selects(sel: RawResource, r: RawResource, index: Index) -> Any:
    """Does the selection assign resource r? True, False or UNKNOWN."""
    desc, explicit, excluded = _prepared(sel, index)
    everything = not _has_entries(desc["resources"]) and not _has_entries(desc["selection_tags"])
    chosen = True if everything else tri_or(
        _listed(r, desc["resources"], explicit, bool(sel.property_dependencies.get("resources"))),
        _tag_listed(r, desc["selection_tags"]))
    return tri_and(chosen, _conditions_hold(r, desc["conditions"]),
                   tri_not(_listed(r, desc["not_resources"], excluded,
                                   bool(sel.property_dependencies.get("notResources")))))


def covered(sel: RawResource, index: Index, candidates: Iterable[RawResource] | None = None) -> Any:
    """Identities of the declared resources this selection assigns, or UNKNOWN when it cannot be decided.

    `candidates`: the resources it may assign (default: those of the SUPPORTED Pulumi types).
    """
    _, explicit, _ = _prepared(sel, index)
    pool = {r.urn: r for r in (index.of_type(*SUPPORTED) if candidates is None else candidates)}
    pool.update({u: index.by_urn[u] for u in explicit})
    out: set[str] = set()
    for r in pool.values():
        kept = selects(sel, r, index)
        if kept is UNKNOWN:
            return UNKNOWN
        if kept:
            out |= identities(r)
    return out


def backup_covered(r: RawResource, index: Index, selections: Iterable[RawResource] | None = None) -> Any:
    """Is r assigned to a backup plan by any selection declared in the program? True, False or UNKNOWN.

    Only the program's own selections are seen: a plan managed elsewhere (another stack, an organization
    backup policy) is not, so False means "no selection here covers it". `selections`: the selections to
    consider (default: those of the Pulumi type; the live view passes the ones read in r's account and region).
    """
    sels = index.of_type(SELECTION) if selections is None else selections
    return tri_any(selects(sel, r, index) for sel in sels)


def _has_entries(value: Any) -> bool:
    return value is UNKNOWN or bool(value)


def _listed(r: RawResource, patterns: Any, resolved: set[str], has_deps: bool) -> Any:
    """Is r named by a list of ARNs / `*` patterns? Unknown entries are explained by the property's
    dependencies (they are the resolved resources); without dependencies they could name anything."""
    if r.urn in resolved:
        return True
    if patterns is UNKNOWN:
        return UNKNOWN
    arn = unwrap(r.props.get("arn"))
    out = []
    for pattern in patterns:
        pattern = unwrap(pattern)
        if pattern is UNKNOWN:
            out.append(False if has_deps else UNKNOWN)
        elif pattern == "*":
            out.append(True)
        elif isinstance(pattern, str) and "*" in pattern:
            out.append(wildcard_match(pattern, arn) if isinstance(arn, str) and arn else UNKNOWN)
        elif isinstance(pattern, str):
            out.append(isinstance(arn, str) and pattern == arn)
    return tri_any(out)


def _tags(r: RawResource) -> Any:
    tags = unwrap(first_set(r.props.get("tagsAll"), r.props.get("tags"), {}))
    return tags if tags is UNKNOWN or isinstance(tags, Mapping) else {}


def _tag_value(r: RawResource, key: Any) -> Any:
    """The tag's value, None when the resource does not carry the tag, UNKNOWN when it cannot be told."""
    key, tags = unwrap(key), _tags(r)
    if key is UNKNOWN or tags is UNKNOWN:
        return UNKNOWN
    key = key.removeprefix(TAG_KEY_PREFIX) if isinstance(key, str) else key
    return unwrap(tags.get(key))


def _tag_listed(r: RawResource, selection_tags: Any) -> Any:
    if selection_tags is UNKNOWN:
        return UNKNOWN
    return tri_any(_test(r, "StringEquals", t["key"], t["value"]) for t in selection_tags)


def _conditions_hold(r: RawResource, conditions: Any) -> Any:
    if conditions is UNKNOWN:
        return UNKNOWN
    return tri_and(True, *(_test(r, c["operator"], c["key"], c["value"]) for c in conditions))


def _test(r: RawResource, operator: str, key: Any, expected: Any) -> Any:
    actual, expected = _tag_value(r, key), unwrap(expected)
    if actual is UNKNOWN or expected is UNKNOWN:
        return UNKNOWN
    if operator in ("StringEquals", "StringNotEquals"):
        match = actual is not None and actual == expected
    else:
        match = isinstance(actual, str) and isinstance(expected, str) and wildcard_match(expected, actual)
    return match if operator in ("StringEquals", "StringLike") else not match


def union(sets: Iterable[Any]) -> Any:
    """Union of covered sets; UNKNOWN if any is UNKNOWN. Sorted list for the asset."""
    out: set[str] = set()
    for s in sets:
        if s is UNKNOWN:
            return UNKNOWN
        out |= s
    return sorted(out)
