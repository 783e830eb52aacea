"""Appliers: one module per service family, each with `APPLIERS` (Pulumi type token -> applier) and optionally
`UNSUPPORTED` (token -> why the sandbox cannot emulate it). `registry()` merges every module's; a token claimed
twice raises."""

from __future__ import annotations

from functools import cache
from typing import Any

from checks.plugins import import_package
from checks.sandbox.context import Applier


def _merged(attribute: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for module in import_package(__name__):
        for token, value in getattr(module, attribute, {}).items():
            if token in merged:
                raise ValueError(f"sandbox {attribute} for {token} defined twice (second in {module.__name__})")
            merged[token] = value
    return merged


@cache
def appliers() -> dict[str, Applier]:
    """Pulumi type token -> the applier that creates it in the sandbox."""
    return _merged("APPLIERS")


@cache
def unsupported() -> dict[str, str]:
    """Pulumi type token -> why the sandbox cannot create it."""
    return _merged("UNSUPPORTED")
