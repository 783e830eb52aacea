"""What every flow shares: prepare once (settings, catalog with parameters, waivers, review register), assess raw
resources (normalize, evaluate) and build the report. `check` and `scan` differ only in where resources come from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from checks import tool_version
from checks.catalog.loader import Catalog, load_catalog
from checks.engine import Evaluation, evaluate
from checks.model import Severity, SourceKind
from checks.normalize import Normalized, Scopes, normalize
from checks.raw import RawResource
from checks.register import REGISTER_NAME, Review, load_register
from checks.report import Report
from checks.settings import Settings, apply_params, find_settings, load_settings
from checks.unread import UnreadScope, unread_findings
from checks.waivers import Waiver, load_waivers


@dataclass(frozen=True)
class Options:
    """What the user chose besides the source. `anchor` is the folder settings and the register are looked up
    from (the program folder, else the working folder)."""

    anchor: Path
    waivers: Path | None = None
    settings: Path | None = None
    sg_register: Path | None = None
    fail_on: Severity | None = None


@dataclass(frozen=True)
class Prepared:
    catalog: Catalog        # controls with the project's parameters applied
    settings: Settings
    waivers: Sequence[Waiver]
    register: Path          # the security-group review register (may not exist yet)
    reviews: Sequence[Review]

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
    catalog = Catalog(controls=apply_params(loaded.controls, settings), frameworks=loaded.frameworks,
                      templates=loaded.templates)
    waivers_path = options.waivers or settings.waivers
    today = (now or dt.datetime.now(dt.UTC)).date()
    waivers = (load_waivers(waivers_path, set(catalog.controls), today=today, max_days=settings.max_waiver_days)
               if waivers_path else [])
    register = register_path(options, settings)
    return Prepared(catalog=catalog, settings=settings, waivers=waivers, register=register,
                    reviews=load_register(register))


def assess(prepared: Prepared, resources: Iterable[RawResource], now: dt.datetime,
           unread: Sequence[UnreadScope] = (), scopes: Scopes | None = None,
           secrets: frozenset[str] = frozenset()) -> tuple[Normalized, Evaluation]:
    """Normalize and evaluate; every control of an `unread` scope's kind is `error` for that scope. `scopes`: the
    live view's accounts and regions (see checks.normalize.scopes)."""
    normalized = normalize(resources, reviewed=prepared.reviewed, scopes=scopes, secrets=secrets)
    result = evaluate(prepared.catalog.controls.values(), normalized.assets, now=now,
                      templates=prepared.catalog.templates, waivers=prepared.waivers)
    if unread:
        extra = unread_findings(prepared.catalog.controls.values(), unread)
        result = Evaluation(findings=[*result.findings, *extra], waiver_problems=result.waiver_problems)
    return normalized, result


def build_report(prepared: Prepared, options: Options, normalized: Normalized, result: Evaluation, *,
                 view: SourceKind, target: str, now: dt.datetime, warnings: Sequence[str],
                 artifact: str | None = None, key: str | None = None) -> Report:
    return Report(
        findings=tuple(result.findings), controls=prepared.catalog.controls, view=view, target=target,
        asset_count=len(normalized.assets), generated_at=now, tool_version=tool_version(),
        fail_on=options.fail_on or prepared.settings.fail_on, artifact=artifact, unsupported=normalized.unsupported,
        waiver_problems=tuple(result.waiver_problems), warnings=tuple(warnings),
        frameworks=prepared.catalog.frameworks, key=key,
    )
