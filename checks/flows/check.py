"""`clearance check`: source -> normalize -> evaluate -> report, with no printing (the CLI prints)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.errors import InputError
from checks.model import Asset, Severity, SourceKind
from checks.paths import display_path, repo_path, repo_root
from checks.raw import RawResource
from checks.selection import Selection

if TYPE_CHECKING:  # imported where used: a program's child process starts before the catalog and engine load
    from checks.flows.assess import Options
    from checks.register import Review
    from checks.report import Report


@dataclass(frozen=True)
class CheckRequest:
    """What `clearance check` was asked to check, and how: its arguments and options."""

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
    baseline: Path | None = None    # `--baseline FILE`: accepted failures (checks/baseline.py)
    project_dir: Path | None = None  # --program-dir: the Pulumi program a --state/--preview file belongs to
    selection: Selection = Selection()  # --check, --skip-check, --severity, --framework (checks/selection.py)
    sarif_category: str | None = None   # `--sarif-category`: the SARIF run's category; None: from the target
    terraform_plan: Path | None = None  # `--terraform-plan FILE`: `terraform show -json` output (checks/terraform)
    with_checkov: bool = False          # `--with-checkov`: also run checkov on the resources (checks/checkov/)
    checkov: Path | None = None         # `--checkov PATH`: its executable (default: checks.checkov.runner.find_checkov)


@dataclass(frozen=True)
class Loaded:
    """The source's raw resources, which view they are, what the report names as target and artifact."""

    resources: list[RawResource]
    view: SourceKind
    target: str
    artifact: str | None
    warnings: list[str]
    program_dir: Path | None = None  # the program folder: settings, waivers and the register are looked up from it


def load_source(req: CheckRequest, on_started: Callable[[], None] | None = None) -> Loaded:
    """`on_started`: called once a program's child process has started (a program source only)."""
    given = [p for p in (req.program_dir, req.preview, req.state, req.terraform_plan) if p is not None]
    if len(given) != 1:
        raise InputError("give exactly one of PROGRAM_DIR, --preview FILE, --state FILE or --terraform-plan FILE",
                         hint="for example: clearance check infra/")
    if req.terraform_plan is not None:
        if req.project_dir is not None:
            raise InputError("not with --terraform-plan: it names the Pulumi program of a --state or --preview file",
                             where="--program-dir", hint="leave it out")
        return _load_terraform(req.terraform_plan)
    if req.project_dir is not None and req.program_dir is not None:
        raise InputError("not with PROGRAM_DIR: it names the program a --state or --preview file belongs to",
                         where="--program-dir", hint="leave it out")
    if req.preview is not None or req.state is not None:
        return _load_file(req)
    from checks.sources.program import load_program

    assert req.program_dir is not None
    if not req.program_dir.is_dir():
        raise InputError("not a folder", where=str(req.program_dir),
                         hint="give the folder that holds Pulumi.yaml, or --preview/--state FILE")
    run = load_program(req.program_dir, stack=req.stack, config=dict(req.config), python=req.python,
                       timeout=req.program_timeout, on_started=on_started)
    shown = display_path(req.program_dir)
    return Loaded(run.resources, SourceKind.PLANNED, f"program {shown} (stack {run.stack})",
                  repo_path(run.program_dir / "Pulumi.yaml", repo_root(run.program_dir)), list(run.warnings),
                  run.program_dir)


def _load_terraform(path: Path) -> Loaded:
    """A Terraform plan: its AWS resources, normalized like a Pulumi program's (the planned view)."""
    from checks.terraform.from_plan import load_terraform_plan

    shown = repo_path(path, repo_root(path.parent))
    src = load_terraform_plan(path, shown=shown)
    return Loaded(src.resources, SourceKind.PLANNED, f"terraform plan {display_path(path)}", shown,
                  list(src.warnings))


def _load_file(req: CheckRequest) -> Loaded:
    """A preview or state file, with the program it belongs to (--program-dir, else found from its project name)."""
    from checks.sources.positions import has_project_file

    if req.project_dir is not None and not has_project_file(req.project_dir):
        raise InputError("no Pulumi.yaml in this folder", where=display_path(req.project_dir),
                         hint="--program-dir names the folder of the Pulumi program the --state or --preview file "
                              "was made from")
    if req.preview is not None:
        from checks.sources.preview import load_preview

        file, view, noun = req.preview, SourceKind.PLANNED, "preview"
        src = load_preview(file, program_dir=req.project_dir)
    else:
        from checks.sources.state import load_state

        assert req.state is not None
        file, view, noun = req.state, SourceKind.STATE, "state"
        src = load_state(file, program_dir=req.project_dir)
    warnings = list(src.warnings)
    if src.program_dir is None and src.project:
        warnings.append(f"the Pulumi program of {display_path(file)} (project '{src.project}') was not found beside "
                        "it or in the working folder: settings, waivers and the review register are looked up from "
                        "the working folder and source files are named as the file names them; give its folder "
                        "with --program-dir DIR")
    return Loaded(src.resources, view, f"{noun} {display_path(file)}", repo_path(file, repo_root(src.program_dir)),
                  warnings, src.program_dir)


def options(req: CheckRequest, program_dir: Path | None = None) -> Options:
    """`program_dir`: the program a --state/--preview file belongs to (`Loaded.program_dir`)."""
    from checks.flows.assess import Options

    return Options(anchor=req.program_dir or program_dir or Path.cwd(), waivers=req.waivers, settings=req.settings,
                   sg_register=req.sg_register, fail_on=req.fail_on, selection=req.selection,
                   sarif_category=req.sarif_category, other_ids=_checkov_ids() if req.with_checkov else None)


def _checkov_ids() -> Callable[[str], bool]:
    from checks.checkov.merge import is_checkov_id

    return is_checkov_id


def run_check(req: CheckRequest) -> Report:
    started = time.perf_counter()
    now = req.now or dt.datetime.now(dt.UTC)
    baseline = None
    if req.baseline is not None:  # imported only when given: its pydantic model costs ~20 ms at import (issue 13)
        from checks.baseline import load_baseline

        baseline = load_baseline(req.baseline)  # a bad file fails first
    checkov = _find_checkov(req)  # a missing checkov fails before the (slow) program runs
    if req.program_dir is None:  # a file: read first (fast), since the program it belongs to anchors the settings
        from checks.flows.assess import prepare

        loaded = load_source(req)
        opts = options(req, loaded.program_dir)
        prepared = prepare(opts, now)
    else:
        import threading
        from concurrent.futures import ThreadPoolExecutor  # the program path only

        from checks.sources.child_process import stop_children_on_signals

        child_started = threading.Event()
        # the source (a Pulumi program runs for seconds in a child process) loads while the catalog does, and the
        # child starts first: the catalog, the engine and the normalizers are imported after it; SIGTERM or
        # SIGINT meanwhile ends the program's child process and removes its temp folder
        with stop_children_on_signals(), ThreadPoolExecutor(max_workers=1,
                                                            thread_name_prefix="clearance-source") as pool:
            pending = pool.submit(load_source, req, child_started.set)
            while not child_started.wait(0.005) and not pending.done():
                pass  # the worker alone until the child has started (or failed to): it must not wait for imports
            from checks.flows.assess import prepare

            opts = options(req)
            prepared = prepare(opts, now)
            _while_the_program_runs()
            loaded = pending.result()
    from checks.flows.assess import assess, build_report, with_baseline

    # without checkov, the raw resources are let go once normalized: not kept alive while the assets are evaluated
    # and reported (issue 13: at 100,000 resources they held ~100 MiB of the peak)
    raw = loaded.resources
    loaded = dataclasses.replace(loaded, resources=[])
    normalized, result = assess(prepared, raw if checkov is not None else _handed_over(raw), now)
    warnings = list(loaded.warnings)
    if not prepared.register.exists() and any(a.kind == "ec2.security_group" for a in normalized.assets):
        warnings.append(f"no security-group review register at {display_path(prepared.register)}: every rule counts "
                        "as unreviewed (FW-01); record reviews with 'clearance sg review'")
    report = build_report(prepared, opts, normalized, result, view=loaded.view, target=loaded.target, now=now,
                          warnings=warnings, artifact=loaded.artifact, started=started)
    if checkov is not None:
        from checks.checkov.scan import with_checkov

        report = with_checkov(report, raw, normalized.assets, executable=checkov,
                              waivers=prepared.other_waivers, now=now)
    return with_baseline(report, baseline)


def _handed_over(resources: list[RawResource]) -> Iterator[RawResource]:
    """The resources, one by one; the list is emptied once they have all been taken (normalization keeps its own)."""
    yield from resources
    resources.clear()


def _while_the_program_runs() -> None:
    """Import what comes after the program (every normalizer, every report renderer) while its child process runs
    on the other core, so that its time is not added after it (issue 13)."""
    from checks.normalize import load_normalizers
    from reports.base import renderers

    load_normalizers()
    renderers()


def _find_checkov(req: CheckRequest) -> Path | None:
    if not req.with_checkov:
        if req.checkov is not None:
            raise InputError("only with --with-checkov", where="--checkov", hint="add --with-checkov")
        return None
    from checks.checkov.runner import find_checkov

    return find_checkov(req.checkov)


def unreviewed_rules(req: CheckRequest) -> tuple[Path, list[Review], list[tuple[Asset, dict[str, Any]]]]:
    """The register, its reviews, and the security-group rules of the source whose known fingerprint is not in it
    (in declaration order): what `clearance sg review` lists and records."""
    from checks.flows.assess import project_settings, register_path
    from checks.normalize import normalize
    from checks.register import load_register

    loaded = load_source(req)
    opts = options(req, loaded.program_dir)
    register = register_path(opts, project_settings(opts))  # no catalog or waivers: only the register matters here
    reviews = load_register(register)
    assets = normalize(loaded.resources, reviewed=frozenset(r.fingerprint for r in reviews)).assets
    pending = []
    for asset in assets:
        if asset.kind != "ec2.security_group":
            continue
        for rule in asset.attributes.get("rules") or []:
            if rule.get("fingerprint") and rule.get("reviewed") is False:
                pending.append((asset, rule))
    return register, reviews, pending
