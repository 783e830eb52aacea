"""What every flow shares: prepare once (settings, catalog with parameters, waivers, review register), assess raw
resources (normalize, evaluate) and build the report. `check` and `scan` differ only in where resources come from.

The selection (`--check`, `--skip-check`, `--severity`, `--framework`: checks/selection.py) is applied here, once: a
deselected control is not evaluated and is in no report; the report keeps it aside (`not_run`) so that compliance
coverage counts the requirements it backs as not fully evaluated, never as passing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from checks import tool_version
from checks.catalog.controls import Control
from checks.catalog.loader import Catalog, load_catalog
from checks.engine import Evaluation, evaluate
from checks.model import Severity, SourceKind
from checks.normalize import Normalized, Scopes, normalize
from checks.raw import RawResource
from checks.register import REGISTER_NAME, Review, load_register
from checks.report import Report
from checks.selection import Selection
from checks.settings import Settings, apply_params, find_settings, load_settings
from checks.waivers import Waiver, load_waivers

if TYPE_CHECKING:
    from checks.baseline import Baseline
    from checks.unread import UnreadScope


@dataclass(frozen=True)
class Options:
    """What the user chose besides the source. `anchor` is the folder settings and the register are looked up
    from (the program folder, else the working folder)."""

    anchor: Path
    waivers: Path | None = None
    settings: Path | None = None
    sg_register: Path | None = None
    fail_on: Severity | None = None
    selection: Selection = Selection()
    sarif_category: str | None = None  # `--sarif-category`: the SARIF run's category (reports/_sarif_places.py)
    # `check --with-checkov`: the other ids a waiver may name (checkov's CKV_*); kept in Prepared.other_waivers
    other_ids: Callable[[str], bool] | None = None


class _KnownIds(set[str]):
    """The catalog's control ids, and any id `other` accepts (a waiver may name a checkov check)."""

    def __init__(self, ids: Iterable[str], other: Callable[[str], bool]) -> None:
        super().__init__(ids)
        self.other = other

    def __contains__(self, item: object) -> bool:
        return super().__contains__(item) or (isinstance(item, str) and self.other(item))


@dataclass(frozen=True)
class Prepared:
    """What every assessment of one run shares, read once before the resources are assessed."""

    catalog: Catalog        # the selected controls, with the project's parameters applied
    settings: Settings
    waivers: Sequence[Waiver]
    register: Path          # the security-group review register (may not exist yet)
    reviews: Sequence[Review]
    not_run: Mapping[str, Control] = field(default_factory=dict)   # controls the selection left out, by id
    selection: Selection = Selection()
    other_waivers: tuple[Waiver, ...] = ()   # waivers of Options.other_ids (checkov's checks), applied by their flow

    @property
    def reviewed(self) -> frozenset[str]:
        return frozenset(r.fingerprint for r in self.reviews)


def project_settings(options: Options) -> Settings:
    """--settings, else the clearance.toml or [tool.clearance] found from the anchor folder upwards."""
    return load_settings(options.settings or find_settings(options.anchor))


def register_path(options: Options, settings: Settings) -> Path:
    """--sg-register, else the settings' sg_register, else security-group-reviews.yaml in the anchor folder."""
    if options.sg_register is not None:
        return options.sg_register
    if settings.sg_register is not None:
        return settings.sg_register
    return options.anchor / REGISTER_NAME


def prepare(options: Options, now: dt.datetime | None = None) -> Prepared:
    """Settings, the catalog with the project's parameters applied, waivers and the review register. `now` is the
    run's time: no waiver may expire more than the settings' `max_waiver_days` after it."""
    settings = project_settings(options)
    loaded = load_catalog()
    selection = options.selection
    selection.validate(loaded.controls.values(), loaded.frameworks)
    every = apply_params(loaded.controls, settings)
    controls = {cid: c for cid, c in every.items() if selection.matches(c)}
    frameworks = ({fid: fw for fid, fw in loaded.frameworks.items() if fid in selection.frameworks}
                  if selection.frameworks else loaded.frameworks)
    catalog = Catalog(controls=controls, frameworks=frameworks, templates=loaded.templates)
    waivers_path = options.waivers or settings.waivers
    today = (now or dt.datetime.now(dt.UTC)).date()
    known = set(every) if options.other_ids is None else _KnownIds(every, options.other_ids)
    waivers = (load_waivers(waivers_path, known, today=today, max_days=settings.max_waiver_days)
               if waivers_path else [])
    register = register_path(options, settings)
    return Prepared(catalog=catalog, settings=settings, waivers=[w for w in waivers if w.control in controls],
                    register=register, reviews=load_register(register),
                    not_run={cid: c for cid, c in every.items() if cid not in controls}, selection=selection,
                    other_waivers=tuple(w for w in waivers if w.control not in every))


def selection_note(prepared: Prepared) -> list[str]:
    """The warning that says which controls did not run, and what that means for the coverage."""
    if not prepared.not_run:
        return []
    ran, total = len(prepared.catalog.controls), len(prepared.catalog.controls) + len(prepared.not_run)
    return [f"{prepared.selection.describe()}: {ran} of {total} controls evaluated; the other {len(prepared.not_run)} "
            "did not run, and the framework requirements they back are not fully evaluated (incomplete in the "
            "coverage)"]


def assess(prepared: Prepared, resources: Iterable[RawResource], now: dt.datetime,
           unread: Sequence[UnreadScope] = (), scopes: Scopes | None = None,
           secrets: frozenset[str] = frozenset()) -> tuple[Normalized, Evaluation]:
    """Normalize and evaluate; every control of an `unread` scope's kind is `error` for that scope. `scopes`: the
    live view's accounts and regions (see checks.normalize.scopes)."""
    normalized = normalize(resources, reviewed=prepared.reviewed, scopes=scopes, secrets=secrets)
    result = evaluate(prepared.catalog.controls.values(), normalized.assets, now=now,
                      templates=prepared.catalog.templates, waivers=prepared.waivers)
    if unread:  # a live scan's scopes it could not read (imported then: `check` has none)
        from checks.unread import unread_findings

        extra = unread_findings(prepared.catalog.controls.values(), unread)
        result = Evaluation(findings=[*result.findings, *extra], waiver_problems=result.waiver_problems,
                            seconds=result.seconds)
    return normalized, result


def build_report(prepared: Prepared, options: Options, normalized: Normalized, result: Evaluation, *,
                 view: SourceKind, target: str, now: dt.datetime, warnings: Sequence[str],
                 artifact: str | None = None, key: str | None = None, started: float | None = None,
                 api_calls: Mapping[str, int] | None = None) -> Report:
    """`started`: the run's time.perf_counter() at its start, for the report's duration; `api_calls`: a live read's
    calls by "service:Operation"."""
    return Report(
        findings=tuple(result.findings), controls=prepared.catalog.controls, view=view, target=target,
        asset_count=len(normalized.assets), generated_at=now, tool_version=tool_version(),
        fail_on=options.fail_on or prepared.settings.fail_on, artifact=artifact, unsupported=normalized.unsupported,
        waiver_problems=tuple(result.waiver_problems), warnings=(*warnings, *selection_note(prepared)),
        frameworks=prepared.catalog.frameworks, key=key, not_run=prepared.not_run,
        sarif_category=options.sarif_category, control_seconds=dict(result.seconds),
        duration_seconds=None if started is None else time.perf_counter() - started,
        api_calls=dict(api_calls or {}),
    )


def with_baseline(report: Report, baseline: Baseline | None) -> Report:
    """The report with the baseline's fail findings marked `in_baseline` (reported, but no longer deciding the exit
    code), the baseline entries that no longer occur, and a warning when it was recorded for another target."""
    if baseline is None:
        return report
    from checks.baseline import apply_baseline

    applied = apply_baseline(baseline, report.findings, report.target)
    return dataclasses.replace(report, findings=applied.findings, baseline=baseline.file, baseline_gone=applied.gone,
                               warnings=(*report.warnings, *applied.warnings))
