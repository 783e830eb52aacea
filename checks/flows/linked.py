"""A live read assessed against what Pulumi deployed: `drift` always, `scan --state FILE` (or a scan of the sandbox,
whose applied state is known) too. Live security groups take the names their Pulumi resources gave them (so FW-01
fingerprints match the planned view's), and every live asset a state declares, and its findings, points at the file
and line that declared it (checks/drift/locate.py); a live asset no state declares keeps no location."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from checks.engine import Evaluation
from checks.flows.assess import Prepared, assess
from checks.model import Asset
from checks.normalize import Normalized, Scopes, normalize
from checks.raw import RawResource
from checks.unread import UnreadScope


def assess_linked(prepared: Prepared, resources: Sequence[RawResource], now: dt.datetime, *,
                  state: Sequence[RawResource], unread: Sequence[UnreadScope], scopes: Scopes,
                  secrets_of: Callable[[Iterable[RawResource]], frozenset[str]],
                  ) -> tuple[Normalized, Evaluation, list[Asset]]:
    """Normalize and evaluate the live `resources` linked to the `state` (none: as read); the state's own assets
    (not derived: views of an account and region are no resources), for the caller's comparisons."""
    if not state:  # the drift modules (and pydantic, for drift's ignore file) are imported only to link a state
        normalized, result = assess(prepared, resources, now, unread=unread, scopes=scopes,
                                    secrets=secrets_of(resources))
        return normalized, result, []
    from checks.drift.link import link_to_state
    from checks.drift.locate import declared, placed

    linked = link_to_state(resources, state)
    normalized, result = assess(prepared, linked, now, unread=unread, scopes=scopes, secrets=secrets_of(linked))
    state_assets = normalize(state, reviewed=prepared.reviewed, derive=False).assets
    normalized = replace(normalized, assets=declared(state_assets, normalized.assets))
    result = replace(result, findings=placed(result.findings, normalized.assets))
    return normalized, result, list(state_assets)
