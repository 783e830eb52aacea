"""The `clearance` command line (Typer): the app, its one error handler and the registration of every command.

Commands live one module each beside this one and never import it. A `ClearanceError` raised anywhere below a
command is printed here, one line per problem on stderr, and exits with its code (2): never a traceback. A usage
error (an unknown option, a missing value, a bad choice) is one line too:
`clearance check: error: no such option: --frmat (try --help)`, exit 2.

Root options: `--version`, `--color auto|always|never` (beside NO_COLOR and FORCE_COLOR: checks/cli/common.py) and
Typer's `--install-completion` / `--show-completion` (bash, zsh, fish, PowerShell). `python -m checks` is the same
command (checks/__main__.py).
"""

from __future__ import annotations

import re
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer vendors click privately

from checks import tool_version, tune_gc
from checks.cli.baseline import baseline_app
from checks.cli.check import check
from checks.cli.common import COLOR_KEY, ColorMode, FlagHelpCommand, FlagHelpGroup, make_console
from checks.cli.controls import controls_app
from checks.cli.drift import drift
from checks.cli.precommit import pre_commit
from checks.cli.sandbox import sandbox_app
from checks.cli.scan import iam_policy, scan
from checks.cli.sg import sg_app
from checks.errors import ClearanceError, ExitCode


def report_error(err: ClearanceError, color: ColorMode | None = None) -> None:
    console = make_console(stderr=True, mode=color)
    for line in err.render().splitlines():  # one line per problem
        console.print(f"[bold red]error:[/] {escape(line)}", markup=True)


def usage_line(err: UsageError, command: str = "clearance") -> str:
    """`clearance check: error: no such option: --frmat (did you mean --format?) (try --help)`; `command` names
    the command when the error does not know it."""
    command = err.ctx.command_path if err.ctx is not None else command
    message = " ".join(err.format_message().split()).replace("Value error, ", "").rstrip(".")
    message = re.sub(r"\(Possible options: ([^)]*)\)", r"(did you mean \1?)", message)
    return f"{command}: error: {message[:1].lower()}{message[1:]} (try --help)"


def report_usage_error(err: UsageError, command: str = "clearance") -> None:
    Console(stderr=True, highlight=False, soft_wrap=True).print(usage_line(err, command), markup=False)


class ClearanceGroup(FlagHelpGroup):
    """The root command: every subcommand runs inside its `invoke`, so this is the one place user errors end
    (`make_context` hands the root command's own usage errors, such as `clearance --bogus`, to the same place)."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click privately)
        try:
            return super().invoke(ctx)
        except ClearanceError as err:
            report_error(err, ctx.meta.get(COLOR_KEY))
            raise typer.Exit(err.exit_code) from None
        except NoArgsIsHelpError:
            raise  # `clearance controls` alone prints the group's help, as Typer does
        except UsageError as err:
            sub = ctx.invoked_subcommand  # set before the subcommand parses its arguments
            report_usage_error(err, f"{ctx.command_path} {sub}" if sub else ctx.command_path)
            raise typer.Exit(ExitCode.USAGE) from None

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except NoArgsIsHelpError:
            raise
        except UsageError as err:
            report_usage_error(err, info_name or "clearance")
            raise typer.Exit(ExitCode.USAGE) from None


def _version(value: bool) -> None:
    if value:
        print(f"clearance {tool_version()}")
        raise typer.Exit()


app = typer.Typer(cls=ClearanceGroup, add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Compliance-as-code checks for AWS estates defined with Pulumi.")


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, metavar="",
                                          help="Print the version and exit.")] = False,
    color: Annotated[ColorMode, typer.Option(
        "--color", case_sensitive=False, metavar="auto|always|never",
        help="Colour in the console output: auto (on a terminal, unless NO_COLOR is set to anything; FORCE_COLOR "
             "forces it), always or never (both win over NO_COLOR and FORCE_COLOR). Give it before the command: "
             "clearance --color never check ...")] = ColorMode.AUTO,
) -> None:
    """Compliance-as-code checks for AWS estates defined with Pulumi."""
    ctx.meta[COLOR_KEY] = color


app.command("check", cls=FlagHelpCommand)(check)
app.command("scan", cls=FlagHelpCommand)(scan)
app.command("iam-policy", cls=FlagHelpCommand)(iam_policy)
app.command("drift", cls=FlagHelpCommand)(drift)
app.command("pre-commit", cls=FlagHelpCommand)(pre_commit)
app.add_typer(controls_app, name="controls")
app.add_typer(sg_app, name="sg")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(baseline_app, name="baseline")


def main(prog_name: str | None = None) -> None:
    """The console script `clearance`; `python -m checks` passes its name, so usage and completion say
    `clearance` too."""
    tune_gc()
    try:
        app(prog_name=prog_name)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
