"""Which collectors a scan runs: those whose resources some selected control may judge (issue 13).

A collector emits live raw types (`Collector.types`); each feeds asset kinds (`live_types.FEEDS`). A kind is needed
when a selected control is of that kind (`Needs.roots`), or when an attribute a selected control reads is derived
from it (`DERIVED_FROM`, by kind and root attribute, `ANY` for every attribute):
- `aws.region` (checks/normalize/scopes.py) is computed from the trails, detectors, recorders, hubs, backup plans and
  backup candidates of its account and region (`INPUT_KINDS`);
- `backup.plan` lists the resources its selections cover, read from the candidates' collectors (`CANDIDATE_KINDS`);
- a candidate's `backup_covered` applies the backup collector's selections (checks/normalize/backup/live.py).
Every other live normalizer reads only its own collector's resources (a collector that needs another service's
answer, as S3 a key's manager from KMS, calls it itself). `tests/unit/test_scan_services.py` checks this on a read
of every collector: without the collectors a control does not need, its findings are the same.

A scan of a few controls then makes no call, and builds no client, for the others' services: `scan --check S3-01`
reads S3, not EC2 snapshots (which moto answers with 1,300 public ones). A collector named with `--services` always
runs; drift (`Needs.roots` None: it compares every attribute) runs every collector.
"""

from __future__ import annotations

from collections.abc import Iterable

from checks.collectors.base import Collector
from checks.live_types import ANY, FEEDS, Needs
from checks.normalize.scopes import CANDIDATE_KINDS, INPUT_KINDS, REGION_KIND

# (kind, root attribute or ANY) -> the kinds that attribute is computed from, besides its own collector's resources
DERIVED_FROM: dict[tuple[str, str], frozenset[str]] = {
    (REGION_KIND, ANY): frozenset(INPUT_KINDS),
    ("backup.plan", ANY): frozenset(CANDIDATE_KINDS),
    **{(kind, "backup_covered"): frozenset({"backup.plan"}) for kind in CANDIDATE_KINDS},
}


def needed_kinds(needs: Needs) -> frozenset[str] | None:
    """The asset kinds the selected controls judge, with every kind what they read is derived from (a kind needed
    for a derivation counts as read whole); None: every kind."""
    if needs.roots is None:
        return None
    kinds = set(needs.roots)
    todo: list[tuple[str, frozenset[str] | None]] = [(kind, roots) for kind, roots in needs.roots.items()]
    while todo:
        kind, roots = todo.pop()
        for (derived, attribute), sources in DERIVED_FROM.items():
            if derived != kind or not (attribute == ANY or roots is None or attribute in roots):
                continue
            for source in sources - kinds:
                kinds.add(source)
                todo.append((source, None))
    return frozenset(kinds)


def needed_collectors(collectors: Iterable[Collector], needs: Needs) -> list[Collector]:
    """The collectors, in order, that feed a needed kind (all of them when every kind is needed)."""
    kinds = needed_kinds(needs)
    chosen = list(collectors)
    if kinds is None:
        return chosen
    return [c for c in chosen if any(k in kinds for t in c.types for k in FEEDS.get(t, ()))]
