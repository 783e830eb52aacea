"""User-facing errors: one line that names the file, line, field or call, and what to do."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of every command (README, docs/architecture.md)."""

    OK = 0            # nothing failed at or above the threshold
    FINDINGS = 1      # findings at or above the threshold (or `sandbox apply`: some resources failed)
    USAGE = 2         # bad input or usage: one line on stderr
    DRIFT = 3         # `drift` found drift
    NOT_RUNNING = 3   # `sandbox status`: no sandbox answers (the same 3 as LSB init scripts use)
    INCOMPLETE = 4    # something controls need could not be read, or (--strict) results are unknown



class ClearanceError(Exception):
    """Bad input or usage. The CLI prints `str(err)` on one line and exits with code 2."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        self.where = where
        self.hint = hint
        self.message = message
        super().__init__(self.render())

    def render(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return " ".join(text.split())  # always one line


class InputError(ClearanceError):
    """A file given by the user (control, preview, state, waivers, config) is malformed."""


class ProgramError(ClearanceError):
    """The Pulumi program could not be run under mocks."""
