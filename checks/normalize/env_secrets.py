"""Plain-text secrets in the environment variables of a planned or state resource (lambda.function,
ecs.task_definition): only the offending variables' NAMES leave this module, never a value.

A variable keeps a secret in plain text when its value is a Pulumi secret (the program marked it secret, and the
service stores it readable by anyone who can read the configuration), or by the test both views share
(`live_types.plaintext_secret`): a name that looks like a secret's with a literal value, or a value that looks like
an AWS access key id. A value unknown at plan time decides nothing when the name does not look like a secret's (an
address, a bucket name); with a secret-like name it may be a literal or a reference, so the answer is unknown unless
another variable already fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks.live_types import plaintext_secret, secret_like_name
from checks.model import UNKNOWN, Secret
from checks.normalize.base import unwrap


def variable_verdict(name: Any, value: Any) -> Any:
    """True: a plain-text secret; False: not one; UNKNOWN: cannot be known at plan time."""
    if isinstance(value, Secret):
        return unwrap(value) is not None
    name, value = unwrap(name), unwrap(value)
    if value is None:
        return False
    if name is UNKNOWN:
        return UNKNOWN
    if value is UNKNOWN:
        return UNKNOWN if secret_like_name(str(name)) else False
    if isinstance(value, bool):  # a boolean is a setting, never a secret
        return False
    return plaintext_secret(str(name), str(value))


def offending_names(verdicts: Iterable[tuple[str, Any]]) -> Any:
    """The sorted names whose verdict is True; UNKNOWN when none is but one is unknown (or the whole environment
    is: a verdict of UNKNOWN for the name "*")."""
    found: set[str] = set()
    unknown = False
    for name, verdict in verdicts:
        if verdict is True:
            found.add(name)
        elif verdict is UNKNOWN:
            unknown = True
    if found:
        return sorted(found)
    return UNKNOWN if unknown else []
