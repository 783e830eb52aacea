"""The engine: a pure function from controls, assets, waivers and a time to findings.

For each control and each asset of its kind:
  1. `applies_if` false                        -> not_applicable (decided first, from the reads it uses;
                                                  error/unknown as below when those cannot be read)
  2. a `reads` path in the asset's `errors`   -> error   (the data could not be read)
  3. a `reads` path in the asset's `unknown`  -> unknown (not known at plan time)
  4. `assert` true / false                     -> pass / fail; anything but a boolean -> error
  5. a fail matched by a valid waiver          -> waived (an expired waiver does not waive)

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
from checks.catalog.expressions import EvaluationError, Evaluator, Expression, search
from checks.catalog.messages import MessageTemplate
from checks.model import Asset, Finding, Status, path_segments, paths_overlap
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
    docs: dict[int, dict[str, Any]] = {}
    findings: list[Finding] = []
    seconds: dict[str, float] = {}
    for control in controls:
        started = time.perf_counter()
        template = (templates or {}).get(control.id) or MessageTemplate(control.message)
        control = control.model_copy(update={  # parameters become constants, usable inside filters too
            "assert_": control.assert_.bind(control.params),
            "applies_if": control.applies_if.bind(control.params) if control.applies_if else None,
        })
        applies_reads = tuple(r for r in control.reads if control.applies_if is not None
                              and path_segments(r)[0] in control.applies_if.root_fields)
        for asset in by_kind.get(control.kind, ()):
            doc = docs.get(id(asset))
            if doc is None:
                doc = docs[id(asset)] = asset.document()
            doc["params"] = control.params
            status, detail = _judge(control, asset, doc, evaluator, applies_reads)
            waiver = None
            if status is Status.FAIL:
                for w in waivers_by_control.get(control.id, ()):
                    if w.matches(asset):
                        status, waiver = Status.WAIVED, w.ref()
                        used.add(id(w))
                        break
            message = control.title
            if status in (Status.FAIL, Status.WAIVED):
                try:
                    message = template.render(doc, asset.secrets, evaluator)
                except EvaluationError as err:
                    message = f"{control.title} (message could not be rendered: {err})"
            findings.append(Finding(
                control_id=control.id, severity=control.severity, status=status, asset_kind=asset.kind,
                asset_id=asset.id, asset_name=asset.name, source=asset.source, message=message,
                fingerprint=fingerprint(control.id, asset), location=asset.location, detail=detail, waiver=waiver,
            ))
        seconds[control.id] = time.perf_counter() - started
    return Evaluation(findings=findings, waiver_problems=waiver_problems(waivers, used, today), seconds=seconds)


def _judge(control: Control, asset: Asset, doc: dict[str, Any], evaluator: Evaluator,
           applies_reads: tuple[str, ...]) -> tuple[Status, str | None]:
    if control.applies_if is not None:
        # whether the control applies is decided first, on the attributes applies_if reads: a control that does
        # not apply is not_applicable even when what its assert reads is unknown
        missing = _missing(asset, applies_reads)
        if missing is not None:
            return missing
        verdict = _boolean(control.applies_if, doc, evaluator, "applies_if")
        if isinstance(verdict, str):
            return Status.ERROR, verdict
        if not verdict:
            return Status.NOT_APPLICABLE, None
    missing = _missing(asset, control.reads)
    if missing is not None:
        return missing
    verdict = _boolean(control.assert_, doc, evaluator, "assert")
    if isinstance(verdict, str):
        return Status.ERROR, verdict
    return (Status.PASS, None) if verdict else (Status.FAIL, None)


def _missing(asset: Asset, reads: tuple[str, ...]) -> tuple[Status, str] | None:
    """error when a read attribute could not be read, unknown when it is not known; None when all are known."""
    if asset.errors:
        roots = _roots(asset.errors)
        if any(path_segments(r)[0] in roots for r in reads):
            failed = [(p, why) for p, why in asset.errors.items() if any(paths_overlap(r, p) for r in reads)]
            if failed:
                return Status.ERROR, "; ".join(f"{p}: {why}" for p, why in sorted(failed))
    if asset.unknown:
        roots = _roots(asset.unknown)
        if any(path_segments(r)[0] in roots for r in reads):  # cheap test first: most reads share no root
            unknown = sorted(p for p in asset.unknown if any(paths_overlap(r, p) for r in reads))
            if unknown:
                view = "at plan time" if asset.source.value == "planned" else "in this view"
                return Status.UNKNOWN, f"not known {view}: {', '.join(unknown)}"
    return None


@lru_cache(maxsize=65536)
def _roots_of(paths: frozenset[str]) -> frozenset[str]:
    return frozenset(path_segments(p)[0] for p in paths)


def _roots(paths: Any) -> frozenset[str]:
    """First segments of an asset's unknown or error paths (many assets share the same sets: cached)."""
    return _roots_of(paths if isinstance(paths, frozenset) else frozenset(paths))


def _boolean(expr: Expression, doc: dict[str, Any], evaluator: Evaluator, field: str) -> bool | str:
    """The expression's boolean value, or an explanation when it is not a boolean (no coercion)."""
    try:
        value = search(expr, doc, evaluator)
    except EvaluationError as err:
        return f"{field} failed: {err}"
    if isinstance(value, bool):
        return value
    shown = "null" if value is None else type(value).__name__
    return f"{field} evaluated to {shown}, not a boolean (is an attribute it reads missing?)"
