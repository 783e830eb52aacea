"""Waivers: accepted exceptions with a reason, an approver and an expiry date.

    waivers:
      - control: S3-01
        asset: "legacy-*"          # fnmatch pattern on the asset name, id or URN
        reason: "Read-only archive, migrated in Q3"
        approver: "security@example.com"
        expires: 2027-01-31
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from checks.errors import InputError
from checks.model import Asset, WaiverRef
from checks.paths import display_path
from checks.validation import Date, Text, records, validate_entry
from checks.yamlfile import load_yaml


class _Entry(BaseModel):
    """One waiver as written in the file: every field required, nothing else allowed."""

    model_config = ConfigDict(extra="forbid")
    control: Text
    asset: Text
    reason: Text
    approver: Text
    expires: Date


FIELDS = tuple(_Entry.model_fields)


@dataclass(frozen=True)
class Waiver:
    control: str
    asset: str
    reason: str
    approver: str
    expires: dt.date
    file: str
    line: int

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


def load_waivers(path: Path, known_controls: set[str]) -> list[Waiver]:
    """The waivers of a file; the first problem raises a one-line InputError naming file, line and field."""
    shown = display_path(path)
    doc = load_yaml(path, shown)
    if doc.data is None:
        return []
    out = []
    for i, item in enumerate(records(doc, "waivers")):
        entry = validate_entry(_Entry, item, doc, ("waivers", i), "waiver")
        if entry.control not in known_controls:
            raise InputError(f"waiver #{i + 1}: field 'control': unknown control '{entry.control}'",
                             where=f"{shown}:{doc.line_of(('waivers', i, 'control'))}",
                             hint="check the id with 'clearance controls list'")
        out.append(Waiver(entry.control, entry.asset, entry.reason, entry.approver, entry.expires, shown,
                          doc.line_of(("waivers", i))))
    return out
