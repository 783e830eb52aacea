"""The `clearance` command line (Typer): the app, its one error handler and the table of every command.

Commands live one module each beside this one and never import it. A `ClearanceError` raised anywhere below a
command is printed here, one line per problem on stderr, and exits with its code (2): never a traceback. A usage
error (an unknown option, a missing value, a bad choice) is one line too:
`clearance check: error: no such option: --frmat (try --help)`, exit 2.

Root options: `--version`, `--color auto|always|never` (beside NO_COLOR and FORCE_COLOR: checks/cli/common.py) and
Typer's `--install-completion` / `--show-completion` (bash, zsh, fish, PowerShell). `python -m checks` is the same
command (checks/__main__.py).

Start-up (issue 13): a command's module is imported, and its click command built from its signature, when the
command is used (`COMMANDS`, `LazyCommands`): `clearance check` never imports or builds the other eight; `--help`
and completion build them all. The modules that define commands do not postpone annotations (no `from __future__
import annotations`: Typer would compile ~300 annotation strings per run, ~20 ms) and quote only what exists for
type checkers alone. Rich is imported when something is printed, pydantic not at all (Typer <0.29 parses with click
types: pyproject.toml).
"""

import re
import sys
from collections.abc import Iterator, MutableMapping
from importlib import import_module
from typing import Annotated, Any

import typer
import typer.main
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer vendors click privately

from checks import tool_version, tune_gc
from checks.cli.common import COLOR_KEY, ColorMode, FlagHelpCommand, FlagHelpGroup, make_console
from checks.errors import ClearanceError, ExitCode

# Every command, in the order --help lists them: (module, attribute), a command function or a Typer group.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("checks.cli.check", "check"),
    "scan": ("checks.cli.scan", "scan"),
    "report": ("checks.cli.report", "report"),
    "iam-policy": ("checks.cli.iam", "iam_policy"),
    "drift": ("checks.cli.drift", "drift"),
    "pre-commit": ("checks.cli.precommit", "pre_commit"),
    "controls": ("checks.cli.controls", "controls_app"),
    "sg": ("checks.cli.sg", "sg_app"),
    "sandbox": ("checks.cli.sandbox", "sandbox_app"),
    "baseline": ("checks.cli.baseline", "baseline_app"),
}


def report_error(err: ClearanceError, color: ColorMode | None = None) -> None:
    from rich.markup import escape

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
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(usage_line(err, command), markup=False)


def build_command(name: str) -> Any:
    """The click command of `COMMANDS[name]`: what Typer builds, when it builds the root group, for a function
    registered with `app.command(name, cls=FlagHelpCommand)` or a group with `app.add_typer(group, name=name)`."""
    module, attribute = COMMANDS[name]
    target = getattr(import_module(module), attribute)
    registered = typer.Typer()  # holds the registration only: Typer's own records of it
    if isinstance(target, typer.Typer):
        registered.add_typer(target, name=name)
        return typer.main.get_group_from_info(
            registered.registered_groups[0], pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode, suggest_commands=app.suggest_commands)
    registered.command(name, cls=FlagHelpCommand)(target)
    return typer.main.get_command_from_info(registered.registered_commands[0],
                                            pretty_exceptions_short=app.pretty_exceptions_short,
                                            rich_markup_mode=app.rich_markup_mode)


class LazyCommands(MutableMapping[str, Any]):
    """The root group's commands by name (click's `Group.commands`): every name of `COMMANDS` is listed, and its
    command is built on first access. Typer and click list names (`--help`, suggestions, completion) and get one
    command by name (`get_command`) through this mapping."""

    def __init__(self, built: MutableMapping[str, Any]) -> None:
        self._built = dict(built)
        self._names = list(dict.fromkeys([*COMMANDS, *built]))

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._built:
            self._built[name] = build_command(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command
        if name not in self._names:
            self._names.append(name)

    def __delitem__(self, name: str) -> None:
        if name not in self._names:
            raise KeyError(name)
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names


class ClearanceGroup(FlagHelpGroup):
    """The root command: every subcommand runs inside its `invoke`, so this is the one place user errors end
    (`make_context` hands the root command's own usage errors, such as `clearance --bogus`, to the same place).
    Its commands are `LazyCommands`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(self.commands)

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


# the commands are not registered here: ClearanceGroup lists COMMANDS and builds each when it is used


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
