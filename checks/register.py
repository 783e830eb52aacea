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
from functools import cache
from pathlib import Path
from typing import Any

from checks.paths import display_path

REGISTER_NAME = "security-group-reviews.yaml"


@cache
def _entry_model() -> Any:
    """The pydantic model of one review as written in the register (and as `write_register` writes it). Built on
    first use: pydantic and YAML are imported only when there is a register to read or write (issue 13)."""
    from pydantic import BaseModel, ConfigDict

    from checks.validation import Filled, OptionalText, TextOrEmpty, YamlDate

    class _Entry(BaseModel):
        model_config = ConfigDict(extra="forbid")
        fingerprint: Filled
        rule: TextOrEmpty = ""
        reviewer: Filled
        reviewed: YamlDate
        note: OptionalText = None

    return _Entry


@dataclass(frozen=True)
class Review:
    """One reviewed security-group rule of the register, by its fingerprint."""

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
    from checks.validation import records, validate_entry
    from checks.yamlfile import load_yaml

    shown = display_path(path)
    doc = load_yaml(path, shown)
    if doc.data is None:
        return []
    out = []
    for i, item in enumerate(records(doc, "reviews")):
        entry = validate_entry(_entry_model(), item, doc, ("reviews", i), "review")
        out.append(Review(entry.fingerprint, entry.reviewer, entry.reviewed, entry.rule, entry.note))
    return out


def write_register(path: Path, reviews: list[Review]) -> None:
    """Write the register atomically, sorted by fingerprint (stable diffs in review)."""
    import yaml

    from checks.fsutil import atomic_write

    class PlainDumper(yaml.SafeDumper):
        """No `&id001` anchors for values that happen to be the same object (the review date)."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    body = {"reviews": [r.as_yaml() for r in sorted(reviews, key=lambda r: r.fingerprint)]}
    text = ("# Reviewed security-group rules (clearance control FW-01). Add entries with `clearance sg review`.\n"
            + yaml.dump(body, Dumper=PlainDumper, sort_keys=False, allow_unicode=True, width=120))
    atomic_write(path, text)


def rule_text(group: str, rule: dict[str, Any]) -> str:
    """`app ingress tcp 8080-8080 from security_group lb`: what a reviewer reads."""
    ports = "all ports" if rule.get("from_port") is None else f"{rule['from_port']}-{rule['to_port']}"
    towards = "from" if rule.get("direction") == "ingress" else "to"
    return f"{group} {rule.get('direction')} {rule.get('protocol')} {ports} {towards} {rule.get('peer_type')} " \
           f"{rule.get('peer')}"
