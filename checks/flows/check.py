"""`clearance check`: source -> normalize -> evaluate -> report, with no printing (the CLI prints)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.errors import InputError
from checks.flows.assess import Options, assess, build_report, prepare, project_settings, register_path
from checks.model import Asset, Severity, SourceKind
from checks.normalize import normalize
from checks.paths import display_path
from checks.raw import RawResource
from checks.register import Review, load_register
from checks.report import Report


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
    program_timeout: float = 300.0  # seconds a Pulumi program may run (`--program-timeout`)


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
    run = load_program(req.program_dir, stack=req.stack, config=dict(req.config), python=req.python,
                       timeout=req.program_timeout)
    shown = display_path(req.program_dir)
    return Loaded(run.resources, SourceKind.PLANNED, f"program {shown} (stack {run.stack})",
                  display_path(req.program_dir / "Pulumi.yaml"), list(run.warnings))


def options(req: CheckRequest) -> Options:
    return Options(anchor=req.program_dir or Path.cwd(), waivers=req.waivers, settings=req.settings,
                   sg_register=req.sg_register, fail_on=req.fail_on)


def run_check(req: CheckRequest) -> Report:
    from checks.sources.child_process import stop_children_on_signals

    opts = options(req)
    now = req.now or dt.datetime.now(dt.UTC)
    # the source (a Pulumi program runs for seconds in a child process) loads while the catalog does; SIGTERM or
    # SIGINT meanwhile ends the program's child process and removes its temp folder
    with stop_children_on_signals(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="clearance-source") as pool:
        pending = pool.submit(load_source, req)
        prepared = prepare(opts, now)
        loaded = pending.result()
    normalized, result = assess(prepared, loaded.resources, now)
    warnings = list(loaded.warnings)
    if not prepared.register.exists() and any(a.kind == "ec2.security_group" for a in normalized.assets):
        warnings.append(f"no security-group review register at {display_path(prepared.register)}: every rule counts "
                        "as unreviewed (FW-01); record reviews with 'clearance sg review'")
    return build_report(prepared, opts, normalized, result, view=loaded.view, target=loaded.target, now=now,
                        warnings=warnings, artifact=loaded.artifact)


def unreviewed_rules(req: CheckRequest) -> tuple[Path, list[Review], list[tuple[Asset, dict[str, Any]]]]:
    """The register, its reviews, and the security-group rules of the source whose known fingerprint is not in it
    (in declaration order): what `clearance sg review` lists and records."""
    opts = options(req)
    register = register_path(opts, project_settings(opts))  # no catalog or waivers: only the register matters here
    reviews = load_register(register)
    assets = normalize(load_source(req).resources, reviewed=frozenset(r.fingerprint for r in reviews)).assets
    pending = []
    for asset in assets:
        if asset.kind != "ec2.security_group":
            continue
        for rule in asset.attributes.get("rules") or []:
            if rule.get("fingerprint") and rule.get("reviewed") is False:
                pending.append((asset, rule))
    return register, reviews, pending
