"""`clearance check`: source -> normalize -> evaluate -> report, with no printing (the CLI prints)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from checks import tool_version
from checks.engine import evaluate
from checks.errors import InputError
from checks.loader import Catalog, load_catalog
from checks.model import Severity, SourceKind
from checks.normalize import normalize
from checks.paths import display_path
from checks.register import REGISTER_NAME, load_register
from checks.report import Report
from checks.settings import Settings, apply_params, find_settings, load_settings
from checks.sources.raw import RawResource
from checks.waivers import load_waivers


@dataclass(frozen=True)
class CheckRequest:
    program_dir: Path | None = None
    preview: Path | None = None
    state: Path | None = None
    stack: str | None = None
    config: Mapping[str, str] = field(default_factory=dict)
    python: str | None = None
    waivers: Path | None = None
    settings: Path | None = None
    fail_on: Severity | None = None
    now: dt.datetime | None = None
    sg_register: Path | None = None


@dataclass(frozen=True)
class Timings:
    source_s: float
    normalize_s: float
    evaluate_s: float


@dataclass(frozen=True)
class Loaded:
    resources: list[RawResource]
    view: SourceKind
    target: str
    artifact: str | None
    warnings: list[str]


def load_source(req: CheckRequest) -> Loaded:
    given = [p for p in (req.program_dir, req.preview, req.state) if p is not None]
    if len(given) != 1:
        raise InputError("give exactly one of PROGRAM_DIR, --preview FILE or --state FILE",
                         hint="for example: clearance check infra/")
    if req.preview is not None:
        from checks.sources.preview import load_preview

        src = load_preview(req.preview)
        return Loaded(src.resources, SourceKind.PLANNED, f"preview {display_path(req.preview)}",
                      display_path(req.preview), list(src.warnings))
    if req.state is not None:
        from checks.sources.state import load_state

        st = load_state(req.state)
        return Loaded(st.resources, SourceKind.STATE, f"state {display_path(req.state)}",
                      display_path(req.state), list(st.warnings))
    from checks.sources.program import load_program

    assert req.program_dir is not None
    if not req.program_dir.is_dir():
        raise InputError("not a folder", where=str(req.program_dir),
                         hint="give the folder that holds Pulumi.yaml, or --preview/--state FILE")
    run = load_program(req.program_dir, stack=req.stack, config=dict(req.config), python=req.python)
    shown = display_path(req.program_dir)
    return Loaded(run.resources, SourceKind.PLANNED, f"program {shown} (stack {run.stack})",
                  display_path(req.program_dir / "Pulumi.yaml"), list(run.warnings))


def register_path(req: CheckRequest, settings: Settings) -> Path:
    """--sg-register, else the settings' sg_register, else security-group-reviews.yaml beside Pulumi.yaml
    (or in the working folder when checking a preview or state file)."""
    if req.sg_register is not None:
        return req.sg_register
    if settings.sg_register is not None:
        return settings.sg_register
    return (req.program_dir or Path.cwd()) / REGISTER_NAME


def prepare(req: CheckRequest) -> tuple[Catalog, Settings]:
    anchor = req.program_dir or Path.cwd()
    settings = load_settings(req.settings or find_settings(anchor))
    catalog = load_catalog()
    controls = apply_params(catalog.controls, settings)
    return Catalog(controls=controls, frameworks=catalog.frameworks, templates=catalog.templates), settings


def run_check(req: CheckRequest) -> tuple[Report, Timings]:
    t0 = time.perf_counter()
    # the source (a Pulumi program runs for seconds in a child process) loads while the catalog does
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clearance-source") as pool:
        pending = pool.submit(load_source, req)
        catalog, settings = prepare(req)
        waivers_path = req.waivers or settings.waivers
        waivers = load_waivers(waivers_path, set(catalog.controls)) if waivers_path else []
        register = register_path(req, settings)
        reviews = load_register(register)
        loaded = pending.result()
    t1 = time.perf_counter()
    normalized = normalize(loaded.resources, reviewed=frozenset(r.fingerprint for r in reviews))
    if not register.exists() and any(a.kind == "ec2.security_group" for a in normalized.assets):
        loaded.warnings.append(f"no security-group review register at {display_path(register)}: every rule counts "
                               "as unreviewed (FW-01); record reviews with 'clearance sg review'")
    t2 = time.perf_counter()
    now = req.now or dt.datetime.now(dt.UTC)
    result = evaluate(catalog.controls.values(), normalized.assets, now=now, templates=catalog.templates,
                      waivers=waivers)
    t3 = time.perf_counter()
    report = Report(
        findings=tuple(result.findings), controls=catalog.controls, view=loaded.view, target=loaded.target,
        asset_count=len(normalized.assets), generated_at=now, tool_version=tool_version(),
        fail_on=req.fail_on or settings.fail_on, artifact=loaded.artifact, unsupported=normalized.unsupported,
        waiver_problems=tuple(result.waiver_problems), warnings=tuple(loaded.warnings),
        frameworks=catalog.frameworks,
    )
    return report, Timings(t1 - t0, t2 - t1, t3 - t2)
