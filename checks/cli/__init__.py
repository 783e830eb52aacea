"""The `clearance` command line (Typer): the app, its one error handler and the registration of every command.

Commands live one module each beside this one and never import it. A `ClearanceError` raised anywhere below a
command is printed here, one line per problem on stderr, and exits with its code (2): never a traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from checks import tool_version, tune_gc
from checks.cli.check import check
from checks.cli.controls import controls_app
from checks.cli.sandbox import sandbox_app
from checks.cli.scan import iam_policy, scan
from checks.cli.sg import sg_app
from checks.errors import ClearanceError


def report_error(err: ClearanceError) -> None:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for line in err.render().splitlines():  # one line per problem
        console.print(f"[bold red]error:[/] {escape(line)}", markup=True)


class ClearanceGroup(TyperGroup):
    """The root command: every subcommand runs inside its `invoke`, so this is the one place user errors end."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click privately)
        try:
            return super().invoke(ctx)
        except ClearanceError as err:
            report_error(err)
            raise typer.Exit(err.exit_code) from None


def _version(value: bool) -> None:
    if value:
        print(f"clearance {tool_version()}")
        raise typer.Exit()


app = typer.Typer(cls=ClearanceGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Compliance-as-code checks for AWS estates defined with Pulumi.")


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Compliance-as-code checks for AWS estates defined with Pulumi."""


app.command("check")(check)
app.command("scan")(scan)
app.command("iam-policy")(iam_policy)
app.add_typer(controls_app, name="controls")
app.add_typer(sg_app, name="sg")
app.add_typer(sandbox_app, name="sandbox")


def main() -> None:
    tune_gc()
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
