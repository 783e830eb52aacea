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

from checks.cli.common import (
    FailOnOption,
    FormatOption,
    OutOption,
    QuietOption,
    RegisterOption,
    SettingsOption,
    StrictOption,
    WaiversOption,
    emit,
    parse_formats,
    split_values,
)
from checks.errors import InputError


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
    format: FormatOption = ["console"],  # noqa: A002, B006
    out: OutOption = Path("clearance-out"),
    sandbox_dir: Annotated[Path, typer.Option(help="Where `clearance sandbox up --out` put the running sandbox; "
                                                   "used when no account is named.")] = Path("clearance-out"),
    fail_on: FailOnOption = None,
    waivers: WaiversOption = None,
    settings: SettingsOption = None,
    sg_register: RegisterOption = None,
    strict: StrictOption = False,
    quiet: QuietOption = False,
) -> None:
    """Scan a live AWS account (read-only), or the running sandbox when no account is named."""
    from checks.collectors import load_collectors
    from checks.flows.scan import ScanRequest, run_scan
    from checks.sandbox import read_sandbox

    console = Console(highlight=False, soft_wrap=True)
    formats = parse_formats(format)
    chosen = split_values(services)
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
    req = ScanRequest(profile=profile, regions=split_values(regions), endpoint_url=endpoint_url, role_arn=role_arn,
                      max_workers=max_workers, services=chosen, session=session, waivers=waivers,
                      settings=settings, sg_register=sg_register, fail_on=fail_on)
    with _progress(Console(stderr=True)) as progress:
        report = run_scan(req, progress=progress)
    emit(report, formats, out, console, quiet=quiet, strict=strict)


def iam_policy(
    services: Annotated[list[str], typer.Option("--services", help="Only these collectors.")] = [],  # noqa: B006
) -> None:
    """Print the least-privilege read-only IAM policy that `clearance scan` needs, derived from the collectors."""
    from checks.collectors import load_collectors
    from checks.collectors.base import iam_policy as policy_of

    known = load_collectors()
    chosen = split_values(services) or tuple(sorted(known))
    bad = [s for s in chosen if s not in known]
    if bad:
        raise InputError(f"unknown service '{bad[0]}' (known: {', '.join(sorted(known))})", where="--services")
    print(json.dumps(policy_of(known[s] for s in chosen), indent=2))
