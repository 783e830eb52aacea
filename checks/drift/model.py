"""The drift report's data: plain frozen values every stage shares (compare, store, flows, renderers).

Configuration drift compares the state view and the live view of the same assets (matched by ARN, else by AWS id,
never by name); compliance drift compares this run's findings with the stored runs of the same target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from checks.model import Asset, Location, Severity, Status
from checks.report import Report

SECRET_NOT_COMPARED = "secret, not compared"


class DriftClass(StrEnum):
    IN_SYNC = "in_sync"
    CHANGED = "changed"        # in state and live, some attribute of the asset model differs
    MISSING = "missing"        # in state, gone live
    UNMANAGED = "unmanaged"    # live, in no state given


@dataclass(frozen=True)
class AttributeChange:
    """One differing attribute: its path in the asset model (`rotation.enabled`, `rules`), the value in the state
    view and the value live. A secret on either side is never compared nor printed: `secret` is True and both
    values are None (renderers print SECRET_NOT_COMPARED)."""

    path: str
    state: Any
    live: Any
    secret: bool = False


@dataclass(frozen=True)
class AssetDrift:
    """One asset's configuration drift. `stack` is `project/stack` of the state that manages it (None when
    unmanaged); `urn` and `location` come from the state when managed."""

    kind: str
    id: str
    name: str
    drift: DriftClass
    account: str | None = None
    region: str | None = None
    stack: str | None = None
    urn: str | None = None
    location: Location | None = None
    changes: tuple[AttributeChange, ...] = ()
    not_compared: tuple[str, ...] = ()   # attribute paths left out: secret, or unknown / unread in either view


@dataclass(frozen=True)
class KindCoverage:
    """How many live assets of a kind Pulumi manages (in some state given)."""

    kind: str
    live: int
    managed: int

    @property
    def share(self) -> float | None:
        return None if not self.live else self.managed / self.live


@dataclass(frozen=True)
class ConfigurationDrift:
    items: tuple[AssetDrift, ...] = ()          # every compared asset, in sync ones included
    ignored: int = 0                            # live assets left out by the built-in and the user's ignore rules
    coverage: tuple[KindCoverage, ...] = ()     # per kind, sorted by kind
    not_read: tuple[str, ...] = ()              # "kind name (id)" of state assets whose kind the live view did not
                                                # read (no collector, or an unread scope): neither in sync nor missing

    def of(self, drift: DriftClass) -> list[AssetDrift]:
        return [i for i in self.items if i.drift is drift]

    @property
    def found(self) -> bool:
        return any(i.drift is not DriftClass.IN_SYNC for i in self.items)


class Transition(StrEnum):
    NEW = "new"              # failing now, never failing before in the stored runs of the target
    RECURRING = "recurring"  # failing now and in the previous run
    REGRESSED = "regressed"  # failing now, not in the previous run, failing in an earlier one
    RESOLVED = "resolved"    # failing in the previous run, not now


@dataclass(frozen=True)
class FindingHistory:
    """A finding's place in the stored history of its target (by fingerprint)."""

    fingerprint: str
    control_id: str
    severity: Severity
    asset_kind: str
    asset_id: str
    asset_name: str
    status: Status                 # now (for resolved: this run's status, or not_applicable when the asset is gone)
    transition: Transition
    first_seen: dt.datetime        # the first stored run in which it failed
    last_seen: dt.datetime         # the last stored run in which it failed (this run unless resolved)


@dataclass(frozen=True)
class ComplianceDrift:
    previous_run: str | None = None            # the run compared with (None: this is the first of its target)
    previous_at: dt.datetime | None = None
    items: tuple[FindingHistory, ...] = ()

    def of(self, transition: Transition) -> list[FindingHistory]:
        return [i for i in self.items if i.transition is transition]


@dataclass(frozen=True)
class TrendPoint:
    """One stored run of the target: failing findings by severity."""

    run_id: str
    at: dt.datetime
    failing: Mapping[Severity, int]
    errors: int = 0

    @property
    def total(self) -> int:
        return sum(self.failing.values())


@dataclass(frozen=True)
class UnreviewedRule:
    """A security-group rule seen live that is not in the review register, with the command that reviews it."""

    group_id: str
    group_name: str
    fingerprint: str
    rule: str            # "ingress tcp 22 from 0.0.0.0/0"
    command: str         # "clearance sg review infra --reviewer <you> --fingerprint 1fca02ed28a2dc65"


@dataclass(frozen=True)
class DriftReport:
    """Everything the drift renderers show. `report` is the evaluation of the live view (its findings, controls,
    frameworks, waivers; over every account scanned); `assets` the live assets (the evidence view prints the values
    controls read)."""

    report: Report
    configuration: ConfigurationDrift
    compliance: ComplianceDrift
    trend: tuple[TrendPoint, ...] = ()
    unreviewed: tuple[UnreviewedRule, ...] = ()
    stacks: tuple[str, ...] = ()          # project/stack of every state compared
    assets: tuple[Asset, ...] = ()
    run_id: str | None = None             # the run's id in the store (None: not recorded)
    store: str | None = None              # where it was recorded, without any password
    notes: tuple[str, ...] = field(default_factory=tuple)
    # per account id: its stored runs, oldest first (the account view's sparklines); empty when not known
    account_trend: Mapping[str, tuple[TrendPoint, ...]] = field(default_factory=dict)
    # False when no state was given (an organization-wide report merged from shards): configuration drift was not
    # compared, so `configuration` says nothing and never counts as drift
    configuration_compared: bool = True

    def drift_found(self, fail_on: Severity | None = None) -> bool:
        """Configuration drift of any class (when compared), or a new or regressed failure at or above `fail_on`
        (any without), or an unreviewed security-group rule."""
        floor = fail_on.rank if fail_on else 0
        worse = [i for i in self.compliance.items if i.transition in (Transition.NEW, Transition.REGRESSED)
                 and i.severity.rank >= floor]
        configuration = self.configuration_compared and self.configuration.found
        return configuration or bool(worse) or bool(self.unreviewed)
