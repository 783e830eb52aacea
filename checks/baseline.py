"""The baseline: failing findings a team accepted when it adopted clearance, recorded by fingerprint.

    # clearance-baseline.yaml, beside Pulumi.yaml (`clearance baseline create`)
    version: 1
    target: program infra/ (stack dev)
    findings:
      - fingerprint: 2c6b0b1f6e1d4b0f9f3c8a7e5d4c3b2a
        control: ENC-01
        asset: urn:pulumi:dev::app::aws:s3/bucket:Bucket::logs
        name: logs
        recorded: 2026-11-20

`clearance check --baseline FILE` marks every `fail` finding whose fingerprint (control + asset identity) is in the
file `in_baseline`: it is still reported as a failure in every format, but it does not make the run exit 1. Entries
that no finding fails on any more are listed (`baseline_gone`) so the team can remove them and tighten the file.

Only `fail` results are recorded. `error` means data could not be read and `unknown` that it was not known: neither
is an accepted failure, and a baseline must never hide a read that did not happen (an `error` run exits 4 with or
without a baseline). Waived findings are the waivers file's business.

This module is part of the base layer: it reads findings (checks.model), never the report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.errors import InputError
from checks.fsutil import atomic_write
from checks.model import Finding, Status
from checks.paths import display_path

if TYPE_CHECKING:  # YAML and pydantic are imported only when a baseline is read or written (issue 13: the console
    # report imports this module on every run)
    from checks.yamlfile import LinedDocument

BASELINE_NAME = "clearance-baseline.yaml"
BASELINE_VERSION = 1
TOP_FIELDS = ("version", "target", "findings")
# a baseline entry still occurs while a finding with its fingerprint fails, or could not be evaluated (it may fail)
_STILL_THERE = frozenset({Status.FAIL, Status.ERROR, Status.UNKNOWN})
_LISTED_GONE = 5  # gone entries named in the summary line; all of them are in the JSON report

HEADER = """\
# clearance baseline: failing findings accepted when clearance was adopted (`clearance baseline create`).
# `clearance check --baseline FILE` still reports them as failures but does not exit 1 on them, and lists the
# entries that no longer fail so that they can be removed. Only `fail` results are recorded: `error` and `unknown`
# (data not read or not known) are never accepted here. Review changes to this file like code.
"""


@cache
def _entry_model() -> Any:
    """The pydantic model of one entry as written in the file (and as `render_baseline` writes it), built on first
    use."""
    from pydantic import BaseModel, ConfigDict

    from checks.validation import Date, StrictText, TextOrEmpty

    class _Entry(BaseModel):
        model_config = ConfigDict(extra="forbid")
        fingerprint: StrictText
        control: StrictText
        asset: TextOrEmpty = ""
        name: TextOrEmpty = ""
        recorded: Date | None = None

    return _Entry


@dataclass(frozen=True)
class BaselineEntry:
    """One accepted failing finding, by fingerprint, with what a reader needs to recognise it."""

    fingerprint: str
    control: str
    asset: str = ""
    name: str = ""
    recorded: dt.date | None = None

    def describe(self) -> str:
        """`ENC-01 logs (2c6b0b1f...)`: what a reader looks for in the file."""
        return f"{self.control} {self.name or self.asset or '?'} ({self.fingerprint})"

    def as_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fingerprint": self.fingerprint, "control": self.control, "asset": self.asset,
                               "name": self.name}
        if self.recorded is not None:
            out["recorded"] = self.recorded
        return out


@dataclass(frozen=True)
class Baseline:
    """A baseline file as read."""

    file: str                              # as shown to the user
    entries: tuple[BaselineEntry, ...]
    target: str | None = None              # what `baseline create` checked, when recorded

    def fingerprints(self) -> frozenset[str]:
        return frozenset(e.fingerprint for e in self.entries)


@dataclass(frozen=True)
class Applied:
    """Findings with `in_baseline` set, how many matched, the entries gone and the warnings to add to the report."""

    findings: tuple[Finding, ...]
    matched: int
    gone: tuple[str, ...]
    warnings: tuple[str, ...] = ()


# --- reading -----------------------------------------------------------------------------------------------------


def load_baseline(path: Path) -> Baseline:
    """The baseline in `path`; every problem is one InputError naming the file, the line and the field."""
    from checks.validation import value_kind
    from checks.yamlfile import load_yaml

    shown = display_path(path)
    doc = load_yaml(path, shown)
    data = doc.data
    if not isinstance(data, dict):
        what = "empty" if data is None else value_kind(data)
        raise InputError(f"a baseline is a mapping of {', '.join(TOP_FIELDS)}, not {what}", where=f"{shown}:1",
                         hint="create one with 'clearance baseline create'")
    for key in data:
        if key not in TOP_FIELDS:
            raise InputError(f"unknown field '{key}' (allowed: {', '.join(TOP_FIELDS)})",
                             where=f"{shown}:{doc.line_of((key,))}")
    _check_version(doc, shown)
    target = data.get("target")
    if target is not None and not isinstance(target, str):
        raise InputError(f"field 'target' must be text, not {value_kind(target)}",
                         where=f"{shown}:{doc.line_of(('target',))}")
    items = data.get("findings")
    if not isinstance(items, list):
        what = "missing" if "findings" not in data else f"{value_kind(items)}, not a list"
        raise InputError(f"field 'findings' is {what}", where=f"{shown}:{doc.line_of(('findings',))}",
                         hint="write 'findings: []' for an empty baseline")
    entries = _entries(doc, items, shown)
    return Baseline(file=shown, entries=tuple(entries), target=target)


def _check_version(doc: LinedDocument, shown: str) -> None:
    from checks.validation import value_kind

    data = doc.data
    if "version" not in data:
        raise InputError(f"field 'version' is missing (this clearance reads baseline version {BASELINE_VERSION})",
                         where=f"{shown}:1")
    version = data["version"]
    if version != BASELINE_VERSION or isinstance(version, bool):
        raise InputError(f"field 'version' is {value_kind(version)}, but this clearance reads baseline version "
                         f"{BASELINE_VERSION}", where=f"{shown}:{doc.line_of(('version',))}",
                         hint="recreate the file with 'clearance baseline create'")


def _entries(doc: LinedDocument, items: list[Any], shown: str) -> list[BaselineEntry]:
    from checks.validation import validate_entry

    out: list[BaselineEntry] = []
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        entry = validate_entry(_entry_model(), item, doc, ("findings", i), "baseline entry")
        if entry.fingerprint in first:
            raise InputError(f"baseline entry #{i + 1}: fingerprint '{entry.fingerprint}' is already listed in "
                             f"entry #{first[entry.fingerprint] + 1}",
                             where=f"{shown}:{doc.line_of(('findings', i, 'fingerprint'))}",
                             hint="remove one of them")
        first[entry.fingerprint] = i
        out.append(BaselineEntry(entry.fingerprint, entry.control, entry.asset, entry.name, entry.recorded))
    return out


# --- applying ----------------------------------------------------------------------------------------------------


def apply_baseline(baseline: Baseline, findings: Sequence[Finding], target: str) -> Applied:
    """Mark the `fail` findings the baseline records; list the entries no finding fails on (or could fail on: an
    `error` or `unknown` result keeps its entry) any more; warn when the baseline was recorded for another target."""
    known = baseline.fingerprints()
    marked = tuple(dataclasses.replace(f, in_baseline=True) if f.status is Status.FAIL and f.fingerprint in known
                   else f for f in findings)
    matched = sum(1 for f in marked if f.in_baseline)
    present = {f.fingerprint for f in findings if f.status in _STILL_THERE}
    gone = tuple(e.describe() for e in _ordered(baseline.entries) if e.fingerprint not in present)
    warnings: tuple[str, ...] = ()
    if baseline.target is not None and baseline.target != target:
        warnings = (f"the baseline {baseline.file} was recorded for {baseline.target}, not {target}: it matches "
                    "findings by fingerprint (control and resource) only",)
    return Applied(findings=marked, matched=matched, gone=gone, warnings=warnings)


def summary_line(file: str, matched: int, gone: Sequence[str]) -> str:
    """`2 findings are in the baseline b.yaml (reported, not failing); 1 baseline entry no longer occurs: ...`."""
    text = (f"{matched} finding{'' if matched == 1 else 's'} {'is' if matched == 1 else 'are'} in the baseline "
            f"{file} (reported, not failing)")
    if not gone:
        return text
    listed = ", ".join(gone[:_LISTED_GONE])
    more = f", and {len(gone) - _LISTED_GONE} more" if len(gone) > _LISTED_GONE else ""
    if len(gone) == 1:
        return f"{text}; 1 baseline entry no longer occurs (remove it from the file): {listed}"
    return f"{text}; {len(gone)} baseline entries no longer occur (remove them from the file): {listed}{more}"


# --- writing -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    """The entries of a new baseline, and how many are new, kept from the previous one, dropped or not recorded."""

    entries: tuple[BaselineEntry, ...]
    new: int
    kept: int
    dropped: int
    not_evaluated: int  # unknown or error results: not recorded


def baseline_entries(findings: Iterable[Finding], today: dt.date, previous: Baseline | None = None) -> Created:
    """An entry per `fail` finding, in a stable order; an entry of `previous` that still fails keeps its date."""
    before = {e.fingerprint: e for e in previous.entries} if previous else {}
    entries: dict[str, BaselineEntry] = {}
    not_evaluated = 0
    for f in findings:
        if f.status in (Status.ERROR, Status.UNKNOWN):
            not_evaluated += 1
        if f.status is not Status.FAIL or f.fingerprint in entries:
            continue
        old = before.get(f.fingerprint)
        recorded = old.recorded if old is not None and old.recorded is not None else today
        entries[f.fingerprint] = BaselineEntry(f.fingerprint, f.control_id, f.asset_id, f.asset_name, recorded)
    kept = sum(1 for fp in entries if fp in before)
    return Created(entries=_ordered(entries.values()), new=len(entries) - kept, kept=kept,
                   dropped=sum(1 for fp in before if fp not in entries), not_evaluated=not_evaluated)


def _ordered(entries: Iterable[BaselineEntry]) -> tuple[BaselineEntry, ...]:
    return tuple(sorted(entries, key=lambda e: (e.control, e.asset, e.fingerprint)))


def render_baseline(entries: Sequence[BaselineEntry], target: str) -> str:
    import yaml

    class _PlainDumper(yaml.SafeDumper):
        """No `&id001` anchors for values that happen to be the same object (the date)."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    body = {"version": BASELINE_VERSION, "target": target, "findings": [e.as_yaml() for e in _ordered(entries)]}
    return HEADER + yaml.dump(body, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=120)


def write_baseline(path: Path, entries: Sequence[BaselineEntry], target: str) -> None:
    """Write the baseline atomically: a reader sees the old file or the new one."""
    atomic_write(path, render_baseline(entries, target))
