"""What a scan's selected controls need read (checks/live_types.py Needs), from the controls themselves.

Two kinds of per-resource reads are left out:
- *not selected*: every attribute the read fills is read by no selected control (`Needs.of`);
- *not applicable*: every selected control that reads what the read fills has an `applies_if` that reads only
  identity fields (tags, account, region, ...: values the resource's own earlier reads decide, which neither a later
  read nor another resource changes), and for this resource every one of them is not applicable. The collector
  makes such a read last; before it, the judge normalizes the resource as read so far (the pending reads recorded
  as not read) and takes the engine's own first step on it (`judge.not_applicable`): a read is made unless all of
  them are certainly not applicable. So a control that applies never sees a skipped attribute, and one that does not
  stays not_applicable (the engine decides `applies_if` first, on the attributes it reads). Not `engine.evaluate`
  per resource: it is made for one call per run (it pauses the garbage collector around its work).
Tags are read per resource by some collectors (S3 GetBucketTagging, DynamoDB ListTagsOfResource): a kind's tags are
needed only when a selected control of it may read them (`reads_tags`: its reads, applies_if, assert or message;
an expression that reads the whole document may read them), or when a derived attribute is made from them
(OPTIONAL_READS: a backup plan's `covered`, a table's `backup_covered`). Waivers match an asset's name, id or URN,
a baseline its fingerprint, and no report prints an asset's tags, so nothing else needs them. Tags not read are
recorded as not read (`tags` in the asset's errors), never as no tags.
Drift needs everything (EVERYTHING): it compares every attribute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from checks.catalog.controls import Control
from checks.catalog.expressions import Evaluator, reads_only
from checks.catalog.messages import MessageTemplate
from checks.judge import Rule, not_applicable, prepare
from checks.live_types import FEEDS, OPTIONAL_READS, TAGS, Judge, Needs
from checks.model import IDENTITY_FIELDS, path_segments
from checks.normalize import normalize
from checks.raw import RawResource

# identity fields an applies_if may gate a read on: set from the resource's own reads, the same in the partial and
# the final asset (a name or location can be replaced by the state's when a scan is linked to it: flows/linked.py)
GATE_FIELDS = frozenset(IDENTITY_FIELDS) - {"name", "location"}


def scan_needs(controls: Iterable[Control], now: dt.datetime,
               templates: Mapping[str, MessageTemplate] | None = None) -> Needs:
    """The Needs of a scan of `controls` (the selected ones, with the project's parameters), judged at `now`;
    `templates`: their compiled messages by control id (compiled here from `message` when not given)."""
    selected = list(controls)
    tag_readers = {c.id for c in selected if reads_tags(c, None if templates is None else templates.get(c.id))}

    def tagged(control: Control) -> bool:  # asked once per control and optional read: decided once per control
        return control.id in tag_readers

    base = Needs.of(selected, tagged)
    needing: dict[tuple[str, str], tuple[Control, ...]] = {}
    gated: dict[str, frozenset[str]] = {}
    for raw_type, reads in OPTIONAL_READS.items():
        own = FEEDS[raw_type][0]
        found = set()
        for operation, fills in reads.items():
            users = tuple(c for c in selected if Needs.of([c], tagged).wants(raw_type, operation))
            if users and all(kind == own for kind, _ in fills) and all(_gates(c, own) for c in users):
                needing[(raw_type, operation)] = users
                found.add(operation)
        if found:
            gated[raw_type] = frozenset(found)
    if not gated:
        return base
    return Needs(roots=base.roots, gated=gated, judge=_judge(needing, now), tags_listed=base.tags_listed)


def reads_tags(control: Control, template: MessageTemplate | None = None) -> bool:
    """May `control` read its asset's tags? Yes when `reads` lists them, or an expression (applies_if, assert, a
    message placeholder) names them or reads the whole document (`@`, `*`: what it reads cannot be told)."""
    if any(path_segments(p)[0] == TAGS for p in control.reads):
        return True
    fields = (template if template is not None else MessageTemplate(control.message)).fields.values()
    for expr in (control.applies_if, control.assert_, *fields):
        if expr is None:
            continue
        roots = reads_only(expr)
        if roots is None or TAGS in roots:
            return True
    return False


def _gates(control: Control, kind: str) -> bool:
    """Can `control`'s applies_if say, from identity fields alone, that it does not apply?"""
    if control.kind != kind or control.applies_if is None:
        return False
    roots = reads_only(control.applies_if)
    return roots is not None and roots - {"params"} <= GATE_FIELDS


def _judge(needing: Mapping[tuple[str, str], tuple[Control, ...]], now: dt.datetime) -> Judge:
    # each control as the engine judges it (parameters bound), once
    rules = {c.id: Rule.of(c) for users in needing.values() for c in users if c.applies_if}

    def still_wanted(partial: RawResource, pending: frozenset[str]) -> frozenset[str]:
        judged = {c.id for op in pending for c in needing.get((partial.type, op), ())}
        if not judged:
            return pending
        assets = normalize([partial], derive=False).assets
        if len(assets) != 1:  # nothing (or more than the resource) to judge on: read everything
            return pending
        # the engine's own first step (checks/judge.py): a read is left out only for controls it would certainly
        # find not_applicable; gated controls' applies_if read identity fields alone, which the read cannot change
        evaluator, asset = Evaluator(now), assets[0]
        entry = prepare(asset, {})
        applies = {cid for cid in judged if not not_applicable(rules[cid], asset, entry, evaluator)}
        return frozenset(op for op in pending
                         if (partial.type, op) not in needing or any(c.id in applies
                                                                     for c in needing[(partial.type, op)]))

    return still_wanted
