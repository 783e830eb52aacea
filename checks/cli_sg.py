"""`clearance sg review`: list the security-group rules that are not in the review register, and record reviews."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from checks.errors import ClearanceError, InputError
from checks.model import Asset
from checks.paths import display_path
from checks.register import Review, load_register, rule_text, write_register

sg_app = typer.Typer(no_args_is_help=True, help="Security-group rule reviews (control FW-01).")


def unreviewed(assets: list[Asset]) -> list[tuple[Asset, dict[str, Any]]]:
    """Rules of security groups whose known fingerprint is not in the register, in declaration order."""
    out = []
    for asset in assets:
        if asset.kind != "ec2.security_group":
            continue
        for rule in asset.attributes.get("rules") or []:
            if rule.get("fingerprint") and rule.get("reviewed") is False:
                out.append((asset, rule))
    return out


@sg_app.command("review")
def review(
    program_dir: Annotated[Path | None,
                           typer.Argument(help="Folder of the Pulumi program (holds Pulumi.yaml).")] = None,
    preview: Annotated[Path | None, typer.Option(help="A `pulumi preview --json` file.")] = None,
    state: Annotated[Path | None, typer.Option(help="A `pulumi stack export` file.")] = None,
    stack: Annotated[str | None, typer.Option(help="Stack whose Pulumi.<stack>.yaml config to use.")] = None,
    register: Annotated[Path | None, typer.Option("--register", help="Review register file.")] = None,
    reviewer: Annotated[str | None, typer.Option(help="Who reviewed the rules (required to record).")] = None,
    fingerprint: Annotated[list[str], typer.Option("--fingerprint", help="Record this rule (repeatable).")] = [],  # noqa: B006
    all_rules: Annotated[bool, typer.Option("--all", help="Record every unreviewed rule.")] = False,
    note: Annotated[str | None, typer.Option(help="Ticket or pull request of the review.")] = None,
) -> None:
    """Without --fingerprint/--all: list the unreviewed rules. With them: record the review in the register."""
    from checks.cli import fail
    from checks.normalize import normalize
    from checks.pipeline import CheckRequest, load_source, prepare, register_path

    console = Console(highlight=False, soft_wrap=True)
    try:
        req = CheckRequest(program_dir=program_dir, preview=preview, state=state, stack=stack, sg_register=register)
        _, settings = prepare(req)
        path = register_path(req, settings)
        reviews = load_register(path)
        assets = normalize(load_source(req).resources, reviewed=frozenset(r.fingerprint for r in reviews)).assets
        pending = unreviewed(assets)
        if not fingerprint and not all_rules:
            for asset, rule in pending:
                where = f"{asset.location}" if asset.location else asset.id
                console.print(f"{rule['fingerprint']}  {rule_text(asset.name, rule)}  ({where})", markup=False)
            console.print(f"{len(pending)} unreviewed rule(s); register: {display_path(path)}"
                          + (" (does not exist yet)" if not path.exists() else ""), markup=False)
            return
        if not reviewer:
            raise InputError("--reviewer is required to record a review", hint="e.g. --reviewer security@example.com")
        by_fp = {rule["fingerprint"]: (asset, rule) for asset, rule in pending}
        chosen = list(by_fp) if all_rules else fingerprint
        missing = [f for f in chosen if f not in by_fp]
        if missing:
            raise InputError(f"fingerprint {missing[0]} is not an unreviewed rule of this program",
                             where="--fingerprint", hint="list them with 'clearance sg review <program>'")
        today = dt.date.today()
        added = [Review(f, reviewer, today, rule_text(by_fp[f][0].name, by_fp[f][1]), note) for f in chosen]
        try:
            write_register(path, reviews + added)
        except OSError as err:
            raise InputError(f"cannot write the register: {err.strerror or err}", where=str(path)) from None
    except ClearanceError as err:
        fail(err)
        return
    for r in added:
        console.print(f"recorded {r.fingerprint}  {r.rule}", markup=False)
    console.print(f"{len(added)} review(s) added to {display_path(path)}", markup=False)
