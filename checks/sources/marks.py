"""Values derived from an invoke under mocks are unknown.

Under clearance's mocks an invoke (`aws.get_caller_identity()`, `aws.ec2.get_ami(...)`) returns results whose
values are markers, `clearance-unknown-<token>-<field>` (`_pulumi_invokes.py`). A program builds inputs from them
(f-strings, `json.dumps` of a policy, lists and dicts), so every captured string that contains a marker is unknown,
and so is a secret whose plaintext contains one. Nothing built from a marker may pass or fail a control.
"""

from __future__ import annotations

from typing import Any

from checks.model import UNKNOWN, Secret
from checks.raw import UNKNOWN_MARK

MARK = UNKNOWN_MARK  # the same prefix as `_pulumi_invokes.MARK` (that module runs in the child)


def is_marked(value: Any) -> bool:
    """True when `value` is or contains a marker anywhere (strings, lists, dicts, secrets)."""
    if isinstance(value, str):
        return MARK in value
    if isinstance(value, Secret):
        return is_marked(value.value)
    if isinstance(value, list | tuple):
        return any(is_marked(v) for v in value)
    if isinstance(value, dict):
        return any(is_marked(k) or is_marked(v) for k, v in value.items())
    return False


def unmark(value: Any) -> Any:
    """`value` with every string that contains a marker (and every secret holding one) replaced by UNKNOWN.

    A dict key that contains a marker makes its value UNKNOWN (the key is kept: it names what is unknown)."""
    if isinstance(value, str):
        return UNKNOWN if MARK in value else value
    if isinstance(value, Secret):
        return UNKNOWN if is_marked(value.value) else value
    if isinstance(value, list):
        return [unmark(v) for v in value]
    if isinstance(value, dict):
        return {k: UNKNOWN if is_marked(k) else unmark(v) for k, v in value.items()}
    return value
