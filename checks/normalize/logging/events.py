"""Which management events a CloudTrail trail records, from its event selectors (planned: the Pulumi inputs in
camelCase; live: GetEventSelectors in PascalCase; both read the same way).

A trail records every management event, read and write, when it has no selectors at all (AWS gives a trail created
without selectors one basic selector, ReadWriteType All with management events; moto reports none), or when a
selector includes management events of that kind from every event source (no ExcludeManagementEventSources, no
eventSource filter). CIS 3.1 asks for read and write both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.model import UNKNOWN
from checks.normalize.base import contains_unknown

READS = ("All", "ReadOnly")
WRITES = ("All", "WriteOnly")


def _get(entry: Mapping[str, Any], name: str) -> Any:
    """`name` in camelCase (Pulumi) or PascalCase (boto3)."""
    return entry.get(name, entry.get(name[:1].upper() + name[1:]))


def _basic(selector: Mapping[str, Any]) -> tuple[bool, bool]:
    includes = _get(selector, "includeManagementEvents")
    if includes is False or _get(selector, "excludeManagementEventSources"):
        return False, False
    kind = _get(selector, "readWriteType") or "All"  # AWS default: All
    return kind in READS, kind in WRITES


def _advanced(selector: Mapping[str, Any]) -> tuple[bool, bool]:
    fields = {str(_get(f, "field")): f for f in (_get(selector, "fieldSelectors") or []) if isinstance(f, Mapping)}
    category = fields.get("eventCategory")
    if category is None or list(_get(category, "equals") or []) != ["Management"]:
        return False, False
    if "eventSource" in fields:  # some sources left out: not every management event
        return False, False
    read_only = fields.get("readOnly")
    if read_only is None:
        return True, True
    values = [str(v).lower() for v in (_get(read_only, "equals") or [])]
    return "true" in values, "false" in values


def management_events(basic: Any, advanced: Any) -> Any:
    """{"read": bool, "write": bool}, or UNKNOWN when a selector is not known at plan time."""
    if contains_unknown(basic) or contains_unknown(advanced):
        return UNKNOWN
    basic_list = [s for s in (basic or []) if isinstance(s, Mapping)]
    advanced_list = [s for s in (advanced or []) if isinstance(s, Mapping)]
    if not basic_list and not advanced_list:
        return {"read": True, "write": True}
    seen = [_basic(s) for s in basic_list] + [_advanced(s) for s in advanced_list]
    return {"read": any(r for r, _ in seen), "write": any(w for _, w in seen)}
