"""`clearance sg review`: list the security-group rules that are not in the review register, and record reviews."""

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from checks.cli.common import FlagHelpCommand, FlagHelpGroup, make_console
from checks.errors import InputError
from checks.paths import display_path

sg_app = typer.Typer(cls=FlagHelpGroup, no_args_is_help=True, help="Security-group rule reviews (control FW-01).")


@sg_app.command("review", cls=FlagHelpCommand)
def review(
    program_dir: Annotated[Path | None,
                           typer.Argument(help="Folder of the Pulumi program (holds Pulumi.yaml).")] = None,
    preview: Annotated[Path | None, typer.Option(help="A `pulumi preview --json` file.")] = None,
    state: Annotated[Path | None, typer.Option(help="A `pulumi stack export` file.")] = None,
    program_dir_of_file: Annotated[Path | None, typer.Option(
        "--program-dir", metavar="DIR", help="The Pulumi program a --state/--preview file belongs to (default: found "
                                             "from the file's project name).")] = None,
    stack: Annotated[str | None, typer.Option(help="Stack whose Pulumi.<stack>.yaml config to use.")] = None,
    register: Annotated[Path | None, typer.Option("--register", metavar="FILE", help="Review register file.")] = None,
    reviewer: Annotated[str | None, typer.Option(help="Who reviewed the rules (required to record).")] = None,
    fingerprint: Annotated[list[str], typer.Option("--fingerprint", metavar="FP",
                                                   help="Record this rule (repeatable).")] = [],  # noqa: B006
    all_rules: Annotated[bool, typer.Option("--all", metavar="", help="Record every unreviewed rule.")] = False,
    note: Annotated[str | None, typer.Option(help="Ticket or pull request of the review.")] = None,
) -> None:
    """Without --fingerprint/--all: list the unreviewed rules. With them: record the review in the register."""
    from checks.flows.check import CheckRequest, unreviewed_rules
    from checks.register import Review, rule_text, write_register

    console = make_console()
    req = CheckRequest(program_dir=program_dir, preview=preview, state=state, stack=stack, sg_register=register,
                       project_dir=program_dir_of_file)
    path, reviews, pending = unreviewed_rules(req)
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
    for r in added:
        console.print(f"recorded {r.fingerprint}  {r.rule}", markup=False)
    console.print(f"{len(added)} review(s) added to {display_path(path)}", markup=False)
