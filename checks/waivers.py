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

from checks.errors import InputError
from checks.model import Asset, WaiverRef
from checks.paths import display_path
from checks.yamlfile import load_yaml

FIELDS = ("control", "asset", "reason", "approver", "expires")


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
    shown = display_path(path)
    doc = load_yaml(path, shown)
    data = doc.data
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) != {"waivers"} or not isinstance(data["waivers"], list):
        raise InputError("expected a mapping with one key 'waivers' holding a list", where=f"{shown}:1")
    out = []
    for i, item in enumerate(data["waivers"]):
        line = doc.line_of(("waivers", i))
        if not isinstance(item, dict):
            raise InputError("each waiver must be a mapping of " + ", ".join(FIELDS), where=f"{shown}:{line}")
        unknown = sorted(set(item) - set(FIELDS))
        if unknown:
            raise InputError(f"waiver #{i + 1}: unknown field '{unknown[0]}' (allowed: {', '.join(FIELDS)})",
                             where=f"{shown}:{doc.line_of(('waivers', i, unknown[0]))}")
        for key in FIELDS:
            value = item.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise InputError(f"waiver #{i + 1}: field '{key}' is missing or empty", where=f"{shown}:{line}")
        expires = item["expires"]
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                expires = None
        if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
            raise InputError(f"waiver #{i + 1}: field 'expires' must be a date YYYY-MM-DD",
                             where=f"{shown}:{doc.line_of(('waivers', i, 'expires'))}")
        if item["control"] not in known_controls:
            raise InputError(f"waiver #{i + 1}: field 'control': unknown control '{item['control']}'",
                             where=f"{shown}:{doc.line_of(('waivers', i, 'control'))}",
                             hint="check the id with 'clearance controls list'")
        out.append(Waiver(str(item["control"]), str(item["asset"]), str(item["reason"]), str(item["approver"]),
                          expires, shown, line))
    return out
