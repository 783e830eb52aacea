"""The root command builds a subcommand when it is used (checks/cli/__init__.py: COMMANDS, LazyCommands), and builds
it exactly as Typer builds a command registered on the app (issue 13: `clearance check` builds no other command)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
import typer
import typer.main

import checks.cli as cli
from checks.cli.common import FlagHelpCommand, FlagHelpGroup


def eager_app() -> typer.Typer:
    """The app as it was registered before commands were lazy: every command on the app, built with the group."""
    app = typer.Typer(cls=FlagHelpGroup, add_completion=False, pretty_exceptions_enable=False)
    app.callback()(lambda: None)
    for name in cli.COMMANDS:
        module, attribute = cli.COMMANDS[name]
        target = getattr(import_module(module), attribute)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name, cls=FlagHelpCommand)(target)
    return app


def describe(value: Any, depth: int = 0) -> Any:
    """A comparable picture of a click command: its class and attributes, recursively (parameters, their types,
    subcommands); functions by name (Typer wraps callbacks anew on every build)."""
    assert depth < 12, "too deep: a cycle"
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [describe(v, depth + 1) for v in value]
    if isinstance(value, dict) or hasattr(value, "keys") and hasattr(value, "__getitem__"):
        return {k: describe(value[k], depth + 1) for k in value.keys()}
    if isinstance(value, Callable) and not hasattr(value, "params"):  # type: ignore[arg-type]
        return f"function {getattr(value, '__name__', type(value).__name__)}"
    if not hasattr(value, "__dict__"):  # a Path default, a compiled pattern
        return repr(value)
    return (type(value).__qualname__, describe(vars(value), depth + 1))


def test_the_commands_are_listed_in_the_order_they_were_registered() -> None:
    lazy = typer.main.get_command(cli.app).commands  # type: ignore[attr-defined]
    eager = typer.main.get_command(eager_app()).commands  # type: ignore[attr-defined]
    assert list(lazy) == list(eager) == ["check", "scan", "report", "iam-policy", "drift", "pre-commit", "controls",
                                         "sg", "sandbox", "baseline"]


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_each_command_is_built_as_typer_builds_a_registered_one(name: str) -> None:
    lazy = typer.main.get_command(cli.app).commands[name]  # type: ignore[attr-defined]
    eager = typer.main.get_command(eager_app()).commands[name]  # type: ignore[attr-defined]
    assert describe(lazy) == describe(eager)
    assert type(lazy) is (FlagHelpGroup if name in ("controls", "sg", "sandbox", "baseline") else FlagHelpCommand)


def test_a_command_is_built_once_and_only_when_it_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    real = cli.build_command

    def spy(name: str) -> Any:
        built.append(name)
        return real(name)

    monkeypatch.setattr(cli, "build_command", spy)
    commands = typer.main.get_command(cli.app).commands  # type: ignore[attr-defined]
    assert "scan" in commands and "nope" not in commands and len(commands) == len(cli.COMMANDS)
    assert built == []  # listing names builds nothing
    first = commands["check"]
    assert commands.get("check") is first and built == ["check"]
    assert commands.get("nope") is None and built == ["check"]
    with pytest.raises(KeyError):
        commands["nope"]


def test_a_command_added_to_the_group_is_listed_after_the_others() -> None:
    group = typer.main.get_command(cli.app)
    extra = typer.main.get_command(cli.app).commands["sg"]  # type: ignore[attr-defined]
    group.add_command(extra, "extra")  # type: ignore[attr-defined]
    assert list(group.commands)[-1] == "extra" and group.commands["extra"] is extra  # type: ignore[attr-defined]
    del group.commands["extra"]  # type: ignore[attr-defined]
    assert "extra" not in group.commands  # type: ignore[attr-defined]
