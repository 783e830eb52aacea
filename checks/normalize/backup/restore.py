"""The restore testing of a backup plan: which AWS Backup restore testing plans test the vaults the plan writes to,
how often, and whether they restore every resource type the plan backs up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.model import UNKNOWN
from checks.normalize.backup.common import Family, field, interval, known_list
from checks.normalize.base import AssetBuilder, Index, as_list, first_set, tri_and, tri_any, tri_not, unwrap
from checks.normalize.schedule import ScheduleError, merged_interval_hours
from checks.raw import RawResource


def _vault_keys(vault_ref: Any) -> set[str]:
    """A vault named by name or ARN (arn:aws:backup:<region>:<account>:backup-vault:<name>)."""
    vault_ref = unwrap(vault_ref)
    if not isinstance(vault_ref, str) or not vault_ref:
        return set()
    return {vault_ref, vault_ref.rsplit("backup-vault:", 1)[-1]}


def _resolved_keys(vaults: Iterable[RawResource]) -> set[str]:
    return {key for v in vaults for key in ({v.urn} | Index.identities(v))}


def _plan_vaults(raw: RawResource, index: Index, family: Family) -> set[str]:
    """Every name, ARN and URN of the vaults the plan's rules write to (targets and copy destinations)."""
    keys = _resolved_keys(index.resolve(raw, "rules", [family.vault]))
    for r in known_list(raw.props.get("rules")):
        keys |= _vault_keys(field(r, "targetVaultName"))
        for c in known_list(field(r, "copyActions")):
            keys |= _vault_keys(field(c, "destinationVaultArn"))
    for v in family.related(index, raw, family.vault):  # vaults named by value
        if Index.identities(v) & keys:
            keys |= _resolved_keys([v])
    return keys


def _names_plan(values: Any, plan_keys: set[str], dep_keys: set[str] | None) -> Any:
    """Does a vault list (ARNs or `*`) name one of the plan's vaults? Unknown entries stand for the
    vaults of the dependencies when `dep_keys` is given (they can only be those), else UNKNOWN."""
    values = unwrap(values)
    if values is UNKNOWN:
        return UNKNOWN
    out = []
    for v in as_list(values):
        v = unwrap(v)
        if v is UNKNOWN:
            out.append(UNKNOWN if dep_keys is None else bool(dep_keys & plan_keys))
        else:
            out.append(v == "*" or bool(_vault_keys(v) & plan_keys))
    return tri_any(out)


def _tests_plan(rplan: RawResource, plan_keys: set[str], index: Index, family: Family) -> Any:
    sel = unwrap(rplan.props.get("recoveryPointSelection"))
    if sel is UNKNOWN or not isinstance(sel, dict):
        return UNKNOWN if sel is UNKNOWN else False
    include, exclude = unwrap(sel.get("includeVaults")), unwrap(sel.get("excludeVaults"))
    dep_keys = _resolved_keys(index.resolve(rplan, "recoveryPointSelection", [family.vault]))
    # dependencies can be attributed to a list only when the other list holds no unknown entry
    inc_unknown = include is UNKNOWN or UNKNOWN in as_list(include)
    exc_unknown = exclude is UNKNOWN or UNKNOWN in as_list(exclude)
    return tri_and(_names_plan(include, plan_keys, dep_keys if not exc_unknown else None),
                   tri_not(_names_plan(exclude, plan_keys, dep_keys if not inc_unknown else None)))


def backed_up_types(covered: Any, candidates: Iterable[RawResource], family: Family) -> Any:
    """The AWS Backup resource types of the resources the plan's selections assign (sorted), or UNKNOWN."""
    if covered is UNKNOWN:
        return UNKNOWN
    names = set(covered)
    types = {family.resource_type(r) for r in candidates if r.urn in names}
    if UNKNOWN in types:
        return UNKNOWN
    return sorted(t for t in types if isinstance(t, str))


def restore_testing(b: AssetBuilder, raw: RawResource, index: Index, family: Family, types: Any) -> None:
    """`restore_testing.*` of the plan: `types` are the resource types it backs up (UNKNOWN when not known)."""
    plan_keys = _plan_vaults(raw, index, family)
    plans, tests, unsure = [], [], False
    restore_selections = {s.urn for s in family.related(index, raw, family.restore_selection)}
    for rplan in family.related(index, raw, family.restore_plan):
        linked = _tests_plan(rplan, plan_keys, index, family)
        if linked is UNKNOWN:
            unsure = True
        if linked is not True:
            continue
        schedule = rplan.props.get("scheduleExpression")
        tested = [s for s in index.referencing(rplan, [family.restore_selection], "restoreTestingPlanName")
                  if s.urn in restore_selections]
        resource_types = [unwrap(s.props.get("protectedResourceType")) for s in tested]
        plans.append({
            "name": first_set(rplan.props.get("name"), UNKNOWN),
            "schedule": schedule,
            "interval_hours": interval(b, "restore_testing.plans[].interval_hours", schedule),
            "resource_types": resource_types,
        })
        if tested:  # a restore testing plan without a selection restores nothing
            tests.append((unwrap(schedule), resource_types))
    b.set("restore_testing.plans", plans)
    b.set("restore_testing.backed_up_types", types)
    if unsure or types is UNKNOWN:
        b.set("restore_testing.untested_types", UNKNOWN)
        b.set("restore_testing.max_interval_hours", UNKNOWN)
        return
    if not types:  # the selections assign nothing this view sees: any restore test of the vaults counts
        b.set("restore_testing.untested_types", [])
        b.set("restore_testing.max_interval_hours", _merged(b, [s for s, _ in tests]))
        return
    _per_type(b, types, tests)


def _per_type(b: AssetBuilder, types: list[str], tests: list[tuple[Any, list[Any]]]) -> None:
    """Every backed-up type must be restored: the longest gap is the worst type's (None when one is never tested)."""
    if any(UNKNOWN in kinds for _, kinds in tests):
        b.set("restore_testing.untested_types", UNKNOWN)
        b.set("restore_testing.max_interval_hours", UNKNOWN)
        return
    untested = [t for t in types if not any(t in kinds for _, kinds in tests)]
    b.set("restore_testing.untested_types", untested)
    gaps = [_merged(b, [s for s, kinds in tests if t in kinds]) for t in types]
    if UNKNOWN in gaps:
        b.set("restore_testing.max_interval_hours", UNKNOWN)
    else:
        b.set("restore_testing.max_interval_hours",
              None if untested or None in gaps else max(gaps))


def _merged(b: AssetBuilder, schedules: list[Any]) -> Any:
    if UNKNOWN in schedules:
        return UNKNOWN
    try:
        return merged_interval_hours([s for s in schedules if isinstance(s, str)])
    except ScheduleError as err:
        b.errors["restore_testing.max_interval_hours"] = f"cannot read schedule: {err}"
        return None
