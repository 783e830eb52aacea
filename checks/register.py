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
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checks.errors import InputError
from checks.paths import display_path
from checks.yamlfile import load_yaml

REGISTER_NAME = "security-group-reviews.yaml"
FIELDS = ("fingerprint", "rule", "reviewer", "reviewed", "note")
REQUIRED = ("fingerprint", "reviewer", "reviewed")


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
    data = doc.data
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) != {"reviews"} or not isinstance(data["reviews"], list):
        raise InputError("expected a mapping with one key 'reviews' holding a list", where=f"{shown}:1")
    out = []
    for i, item in enumerate(data["reviews"]):
        line = doc.line_of(("reviews", i))
        if not isinstance(item, dict):
            raise InputError("each review must be a mapping of " + ", ".join(FIELDS), where=f"{shown}:{line}")
        unknown = sorted(set(item) - set(FIELDS))
        if unknown:
            raise InputError(f"review #{i + 1}: unknown field '{unknown[0]}' (allowed: {', '.join(FIELDS)})",
                             where=f"{shown}:{doc.line_of(('reviews', i, unknown[0]))}")
        for key in REQUIRED:
            if item.get(key) in (None, ""):
                raise InputError(f"review #{i + 1}: field '{key}' is missing or empty", where=f"{shown}:{line}")
        reviewed = item["reviewed"]
        if not isinstance(reviewed, dt.date) or isinstance(reviewed, dt.datetime):
            raise InputError(f"review #{i + 1}: field 'reviewed' must be a date YYYY-MM-DD",
                             where=f"{shown}:{doc.line_of(('reviews', i, 'reviewed'))}")
        out.append(Review(str(item["fingerprint"]), str(item["reviewer"]), reviewed, str(item.get("rule") or ""),
                          None if item.get("note") is None else str(item["note"])))
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
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def rule_text(group: str, rule: dict[str, Any]) -> str:
    """`app ingress tcp 8080-8080 from security_group lb`: what a reviewer reads."""
    ports = "all ports" if rule.get("from_port") is None else f"{rule['from_port']}-{rule['to_port']}"
    towards = "from" if rule.get("direction") == "ingress" else "to"
    return f"{group} {rule.get('direction')} {rule.get('protocol')} {ports} {towards} {rule.get('peer_type')} " \
           f"{rule.get('peer')}"
