"""The security-group review register: rule fingerprints that the security team has reviewed.

    # security-group-reviews.yaml, beside Pulumi.yaml
    reviews:
      - fingerprint: 5be0d0e2b1a04f6c
        rule: "app ingress tcp 8080-8080 from security_group lb"
        reviewer: security@example.com
        reviewed: 2026-11-20
        note: SEC-123                 # optional: ticket or pull request

A rule's fingerprint hashes its group, direction, protocol, ports and peer (see ec2.security_group's schema), so
changing any of them makes a new, unreviewed rule. `clearance sg review` adds entries; control FW-01 fails
on every rule that is not in the register.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from checks.fsutil import atomic_write
from checks.paths import display_path
from checks.validation import Filled, OptionalText, TextOrEmpty, YamlDate, records, validate_entry
from checks.yamlfile import load_yaml

REGISTER_NAME = "security-group-reviews.yaml"


class _Entry(BaseModel):
    """One review as written in the register (and as `write_register` writes it)."""

    model_config = ConfigDict(extra="forbid")
    fingerprint: Filled
    rule: TextOrEmpty = ""
    reviewer: Filled
    reviewed: YamlDate
    note: OptionalText = None


FIELDS = tuple(_Entry.model_fields)
REQUIRED = tuple(name for name, f in _Entry.model_fields.items() if f.is_required())


@dataclass(frozen=True)
class Review:
    fingerprint: str
    reviewer: str
    reviewed: dt.date
    rule: str = ""
    note: str | None = None

    def as_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fingerprint": self.fingerprint, "rule": self.rule, "reviewer": self.reviewer,
                               "reviewed": self.reviewed}
        if self.note:
            out["note"] = self.note
        return out


def load_register(path: Path) -> list[Review]:
    """The reviews of a register file; a missing file is an empty register."""
    if not path.exists():
        return []
    shown = display_path(path)
    doc = load_yaml(path, shown)
    if doc.data is None:
        return []
    out = []
    for i, item in enumerate(records(doc, "reviews")):
        entry = validate_entry(_Entry, item, doc, ("reviews", i), "review")
        out.append(Review(entry.fingerprint, entry.reviewer, entry.reviewed, entry.rule, entry.note))
    return out


class _PlainDumper(yaml.SafeDumper):
    """No `&id001` anchors for values that happen to be the same object (the review date)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_register(path: Path, reviews: list[Review]) -> None:
    """Write the register atomically, sorted by fingerprint (stable diffs in review)."""
    body = {"reviews": [r.as_yaml() for r in sorted(reviews, key=lambda r: r.fingerprint)]}
    text = ("# Reviewed security-group rules (clearance control FW-01). Add entries with `clearance sg review`.\n"
            + yaml.dump(body, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=120))
    atomic_write(path, text)


def rule_text(group: str, rule: dict[str, Any]) -> str:
    """`app ingress tcp 8080-8080 from security_group lb`: what a reviewer reads."""
    ports = "all ports" if rule.get("from_port") is None else f"{rule['from_port']}-{rule['to_port']}"
    towards = "from" if rule.get("direction") == "ingress" else "to"
    return f"{group} {rule.get('direction')} {rule.get('protocol')} {ports} {towards} {rule.get('peer_type')} " \
           f"{rule.get('peer')}"
