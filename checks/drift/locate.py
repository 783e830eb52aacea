"""Live findings placed where the resource is declared: a live asset matched to a state asset (by ARN, else AWS id:
`checks.drift.config.matches`) takes the state asset's source location (the file and line of the Pulumi resource,
relative to the repository root when the program folder is known), and so do its findings. A live asset no state
declares keeps no location."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from checks.drift.config import matches
from checks.live_types import DERIVED_KINDS
from checks.model import Asset, Finding


def declared(state: Sequence[Asset], live: Sequence[Asset]) -> list[Asset]:
    """The live assets, each matched to a state asset with a location carrying that location."""
    state = [a for a in state if a.kind not in DERIVED_KINDS]  # views of an account and region, not resources
    located = {j: state[i].location for i, j in matches(state, live).items() if state[i].location is not None}
    return [replace(a, location=located[j]) if a.location is None and j in located else a
            for j, a in enumerate(live)]


def placed(findings: Iterable[Finding], assets: Iterable[Asset]) -> list[Finding]:
    """The findings, each on an asset with a location (and none of its own) carrying that location."""
    where = {(a.kind, a.id): a.location for a in assets if a.location is not None}
    return [replace(f, location=where[(f.asset_kind, f.asset_id)])
            if f.location is None and (f.asset_kind, f.asset_id) in where else f for f in findings]
