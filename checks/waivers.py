"""Waivers: accepted exceptions with a reason, an approver and an expiry date.

    waivers:
      - control: S3-01
        asset: "legacy-*"          # fnmatch pattern on the asset name, id or URN
        reason: "Read-only archive, migrated in Q3"
        approver: "security@example.com"
        expires: 2027-01-31

A waiver names what it covers: an asset pattern made only of wildcards (`*`) is refused, and a pattern with a
wildcard is reported as broad by the engine. Reason and approver are text; the expiry is at most
`max_waiver_days` (settings, default 365) days after the day of the run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

from checks.errors import InputError
from checks.model import Asset, WaiverRef
from checks.paths import display_path


@cache
def _entry_model() -> Any:
    """The pydantic model of one waiver as written in the file: every field required, nothing else allowed. Built
    on first use: pydantic and YAML are imported only when there is a waivers file to read (issue 13)."""
    from pydantic import BaseModel, ConfigDict

    from checks.validation import Date, StrictText, Text

    class _Entry(BaseModel):
        model_config = ConfigDict(extra="forbid")
        control: Text
        asset: StrictText
        reason: StrictText
        approver: StrictText
        expires: Date

    return _Entry


DEFAULT_MAX_WAIVER_DAYS = 365
MAX_WAIVER_DAYS_LIMIT = 3650  # the largest max_waiver_days the settings accept (ten years)
# fnmatch's: any text, any character, a character class (compiled by `re` on first use: a run without waivers
# never needs it, issue 13)
_WILDCARDS = r"\*|\?|\[[^\]]*\]"


def only_wildcards(pattern: str) -> bool:
    """`*`, `**`, `*?`, `[a-z]*`: a pattern that names nothing and matches (almost) every asset."""
    return not re.sub(_WILDCARDS, "", pattern).strip()


def is_broad(pattern: str) -> bool:
    """A pattern with a wildcard covers every matching asset, also those created after the waiver was approved."""
    return re.search(_WILDCARDS, pattern) is not None


@dataclass(frozen=True)
class Waiver:
    """One waiver of the waivers file: a control accepted on the assets `asset` matches, until `expires`."""

    control: str
    asset: str
    reason: str
    approver: str
    expires: dt.date
    file: str
    line: int
    number: int = 0  # its place in the file, from 1

    def matches(self, asset: Asset) -> bool:
        return any(
            value is not None and fnmatchcase(value, self.asset) for value in (asset.name, asset.id, asset.urn)
        )

    def expired(self, today: dt.date) -> bool:
        return self.expires < today

    def ref(self) -> WaiverRef:
        return WaiverRef(self.control, self.asset, self.reason, self.approver, self.expires.isoformat())

    def describe(self) -> str:
        return f"{self.file}:{self.line}: waiver of {self.control} for '{self.asset}' (approved by {self.approver})"

    def broad(self) -> str | None:
        """The summary line of a waiver whose asset pattern has a wildcard, else None."""
        if not is_broad(self.asset):
            return None
        return (f"{self.file}:{self.line}: waiver {self.number} ({self.control}, asset '{self.asset}') is broad: it "
                f"covers every matching resource; name the assets if you can")


def waiver_problems(waivers: Sequence[Waiver], used: Collection[int], today: dt.date) -> list[str]:
    """What a run says about its waivers: the expired ones, the active ones that waived nothing (`used`: the ids of
    those that did), and the broad ones."""
    problems = [f"{w.describe()} expired on {w.expires.isoformat()}: it no longer waives; renew or remove it"
                for w in waivers if w.expired(today)]
    problems += [f"{w.describe()} matched no failing resource: remove it if it is no longer needed"
                 for w in waivers if not w.expired(today) and id(w) not in used]
    problems += [line for line in (w.broad() for w in waivers) if line is not None]
    return problems


def load_waivers(path: Path, known_controls: set[str], *, today: dt.date | None = None,
                 max_days: int = DEFAULT_MAX_WAIVER_DAYS) -> list[Waiver]:
    """The waivers of a file; the first problem raises a one-line InputError naming file, line and field.

    `today` is the day of the run (default: today in UTC); no waiver may expire more than `max_days` after it.
    """
    from checks.validation import records, validate_entry
    from checks.yamlfile import load_yaml

    today = today or dt.datetime.now(dt.UTC).date()
    try:
        latest = today + dt.timedelta(days=max_days)
    except OverflowError:
        latest = dt.date.max
    shown = display_path(path)
    doc = load_yaml(path, shown)
    if doc.data is None:
        return []
    out = []
    for i, item in enumerate(records(doc, "waivers")):
        entry = validate_entry(_entry_model(), item, doc, ("waivers", i), "waiver")
        if entry.control not in known_controls:
            raise InputError(f"waiver #{i + 1}: field 'control': unknown control '{entry.control}'",
                             where=f"{shown}:{doc.line_of(('waivers', i, 'control'))}",
                             hint="check the id with 'clearance controls list'")
        if only_wildcards(entry.asset):
            raise InputError(f"waiver #{i + 1}: field 'asset': '{entry.asset}' is only wildcards: it would waive "
                             f"every failure of {entry.control}",
                             where=f"{shown}:{doc.line_of(('waivers', i, 'asset'))}",
                             hint="name the assets it covers: a name, id or URN, or a pattern such as 'legacy-*'")
        if entry.expires > latest:
            raise InputError(f"waiver #{i + 1}: field 'expires': {entry.expires.isoformat()} is more than "
                             f"{max_days} days after today ({today.isoformat()})",
                             where=f"{shown}:{doc.line_of(('waivers', i, 'expires'))}",
                             hint=f"expire it by {latest.isoformat()} and renew it then, or raise max_waiver_days "
                                  f"in the settings")
        out.append(Waiver(entry.control, entry.asset, entry.reason, entry.approver, entry.expires, shown,
                          doc.line_of(("waivers", i)), i + 1))
    return out
