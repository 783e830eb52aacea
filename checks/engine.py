"""The engine: a pure function from controls, assets, waivers and a time to findings.

For each control and each asset of its kind (the judgement itself: checks/judge.py):
  1. `applies_if` false                        -> not_applicable (decided first, from the reads it uses;
                                                  error/unknown as below when those cannot be read)
  2. a `reads` path in the asset's `errors`   -> error   (the data could not be read)
  3. a `reads` path in the asset's `unknown`  -> unknown (not known at plan time)
  4. `assert` true / false                     -> pass / fail; anything but a boolean -> error
  5. a fail matched by a valid waiver          -> waived (an expired waiver does not waive)

Assets are judged kind by kind (only one kind's documents are alive at a time); findings come out in the order of
the controls, each control's in the order of the assets. Expressions run compiled (checks/catalog/compiled.py).
Estates repeat configurations: a control judges once per distinct set of the values its expressions read (with
the asset's view and unknown paths), and a message's expression placeholders render once per distinct value.

`waiver_problems` lists expired waivers, waivers that matched no failing resource and broad waivers (an asset
pattern with a wildcard), in that order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter, itemgetter
from typing import Any

from checks import collector_paused
from checks.catalog.controls import Control
from checks.catalog.expressions import EvaluationError, Evaluator, reads_only
from checks.catalog.messages import MessageTemplate
from checks.judge import Prepared, Rule, prepare
from checks.judge import judge as _judge  # a module global: tests count its calls
from checks.model import Asset, Finding, SourceKind, Status, new_finding
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
    with collector_paused():  # findings, their strings and verdicts form no cycle
        for kind, indexes in controls_by_kind.items():
            kind_assets = by_kind.get(kind)
            if not kind_assets:
                continue
            shapes: dict[tuple[SourceKind, frozenset[str]], int] = {}
            prepared = [prepare(asset, shapes) for asset in kind_assets]
            for index in indexes:
                started = time.perf_counter()
                control = ordered[index]
                _evaluate_control(control, kind_assets, (templates or {}).get(control.id), evaluator, prepared,
                                  len(shapes) > 1, waivers_by_control.get(control.id, ()), used, by_control[index])
                spent[index] = time.perf_counter() - started
    findings = [finding for found in by_control for finding in found]
    seconds = {control.id: spent[index] for index, control in enumerate(ordered)}
    return Evaluation(findings=findings, waiver_problems=waiver_problems(waivers, used, today), seconds=seconds)


def _evaluate_control(control: Control, assets: list[Asset], template: MessageTemplate | None, evaluator: Evaluator,
                      prepared: list[Prepared], shaped: bool, waivers: Sequence[Waiver], used: set[int],
                      findings: list[Finding]) -> None:
    """One control on one kind's assets, in three passes: the verdict keys of every asset, a verdict per distinct
    key (judged on its first asset), then the findings; only fails read their document again (their message)."""
    params = control.params
    rule = Rule.of(control)
    template = template or MessageTemplate(control.message)
    control_id, severity, title = control.id, control.severity, control.title
    # fingerprint(control_id, asset): a hash of the control id, copied for each asset and given its identity
    # (`|kind|id`, encoded once per asset); copying a hash costs a fifth of starting one
    start = hashlib.sha256(control_id.encode()).copy
    fail, waived, judge = Status.FAIL, Status.WAIVED, _judge
    names = _verdict_fields(rule)
    keys = _verdict_keys(names, prepared, shaped) if names is not None else [None] * len(prepared)
    verdicts: dict[Any, tuple[Status, str | None]] = {}
    for key, index in dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True)).items():  # first asset
        if key is not None:
            entry = prepared[index]
            entry.doc["params"] = params
            verdicts[key] = judge(rule, assets[index], entry, evaluator)
    if None not in keys:
        judged = list(map(verdicts.__getitem__, keys))
    else:  # an asset with an error path, or values that cannot be pickled: judged on its own
        judged = [verdicts[key] if key is not None else _judged_alone(rule, asset, entry, params, evaluator)
                  for key, asset, entry in zip(keys, assets, prepared, strict=True)]
    memo: dict[tuple[int, bytes], str] = {}  # the message's expression placeholders, by the values they read
    append = findings.append
    for asset, entry, (status, detail) in zip(assets, prepared, judged, strict=True):
        waiver = None
        message = title
        if status is fail:
            for w in waivers:
                if w.matches(asset):
                    status, waiver = waived, w.ref()
                    used.add(id(w))
                    break
            doc = entry.doc
            doc["params"] = params
            try:
                message = template.render(doc, asset.secrets, evaluator, memo)
            except EvaluationError as err:
                message = f"{title} (message could not be rendered: {err})"
        digest = start()
        digest.update(entry.identity)
        append(new_finding(
            control_id, severity, status, asset.kind, asset.id, asset.name, asset.source, message,
            digest.hexdigest()[:32], asset.location, detail, waiver, asset.account,
            asset.region,  # the asset's own, also when its verdict was reused from an asset of another account
        ))


def _judged_alone(rule: Rule, asset: Asset, entry: Prepared, params: Any, evaluator: Evaluator
                  ) -> tuple[Status, str | None]:
    entry.doc["params"] = params
    return _judge(rule, asset, entry, evaluator)


def _verdict_keys(names: tuple[str, ...], prepared: list[Prepared], shaped: bool) -> list[Any]:
    """Per asset, what its verdict depends on (`_verdict_fields`): the values the rule reads, pickled (equal bytes
    are equal values of equal types), with the asset's shape when the kind has several; None for an asset with an
    error path or values that cannot be pickled (judged on its own)."""
    get = _values_getter(names)
    try:  # every document has every field (a missing one would read as null: KeyError) and pickles
        if any(entry.errors for entry in prepared):
            values: list[bytes | None] = [None if entry.errors else _dumps(get(entry.doc)) for entry in prepared]
        else:
            values = list(map(_dumps, map(get, map(_DOC, prepared))))
    except (KeyError, *_UNPICKLABLE):
        values = [None if entry.errors else _pickled(_values(entry.doc, names)) for entry in prepared]
    if shaped:  # the view and the unknown paths (the shape) decide unknown verdicts and their detail too
        return [None if value is None else (entry.shape, value) for entry, value in zip(prepared, values, strict=True)]
    return values


def _verdict_fields(rule: Rule) -> tuple[str, ...] | None:
    """Verdict reuse (estates repeat configurations): for an asset with no error path, the verdict depends only on
    its view, its unknown paths and the document's values at the root fields the rule's expressions read (the
    parameters are the control's, the same for every asset; the evaluation time is the run's): those fields, but
    `params`. None when an expression reads more than named fields (`@`, `*`): no reuse."""
    fields: set[str] = set()
    for expr in (rule.applies_if, rule.assert_):
        if expr is None:
            continue
        read = reads_only(expr)
        if read is None:
            return None
        fields |= read
    return tuple(sorted(fields - {"params"}))


def _values_getter(names: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """The document's values at `names` as `_values` gives them, or KeyError when one is missing."""
    return itemgetter(*names) if names else _values  # itemgetter: a tuple of values, or the value of one name


def _values(doc: dict[str, Any], names: tuple[str, ...] = ()) -> Any:
    """The document's values at `names`: a tuple, or the value of a single name (null for a missing one)."""
    if len(names) == 1:
        return doc.get(names[0])
    return tuple(doc.get(name) for name in names) if names else None


_dumps = partial(pickle.dumps, protocol=5)
_DOC = attrgetter("doc")
_UNPICKLABLE = (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError)


def _pickled(values: Any) -> bytes | None:
    try:
        return pickle.dumps(values, 5)
    except _UNPICKLABLE:
        return None
