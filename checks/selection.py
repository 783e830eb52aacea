"""Which controls a run evaluates: `--check`, `--skip-check`, `--severity` and `--framework`.

A pure module. A control runs when it matches every given filter: one of the `--check` ids or globs (none given:
every control), one of the `--severity` values, mapped to one of the `--framework` ids, and none of the
`--skip-check` ids or globs (skip wins over check, as in checkov). Ids and globs (`NET-*`, `enc-0?`, fnmatch
syntax) are case-insensitive. A deselected control is not evaluated and appears in no report; the compliance
coverage counts the requirements it backs as not fully evaluated (checks/coverage.py).

`validate` turns what cannot be meant into an InputError naming the option, the value and the known ones: an id or
glob that matches no control, an unknown framework. An unknown severity is refused when the selection is built.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from checks.errors import InputError
from checks.model import Severity


class Selectable(Protocol):
    """What a selection reads of a control (checks.catalog.controls.Control has it)."""

    @property
    def id(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def frameworks(self) -> Mapping[str, Sequence[str]]: ...


def split_values(values: Iterable[str]) -> tuple[str, ...]:
    """Values of a repeatable, comma-separable option, stripped, empty ones left out."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _matches(control_id: str, patterns: Iterable[str]) -> bool:
    cid = control_id.upper()
    return any(fnmatch.fnmatchcase(cid, p) for p in patterns)


@dataclass(frozen=True)
class Selection:
    """Empty fields select everything; `checks` and `skip_checks` are upper-cased ids or fnmatch globs."""

    checks: tuple[str, ...] = ()
    skip_checks: tuple[str, ...] = ()
    severities: tuple[Severity, ...] = ()
    frameworks: tuple[str, ...] = ()

    @classmethod
    def of(cls, *, check: Iterable[str] = (), skip_check: Iterable[str] = (), severity: Iterable[str] = (),
           framework: Iterable[str] = ()) -> Selection:
        """From option values (repeatable, comma-separable); an unknown severity is an InputError."""
        known = [s.value for s in Severity]
        severities: list[Severity] = []
        for value in split_values(severity):
            if value.lower() not in known:
                raise InputError(f"unknown severity '{value}' (known: {', '.join(known)})", where="--severity")
            severities.append(Severity(value.lower()))
        return cls(checks=tuple(dict.fromkeys(v.upper() for v in split_values(check))),
                   skip_checks=tuple(dict.fromkeys(v.upper() for v in split_values(skip_check))),
                   severities=tuple(dict.fromkeys(severities)),
                   frameworks=tuple(dict.fromkeys(v.lower() for v in split_values(framework))))

    @property
    def everything(self) -> bool:
        """No filter given: every control runs."""
        return not (self.checks or self.skip_checks or self.severities or self.frameworks)

    def matches(self, control: Selectable) -> bool:
        if self.checks and not _matches(control.id, self.checks):
            return False
        if self.skip_checks and _matches(control.id, self.skip_checks):
            return False
        if self.severities and control.severity not in self.severities:
            return False
        return not self.frameworks or any(f in control.frameworks for f in self.frameworks)

    def validate(self, controls: Iterable[Selectable], frameworks: Iterable[str]) -> None:
        """Every id or glob matches some control and every framework exists; else an InputError naming the option,
        the value and the known ones."""
        controls = list(controls)
        ids = sorted(c.id for c in controls)
        for option, patterns in (("--check", self.checks), ("--skip-check", self.skip_checks)):
            for pattern in patterns:
                if not any(fnmatch.fnmatchcase(cid.upper(), pattern) for cid in ids):
                    raise InputError(f"'{pattern}' matches no control (known: {', '.join(ids)})", where=option,
                                     hint="list them with 'clearance controls list'")
        known = sorted(frameworks)
        for fid in self.frameworks:
            if fid not in known:
                raise InputError(f"unknown framework '{fid}' (known: {', '.join(known)})", where="--framework")
        if not any(self.matches(c) for c in controls):
            raise InputError(f"{self.describe()} selects no control", hint="list them with 'clearance controls list'")

    def describe(self) -> str:
        """`--check NET-*,KEY-01 --severity critical,high`: the options that made this selection."""
        parts = [(option, values) for option, values in (
            ("--check", self.checks), ("--skip-check", self.skip_checks),
            ("--severity", tuple(s.value for s in self.severities)), ("--framework", self.frameworks)) if values]
        return " ".join(f"{option} {','.join(values)}" for option, values in parts)
