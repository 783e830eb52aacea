"""`clearance scan` (the live view) and `clearance iam-policy` (the least-privilege policy the scan needs)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from checks.errors import ClearanceError, InputError
from checks.model import Severity

EXIT_FINDINGS, EXIT_INCOMPLETE = 1, 4


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


@contextmanager
def _progress(console: Console) -> Iterator[Callable[[int], Callable[[str], None]] | None]:
    """A Rich progress bar on a terminal; none in CI logs or when output is redirected."""
    if not console.is_terminal or os.environ.get("CI"):
        yield None
        return
    with Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:

        def start(total: int) -> Callable[[str], None]:
            task = bar.add_task("", total=total)
            return lambda done: bar.update(task, advance=1, description=done)

        yield start


def scan(
    profile: Annotated[str | None, typer.Option(help="AWS profile.")] = None,
    regions: Annotated[list[str], typer.Option(
        "--regions", help="Regions (comma-separated or repeated); 'all' = every enabled region; default: the session's."
    )] = [],  # noqa: B006
    endpoint_url: Annotated[str | None, typer.Option(help="AWS endpoint (the sandbox, LocalStack...).")] = None,
    role_arn: Annotated[str | None, typer.Option(help="Role to assume for the scan.")] = None,
    max_workers: Annotated[int, typer.Option(min=1, max=64, help="Parallel API workers.")] = 8,
    services: Annotated[list[str], typer.Option("--services", help="Only these collectors (comma-separated).")] = [],  # noqa: B006
    format: Annotated[list[str], typer.Option("--format", "-f", help="console, json, sarif, markdown, junit.")  # noqa: A002
                      ] = ["console"],  # noqa: B006
    out: Annotated[Path, typer.Option(help="Folder for report files.")] = Path("clearance-out"),
    sandbox_dir: Annotated[Path, typer.Option(help="Where `clearance sandbox up --out` put the running sandbox; "
                                                   "used when no account is named.")] = Path("clearance-out"),
    fail_on: Annotated[Severity | None, typer.Option(case_sensitive=False, help="Exit 1 at or above.")] = None,
    waivers: Annotated[Path | None, typer.Option(help="Waivers YAML file.")] = None,
    settings: Annotated[Path | None, typer.Option(help="clearance.toml or pyproject.toml.")] = None,
    sg_register: Annotated[Path | None, typer.Option(help="Security-group review register (FW-01).")] = None,
    strict: Annotated[bool, typer.Option(help="Exit 4 when some results are unknown or error.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the verdict line.")] = False,
) -> None:
    """Scan a live AWS account (read-only), or the running sandbox when no account is named."""
    from checks.cli import fail
    from checks.collectors import load_collectors
    from checks.sandbox import read_sandbox
    from checks.scan import ScanRequest, run_scan
    from reports.base import RENDERERS, write_reports
    from reports.console import print_report, verdict_line

    console = Console(highlight=False, soft_wrap=True)
    try:
        formats = [f.strip().lower() for v in format for f in v.split(",") if f.strip()]
        unknown = [f for f in formats if f not in RENDERERS]
        if unknown:
            raise InputError(f"unknown format '{unknown[0]}' (known: {', '.join(sorted(RENDERERS))})", where="--format")
        chosen = _split(services)
        known = load_collectors()
        bad = [s for s in chosen if s not in known]
        if bad:
            raise InputError(f"unknown service '{bad[0]}' (known: {', '.join(sorted(known))})", where="--services")
        session: Any = None
        named = profile or endpoint_url or role_arn or os.environ.get("AWS_ENDPOINT_URL")
        if not named:
            sandbox = read_sandbox(sandbox_dir)
            if sandbox is not None:
                session, endpoint_url = sandbox.session(), sandbox.endpoint
                if not quiet:
                    console.print(f"scanning the sandbox at {sandbox.endpoint} (no --profile or --endpoint-url given)")
        req = ScanRequest(profile=profile, regions=_split(regions), endpoint_url=endpoint_url, role_arn=role_arn,
                          max_workers=max_workers, services=chosen, session=session, waivers=waivers,
                          settings=settings, sg_register=sg_register, fail_on=fail_on)
        with _progress(Console(stderr=True)) as progress:
            report = run_scan(req, progress=progress)
        files = [f for f in formats if f != "console"]
        try:
            written = write_reports(report, files, out) if files else []
        except OSError as err:
            raise InputError(f"cannot write the reports: {err.strerror or err}", where=str(out)) from None
    except ClearanceError as err:
        fail(err)
        return
    if quiet:
        console.print(verdict_line(report))
    else:
        print_report(report, console)
    for path in written:
        console.print(f"wrote {path}")
    if report.failing():
        raise typer.Exit(EXIT_FINDINGS)
    if strict and report.incomplete:
        raise typer.Exit(EXIT_INCOMPLETE)


def iam_policy(
    services: Annotated[list[str], typer.Option("--services", help="Only these collectors.")] = [],  # noqa: B006
) -> None:
    """Print the least-privilege read-only IAM policy that `clearance scan` needs, derived from the collectors."""
    from checks.cli import fail
    from checks.collectors import load_collectors
    from checks.collectors.base import iam_policy as policy_of

    try:
        known = load_collectors()
        chosen = _split(services) or tuple(sorted(known))
        bad = [s for s in chosen if s not in known]
        if bad:
            raise InputError(f"unknown service '{bad[0]}' (known: {', '.join(sorted(known))})", where="--services")
    except ClearanceError as err:
        fail(err)
        return
    print(json.dumps(policy_of(known[s] for s in chosen), indent=2))
