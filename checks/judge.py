"""How one control judges one asset (checks/engine.py runs it once per distinct verdict key).

  1. `applies_if` false                        -> not_applicable (decided first, from the reads it uses;
                                                  error/unknown as below when those cannot be read)
  2. a `reads` path in the asset's `errors`   -> error   (the data could not be read)
  3. a `reads` path in the asset's `unknown`  -> unknown (not known at plan time)
  4. `assert` true / false                     -> pass / fail; anything but a boolean -> error
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from checks.catalog.controls import Control
from checks.catalog.expressions import EvaluationError, Evaluator, Expression
from checks.model import Asset, SourceKind, Status, path_segments


@dataclass(frozen=True, slots=True)
class Rule:
    """One control ready to judge assets: parameters bound as constants, the paths it (and applies_if) reads."""

    applies_if: Expression | None
    assert_: Expression
    reads: frozenset[str]
    applies_reads: frozenset[str]

    @classmethod
    def of(cls, control: Control) -> Rule:
        """`control` with its parameters bound as constants (usable inside filters too); `applies_reads`: the reads
        under a root applies_if reads."""
        applies_if = control.applies_if.bind(control.params) if control.applies_if else None
        applies = applies_if.root_fields if applies_if is not None else frozenset()
        return cls(applies_if, control.assert_.bind(control.params), frozenset(control.reads),
                   frozenset(r for r in control.reads if path_segments(r)[0] in applies))


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a microsecond per asset
class Prepared:
    """One asset, ready for its controls: its document (built once, shared), its error paths by root, its unknown
    paths, and the identity its fingerprints hash (`|kind|id`, encoded once)."""

    doc: dict[str, Any]
    errors: _ByRoot
    unknown: frozenset[str]
    identity: bytes
    shape: int  # the same number for assets of the same view and unknown paths (which decide unknown verdicts)


def prepare(asset: Asset, shapes: dict[tuple[SourceKind, frozenset[str]], int]) -> Prepared:
    unknown = frozenset(asset.unknown)
    shape = shapes.setdefault((asset.source, unknown), len(shapes))
    return Prepared(asset.document(), _by_root(frozenset(asset.errors)) if asset.errors else _NOTHING,
                     unknown, f"|{asset.kind}|{asset.id}".encode(), shape)



_PASS: tuple[Status, None] = (Status.PASS, None)
_FAIL: tuple[Status, None] = (Status.FAIL, None)
_NOT_APPLICABLE: tuple[Status, None] = (Status.NOT_APPLICABLE, None)


def judge(rule: Rule, asset: Asset, entry: Prepared, evaluator: Evaluator) -> tuple[Status, str | None]:
    if rule.applies_if is not None:
        unless = _unless_applies(rule, rule.applies_if, asset, entry, evaluator)
        if unless is not None:
            return unless
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


def not_applicable(rule: Rule, asset: Asset, entry: Prepared, evaluator: Evaluator) -> bool:
    """Does `judge` find `rule` not_applicable to `asset`? Decided by step 1 alone, on what applies_if reads."""
    return (rule.applies_if is not None
            and _unless_applies(rule, rule.applies_if, asset, entry, evaluator) is _NOT_APPLICABLE)


def _unless_applies(rule: Rule, applies_if: Expression, asset: Asset, entry: Prepared,
                    evaluator: Evaluator) -> tuple[Status, str | None] | None:
    """None when the control applies; else the verdict step 1 gives: not_applicable, or error or unknown when what
    applies_if reads cannot be read or is not known (a control that does not apply is not_applicable even when what
    its assert reads is unknown)."""
    if entry.errors or entry.unknown:
        missing = _missing(asset, entry, rule.applies_reads)
        if missing is not None:
            return missing
    verdict = _boolean(applies_if, entry.doc, evaluator, "applies_if")
    if verdict is not True:
        return _NOT_APPLICABLE if verdict is False else (Status.ERROR, verdict)
    return None


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


def _missing(asset: Asset, entry: Prepared, reads: frozenset[str]) -> tuple[Status, str] | None:
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
