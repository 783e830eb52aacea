"""The engine: a pure function from controls, assets, waivers and a time to findings.

For each control and each asset of its kind:
  1. `applies_if` false                        -> not_applicable (decided first, from the reads it uses;
                                                  error/unknown as below when those cannot be read)
  2. a `reads` path in the asset's `errors`   -> error   (the data could not be read)
  3. a `reads` path in the asset's `unknown`  -> unknown (not known at plan time)
  4. `assert` true / false                     -> pass / fail; anything but a boolean -> error
  5. a fail matched by a valid waiver          -> waived (an expired waiver does not waive)

Assets are judged kind by kind (only one kind's documents are alive at a time); findings come out in the order of
the controls, each control's in the order of the assets. Expressions run compiled (checks/catalog/compiled.py).

`waiver_problems` lists expired waivers, waivers that matched no failing resource and broad waivers (an asset
pattern with a wildcard), in that order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from checks.catalog.controls import Control
from checks.catalog.expressions import EvaluationError, Evaluator, Expression
from checks.catalog.messages import MessageTemplate
from checks.model import Asset, Finding, Status, new_finding, path_segments
from checks.waivers import Waiver, waiver_problems


@dataclass(frozen=True)
class Evaluation:
    findings: list[Finding]
    waiver_problems: list[str]
    seconds: Mapping[str, float] = field(default_factory=dict)  # control id -> time spent evaluating it


def fingerprint(control_id: str, asset: Asset) -> str:
    """Stable across scans: the control and the asset's identity, not its location or message."""
    return hashlib.sha256(f"{control_id}|{asset.kind}|{asset.id}".encode()).hexdigest()[:32]


def evaluate(controls: Iterable[Control], assets: Sequence[Asset], *, now: dt.datetime,
             templates: Mapping[str, MessageTemplate] | None = None,
             waivers: Sequence[Waiver] = ()) -> Evaluation:
    evaluator = Evaluator(now)
    today = now.date()
    active = [w for w in waivers if not w.expired(today)]
    waivers_by_control: dict[str, list[Waiver]] = defaultdict(list)
    for w in active:
        waivers_by_control[w.control].append(w)
    used: set[int] = set()

    by_kind: dict[str, list[Asset]] = defaultdict(list)
    for asset in assets:
        by_kind[asset.kind].append(asset)
    ordered = list(controls)
    by_control: list[list[Finding]] = [[] for _ in ordered]
    spent = [0.0] * len(ordered)
    # kind by kind, so that only one kind's asset documents are alive at a time; findings stay in control order
    controls_by_kind: dict[str, list[int]] = defaultdict(list)
    for index, control in enumerate(ordered):
        controls_by_kind[control.kind].append(index)
    for kind, indexes in controls_by_kind.items():
        kind_assets = by_kind.get(kind)
        if not kind_assets:
            continue
        prepared: dict[int, _Prepared] = {}
        for index in indexes:
            started = time.perf_counter()
            control = ordered[index]
            _evaluate_control(control, kind_assets, (templates or {}).get(control.id), evaluator, prepared,
                              waivers_by_control.get(control.id, ()), used, by_control[index])
            spent[index] = time.perf_counter() - started
    findings = [finding for found in by_control for finding in found]
    seconds = {control.id: spent[index] for index, control in enumerate(ordered)}
    return Evaluation(findings=findings, waiver_problems=waiver_problems(waivers, used, today), seconds=seconds)


@dataclass(frozen=True, slots=True)
class _Rule:
    """One control ready to judge assets: parameters bound as constants, the paths it (and applies_if) reads."""

    applies_if: Expression | None
    assert_: Expression
    reads: frozenset[str]
    applies_reads: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """One asset, ready for its controls: its document (built once, shared), its error paths by root, its unknown
    paths, and the identity its fingerprints hash (`|kind|id`, encoded once)."""

    doc: dict[str, Any]
    errors: _ByRoot
    unknown: frozenset[str]
    identity: bytes


def _prepare(asset: Asset) -> _Prepared:
    return _Prepared(asset.document(), _by_root(frozenset(asset.errors)) if asset.errors else _NOTHING,
                     frozenset(asset.unknown), f"|{asset.kind}|{asset.id}".encode())


def _evaluate_control(control: Control, assets: list[Asset], template: MessageTemplate | None, evaluator: Evaluator,
                      prepared: dict[int, _Prepared], waivers: Sequence[Waiver], used: set[int],
                      findings: list[Finding]) -> None:
    params = control.params
    applies_if = control.applies_if.bind(params) if control.applies_if else None  # parameters become constants,
    reads = control.reads                                                          # usable inside filters too
    applies_reads = tuple(r for r in reads if applies_if is not None and path_segments(r)[0] in applies_if.root_fields)
    rule = _Rule(applies_if, control.assert_.bind(params), frozenset(reads), frozenset(applies_reads))
    template = template or MessageTemplate(control.message)
    control_id, severity, title = control.id, control.severity, control.title
    prefix = control_id.encode()  # fingerprint(control_id, asset), the identity part encoded once per asset
    fail, waived, sha256 = Status.FAIL, Status.WAIVED, hashlib.sha256
    for asset in assets:
        entry = prepared.get(id(asset))
        if entry is None:
            entry = prepared[id(asset)] = _prepare(asset)
        doc = entry.doc
        doc["params"] = params
        status, detail = _judge(rule, asset, entry, evaluator)
        waiver = None
        message = title
        if status is fail:
            for w in waivers:
                if w.matches(asset):
                    status, waiver = waived, w.ref()
                    used.add(id(w))
                    break
            try:
                message = template.render(doc, asset.secrets, evaluator)
            except EvaluationError as err:
                message = f"{title} (message could not be rendered: {err})"
        findings.append(new_finding(
            control_id, severity, status, asset.kind, asset.id, asset.name, asset.source, message,
            sha256(prefix + entry.identity).hexdigest()[:32], asset.location, detail, waiver,
        ))


_PASS: tuple[Status, None] = (Status.PASS, None)
_FAIL: tuple[Status, None] = (Status.FAIL, None)
_NOT_APPLICABLE: tuple[Status, None] = (Status.NOT_APPLICABLE, None)


def _judge(rule: _Rule, asset: Asset, entry: _Prepared, evaluator: Evaluator) -> tuple[Status, str | None]:
    if rule.applies_if is not None:
        # whether the control applies is decided first, on the attributes applies_if reads: a control that does
        # not apply is not_applicable even when what its assert reads is unknown
        if entry.errors or entry.unknown:
            missing = _missing(asset, entry, rule.applies_reads)
            if missing is not None:
                return missing
        verdict = _boolean(rule.applies_if, entry.doc, evaluator, "applies_if")
        if verdict is not True:
            return _NOT_APPLICABLE if verdict is False else (Status.ERROR, verdict)
    if entry.errors or entry.unknown:
        missing = _missing(asset, entry, rule.reads)
        if missing is not None:
            return missing
    try:  # _boolean, inlined: this runs once per control and asset
        value = rule.assert_.search(entry.doc, evaluator)
    except EvaluationError as err:
        return Status.ERROR, f"assert failed: {err}"
    if value is True:
        return _PASS
    return _FAIL if value is False else (Status.ERROR, _not_boolean("assert", value))


# paths grouped by their first segment, each with its segments: ("rules[].cidr" -> "rules": ("rules[].cidr", ...))
_ByRoot = Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]]
_NOTHING: _ByRoot = {}


@lru_cache(maxsize=65536)
def _by_root(paths: frozenset[str]) -> _ByRoot:
    """The paths grouped by root (assets share the same unknown or error paths, every control its reads: cached)."""
    grouped: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for path in paths:
        segments = path_segments(path)
        grouped[segments[0]].append((path, segments))
    return {root: tuple(entries) for root, entries in grouped.items()}


def _overlapping(paths: _ByRoot, reads: _ByRoot) -> list[str]:
    """The paths that overlap a read (`paths_overlap`: one is the other or contains it); only shared roots can."""
    found = []
    for root, read_entries in reads.items():
        for path, segments in paths.get(root, ()):
            for _, read in read_entries:
                n = min(len(read), len(segments))
                if read[:n] == segments[:n]:
                    found.append(path)
                    break
    return found


def _missing(asset: Asset, entry: _Prepared, reads: frozenset[str]) -> tuple[Status, str] | None:
    """error when a read attribute could not be read, unknown when it is not known; None when all are known."""
    if entry.errors:
        failed = _overlapping(entry.errors, _by_root(reads))
        if failed:
            return Status.ERROR, "; ".join(f"{p}: {why}" for p, why in sorted((p, asset.errors[p]) for p in failed))
    if entry.unknown:
        detail = _unknown_detail(reads, entry.unknown, asset.source.value == "planned")
        if detail is not None:
            return Status.UNKNOWN, detail
    return None


@lru_cache(maxsize=65536)
def _unknown_detail(reads: frozenset[str], unknown: frozenset[str], planned: bool) -> str | None:
    """Why the reads are unknown, or None (assets of a kind share their unknown paths, so this is cached)."""
    found = _overlapping(_by_root(unknown), _by_root(reads))
    if not found:
        return None
    return f"not known {'at plan time' if planned else 'in this view'}: {', '.join(sorted(found))}"


def _boolean(expr: Expression, doc: dict[str, Any], evaluator: Evaluator, field: str) -> bool | str:
    """The expression's boolean value, or an explanation when it is not a boolean (no coercion)."""
    try:
        value = expr.search(doc, evaluator)
    except EvaluationError as err:
        return f"{field} failed: {err}"
    if isinstance(value, bool):
        return value
    return _not_boolean(field, value)


def _not_boolean(field: str, value: Any) -> str:
    shown = "null" if value is None else type(value).__name__
    return f"{field} evaluated to {shown}, not a boolean (is an attribute it reads missing?)"
