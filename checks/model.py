"""The asset model, results and findings: plain frozen data shared by every stage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is more severe: critical 4 ... low 1."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}


class SourceKind(StrEnum):
    PLANNED = "planned"
    STATE = "state"
    LIVE = "live"


class _Unknown:
    """The single marker for a value that is not known at plan time."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value: test it with `is UNKNOWN` first")


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True, slots=True)
class Secret:
    """A secret value whose plaintext is known; it is evaluated but never printed."""

    value: Any

    def __repr__(self) -> str:
        return "Secret(****)"


def secret_strings(value: Any, *, inside: bool = False) -> set[str]:
    """Every non-blank string held in a `Secret` anywhere in `value` (maps, lists and nested secrets)."""
    if isinstance(value, Secret):
        return secret_strings(value.value, inside=True)
    if isinstance(value, Mapping):
        return {s for v in value.values() for s in secret_strings(v, inside=inside)}
    if isinstance(value, list | tuple):
        return {s for v in value for s in secret_strings(v, inside=inside)}
    return {value} if inside and isinstance(value, str) and value.strip() else set()


class SecretTexts:
    """Secret plaintexts to look for in text that will be printed or written, and to cut out of it.

    Secrets shorter than `MIN_SUBSTRING` (a port, "true", "app") are matched as whole values only."""

    MIN_SUBSTRING = 6
    REDACTED = "****"

    def __init__(self, texts: set[str] | frozenset[str]) -> None:
        self.exact = frozenset(texts)
        self.long = sorted((t for t in texts if len(t) >= self.MIN_SUBSTRING), key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self.exact)

    def holds(self, text: str) -> bool:
        return text in self.exact or any(t in text for t in self.long)

    def piece_of(self, text: str) -> bool:
        """Is `text` a piece of a secret (a string parsed out of a secret policy document)?"""
        return len(text) >= self.MIN_SUBSTRING and any(text in t for t in self.long)

    def cut(self, text: str) -> str:
        if text in self.exact:
            return self.REDACTED
        for secret in self.long:
            text = text.replace(secret, self.REDACTED)
        return text


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


IDENTITY_FIELDS = ("kind", "id", "name", "urn", "account", "region", "source", "location", "tags")


@dataclass(frozen=True, slots=True)
class Asset:
    """One normalized resource: identity, provenance and the attributes of its kind.

    `unknown` holds attribute paths whose value is not known (plan time, encrypted secret);
    `errors` maps attribute paths to why they could not be read; `secrets` holds paths whose
    values must never be printed. Paths are dotted, with `[]` marking list items: `rules[].cidr`.
    """

    kind: str
    id: str
    name: str
    source: SourceKind
    attributes: Mapping[str, Any]
    urn: str | None = None
    account: str | None = None
    region: str | None = None
    location: Location | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    unknown: frozenset[str] = frozenset()
    errors: Mapping[str, str] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()

    def document(self) -> dict[str, Any]:
        """The flat JSON-like document that controls read: identity fields plus attributes."""
        location = self.location
        return {
            **self.attributes,
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "urn": self.urn,
            "account": self.account,
            "region": self.region,
            "source": self.source.value,
            "location": None if location is None else {"file": location.file, "line": location.line},
            "tags": dict(self.tags),
        }

    def export(self) -> dict[str, Any]:
        """The asset as written to reports: document plus its unknown, error and secret paths."""
        doc = self.document()
        doc["unknown"] = sorted(self.unknown)
        doc["errors"] = dict(self.errors)
        doc["secrets"] = sorted(self.secrets)
        return doc


@dataclass(frozen=True, slots=True)
class WaiverRef:
    control: str
    asset: str
    reason: str
    approver: str
    expires: str


@dataclass(frozen=True, slots=True)
class Finding:
    control_id: str
    severity: Severity
    status: Status
    asset_kind: str
    asset_id: str
    asset_name: str
    source: SourceKind
    message: str
    fingerprint: str
    location: Location | None = None
    detail: str | None = None
    waiver: WaiverRef | None = None
    in_baseline: bool = False   # `check --baseline`: the finding was recorded in the baseline (it gates nothing)
    account: str | None = None  # the asset's AWS account (an unread scope's); None: not known (planned views)
    region: str | None = None   # the asset's region; None: global (IAM, account settings) or not known


def new_finding(control_id: str, severity: Severity, status: Status, asset_kind: str, asset_id: str,  # noqa: PLR0913
                asset_name: str, source: SourceKind, message: str, fingerprint: str, location: Location | None,
                detail: str | None, waiver: WaiverRef | None, account: str | None = None,
                region: str | None = None) -> Finding:
    """`Finding(...)` (not in a baseline) for the engine's hot loop: the same object, built ~2.5x faster.

    A frozen dataclass's `__init__` sets each of its 15 fields through `object.__setattr__`. Here they are set as
    plain attributes of `_FindingSlots`, a class of exactly Finding's slots (the same memory layout, so Python
    lets the object's class become Finding afterwards), then the object is made a Finding. Every field is set, so
    the result equals the one `Finding(...)` builds."""
    finding: Any = _new_object(_FindingSlots)
    finding.control_id = control_id
    finding.severity = severity
    finding.status = status
    finding.asset_kind = asset_kind
    finding.asset_id = asset_id
    finding.asset_name = asset_name
    finding.source = source
    finding.message = message
    finding.fingerprint = fingerprint
    finding.location = location
    finding.detail = detail
    finding.waiver = waiver
    finding.in_baseline = False
    finding.account = account
    finding.region = region
    finding.__class__ = Finding
    return finding


class _FindingSlots:
    """Finding's slots, in Finding's order, on a plain class: see `new_finding`."""

    __slots__ = Finding.__slots__


_new_object = object.__new__


@cache
def path_segments(path: str) -> tuple[str, ...]:
    """`rules[].cidr` -> ("rules", "cidr"): list markers do not matter for overlap tests."""
    return tuple(seg.removesuffix("[]") for seg in path.split("."))


def paths_overlap(a: str, b: str) -> bool:
    """True when one path is the other or contains it (`rules` overlaps `rules[].cidr`)."""
    sa, sb = path_segments(a), path_segments(b)
    n = min(len(sa), len(sb))
    return sa[:n] == sb[:n]
